/**
 * The layer's small DynamoDB client and the shared table code (table-io.ts) against DynamoDB Local, with a real
 * HTTP server in front of it where a test needs DynamoDB to throttle, fail, or never answer.
 */
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDynamoDBClient, DynamoDBError } from '../../../src/runtime/interceptor/dynamodb-client.js'
import { queryAll, writeAll } from '../../../src/runtime/interceptor/table-io.js'
import { createInterceptorTable, dynamodbEndpoint, LOCAL_AWS_ENV, localDynamoDB } from '../../support/dynamodb.js'
import { startSilentServer } from './fixtures/harness.js'

let sdk: DynamoDBClient
let tableName: string

beforeAll(async () => {
  sdk = localDynamoDB()
  tableName = await createInterceptorTable(sdk)
})

afterAll(() => {
  sdk?.destroy()
})

const env = (endpoint: string, extra: Record<string, string> = {}) => ({
  ...LOCAL_AWS_ENV,
  AWS_ENDPOINT_URL_DYNAMODB: endpoint,
  ...extra,
})

/** A request the front server saw. */
interface Seen {
  operation: string
  headers: http.IncomingHttpHeaders
  body: string
}

/**
 * A server on 127.0.0.1 in front of DynamoDB Local: `answer` says, per request, what to send back instead of
 * DynamoDB's answer (undefined forwards it).
 */
async function startFront(answer: (seen: Seen, index: number) => { status: number; body: unknown } | undefined) {
  const seen: Seen[] = []
  const upstream = new URL(dynamodbEndpoint())
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString()
      const entry = {
        operation: String(request.headers['x-amz-target']).split('.')[1] ?? '',
        headers: request.headers,
        body,
      }
      seen.push(entry)
      const replaced = answer(entry, seen.length - 1)
      if (replaced) {
        response.writeHead(replaced.status, { 'content-type': 'application/x-amz-json-1.0' })
        response.end(JSON.stringify(replaced.body))
        return
      }
      const forward = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: request.url,
          method: request.method,
          headers: request.headers,
        },
        (answered) => {
          response.writeHead(answered.statusCode ?? 502, answered.headers)
          answered.pipe(response)
        },
      )
      forward.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const partition = () => `test-${randomUUID()}`

