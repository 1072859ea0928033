/**
 * The bank's Credit command (shared/reference/articles.md): before crediting an account it asks a
 * third-party fraud-scoring API, retrying once when that API is unavailable. Small credits skip the check.
 * Nothing in this file knows about stakeout: the interceptor layer does its work from the outside.
 */
export interface CreditCommand {
  accountId: string
  amount: number
}

export interface CreditOutcome {
  accepted: boolean
  reason?: string
}

const FRAUD_API = process.env.FRAUD_API_URL ?? 'https://fraud.example.com'
const CHECK_ABOVE = 100

async function fraudScore(command: CreditCommand): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${FRAUD_API}/v1/scores?currency=EUR`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.FRAUD_API_KEY ?? ''}` },
      body: JSON.stringify({ accountId: command.accountId, amount: command.amount }),
    })
    if (response.status === 503 && attempt < 2) continue
    if (!response.ok) throw new Error(`fraud API answered ${response.status}`)
    const { score } = (await response.json()) as { score: number }
    return score
  }
}

export const handler = async (command: CreditCommand): Promise<CreditOutcome> => {
  if (command.amount <= CHECK_ABOVE) return { accepted: true }
  try {
    const score = await fraudScore(command)
    return score < 0.8 ? { accepted: true } : { accepted: false, reason: 'suspected fraud' }
  } catch (error) {
    return { accepted: false, reason: `fraud check unavailable: ${(error as Error).message}` }
  }
}
