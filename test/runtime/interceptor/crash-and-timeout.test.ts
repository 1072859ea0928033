/**
 * Calls made before an invocation ends badly are recorded (issue 6, point 3): an uncaught exception, an
 * unhandled rejection, `process.exit`, the function's timeout. Each function runs through the real layer in
 * the local Lambda emulator (`startHandler`, a real child process, killed at its timeout as Lambda does), or
 * in the test runtime of fixtures/bootstrap.mjs, which, like the v4 runtime client, does not listen to
 * uncaught errors; rules and calls live in DynamoDB Local and are read with HttpInterceptorClient.
 */
import { randomUUID } from 'node:crypto'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { type LambdaNodeRuntime, type LocalHandler, startHandler } from 'stakeout/local'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { interceptorLayerRoot } from '../../../src/build/interceptor-layer.js'
import { HttpInterceptorClient } from '../../../src/clients/http-interceptor-client.js'
import { EXIT_WRITE_MAX_MS } from '../../../src/runtime/interceptor/recorder.js'
import { createInterceptorTable, dynamodbEndpoint, localDynamoDB } from '../../support/dynamodb.js'
import { FIXTURES, runFunction, startCountingProxy } from './fixtures/harness.js'

const ENTRY = `${FIXTURES}/ends-badly.mjs`
const URL_BASE = 'https://api.example.com'

let dynamodb: DynamoDBClient
let tableName: string

beforeAll(async () => {
  dynamodb = localDynamoDB()
  tableName = await createInterceptorTable(dynamodb)
})

afterAll(() => {
  dynamodb?.destroy()
})

const started: LocalHandler[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((fn) => fn.stop()))
})

/** A function ending with `ending` after one mocked call, and the client of its rules and calls. */
async function endingBadly(runtime: LambdaNodeRuntime, timeoutMs = 15_000) {
  const functionName = `ends-${randomUUID()}`
  const api = new HttpInterceptorClient({ functionName, tableName, dynamodb })
  await api.mock(`${URL_BASE}/*`, { status: 201, body: 'mocked' })
  const fn = await startHandler({
    entry: ENTRY,
    runtime,
    interceptor: { tableName, functionName, endpoint: dynamodbEndpoint() },
    timeoutMs,
  })
  started.push(fn)
  return { fn, api }
}

describe.each<LambdaNodeRuntime>(['nodejs22.x', 'nodejs24.x'])('on %s, a call made before', (runtime) => {
  it('an uncaught exception thrown from a timer is recorded', async () => {
    const { fn, api } = await endingBadly(runtime)
    const out = await fn.invoke({ ending: 'uncaught', url: `${URL_BASE}/before-uncaught` })

    // The v3 runtime client reports the error; under v4 (nodejs24.x), which listens to none, Node.js exits 1.
    if (runtime === 'nodejs24.x') expect(out.error?.errorType).toBe('Runtime.ExitError')
    else
      expect(out.error).toMatchObject({ errorType: 'RangeError', errorMessage: 'thrown from a timer after the call' })
    expect(await api.calls()).toEqual([
      expect.objectContaining({ url: `${URL_BASE}/before-uncaught`, status: 201, requestId: out.requestId }),
    ])
  })

  it('an unhandled rejection is recorded', async () => {
    const { fn, api } = await endingBadly(runtime)
    const out = await fn.invoke({ ending: 'unhandled', url: `${URL_BASE}/before-rejection` })

    expect(out.error?.errorType).toBe(
      runtime === 'nodejs24.x' ? 'Runtime.ExitError' : 'Runtime.UnhandledPromiseRejection',
    )
    expect(await api.calls()).toEqual([
      expect.objectContaining({ url: `${URL_BASE}/before-rejection`, status: 201, requestId: out.requestId }),
    ])
  })

  it('process.exit(1) is recorded', async () => {
    const { fn, api } = await endingBadly(runtime)
    const out = await fn.invoke({ ending: 'exit', url: `${URL_BASE}/before-exit` })

    expect(out.error).toBeDefined()
    expect(await api.calls()).toEqual([
      expect.objectContaining({ url: `${URL_BASE}/before-exit`, status: 201, requestId: out.requestId }),
    ])
  })

  it('the function times out is recorded, the flush running before the process is killed', async () => {
    const { fn, api } = await endingBadly(runtime, 2_500)
    const out = await fn.invoke({ ending: 'timeout', url: `${URL_BASE}/before-timeout` })

    expect(out.error?.errorType).toBe('Sandbox.Timedout')
    expect(await api.calls()).toEqual([
      expect.objectContaining({ url: `${URL_BASE}/before-timeout`, status: 201, requestId: out.requestId }),
    ])
    // Written ahead of the deadline, nothing was left to lose: no line says calls may be lost.
    expect(out.logs).not.toContain('[stakeout]')
  })
})