describe('createDynamoDBClient', () => {
  it('reads every page of a Query, and writes batches, with the table code both sides share', async () => {
    const send = createDynamoDBClient({}, env(dynamodbEndpoint()))
    const pk = partition()
    const requests = Array.from({ length: 30 }, (_, index) => ({
      PutRequest: { Item: { pk: { S: pk }, sk: { S: `item#${String(index).padStart(2, '0')}` } } },
    }))
    const outcomes = await writeAll(send, tableName, requests)
    expect(outcomes.map((outcome) => [outcome.status, outcome.requests.length])).toEqual([
      ['fulfilled', 25],
      ['fulfilled', 5],
    ])

    const keys: string[] = []
    const query = {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: pk } },
      Limit: 7,
    }
    for await (const item of queryAll(send, query)) keys.push(item.sk?.S ?? '')
    expect(keys).toEqual(requests.map((request) => request.PutRequest.Item.sk.S))
  })

  it('names DynamoDB errors as the AWS SDK does', async () => {
    const send = createDynamoDBClient({}, env(dynamodbEndpoint()))
    const pk = partition()
    const update = {
      TableName: tableName,
      Key: { pk: { S: pk }, sk: { S: 'counter' } },
      UpdateExpression: 'ADD #n :one',
      ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
      ExpressionAttributeNames: { '#n': 'n' },
      ExpressionAttributeValues: { ':one': { N: '1' }, ':limit': { N: '1' } },
      ReturnValues: 'UPDATED_NEW' as const,
    }
    expect((await send('UpdateItem', update)).Attributes).toEqual({ n: { N: '1' } })
    const refused = await send('UpdateItem', update).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(DynamoDBError)
    expect(refused).toMatchObject({ name: 'ConditionalCheckFailedException', statusCode: 400 })

    await expect(
      send('Query', {
        TableName: `missing-${randomUUID()}`,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
      }),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' })
  })

  it('signs with SigV4 for dynamodb in the region, with the session token, and marks its requests as its own', async () => {
    const front = await startFront(() => undefined)
    try {
      const send = createDynamoDBClient(
        {},
        env(front.endpoint, { AWS_SESSION_TOKEN: 'the-token', AWS_REGION: 'eu-west-3' }),
      )
      await send('Query', {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: partition() } },
      })
      const { headers } = front.seen[0]!
      expect(headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/eu-west-3\/dynamodb\/aws4_request, SignedHeaders=\S+, Signature=[0-9a-f]{64}$/,
      )
      expect(String(headers.authorization)).toContain('x-amz-security-token')
      expect(String(headers.authorization)).not.toContain('x-stakeout-internal')
      expect(headers['x-amz-security-token']).toBe('the-token')
      expect(headers['x-stakeout-internal']).toBe('1')
      expect(headers['content-type']).toBe('application/x-amz-json-1.0')
      expect(headers['x-amz-target']).toBe('DynamoDB_20120810.Query')
    } finally {
      await front.close()
    }
  })

  it('retries throttling and 5xx answers, then succeeds', async () => {
    const front = await startFront((_, index) => {
      if (index === 0) return { status: 500, body: { __type: 'com.amazon.coral.service#InternalServerError' } }
      if (index === 1) {
        return {
          status: 400,
          body: {
            __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
            message: 'slow down',
          },
        }
      }
      return undefined
    })
    try {
      const send = createDynamoDBClient({}, env(front.endpoint))
      const page = await send('Query', {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: partition() } },
      })
      expect(page.Items).toEqual([])
      expect(front.seen.map((seen) => seen.operation)).toEqual(['Query', 'Query', 'Query'])
    } finally {
      await front.close()
    }
  })

  it('does not retry an error that another try would not fix, and gives up after maxAttempts', async () => {
    let status = 400
    const front = await startFront(() =>
      status === 400
        ? { status, body: { __type: 'com.amazon.coral.validate#ValidationException', message: 'bad input' } }
        : { status, body: {} },
    )
    try {
      const send = createDynamoDBClient({ maxAttempts: 3 }, env(front.endpoint))
      const input = { TableName: tableName, KeyConditionExpression: 'pk = :pk' }
      await expect(send('Query', input)).rejects.toMatchObject({ name: 'ValidationException', message: 'bad input' })
      expect(front.seen).toHaveLength(1)

      status = 503
      await expect(send('Query', input)).rejects.toMatchObject({ name: 'InternalServerError', statusCode: 503 })
      expect(front.seen).toHaveLength(4)
    } finally {
      await front.close()
    }
  })

  it('ends an operation on a table that never answers when its abortSignal fires', async () => {
    const silent = await startSilentServer()
    try {
      const send = createDynamoDBClient({}, env(silent.endpoint))
      const outcome = await send(
        'Query',
        { TableName: tableName, KeyConditionExpression: 'pk = :pk' },
        AbortSignal.timeout(100),
      ).catch((error: unknown) => error)
      expect(outcome).toMatchObject({ name: expect.stringMatching(/AbortError|TimeoutError/) })
      expect(silent.connections).toBeGreaterThan(0)
    } finally {
      await silent.close()
    }
  })

  it('refuses to send without an endpoint or a region, saying which variable to set', async () => {
    const send = createDynamoDBClient({}, { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' })
    await expect(send('Query', { TableName: tableName })).rejects.toThrow(
      'no DynamoDB endpoint: set AWS_REGION (Lambda sets it) or AWS_ENDPOINT_URL_DYNAMODB',
    )
  })
})

describe('writeAll', () => {
  it('retries what DynamoDB left unprocessed until all of it is written', async () => {
    const front = await startFront((seen, index) => {
      if (index > 0) return undefined
      // The first answer hands every request back, as a throttled BatchWriteItem does.
      const requests = JSON.parse(seen.body).RequestItems
      return { status: 200, body: { UnprocessedItems: requests } }
    })
    try {
      const send = createDynamoDBClient({}, env(front.endpoint))
      const pk = partition()
      const requests = [1, 2, 3].map((n) => ({ PutRequest: { Item: { pk: { S: pk }, sk: { S: `n#${n}` } } } }))
      const outcomes = await writeAll(send, tableName, requests)
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled'])
      expect(front.seen.map((seen) => seen.operation)).toEqual(['BatchWriteItem', 'BatchWriteItem'])

      const written: string[] = []
      const query = {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
      }
      for await (const item of queryAll(send, query)) written.push(item.sk?.S ?? '')
      expect(written).toEqual(['n#1', 'n#2', 'n#3'])
    } finally {
      await front.close()
    }
  })
})
