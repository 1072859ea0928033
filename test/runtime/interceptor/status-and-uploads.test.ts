/**
 * What is recorded for calls whose answer or body comes in parts (issue 6, point 10): the final status of a
 * call answered `103 Early Hints` or `100 Continue` first, and the body of an upload streamed through
 * `passThrough` or `recordAll`, which must reach the server as it streams, not once it has ended. Real HTTP
 * servers on 127.0.0.1; the function runs through the real layer in a child process, against DynamoDB Local.
 */
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { interceptorLayerRoot } from '../../../src/build/interceptor-layer.js'
import { createInterceptorTable, dynamodbEndpoint, localDynamoDB } from '../../support/dynamodb.js'
import { putRule, recordedCalls, runFunction, setRecordAll } from './fixtures/harness.js'

let layerRoot: string
let client: DynamoDBClient
let tableName: string
let functionName: string
let server: http.Server
let origin: string
/** The uploads the server received in full. */
const uploads: Array<{ url: string; body: string }> = []

beforeAll(async () => {
  layerRoot = interceptorLayerRoot()
  client = localDynamoDB()
  tableName = await createInterceptorTable(client)
  server = http.createServer((request, response) => {
    if (request.url?.startsWith('/hints')) {
      response.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' })
      response.writeHead(201, { 'content-type': 'text/plain' })
      response.end('after hints')
      return
    }
    if (request.url?.startsWith('/upload')) {
      // Answered as soon as the headers are in: the client ends its body only once it has the answer.
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => uploads.push({ url: request.url ?? '', body: Buffer.concat(chunks).toString() }))
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end('{"received":"headers"}')
      return
    }
    request.resume()
    request.on('end', () => {
      response.writeHead(202, { 'content-type': 'text/plain' })
      response.end('after continue')
    })
  })
  server.on('checkContinue', (request, response) => {
    response.writeContinue()
    server.emit('request', request, response)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
  client?.destroy()
})

beforeEach(() => {
  functionName = `fn-${randomUUID()}`
})

const run = (calls: unknown[]) =>
  runFunction({
    layerRoot,
    handler: 'calls.handler',
    functionName,
    tableName,
    dynamodbEndpoint: dynamodbEndpoint(),
    invocations: [{ event: { calls } }],
  })

describe('the recorded status', () => {
  it.each(['fetch', 'http'])('is the final one after 103 Early Hints (%s)', async (name) => {
    await putRule(client, tableName, functionName, { match: { url: `${origin}/hints*` }, action: 'passThrough' })
    const outcome = await run([{ client: name, url: `${origin}/hints-${name}` }])

    expect(outcome.results[0]?.value).toEqual([expect.objectContaining({ status: 201, body: 'after hints' })])
    expect(await recordedCalls(client, tableName, functionName)).toEqual([
      expect.objectContaining({ url: `${origin}/hints-${name}`, action: 'passThrough', status: 201 }),
    ])
  })

  it('is the final one after 100 Continue', async () => {
    await setRecordAll(client, tableName, functionName, true)
    const outcome = await run([
      { client: 'http', url: `${origin}/continue`, method: 'POST', headers: { expect: '100-continue' }, body: 'x' },
    ])

    expect(outcome.results[0]?.value).toEqual([expect.objectContaining({ status: 202, body: 'after continue' })])
    expect(await recordedCalls(client, tableName, functionName)).toEqual([
      expect.objectContaining({ url: `${origin}/continue`, action: 'unmatched', status: 202 }),
    ])
  })
})

describe('a streamed upload', () => {
  it.each([
    [
      'passThrough',
      () => putRule(client, tableName, functionName, { match: { url: `${origin}/upload*` }, action: 'passThrough' }),
    ],
    ['recordAll', () => setRecordAll(client, tableName, functionName, true)],
  ] as const)('reaches the server as it streams through %s, and its body is recorded', async (name, arrange) => {
    await arrange()
    const url = `${origin}/upload-${name}`
    // The client ends the body only once the server has answered: a request held until its body ends never is.
    const outcome = await run([{ client: 'http-stream', url, method: 'POST', body: 'streamed part' }])

    expect(outcome.results[0]?.value).toEqual([{ status: 200, body: '{"received":"headers"}' }])
    expect(uploads.find((upload) => upload.url === `/upload-${name}`)).toEqual({
      url: `/upload-${name}`,
      body: 'streamed part',
    })
    expect(await recordedCalls(client, tableName, functionName)).toEqual([
      expect.objectContaining({ url, status: 200, body: 'streamed part', bodySize: 13 }),
    ])
  })
})
