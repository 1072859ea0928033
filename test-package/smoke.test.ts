/**
 * A user's test of their Lambda handler, run by Vitest against the installed package: AWS's DynamoDB
 * Local holds the interceptor table, the handler runs in its own Node.js process through the layer
 * in the installed `dist/layer`, and `toHaveCalled` comes from `setupFiles: ['stakeout/vitest']`.
 * `tsc --noEmit` checks this file too, so the published typings are exercised (and must reject bad calls).
 */
import { fileURLToPath } from 'node:url'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { type InterceptorFixture, useInterceptor } from 'stakeout'
import {
  createInterceptorTable,
  type DynamoDBLocal,
  type LocalHandler,
  type LocalInterceptorTable,
  startDynamoDBLocal,
  startHandler,
} from 'stakeout/local'
import { afterAll, beforeAll, expect, test } from 'vitest'

const functionName = 'GetUser'
let dynamodbLocal: DynamoDBLocal
let dynamodb: DynamoDBClient
let table: LocalInterceptorTable
let getUser: LocalHandler

beforeAll(async () => {
  dynamodbLocal = await startDynamoDBLocal()
  // DynamoDB Local accepts any credentials; a client of our own spares the test process AWS_* variables.
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' }
  dynamodb = new DynamoDBClient({ endpoint: dynamodbLocal.endpoint, region: 'us-east-1', credentials })
  table = await createInterceptorTable({ dynamodb })
  getUser = await startHandler({
    entry: fileURLToPath(new URL('./handler.mjs', import.meta.url)),
    interceptor: { functionName, tableName: table.tableName, endpoint: dynamodbLocal.endpoint },
  })
})

afterAll(async () => {
  await getUser?.stop()
  await table?.delete()
  dynamodb?.destroy()
  await dynamodbLocal?.stop()
})

const api = useInterceptor(() => ({ functionName, tableName: table.tableName, dynamodb }))

test('the handler gets the mocked user, and the call is recorded', async () => {
  await api.mock('https://users.example.test/users/*', { status: 200, json: { id: 'u-1', name: 'Ada' } })

  const out = await getUser.invoke({ userId: 'u-1' })

  expect(out.error).toBeUndefined()
  expect(out.result).toEqual({ status: 200, user: { id: 'u-1', name: 'Ada' } })
  await expect(api).toHaveCalled('https://users.example.test/users/u-1', { method: 'GET', times: 1 })
  await expect(api).not.toHaveCalled('https://users.example.test/users/u-2', { timeout: 500 })
})

/** Never called: it only has to compile, or not, as marked. */
export function typingsRejectBadCalls(fixture: InterceptorFixture): void {
  // @ts-expect-error the url must be a string or a RegExp
  void expect(fixture).toHaveCalled(42)
  // @ts-expect-error `tiems` is not an option
  void expect(fixture).toHaveCalled('https://users.example.test/*', { tiems: 1 })
  // @ts-expect-error toHaveCalled needs an interceptor
  void expect({ functionName }).toHaveCalled('https://users.example.test/*')
}
