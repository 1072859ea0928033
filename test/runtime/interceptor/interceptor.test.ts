/**
 * The interceptor layer end to end: a handler runs through the real wrapper script and
 * handler.mjs in a child Node.js process, against DynamoDB Local and real HTTP(S) servers on
 * 127.0.0.1. Rules are written to the table as the test-side client does (schema.ts); recorded
 * calls are read back from it.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { interceptorLayerRoot } from '../../../src/build/interceptor-layer.js'
import { matchesUrl } from '../../../src/runtime/interceptor/matching.js'
import { DEFAULT_MAX_BODY_BYTES, type MockResponse, REDACTED } from '../../../src/runtime/interceptor/schema.js'
import {
  createInterceptorTable,
  createTableWithoutTtl,
  dynamodbEndpoint,
  localDynamoDB,
} from '../../support/dynamodb.js'
import {
  type CountingProxy,
  closedPort,
  type EchoServer,
  putCorruptRule,
  putRule,
  type RunOptions,
  recordedCalls,
  rulesPartitionItems,
  runFunction,
  setRecordAll,
  startCountingProxy,
  startCredentialsServer,
  startEchoServer,
  startHttpsEchoServer,
} from './fixtures/harness.js'

let layerRoot: string
let client: DynamoDBClient
let tableName: string
let server: EchoServer
let secure: EchoServer
let functionName: string
let scratch: string
let caFile: string

beforeAll(async () => {
  layerRoot = interceptorLayerRoot()
  client = localDynamoDB()
  tableName = await createInterceptorTable(client)
  server = await startEchoServer()
  secure = await startHttpsEchoServer()
  // Global fetch takes no agent: the function trusts the test certificate the way a user would.
  scratch = mkdtempSync(path.join(tmpdir(), 'stakeout-interceptor-'))
  caFile = path.join(scratch, 'ca.pem')
  writeFileSync(caFile, secure.certificate!)
})

afterAll(async () => {
  await server?.close()
  await secure?.close()
  client?.destroy()
  rmSync(scratch, { recursive: true, force: true })
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
    env: { NODE_EXTRA_CA_CERTS: caFile, ...options.env },
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

  it('redacts API keys and tokens in query strings, and the names in STAKEOUT_REDACT_QUERY_PARAMS', async () => {
    await setRecordAll(client, tableName, functionName, true)
    const url = `${server.url}/search?q=shoes&API_KEY=k1&token=t1&tenant=acme&X-Amz-Signature=abc&session=s1`
    await run([{ calls: [{ client: 'fetch', url }] }], { env: { STAKEOUT_REDACT_QUERY_PARAMS: 'session' } })

    const recorded = new URL((await calls())[0]?.url ?? '')
    expect(Object.fromEntries(recorded.searchParams)).toEqual({
      q: 'shoes',
      API_KEY: REDACTED,
      token: REDACTED,
      tenant: 'acme',
      'X-Amz-Signature': REDACTED,
      session: REDACTED,
    })
    // The server still got the real values.
    expect(server.requests.find((request) => request.url.startsWith('/search'))?.url).toContain('API_KEY=k1')
  })

  it('redacts headers and query parameters by the words of their names, keeping the query in order', async () => {
    await setRecordAll(client, tableName, functionName, true)
    const headers = {
      'api-key': 'h1',
      'x-goog-api-key': 'h2',
      'ocp-apim-subscription-key': 'h3',
      'private-token': 'h4',
      'x-access-token': 'h5',
      'proxy-authorization': 'Basic h6',
      'x-session-id': 'kept by STAKEOUT_UNREDACT_HEADERS',
      author: 'Ada',
    }
    const query = 'access_token=q1&page=2&refresh_token=q2&sessionToken=q3&client_secret=q4&monkey=m&sessionId=s'
    await run([{ calls: [{ client: 'fetch', url: `${server.url}/words?${query}`, headers }] }], {
      env: { STAKEOUT_UNREDACT_HEADERS: 'X-Session-Id', STAKEOUT_UNREDACT_QUERY_PARAMS: 'sessionId' },
    })

    const [call] = await calls()
    expect(call?.headers).toMatchObject({
      'api-key': REDACTED,
      'x-goog-api-key': REDACTED,
      'ocp-apim-subscription-key': REDACTED,
      'private-token': REDACTED,
      'x-access-token': REDACTED,
      'proxy-authorization': REDACTED,
      'x-session-id': 'kept by STAKEOUT_UNREDACT_HEADERS',
      author: 'Ada',
    })
    expect(call?.url).toBe(
      `${server.url}/words?access_token=${REDACTED}&page=2&refresh_token=${REDACTED}&sessionToken=${REDACTED}&client_secret=${REDACTED}&monkey=m&sessionId=s`,
    )
    expect(matchesUrl(`${server.url}/words?access_token=*&page=2&*`, call!.url)).toBe(true)
    expect(JSON.stringify(call)).not.toMatch(/\b(h[1-6]|q[1-4])\b/)
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
    const size = 1024 * 1024
    const outcome = await run([
      { calls: [{ client: 'http', url: `${server.url}/upload`, method: 'PUT', bodyBytes: size }] },
    ])

    expect(outcome.results[0]?.value).toEqual([expect.objectContaining({ status: 200 })])
    expect(server.requests.find((request) => request.url === '/upload')?.body.length).toBe(size)
    const [call] = await calls()
    expect(call?.body).toBe('x'.repeat(DEFAULT_MAX_BODY_BYTES))
    expect(call).toMatchObject({ bodySize: size, bodyTruncated: true })
  })

  it("keeps an item under DynamoDB's 400 KB whatever STAKEOUT_MAX_BODY_BYTES says, and honours STAKEOUT_TTL_SECONDS", async () => {
    await setRecordAll(client, tableName, functionName, true)
    const outcome = await run(
      [{ calls: [{ client: 'fetch', url: `${server.url}/huge`, method: 'POST', bodyBytes: 1024 * 1024 }] }],
      { env: { STAKEOUT_MAX_BODY_BYTES: String(1024 * 1024), STAKEOUT_TTL_SECONDS: '60' } },
    )

    expect(outcome.results[0]?.value).toEqual([expect.objectContaining({ status: 200 })])
    const [call] = await calls()
    expect(call?.body?.length).toBe(300_000)
    expect(call).toMatchObject({ bodySize: 1024 * 1024, bodyTruncated: true })
    expect(call!.expiresAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60)
    expect(call!.expiresAt).toBeGreaterThan(Date.now() / 1000)
  })

  it('logs a bad setting once at start-up and uses the default', async () => {
    await setRecordAll(client, tableName, functionName, true)
    const outcome = await run(
      [{ calls: [{ client: 'http', url: `${server.url}/bad-setting`, method: 'POST', bodyBytes: 70_000 }] }],
      {
        env: { STAKEOUT_MAX_BODY_BYTES: 'lots' },
      },
    )

    expect(outcome.stakeoutLogs).toEqual([
      expect.stringContaining('STAKEOUT_MAX_BODY_BYTES must be a positive integer, received "lots"'),
    ])
    expect((await calls())[0]?.body?.length).toBe(DEFAULT_MAX_BODY_BYTES)
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

describe('rules', () => {
  it('matches on the body, and reads it only for that', async () => {
    await putRule(client, tableName, functionName, {
      match: { url: `${server.url}/orders`, method: 'POST', body: { amount: 50 } },
      responses: [{ status: 402, json: { error: 'declined' } }],
    })
    const outcome = await run([
      {
        calls: [
          { client: 'got', url: `${server.url}/orders`, method: 'POST', body: '{"amount":50,"currency":"EUR"}' },
          { client: 'got', url: `${server.url}/orders`, method: 'POST', body: '{"amount":20}' },
        ],
      },
    ])

    expect(outcome.results[0]?.value).toEqual([
      expect.objectContaining({ status: 402, body: '{"error":"declined"}' }),
      expect.objectContaining({ status: 200 }),
    ])
    expect(await calls()).toEqual([
      expect.objectContaining({ action: 'mock', body: '{"amount":50,"currency":"EUR"}', bodySize: 30 }),
    ])
  })

  it('reads a body only when a rule matching on the body could match the call: a streamed upload is not held', async () => {
    await putRule(client, tableName, functionName, {
      match: { url: `${server.url}/orders`, method: 'POST', body: { amount: 50 } },
      responses: [{ status: 402 }],
    })
    const outcome = await run([
      { calls: [{ client: 'http-stream', url: `${server.url}/upload?answer=early`, method: 'POST' }] },
    ])

    expect(outcome.results[0]?.value).toEqual([{ status: 200, body: '{"real":true,"early":true}' }])
    expect(await calls()).toEqual([])
  })

  it('ignores an expired rule that TTL has not deleted yet', async () => {
    // A table without TTL, so the expired rule is surely still there when the function reads it.
    const noTtl = await createTableWithoutTtl(client)
    await putRule(client, noTtl, functionName, {
      match: { url: `${server.url}/expired` },
      responses: [{ status: 500 }],
      expiresAt: Math.floor(Date.now() / 1000) - 60,
    })
    const outcome = await run([{ calls: [{ client: 'fetch', url: `${server.url}/expired` }] }], { tableName: noTtl })
    expect(outcome.results[0]?.value).toEqual([expect.objectContaining({ status: 200 })])
    expect(await recordedCalls(client, noTtl, functionName)).toEqual([])
  })

  it('counts uses across invocations and processes: a sequence moves on', async () => {
    const ruleId = await putRule(client, tableName, functionName, {
      match: { url: `${server.url}/flaky` },
      responses: [
        { status: 503, times: 2 },
        { status: 200, body: 'recovered' },
      ],
    })
    const event = { calls: [{ client: 'fetch', url: `${server.url}/flaky` }] }
    const first = await run([event, event])
    const second = await run([event])

    const statuses = [...first.results, ...second.results].map(
      (result) => (result.value as Array<{ status: number }>)[0]?.status,
    )
    expect(statuses).toEqual([503, 503, 200])
    // The two 503s were claimed; the last response answers forever, and is not counted.
    const counters = (await rulesPartitionItems(client, tableName, functionName)).filter((item) =>
      String(item.sk).startsWith('use#'),
    )
    expect(counters).toEqual([expect.objectContaining({ sk: `use#${ruleId}`, uses: 2 })])
  })

  it('answers a networkError mock with a network error, after delayMs', async () => {
    await putRule(client, tableName, functionName, {
      match: { url: '*/down' },
      responses: [{ networkError: true, delayMs: 20 }],
    })
    const outcome = await run([
      {
        calls: [
          { client: 'http', url: `${server.url}/down` },
          { client: 'fetch', url: `${secure.url}/down` },
        ],
      },
    ])

    expect(outcome.results[0]?.value).toEqual([{ error: 'ECONNRESET' }, { error: expect.any(String) }])
    expect(server.requests.some((request) => request.url === '/down')).toBe(false)
    expect(await calls()).toEqual([
      expect.objectContaining({ action: 'mock', error: 'network error (mocked)' }),
      expect.objectContaining({ action: 'mock', error: 'network error (mocked)' }),
    ])
  })

  // mock() refuses these responses; written straight into the table, each is read as corrupt: ignored with one log
  // line, never a made-up or half-made answer, and never a crash (Node.js throws ERR_INVALID_CHAR for a control
  // character from a socket callback, which kills the process; a wrong content-length truncates or hangs the answer).
  it.each([
    ['a line break in a header value', { headers: { 'x-broken': 'line\nbreak' } }, 'headers\\.x-broken'],
    ['a control character in a header value', { headers: { 'x-broken': 'a\u0001b' } }, 'headers\\.x-broken'],
    ['a header value beyond Latin-1', { headers: { 'x-broken': '€' } }, 'headers\\.x-broken'],
    [
      'a content-length shorter than the body',
      { body: 'hello world', headers: { 'content-length': '5' } },
      'content-length',
    ],
    ['a content-length longer than the body', { body: 'hello', headers: { 'content-length': '50' } }, 'content-length'],
    ['a delay longer than the longest timer', { delayMs: 2 ** 31 }, 'delayMs'],
    ['a body on a 204', { status: 204, body: 'x' }, 'body'],
  ])('lets a call go to the network when a stored mock has %s, with one log line', async (_, response, field) => {
    const ruleId = await putRule(client, tableName, functionName, {
      match: { url: `${server.url}/unanswerable/*` },
      responses: [response as MockResponse],
    })
    await setRecordAll(client, tableName, functionName, true)
    const path = `/unanswerable/${functionName}`
    const call = { url: `${server.url}${path}` }
    const outcome = await run([
      {
        calls: [
          { client: 'http', ...call },
          { client: 'fetch', ...call },
        ],
      },
    ])

    expect(outcome.exitCode).toBe(0)
    expect(outcome.results[0]?.value).toEqual([
      expect.objectContaining({ status: 200 }),
      expect.objectContaining({ status: 200 }),
    ])
    expect(server.requests.filter((request) => request.url === path)).toHaveLength(2)
    expect(await calls()).toEqual([
      expect.objectContaining({ action: 'unmatched', status: 200 }),
      expect.objectContaining({ action: 'unmatched', status: 200 }),
    ])
    expect(outcome.stakeoutLogs).toEqual([
      expect.stringMatching(new RegExp(`ignoring corrupt rule rule#\\d+#${ruleId} .*${field}`)),
    ])
  })

  it('ignores a corrupt rule with one log line per process; the other rules still apply', async () => {
    const corrupt = await putCorruptRule(client, tableName, functionName, '{"id":"broken","action":"mock"')
    await putRule(client, tableName, functionName, { match: { url: `${server.url}/ok` }, responses: [{ status: 202 }] })
    const event = {
      calls: [
        { client: 'fetch', url: `${server.url}/ok` },
        { client: 'fetch', url: `${server.url}/ok` },
      ],
    }
    const outcome = await run([event, event])

    expect(outcome.results.map((result) => result.value)).toEqual([
      [expect.objectContaining({ status: 202 }), expect.objectContaining({ status: 202 })],
      [expect.objectContaining({ status: 202 }), expect.objectContaining({ status: 202 })],
    ])
    expect(outcome.stakeoutLogs).toEqual([expect.stringContaining(`ignoring corrupt rule ${corrupt}`)])
  })
})

