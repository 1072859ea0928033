/**
 * The interceptor layer end to end: a handler runs through the real wrapper script and
 * handler.mjs in a child Node.js process, against DynamoDB Local and real HTTP(S) servers on
 * 127.0.0.1. Rules are written to the table as the test-side client does (schema.ts); recorded
 * calls are read back from it.
 */
import { randomUUID } from 'node:crypto'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { interceptorLayerRoot } from '../../../src/runtime/interceptor/build-layer.js'
import { DEFAULT_MAX_BODY_BYTES, REDACTED } from '../../../src/runtime/interceptor/schema.js'
import { createInterceptorTable, dynamodbEndpoint, localDynamoDB } from '../../support/dynamodb.js'
import {
  type EchoServer,
  type RunOptions,
  putRule,
  recordedCalls,
  runFunction,
  setRecordAll,
  startEchoServer,
  startHttpsEchoServer,
} from './fixtures/harness.js'

let layerRoot: string
let client: DynamoDBClient
let tableName: string
let server: EchoServer
let secure: EchoServer
let functionName: string

beforeAll(async () => {
  layerRoot = interceptorLayerRoot()
  client = localDynamoDB()
  tableName = await createInterceptorTable(client)
  server = await startEchoServer()
  secure = await startHttpsEchoServer()
})

afterAll(async () => {
  await server?.close()
  await secure?.close()
  client?.destroy()
})

beforeEach(() => {
  // One function per test: rules and calls are keyed by function name, so tests never see each other's.
  functionName = `fn-${randomUUID()}`
})

function run(events: unknown[], options: Partial<RunOptions> = {}) {
  return runFunction({
    layerRoot,
    handler: 'calls.handler',
    functionName,
    tableName,
    dynamodbEndpoint: dynamodbEndpoint(),
    invocations: events.map((event) => ({ event })),
    ...options,
  })
}

const calls = () => recordedCalls(client, tableName, functionName)

describe('mock, pass through, unmatched', () => {
  it('answers a matching call from the mock and records it; the server never sees it', async () => {
    const ruleId = await putRule(client, tableName, functionName, {
      match: { url: `${server.url}/users/*`, method: 'GET' },
      responses: [{ status: 404, json: { errorMessage: 'Not found' }, headers: { 'x-mocked': 'yes' } }],
    })
    const outcome = await run([{ calls: [{ client: 'fetch', url: `${server.url}/users/42` }] }])

    expect(outcome.results).toEqual([
      {
        requestId: expect.any(String),
        ok: true,
        value: [{ status: 404, body: '{"errorMessage":"Not found"}', contentType: 'application/json' }],
      },
    ])
    expect(server.requests.filter((request) => request.url === '/users/42')).toEqual([])
    const [call, ...others] = await calls()
    expect(others).toEqual([])
    expect(call).toMatchObject({
      url: `${server.url}/users/42`,
      method: 'GET',
      action: 'mock',
      ruleId,
      status: 404,
      seq: 0,
      requestId: outcome.results[0]!.requestId,
    })
    expect(outcome.stakeoutLogs).toEqual([])
  })

  it('lets a pass-through call reach the server and records the real status', async () => {
    const ruleId = await putRule(client, tableName, functionName, {
      match: { url: `${server.url}/*` },
      action: 'passThrough',
    })
    const outcome = await run([{ calls: [{ client: 'http', url: `${server.url}/teapot?status=418` }] }])

    expect(outcome.results[0]?.value).toEqual([
      { status: 418, body: expect.stringContaining('"real":true'), contentType: 'application/json' },
    ])
    expect(server.requests.some((request) => request.url === '/teapot?status=418')).toBe(true)
    expect(await calls()).toEqual([
      expect.objectContaining({ action: 'passThrough', ruleId, status: 418, url: `${server.url}/teapot?status=418` }),
    ])
  })

  it('does not record a call no rule matches, and lets it through', async () => {
    await putRule(client, tableName, functionName, { match: { url: 'https://api.example.com/*' }, responses: [{}] })
    const outcome = await run([{ calls: [{ client: 'fetch', url: `${server.url}/unmatched` }] }])

    expect(outcome.results[0]?.value).toEqual([expect.objectContaining({ status: 200 })])
    expect(server.requests.some((request) => request.url === '/unmatched')).toBe(true)
    expect(await calls()).toEqual([])
  })

  it('records unmatched calls too with recordAll, with their body and real status', async () => {
    await setRecordAll(client, tableName, functionName, true)
    const outcome = await run([
      {
        calls: [{ client: 'axios', url: `${server.url}/orders`, method: 'POST', body: '{"amount":50}' }],
      },
    ])

    expect(outcome.results[0]?.value).toEqual([expect.objectContaining({ status: 200 })])
    const recorded = await calls()
    expect(recorded).toEqual([
      expect.objectContaining({
        action: 'unmatched',
        method: 'POST',
        url: `${server.url}/orders`,
        body: '{"amount":50}',
        bodySize: 13,
        status: 200,
      }),
    ])
    expect(recorded[0]).not.toHaveProperty('ruleId')
    expect(recorded[0]!.expiresAt).toBeGreaterThan(Date.now() / 1000 + 23 * 3600)
  })
})

