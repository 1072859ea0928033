/**
 * The bank's Credit command, tested with stakeout's public API only, on this machine: AWS's
 * DynamoDB Local holds the interceptor table, and the function runs in its own Node.js process
 * through the interceptor layer, exactly as applyHttpInterceptor sets it up in Lambda.
 * Against a deployed stack the same test body works with `useInterceptor('CreditAccount')`.
 */

import { fileURLToPath } from 'node:url'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { useInterceptor } from 'stakeout'
import {
  createInterceptorTable,
  type DynamoDBLocal,
  type LocalHandler,
  startDynamoDBLocal,
  startHandler,
} from 'stakeout/local'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const functionName = 'CreditAccount'
const tableName = 'bank-http-interceptor'
let dynamodbLocal: DynamoDBLocal
let dynamodb: DynamoDBClient
let creditAccount: LocalHandler

beforeAll(async () => {
  dynamodbLocal = await startDynamoDBLocal()
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' }
  dynamodb = new DynamoDBClient({ endpoint: dynamodbLocal.endpoint, region: 'us-east-1', credentials })
  // The HttpInterceptor construct's table (pk/sk strings, TTL on expiresAt), as the deployed stack has it.
  await createInterceptorTable({ dynamodb, tableName })
  creditAccount = await startHandler({
    entry: fileURLToPath(new URL('./functions/credit-account.ts', import.meta.url)),
    functionName,
    env: { FRAUD_API_KEY: 'sk_live_do_not_record', AWS_REGION: 'us-east-1' },
    interceptor: { functionName, tableName, endpoint: dynamodbLocal.endpoint },
  })
}, 60_000)

afterAll(async () => {
  await creditAccount?.stop()
  dynamodb?.destroy()
  await dynamodbLocal?.stop()
})

const api = useInterceptor(() => ({ functionName, tableName, dynamodb }))

async function credit(accountId: string, amount: number) {
  const out = await creditAccount.invoke({ accountId, amount })
  if (out.error) throw new Error(`${out.error.errorType}: ${out.error.errorMessage}\n${out.logs}`)
  return out.result
}

describe('Credit', () => {
  it('accepts a credit the fraud API scores low, after asking it once', async () => {
    await api.mock('https://fraud.example.com/v1/*', { status: 200, json: { score: 0.1 } })

    expect(await credit('acc-1', 500)).toEqual({ accepted: true })

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

    expect(await credit('acc-3', 250)).toEqual({ accepted: true })
    await expect(api).toHaveCalled('https://fraud.example.com/v1/scores', { times: 2 })
  })

  it('refuses the credit when the fraud API cannot be reached', async () => {
    await api.mock('https://fraud.example.com/*', { networkError: true })

    const outcome = await credit('acc-4', 250)
    expect(outcome).toMatchObject({ accepted: false, reason: expect.stringContaining('fraud check unavailable') })
  })

  it('does not call the fraud API for small credits', async () => {
    await api.mock('https://fraud.example.com/*', { json: { score: 0 } })

    expect(await credit('acc-5', 20)).toEqual({ accepted: true })
    await expect(api).not.toHaveCalled('https://fraud.example.com/*', { timeout: 1_000 })
  })

  it('never records the API key', async () => {
    await api.mock('https://fraud.example.com/*', { json: { score: 0.1 } })
    await credit('acc-6', 300)

    const [call] = await api.calls('https://fraud.example.com/*')
    expect(call?.headers.authorization).toBe('[REDACTED]')
    expect(JSON.stringify(call)).not.toContain('sk_live_do_not_record')
  })
})