describe('URL patterns with characters a URL encodes', () => {
  it('match the calls of fetch and node:http written with the same characters', async () => {
    const paths = ['/items/{id}', '/items/`x`', '/x/../items/dots', '/items/a b']
    for (const [index, path] of paths.entries()) {
      await putRule(client, tableName, functionName, {
        match: { url: `${server.url}${path}` },
        responses: [{ status: 200, body: `mocked ${index}` }],
      })
    }
    const outcome = await run([
      {
        calls: [
          { client: 'fetch', url: `${server.url}/items/{id}` },
          { client: 'http', url: `${server.url}/items/{id}` },
          { client: 'fetch', url: `${server.url}/items/\`x\`` },
          { client: 'http', url: `${server.url}/items/\`x\`` },
          { client: 'fetch', url: `${server.url}/items/dots` },
          { client: 'http', url: `${server.url}/x/../items/dots` },
          { client: 'fetch', url: `${server.url}/items/a b` },
        ],
      },
    ])

    expect(((outcome.results[0]?.value ?? []) as Array<{ body: string }>).map((result) => result.body)).toEqual([
      'mocked 0',
      'mocked 0',
      'mocked 1',
      'mocked 1',
      'mocked 2',
      'mocked 2',
      'mocked 3',
    ])
    // The recorded URLs are the normalized ones, which calls() and toHaveCalled match the same way.
    const recorded = await calls()
    expect(recorded.map((call) => call.url.slice(server.url.length))).toEqual([
      '/items/%7Bid%7D',
      '/items/%7Bid%7D',
      '/items/%60x%60',
      '/items/%60x%60',
      '/items/dots',
      '/items/dots',
      '/items/a%20b',
    ])
    for (const [index, call] of recorded.entries()) {
      expect(matchesUrl(`${server.url}${paths[[0, 0, 1, 1, 2, 2, 3][index]!]}`, call.url)).toBe(true)
    }
  })
})

