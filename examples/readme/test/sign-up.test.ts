// test/sign-up.test.ts: runs on this machine, no AWS account needed
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
import { afterAll, beforeAll, expect, it } from 'vitest'

const functionName = 'SignUp'
const tableName = 'http-interceptor'
let dynamodbLocal: DynamoDBLocal
let dynamodb: DynamoDBClient
let signUp: LocalHandler

beforeAll(async () => {
  dynamodbLocal = await startDynamoDBLocal() // AWS's DynamoDB Local (Java 17+): the interceptor's table
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' }
  dynamodb = new DynamoDBClient({ endpoint: dynamodbLocal.endpoint, region: 'us-east-1', credentials })
  await createInterceptorTable({ dynamodb, tableName })
  // The handler in its own Node.js process, through the interceptor layer, as Lambda runs it.
  signUp = await startHandler({
    entry: fileURLToPath(new URL('../functions/sign-up.ts', import.meta.url)),
    functionName,
    interceptor: { functionName, tableName, endpoint: dynamodbLocal.endpoint },
  })
})

afterAll(async () => {
  await signUp?.stop()
  dynamodb?.destroy()
  await dynamodbLocal?.stop()
})

const api = useInterceptor(() => ({ functionName, tableName, dynamodb }))

it('creates the user through the users API', async () => {
  await api.mock('https://users.example.com/v1/*', { status: 201 })

  const out = await signUp.invoke({ email: 'ada@example.com' })

  expect(out.result).toEqual({ created: true })
  await expect(api).toHaveCalled('https://users.example.com/v1/users', {
    method: 'POST',
    body: { email: 'ada@example.com' },
  })
})
