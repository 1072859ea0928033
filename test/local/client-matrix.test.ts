/**
 * Every common HTTP client, run through stakeout's interceptor layer by invokeHandler: DynamoDB
 * Local holds the rules and the recorded calls, real HTTP and HTTPS servers on 127.0.0.1 answer
 * what is passed through (the HTTPS one with a self-signed certificate the function trusts through
 * NODE_EXTRA_CA_CERTS).
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import selfsigned from 'selfsigned'
import { invokeHandler, type LambdaNodeRuntime, type LocalHandler, startHandler } from 'stakeout/local'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { HttpInterceptorClient } from '../../src/clients/http-interceptor-client.js'
import { createInterceptorTable, dynamodbEndpoint, localDynamoDB } from '../support/dynamodb.js'

const fixture = (path: string) => fileURLToPath(new URL(`./fixtures/clients/${path}`, import.meta.url))

/** A request a real server answered. */
interface SeenRequest {
  method: string
  url: string
}

/** A real server on 127.0.0.1 that answers every request 200 with `{ served: 'real', method, url }`. */
interface RealServer {
  origin: string
  seen: SeenRequest[]
  close(): Promise<void>
}

async function listen(server: http.Server | https.Server, scheme: string): Promise<RealServer> {
  const seen: SeenRequest[] = []
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    const answer = { served: 'real', method: request.method ?? '', url: request.url ?? '' }
    seen.push({ method: answer.method, url: answer.url })
    request.resume()
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify(answer))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    origin: `${scheme}://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A TCP proxy to DynamoDB Local, so the table can disappear in the middle of a run. */
async function startTcpProxy(target: string): Promise<{ endpoint: string; close(): Promise<void> }> {
  const { hostname, port } = new URL(target)
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    const connection = connect(Number(port), hostname)
    sockets.add(socket).add(connection)
    socket.pipe(connection).pipe(socket)
    const forget = () => {
      sockets.delete(socket)
      sockets.delete(connection)
      socket.destroy()
      connection.destroy()
    }
    socket.on('error', forget).on('close', forget)
    connection.on('error', forget).on('close', forget)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as { port: number }
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

let dynamodb: DynamoDBClient
let tableName: string
let plain: RealServer
let secure: RealServer
let scratch: string
let caFile: string

beforeAll(async () => {
  dynamodb = localDynamoDB()
  tableName = await createInterceptorTable(dynamodb)
  const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
    notAfterDate: new Date(Date.now() + 24 * 60 * 60 * 1000),
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  })
  plain = await listen(http.createServer(), 'http')
  secure = await listen(https.createServer({ key: pems.private, cert: pems.cert }), 'https')
  scratch = await mkdtemp(join(tmpdir(), 'stakeout-client-matrix-'))
  caFile = join(scratch, 'ca.pem')
  await writeFile(caFile, pems.cert)
})

afterAll(async () => {
  await plain?.close()
  await secure?.close()
  dynamodb?.destroy()
  if (scratch) await rm(scratch, { recursive: true, force: true })
})

const started: LocalHandler[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((fn) => fn.stop()))
})

/** A function running `entry` through the interceptor layer, and the test-side client of its rules and calls. */
async function interceptedFunction(
  entry: string,
  { runtime = 'nodejs22.x', endpoint = dynamodbEndpoint() }: { runtime?: LambdaNodeRuntime; endpoint?: string } = {},
) {
  const functionName = `matrix-${randomUUID()}`
  const fn = await startHandler({
    entry: fixture(entry),
    runtime,
    interceptor: { tableName, functionName, endpoint },
    env: { NODE_EXTRA_CA_CERTS: caFile },
    timeoutMs: 15_000,
  })
  started.push(fn)
  const api = new HttpInterceptorClient({ functionName, tableName, dynamodb })
  return { fn, api, functionName }
}

interface Answer {
  status: number
  body: string
}

function answered(out: Awaited<ReturnType<LocalHandler['invoke']>>): Answer {
  expect(out.error, out.logs).toBeUndefined()
  return out.result as Answer
}

const clients: Array<{ client: string; entry: string; server: () => RealServer }> = [
  { client: 'global fetch', entry: 'fetch.mjs', server: () => secure },
  { client: 'http.get', entry: 'http-get.cjs', server: () => plain },
  { client: 'https.request', entry: 'https-request.cjs', server: () => secure },
  { client: 'axios', entry: 'axios.mjs', server: () => secure },
  { client: 'got', entry: 'got.mjs', server: () => plain },
  { client: 'node-fetch', entry: 'node-fetch.mjs', server: () => plain },
  { client: 'AWS SDK v3 (S3 GetObject)', entry: 'aws-sdk-s3.mjs', server: () => plain },
]
const runtimes: LambdaNodeRuntime[] = ['nodejs22.x', 'nodejs24.x']

describe.each(clients)('$client through the interceptor', ({ entry, server }) => {
  it.each(runtimes)('on %s: mocked, passed through, and recorded', async (runtime) => {
    const { fn, api } = await interceptedFunction(entry, { runtime })
    const real = server()
    // The first path segment doubles as the S3 bucket name.
    const bucket = entry.replace(/\.[cm]?js$/, '')

    // Mocked: the function sees the mock's answer, the server is not hit.
    const mocked = `/${bucket}/${randomUUID()}`
    const mock = await api.mock(`${real.origin}/${bucket}/*`, { status: 203, json: { mocked: true, bucket } })
    const mockedOut = await fn.invoke({ url: `${real.origin}${mocked}` })
    const mockedAnswer = answered(mockedOut)
    expect(mockedAnswer.status).toBe(203)
    expect(JSON.parse(mockedAnswer.body)).toEqual({ mocked: true, bucket })
    expect(real.seen.filter((request) => request.url.startsWith(mocked))).toEqual([])

    // Recorded: the call is in the table before the invocation returns.
    const mockedCalls = await api.calls()
    expect(mockedCalls).toHaveLength(1)
    expect(mockedCalls[0]).toMatchObject({
      method: 'GET',
      action: 'mock',
      ruleId: mock.id,
      status: 203,
      requestId: mockedOut.requestId,
      seq: 0,
    })
    expect(mockedCalls[0]?.url.startsWith(`${real.origin}${mocked}`)).toBe(true)

    // Passed through: the server answers, the function sees its answer, the call is recorded.
    await api.reset()
    const passed = `/${bucket}/${randomUUID()}`
    const rule = await api.passThrough(`${real.origin}/${bucket}/*`)
    const passedOut = await fn.invoke({ url: `${real.origin}${passed}` })
    const passedAnswer = answered(passedOut)
    expect(passedAnswer.status).toBe(200)
    expect(JSON.parse(passedAnswer.body)).toMatchObject({ served: 'real', method: 'GET' })
    expect(JSON.parse(passedAnswer.body).url.startsWith(passed)).toBe(true)
    expect(real.seen.filter((request) => request.url.startsWith(passed))).toHaveLength(1)
    const passedCalls = await api.calls()
    expect(passedCalls).toHaveLength(1)
    expect(passedCalls[0]).toMatchObject({
      method: 'GET',
      action: 'passThrough',
      ruleId: rule.id,
      status: 200,
      requestId: passedOut.requestId,
    })
    expect(passedCalls[0]?.url.startsWith(`${real.origin}${passed}`)).toBe(true)
  })
})

describe.each(['nodejs20.x', 'nodejs22.x'] as const)('a callback handler through the interceptor on %s', (runtime) => {
  it('answers from the callback once the event loop is empty; the call made after it belongs to the invocation', async () => {
    const { fn, api } = await interceptedFunction('callback.cjs', { runtime })
    await api.recordAll()
    const path = `/after-callback/${randomUUID()}`
    const out = await fn.invoke({ url: `${plain.origin}${path}` })

    expect(out.error, out.logs).toBeUndefined()
    expect(out.result).toEqual({ answeredBy: 'callback', requestId: out.requestId })
    expect(plain.seen.filter((request) => request.url === path)).toHaveLength(1)
    expect(await api.calls()).toEqual([
      expect.objectContaining({ url: `${plain.origin}${path}`, requestId: out.requestId, status: 200 }),
    ])
  })

  it('answers at once when callbackWaitsForEmptyEventLoop is false', async () => {
    const { fn } = await interceptedFunction('callback.cjs', { runtime })
    const out = await fn.invoke({ url: `${plain.origin}/not-waited/${randomUUID()}`, waitForEmptyEventLoop: false })
    expect(out.error, out.logs).toBeUndefined()
    expect(out.result).toEqual({ answeredBy: 'callback', requestId: out.requestId })
  })

  it('answers null, as Lambda does, when the callback is never called; the call is recorded', async () => {
    const { fn, api } = await interceptedFunction('callback.cjs', { runtime })
    await api.recordAll()
    const path = `/never-answered/${randomUUID()}`
    const out = await fn.invoke({ url: `${plain.origin}${path}`, neverAnswer: true })

    expect(out.error, out.logs).toBeUndefined()
    expect(out.result).toBeNull()
    expect(await api.calls()).toEqual([
      expect.objectContaining({ url: `${plain.origin}${path}`, requestId: out.requestId }),
    ])
  })
})

describe.each(['nodejs20.x', 'nodejs22.x'] as const)('a handler answering through its context on %s', (runtime) => {
  it('answers what context.succeed gives, after its calls are recorded', async () => {
    const { fn, api } = await interceptedFunction('context-succeed.cjs', { runtime })
    await api.recordAll()
    const path = `/before-succeed/${randomUUID()}`
    const out = await fn.invoke({ url: `${plain.origin}${path}` })

    expect(out.error, out.logs).toBeUndefined()
    expect(out.result).toEqual({ answeredBy: 'context.succeed', requestId: out.requestId })
    expect(await api.calls()).toEqual([expect.objectContaining({ url: `${plain.origin}${path}`, status: 200 })])
  })

  it('answers as it does without the interceptor when a handler that is not async returns a value', async () => {
    const entry = fixture('context-succeed.cjs')
    const { fn } = await interceptedFunction('context-succeed.cjs', { runtime })
    const without = await invokeHandler({ entry, runtime, event: { returnValue: true } })
    const through = await fn.invoke({ returnValue: true })
    expect(through.error, through.logs).toBeUndefined()
    expect(through.result).toEqual(without.result)
  })
})

describe('the interceptor when things go wrong or run together', () => {
  it('lets calls through and keeps the function working when the table’s endpoint closes mid-run', async () => {
    const proxy = await startTcpProxy(dynamodbEndpoint())
    try {
      const { fn, api } = await interceptedFunction('fetch.mjs', { endpoint: proxy.endpoint })
      const mocked = `/outage/${randomUUID()}`
      await api.mock(`${plain.origin}/outage/*`, { status: 203, json: { mocked: true } })
      expect(answered(await fn.invoke({ url: `${plain.origin}${mocked}` })).status).toBe(203)

      await proxy.close()
      const passed = `/outage/${randomUUID()}`
      const out = await fn.invoke({ url: `${plain.origin}${passed}` })
      const answer = answered(out)
      expect(answer.status).toBe(200)
      expect(JSON.parse(answer.body)).toMatchObject({ served: 'real', url: passed })
      expect(plain.seen.filter((request) => request.url === passed)).toHaveLength(1)
      expect(plain.seen.filter((request) => request.url === mocked)).toHaveLength(0)
    } finally {
      await proxy.close()
    }
  })

  it('keeps a response-streaming handler streaming through the layer’s wrapper handler', async () => {
    for (const runtime of runtimes) {
      const { fn } = await interceptedFunction('../streaming.mjs', { runtime })
      const out = await fn.invoke({ http: true })
      expect(out.error, out.logs).toBeUndefined()
      expect(out.result).toEqual({
        statusCode: 201,
        headers: { 'content-type': 'text/plain' },
        body: `chunk 1, chunk 2 of ${out.requestId}`,
      })
    }
  })

  it('keeps two functions running at the same time apart: own rules, own calls', async () => {
    const [a, b] = await Promise.all([interceptedFunction('fetch.mjs'), interceptedFunction('fetch.mjs')])
    const url = `${plain.origin}/shared/${randomUUID()}`
    await Promise.all([
      a.api.mock(`${plain.origin}/shared/*`, { status: 203, json: { who: 'a' } }),
      b.api.mock(`${plain.origin}/shared/*`, { status: 203, json: { who: 'b' } }),
    ])
    const [outA, outB] = await Promise.all([a.fn.invoke({ url }), b.fn.invoke({ url })])
    expect(JSON.parse(answered(outA).body)).toEqual({ who: 'a' })
    expect(JSON.parse(answered(outB).body)).toEqual({ who: 'b' })

    const [callsA, callsB] = await Promise.all([a.api.calls(), b.api.calls()])
    expect(callsA.map((call) => call.requestId)).toEqual([outA.requestId])
    expect(callsB.map((call) => call.requestId)).toEqual([outB.requestId])
    expect(plain.seen.filter((request) => request.url.startsWith('/shared/'))).toEqual([])
  })
})