describe('close to the timeout', () => {
  it('writes a call made after the calls so far were written as soon as it is made', async () => {
    const { fn, api } = await endingBadly('nodejs22.x', 2_500)
    // The calls so far are written 500 ms (the smallest reserve) before the deadline; the late call comes after.
    const out = await fn.invoke({ ending: 'late-call', lateWithinMs: 450, url: `${URL_BASE}/early` })

    expect(out.error?.errorType).toBe('Sandbox.Timedout')
    expect((await api.calls()).map(({ url, status, requestId }) => ({ url, status, requestId }))).toEqual([
      { url: `${URL_BASE}/early`, status: 201, requestId: out.requestId },
      { url: `${URL_BASE}/early-late`, status: 201, requestId: out.requestId },
    ])
  })
})

describe('without a runtime listening to uncaught errors (as the v4 runtime client)', () => {
  it.each(['uncaught', 'unhandled', 'exit'])('a call made before %s is recorded as Node.js exits', async (ending) => {
    const functionName = `ends-${randomUUID()}`
    const api = new HttpInterceptorClient({ functionName, tableName, dynamodb })
    await api.mock(`${URL_BASE}/*`, { status: 202, body: 'mocked' })
    const outcome = await runFunction({
      layerRoot: interceptorLayerRoot(),
      handler: 'ends-badly.handler',
      functionName,
      tableName,
      dynamodbEndpoint: dynamodbEndpoint(),
      invocations: [{ event: { ending, url: `${URL_BASE}/before-${ending}` } }],
    })

    expect(outcome.results).toEqual([])
    expect(outcome.exitCode).toBe(1)
    expect(await api.calls()).toEqual([expect.objectContaining({ url: `${URL_BASE}/before-${ending}`, status: 202 })])
    expect(outcome.stakeoutLogs).toEqual([])
  })
})

describe('a call that truly cannot be written', () => {
  it('is counted in one [stakeout] line when the table does not answer before the bound', async () => {
    const functionName = `ends-${randomUUID()}`
    const api = new HttpInterceptorClient({ functionName, tableName, dynamodb })
    await api.mock(`${URL_BASE}/*`, { status: 202, body: 'mocked' })
    // The rules can be read, but no write is ever answered.
    const proxy = await startCountingProxy(dynamodbEndpoint(), { hold: ['BatchWriteItem'] })
    try {
      const outcome = await runFunction({
        layerRoot: interceptorLayerRoot(),
        handler: 'ends-badly.handler',
        functionName,
        tableName,
        dynamodbEndpoint: proxy.endpoint,
        invocations: [{ event: { ending: 'exit', url: `${URL_BASE}/never-answered` } }],
      })

      expect(outcome.exitCode).toBe(1)
      expect(outcome.stakeoutLogs).toEqual([
        `[stakeout] 1 outbound calls are not recorded: the process exits (code 1), and the write did not finish within ${EXIT_WRITE_MAX_MS} ms. They are lost.`,
      ])
      expect(proxy.operations.get('BatchWriteItem')).toBeGreaterThanOrEqual(1)
      expect(await api.calls()).toEqual([])
    } finally {
      await proxy.close()
    }
  })

  it('is counted in one [stakeout] line that says why', async () => {
    const functionName = `ends-${randomUUID()}`
    const api = new HttpInterceptorClient({ functionName, tableName, dynamodb })
    await api.mock(`${URL_BASE}/*`, { status: 202, body: 'mocked' })
    // The rules can be read, but every write is refused.
    const proxy = await startCountingProxy(dynamodbEndpoint(), { refuse: ['BatchWriteItem'] })
    try {
      const outcome = await runFunction({
        layerRoot: interceptorLayerRoot(),
        handler: 'ends-badly.handler',
        functionName,
        tableName,
        dynamodbEndpoint: proxy.endpoint,
        invocations: [{ event: { ending: 'exit', url: `${URL_BASE}/never-written` } }],
      })

      expect(outcome.exitCode).toBe(1)
      expect(outcome.stakeoutLogs).toEqual([
        expect.stringMatching(
          new RegExp(
            `^\\[stakeout\\] could not record 1 of 1 outbound calls in table ${tableName} before the process ends \\(the process exits \\(code 1\\)\\): .*refused by the test proxy`,
          ),
        ),
      ])
      expect(await api.calls()).toEqual([])
    } finally {
      await proxy.close()
    }
  })
})
