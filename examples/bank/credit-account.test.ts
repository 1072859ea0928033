/**
 * The bank's Credit command, tested with stakeout's public API only: the function and its interceptor by construct
 * id, nothing else. `npm run example` runs it on this machine (stakeout's global setup brings examples/bank/cdk.json
 * up: the table in DynamoDB Local, the function in its own Node.js process through the interceptor layer, as in
 * Lambda); `STAKEOUT_STACK=Bank npx vitest run --project example` runs the same file against the deployed stack.
 */
import { useFunction, useInterceptor } from 'stakeout'
import { describe, expect, it } from 'vitest'
import { EXAMPLE_FRAUD_API_KEY } from './fraud-api.js'

const creditAccount = useFunction('CreditAccount')
const api = useInterceptor('CreditAccount')

async function credit(accountId: string, amount: number) {
  const out = await creditAccount.invoke({ accountId, amount })
  if (out.error) throw new Error(`${out.error.errorType}: ${out.error.errorMessage}\n${out.logs}`)
  return out.result
}

describe('Credit', () => {
  it('accepts a credit the fraud API scores low, after asking it once', async () => {
    await api.mock('https://fraud.example.com/v1/*', { status: 200, json: { score: 0.1 } })

    expect(await credit('acc-1', 500)).toMatchObject({ accepted: true })

    await expect(api).toHaveCalled('https://fraud.example.com/v1/scores', {
      method: 'POST',
      query: { currency: 'EUR' },
      body: { accountId: 'acc-1', amount: 500 },
      times: 1,
    })
  })

  it('refuses a credit the fraud API scores high', async () => {
    await api.mock({ url: 'https://fraud.example.com/*', method: 'POST' }, { json: { score: 0.95 } })

    expect(await credit('acc-2', 10_000)).toEqual({ accepted: false, reason: 'suspected fraud' })
  })

  it('retries once when the fraud API is unavailable', async () => {
    await api.mock('https://fraud.example.com/*', [{ status: 503 }, { status: 200, json: { score: 0.2 } }])

    expect(await credit('acc-3', 250)).toMatchObject({ accepted: true })
    await expect(api).toHaveCalled('https://fraud.example.com/v1/scores', { times: 2 })
  })

  it('refuses the credit when the fraud API cannot be reached', async () => {
    await api.mock('https://fraud.example.com/*', { networkError: true })

    const outcome = await credit('acc-4', 250)
    expect(outcome).toMatchObject({ accepted: false, reason: expect.stringContaining('fraud check unavailable') })
  })

  it('does not call the fraud API for small credits', async () => {
    await api.mock('https://fraud.example.com/*', { json: { score: 0 } })

    expect(await credit('acc-5', 20)).toMatchObject({ accepted: true })
    await expect(api).not.toHaveCalled('https://fraud.example.com/*', { timeout: 1_000 })
  })

  it('never records the API key', async () => {
    await api.mock('https://fraud.example.com/*', { json: { score: 0.1 } })
    await credit('acc-6', 300)

    const [call] = await api.calls('https://fraud.example.com/*')
    expect(call?.headers.authorization).toBe('[REDACTED]')
    expect(JSON.stringify(call)).not.toContain(EXAMPLE_FRAUD_API_KEY)
  })
})