describe('handlers', () => {
  it('intercepts the calls of a CommonJS handler', async () => {
    await putRule(client, tableName, functionName, { match: { url: `${server.url}/cjs` }, responses: [{ body: 'm' }] })
    const outcome = await run([{ url: `${server.url}/cjs` }], { handler: 'handlers/calls.handler' })

    expect(outcome.results[0]?.value).toEqual([
      { status: 200, body: 'm' },
      { status: 200, body: 'm' },
      { status: 200, body: 'm' },
    ])
    expect(await calls()).toHaveLength(3)
  })

  it('runs a callback-style handler on the v3 runtime, the work it leaves running still part of the invocation', async () => {
    await setRecordAll(client, tableName, functionName, true)
    const outcome = await run([{ afterCallback: `${server.url}/after-callback` }], {
      handler: 'handlers/callback.handler',
      env: { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' },
    })

    expect(outcome.results).toEqual([
      {
        requestId: expect.any(String),
        ok: true,
        value: { kind: 'callback', requestId: outcome.results[0]?.requestId },
      },
    ])
    expect(await calls()).toEqual([
      expect.objectContaining({ url: `${server.url}/after-callback`, requestId: outcome.results[0]?.requestId }),
    ])
    const failed = await run([{ fail: 'callback error' }], {
      handler: 'handlers/callback.handler',
      env: { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' },
    })
    expect(failed.results[0]).toMatchObject({ ok: false, error: { message: 'callback error' } })
  })

  it.each([
    ['nodejs24.x', { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' }, 'starting with Node.js 24'],
    [
      'Managed Instances',
      { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', AWS_LAMBDA_MAX_CONCURRENCY: '4' },
      'with Managed Instances',
    ],
  ])('refuses a callback-style handler at INIT on %s, as the runtime does', async (_, env, message) => {
    const outcome = await run([{}], { handler: 'handlers/callback.handler', env })
    expect(outcome.initError).toEqual({
      name: 'Runtime.CallbackHandlerDeprecated',
      message: expect.stringContaining(message),
    })
  })

  it('propagates a handler error unchanged, after writing the calls made before it', async () => {
    await setRecordAll(client, tableName, functionName, true)
    const outcome = await run([{ calls: [{ client: 'fetch', url: `${server.url}/before-throw` }], throwAfter: 'boom' }])

    expect(outcome.results[0]).toMatchObject({ ok: false, error: { name: 'Error', message: 'boom' } })
    expect(await calls()).toEqual([expect.objectContaining({ url: `${server.url}/before-throw`, status: 200 })])
  })

  it('keeps the streaming marker and records the calls of a streaming handler', async () => {
    await putRule(client, tableName, functionName, {
      match: { url: `${server.url}/stream` },
      responses: [{ body: 'mocked' }],
    })
    const outcome = await run([{ url: `${server.url}/stream` }], {
      handler: 'handlers/streaming.handler',
      env: { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' },
    })

    expect(outcome.results[0]).toMatchObject({ ok: true, streamed: true, value: 'status 200: mocked' })
    expect(await calls()).toEqual([expect.objectContaining({ action: 'mock', url: `${server.url}/stream` })])
  })

  it('records calls made during INIT with the first invocation', async () => {
    await setRecordAll(client, tableName, functionName, true)
    const outcome = await run([{ url: `${server.url}/in-handler` }], {
      handler: 'handlers/init-calls.handler',
      env: { TEST_INIT_URL: `${server.url}/at-init` },
    })

    expect(outcome.results[0]?.value).toEqual({ initStatus: 200, status: 200 })
    const recorded = await calls()
    expect(recorded.map(({ url }) => url).sort()).toEqual([`${server.url}/at-init`, `${server.url}/in-handler`])
    expect(recorded.find(({ url }) => url.endsWith('/at-init'))?.requestId).toMatch(/^init-/)
    expect(recorded.find(({ url }) => url.endsWith('/in-handler'))?.requestId).toBe(outcome.results[0]?.requestId)
  })

  it('keeps concurrent invocations in one process apart', async () => {
    await setRecordAll(client, tableName, functionName, true)
    const ids = ['a', 'b', 'c', 'd'].map((letter) => `${letter}-${randomUUID()}`)
    const outcome = await run([], {
      concurrent: true,
      invocations: ids.map((requestId) => ({
        requestId,
        event: { repeat: { times: 5, call: { client: 'http', url: `${server.url}/${requestId}/` } } },
      })),
    })

    expect(outcome.results.map((result) => result.ok)).toEqual([true, true, true, true])
    const recorded = await calls()
    expect(recorded).toHaveLength(20)
    for (const call of recorded) expect(new URL(call.url).pathname.split('/')[1]).toBe(call.requestId)
  })

  it('records a call that outlives its invocation with the next one, under its own request id', async () => {
    await setRecordAll(client, tableName, functionName, true)
    const outcome = await run([
      { fireAndForget: true, calls: [{ client: 'fetch', url: `${server.url}/late` }] },
      // Answered only once /late reached the server, which is after the interceptor kept that call.
      { calls: [{ client: 'fetch', url: `${server.url}/next?wait-for=/late` }] },
    ])

    const recorded = await calls()
    expect(recorded.find((call) => call.url.endsWith('/late'))?.requestId).toBe(outcome.results[0]?.requestId)
    expect(recorded.find((call) => call.url.includes('/next'))?.requestId).toBe(outcome.results[1]?.requestId)
  })
})

describe('own traffic and the runtime API', () => {
  let proxy: CountingProxy

  beforeAll(async () => {
    proxy = await startCountingProxy(dynamodbEndpoint())
  })

  afterAll(async () => {
    await proxy?.close()
  })

  it('makes exactly one Query and one BatchWriteItem for an invocation making 10 calls', async () => {
    await putRule(client, tableName, functionName, { match: { url: `${server.url}/ten/*` }, responses: [{}] })
    proxy.operations.clear()
    const outcome = await run([{ repeat: { times: 10, call: { client: 'fetch', url: `${server.url}/ten/` } } }], {
      dynamodbEndpoint: proxy.endpoint,
    })

    expect(outcome.results[0]?.ok).toBe(true)
    expect(Object.fromEntries(proxy.operations)).toEqual({ Query: 1, BatchWriteItem: 1 })
    // Our requests bypass the interceptor: the fallback marker arrives unstripped, so the listener never saw them.
    expect(proxy.marked).toBe(2)
    expect(await calls()).toHaveLength(10)
    expect(outcome.stakeoutLogs).toEqual([])
  })

  it('claims each use of a counted rule with one UpdateItem, and writes one BatchWriteItem per 25 calls', async () => {
    await putRule(client, tableName, functionName, {
      match: { url: `${server.url}/thirty/*` },
      responses: [{ times: 100 }],
    })
    proxy.operations.clear()
    await run([{ repeat: { times: 30, call: { client: 'http', url: `${server.url}/thirty/` } } }], {
      dynamodbEndpoint: proxy.endpoint,
    })

    expect(Object.fromEntries(proxy.operations)).toEqual({ Query: 1, UpdateItem: 30, BatchWriteItem: 2 })
    expect(await calls()).toHaveLength(30)
  })

  it('writes no uses of a rule that answers forever: nothing depends on counting them', async () => {
    await putRule(client, tableName, functionName, { match: { url: `${server.url}/forever/*` }, responses: [{}] })
    await putRule(client, tableName, functionName, { match: { url: `${server.url}/through/*` }, action: 'passThrough' })
    proxy.operations.clear()
    await run([{ repeat: { times: 30, call: { client: 'http', url: `${server.url}/forever/` } } }], {
      dynamodbEndpoint: proxy.endpoint,
    })
    await run([{ calls: [{ client: 'http', url: `${server.url}/through/1` }] }], { dynamodbEndpoint: proxy.endpoint })

    expect(Object.fromEntries(proxy.operations)).toEqual({ Query: 2, BatchWriteItem: 3 })
    expect(await calls()).toHaveLength(31)
    const uses = (await rulesPartitionItems(client, tableName, functionName)).filter((item) =>
      String(item.sk).startsWith('use#'),
    )
    expect(uses).toEqual([])
  })

  it('writes nothing for an invocation making no calls: reading the rules is all it may do', async () => {
    proxy.operations.clear()
    const outcome = await run([{ calls: [] }], { dynamodbEndpoint: proxy.endpoint })
    expect(outcome.results[0]?.ok).toBe(true)
    // The read starts with the invocation and ends with it: it may not have left the process yet.
    expect([...proxy.operations.keys()].filter((operation) => operation !== 'Query')).toEqual([])
    expect(proxy.operations.get('Query') ?? 0).toBeLessThanOrEqual(1)
    expect(outcome.stakeoutLogs).toEqual([])
  })

  it('never records or mocks its own DynamoDB requests, even with a catch-all mock and recordAll', async () => {
    await setRecordAll(client, tableName, functionName, true)
    await putRule(client, tableName, functionName, { match: { url: '*' }, responses: [{ status: 500 }] })
    proxy.operations.clear()
    const outcome = await run([{ calls: [{ client: 'fetch', url: `${server.url}/any` }] }], {
      dynamodbEndpoint: proxy.endpoint,
    })

    expect(outcome.results[0]?.value).toEqual([expect.objectContaining({ status: 500 })])
    expect((await calls()).map((call) => call.url)).toEqual([`${server.url}/any`])
    expect(proxy.operations.get('Query')).toBe(1)
  })

  it('lets the AWS SDK fetch its own credentials untouched, even with a catch-all mock and recordAll', async () => {
    // Credentials from a container endpoint (ECS, CodeBuild; an AWS_PROFILE using SSO or STS is alike): the SDK
    // fetches them over HTTP while the interceptor reads its rules, and that request must not wait for those rules.
    const credentials = await startCredentialsServer()
    try {
      await setRecordAll(client, tableName, functionName, true)
      await putRule(client, tableName, functionName, { match: { url: '*' }, responses: [{ status: 500 }] })
      const outcome = await run([{ calls: [{ client: 'fetch', url: `${server.url}/with-container-credentials` }] }], {
        env: {
          AWS_ACCESS_KEY_ID: undefined,
          AWS_SECRET_ACCESS_KEY: undefined,
          HOME: scratch,
          AWS_CONTAINER_CREDENTIALS_FULL_URI: credentials.url,
        },
      })

      expect(outcome.results[0]?.value).toEqual([expect.objectContaining({ status: 500 })])
      expect(credentials.requests).toBeGreaterThan(0)
      expect((await calls()).map((call) => call.url)).toEqual([`${server.url}/with-container-credentials`])
      expect(outcome.stakeoutLogs).toEqual([])
    } finally {
      await credentials.close()
    }
  })

  it('lets requests to the Lambda runtime API through untouched and unrecorded', async () => {
    const runtimeApi = await startEchoServer()
    try {
      await setRecordAll(client, tableName, functionName, true)
      await putRule(client, tableName, functionName, { match: { url: '*' }, responses: [{ status: 500 }] })
      const outcome = await run(
        [
          {
            calls: [
              {
                client: 'http',
                url: `${runtimeApi.url}/2018-06-01/runtime/invocation/x/response`,
                method: 'POST',
                body: 'ok',
              },
            ],
          },
        ],
        { env: { AWS_LAMBDA_RUNTIME_API: new URL(runtimeApi.url).host } },
      )

      expect(outcome.results[0]?.value).toEqual([expect.objectContaining({ status: 200 })])
      expect(runtimeApi.requests).toHaveLength(1)
      expect(await calls()).toEqual([])
    } finally {
      await runtimeApi.close()
    }
  })
})

describe('fail-open', () => {
  it('sends calls to the network with one log line when the table is unreachable', async () => {
    const port = await closedPort()
    const outcome = await run(
      [{ calls: [1, 2, 3].map((n) => ({ client: 'fetch', url: `${server.url}/offline/${n}` })) }],
      { dynamodbEndpoint: `http://127.0.0.1:${port}` },
    )

    expect(outcome.results[0]?.value).toEqual([1, 2, 3].map(() => expect.objectContaining({ status: 200 })))
    expect(server.requests.filter((request) => request.url.startsWith('/offline/'))).toHaveLength(3)
    expect(outcome.stakeoutLogs).toEqual([
      expect.stringMatching(
        new RegExp(
          `could not read the rules .*: outbound calls go to the network and are not recorded\\. Check that table ${tableName} exists at http://127\\.0\\.0\\.1:${port} and that the function's role allows dynamodb:Query on it\\.$`,
        ),
      ),
    ])
  })

  it('returns the handler result unchanged and logs one line when recording fails', async () => {
    await setRecordAll(client, tableName, functionName, true)
    const proxy = await startCountingProxy(dynamodbEndpoint(), { refuse: ['BatchWriteItem'] })
    try {
      const outcome = await run(
        [{ calls: [1, 2].map((n) => ({ client: 'fetch', url: `${server.url}/unrecorded/${n}` })) }],
        {
          dynamodbEndpoint: proxy.endpoint,
        },
      )

      expect(outcome.results[0]).toMatchObject({ ok: true, value: [{ status: 200 }, { status: 200 }] })
      expect(outcome.stakeoutLogs).toEqual([
        expect.stringMatching(
          /could not record 2 of 2 outbound calls .*\. Check that table \S+ exists at \S+ and that the function's role allows dynamodb:BatchWriteItem on it\.$/,
        ),
      ])
      expect(await calls()).toEqual([])
    } finally {
      await proxy.close()
    }
  })

  it('still runs the handler, unintercepted, without a table configured', async () => {
    const outcome = await run([{ calls: [{ client: 'fetch', url: `${server.url}/no-table` }] }], {
      env: { STAKEOUT_INTERCEPTOR_TABLE: undefined },
    })
    expect(outcome.results[0]?.value).toEqual([expect.objectContaining({ status: 200 })])
    expect(outcome.stakeoutLogs).toEqual([
      expect.stringMatching(
        /^\[stakeout\] STAKEOUT_INTERCEPTOR_TABLE is not set: outbound calls are not intercepted\. applyHttpInterceptor sets it; when adding the layer by hand, set it to the name of the interceptor table\.$/,
      ),
    ])
  })
})