describe('clients and protocols', () => {
  it.each(['fetch', 'http', 'axios', 'got', 'node-fetch'])('intercepts %s over HTTP and HTTPS', async (name) => {
    await putRule(client, tableName, functionName, {
      match: { url: '*/mocked' },
      responses: [{ status: 201, body: `mocked for ${name}` }],
    })
    await putRule(client, tableName, functionName, { match: { url: '*/real' }, action: 'passThrough' })
    const outcome = await run([
      {
        calls: [
          { client: name, url: `${server.url}/mocked` },
          { client: name, url: `${secure.url}/mocked` },
          { client: name, url: `${secure.url}/real` },
        ],
      },
    ])

    expect(outcome.results[0]?.value).toEqual([
      expect.objectContaining({ status: 201, body: `mocked for ${name}` }),
      expect.objectContaining({ status: 201, body: `mocked for ${name}` }),
      expect.objectContaining({ status: 200, body: expect.stringContaining('"real":true') }),
    ])
    const recorded = await calls()
    expect(recorded.map(({ url, action, status }) => ({ url, action, status }))).toEqual([
      { url: `${server.url}/mocked`, action: 'mock', status: 201 },
      { url: `${secure.url}/mocked`, action: 'mock', status: 201 },
      { url: `${secure.url}/real`, action: 'passThrough', status: 200 },
    ])
    expect(outcome.stakeoutLogs).toEqual([])
  })
})

describe('recording', () => {
  it('redacts secret headers by default, and the names in STAKEOUT_REDACT_HEADERS', async () => {
    await setRecordAll(client, tableName, functionName, true)
    const headers = { authorization: 'Bearer secret', 'x-api-key': 'key', 'x-tenant': 'acme', 'x-custom-secret': 's' }
    await run([{ calls: [{ client: 'fetch', url: `${server.url}/secret`, headers }] }], {
      env: { STAKEOUT_REDACT_HEADERS: 'X-Custom-Secret' },
    })

    const [call] = await calls()
    expect(call?.headers).toMatchObject({
      authorization: REDACTED,
      'x-api-key': REDACTED,
      'x-custom-secret': REDACTED,
      'x-tenant': 'acme',
    })
    // The server still got the real values: redaction is for the record only.
    expect(server.requests.find((request) => request.url === '/secret')?.headers.authorization).toBe('Bearer secret')
  })

  it('records secrets in clear with STAKEOUT_REDACT=false', async () => {
    await setRecordAll(client, tableName, functionName, true)
    await run([{ calls: [{ client: 'fetch', url: `${server.url}/clear`, headers: { authorization: 'Bearer x' } }] }], {
      env: { STAKEOUT_REDACT: 'false' },
    })
    expect((await calls())[0]?.headers.authorization).toBe('Bearer x')
  })

  it('cuts a 1 MB body at 64 KiB, keeping its size; the server gets all of it', async () => {
    await setRecordAll(client, tableName, functionName, true)
    const body = 'x'.repeat(1024 * 1024)
    const outcome = await run([{ calls: [{ client: 'http', url: `${server.url}/upload`, method: 'PUT', body }] }])

    expect(outcome.results[0]?.value).toEqual([expect.objectContaining({ status: 200 })])
    expect(server.requests.find((request) => request.url === '/upload')?.body.length).toBe(body.length)
    const [call] = await calls()
    expect(call?.body?.length).toBe(DEFAULT_MAX_BODY_BYTES)
    expect(call).toMatchObject({ bodySize: body.length, bodyTruncated: true })
  })

  it('records 50 calls of one invocation, in order', async () => {
    await putRule(client, tableName, functionName, { match: { url: `${server.url}/many/*` }, responses: [{}] })
    const outcome = await run([{ repeat: { times: 50, call: { client: 'fetch', url: `${server.url}/many/` } } }])

    expect(outcome.results[0]?.ok).toBe(true)
    const recorded = await calls()
    expect(recorded.map((call) => call.url)).toEqual(Array.from({ length: 50 }, (_, i) => `${server.url}/many/${i}`))
    expect(recorded.map((call) => call.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })
})
