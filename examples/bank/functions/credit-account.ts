/**
 * The bank's Credit command (shared/reference/articles.md): before crediting an account it asks a
 * third-party fraud-scoring API, retrying once when that API is unavailable. Small credits skip the check.
 * An accepted credit is appended to the account's ledger (see account-ledger.ts).
 * Nothing in this file knows about stakeout: the interceptor layer does its work from the outside.
 */
import { appendAccountEvent } from './account-ledger.js'

export interface CreditCommand {
  accountId: string
  amount: number
}

export interface CreditOutcome {
  accepted: boolean
  reason?: string
  /** The account's version once the credit is in the ledger. */
  version?: number
  balance?: number
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
  if (!(command.amount > 0)) throw new Error('amount must be a positive number')
  if (command.amount > CHECK_ABOVE) {
    let score: number
    try {
      score = await fraudScore(command)
    } catch (error) {
      return { accepted: false, reason: `fraud check unavailable: ${(error as Error).message}` }
    }
    if (score >= 0.8) return { accepted: false, reason: 'suspected fraud' }
  }
  const appended = await appendAccountEvent(
    command.accountId,
    () => ({ type: 'Credit', payload: { amount: command.amount } }) as const,
    (decision): decision is { type: 'Credit'; payload: { amount: number } } => true,
  )
  if ('refused' in appended) throw new Error('a credit is never refused once scored')
  return { accepted: true, version: appended.version, balance: appended.account.totalBalance }
}
