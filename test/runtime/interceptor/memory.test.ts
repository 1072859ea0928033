/**
 * What a warm sandbox keeps after mocked calls: a mocked call must leave nothing alive once its socket has
 * closed (issue 6, point 12: every mocked call used to keep its socket, parser and response, about 16 KiB,
 * for the life of the process). Runs through the real layer in a child process against DynamoDB Local; the
 * figure in MiB is in bench/interceptor.ts.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { interceptorLayerRoot } from '../../../src/build/interceptor-layer.js'
import { createInterceptorTable, dynamodbEndpoint, localDynamoDB } from '../../support/dynamodb.js'
import { type EchoServer, putRule, runFunction, startEchoServer, startHttpsEchoServer } from './fixtures/harness.js'

let layerRoot: string
let client: DynamoDBClient
let tableName: string
let server: EchoServer
let secure: EchoServer
let scratch: string
let caFile: string

beforeAll(async () => {
  layerRoot = interceptorLayerRoot()
  client = localDynamoDB()
  tableName = await createInterceptorTable(client)
  server = await startEchoServer()
  secure = await startHttpsEchoServer()
  scratch = mkdtempSync(path.join(tmpdir(), 'stakeout-memory-'))
  caFile = path.join(scratch, 'ca.pem')
  writeFileSync(caFile, secure.certificate!)
})

afterAll(async () => {
  await server?.close()
  await secure?.close()
  client?.destroy()
  rmSync(scratch, { recursive: true, force: true })
})

async function socketsAfterMockedCalls() {
  const functionName = `fn-${randomUUID()}`
  await putRule(client, tableName, functionName, {
    match: { url: '*/memory/*' },
    responses: [{ status: 200, body: 'mocked' }],
  })
  const outcome = await runFunction({
    layerRoot,
    handler: 'sockets.handler',
    functionName,
    tableName,
    dynamodbEndpoint: dynamodbEndpoint(),
    invocations: [{ event: { urls: [`${server.url}/memory/a`, `${secure.url}/memory/b`], count: 10 } }],
    env: { NODE_EXTRA_CA_CERTS: caFile },
  })
  expect(outcome.results[0], outcome.stderr).toMatchObject({ ok: true })
  return outcome.results[0]!.value as { opened: number; alive: number }
}

describe('a warm sandbox after mocked calls', () => {
  it('keeps no socket of a mocked call alive, over HTTP and HTTPS, with fetch and node:http(s)', async () => {
    const after = await socketsAfterMockedCalls()
    // 10 rounds of fetch and http.get, to each of two origins: at least one socket each (keep-alive may share).
    expect(after.opened).toBeGreaterThanOrEqual(4)
    expect(after.alive).toBe(0)
  })
})
