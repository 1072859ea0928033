/**
 * Rules under pressure, through the real layer in child Node.js processes against DynamoDB Local: sequences and
 * `times` hit by parallel calls, by concurrent invocations and by other processes (each response given exactly
 * once), and a table that is slow or never answers (a call waits for the rules only so long, and a handler that
 * works before calling out does not wait at all).
 */
import { randomUUID } from 'node:crypto'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { interceptorLayerRoot } from '../../../src/build/interceptor-layer.js'
import { settingsFromEnv } from '../../../src/runtime/interceptor/interceptor.js'
import { DEFAULT_LOCAL_RULES_TIMEOUT_MS, DEFAULT_RULES_TIMEOUT_MS } from '../../../src/runtime/interceptor/schema.js'
import { createInterceptorTable, dynamodbEndpoint, localDynamoDB } from '../../support/dynamodb.js'
import {
  type EchoServer,
  type FunctionRun,
  putRule,
  type RunOptions,
  recordedCalls,
  rulesPartitionItems,
  runFunction,
  startCountingProxy,
  startEchoServer,
  startSilentServer,
} from './fixtures/harness.js'

let layerRoot: string
let client: DynamoDBClient
let tableName: string
let server: EchoServer
let functionName: string

beforeAll(async () => {
  layerRoot = interceptorLayerRoot()
  client = localDynamoDB()
  tableName = await createInterceptorTable(client)
  server = await startEchoServer()
})

afterAll(async () => {
  await server?.close()
  client?.destroy()
})

beforeEach(() => {
  functionName = `fn-${randomUUID()}`
})

function run(events: unknown[], options: Partial<RunOptions> = {}): Promise<FunctionRun> {
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

/** What each call of each invocation got: a mocked status, or `real` for an answer from the server. */
function answers(...runs: FunctionRun[]): string[] {
  return runs
    .flatMap((outcome) => outcome.results)
    .flatMap((result) => result.value as Array<{ status: number; body: string }>)
    .map((answer) => (answer.body.includes('"real":true') ? 'real' : String(answer.status)))
    .sort()
}

/** Five responses, each given once, then the rule is used up. */
/* 205 Reset Content carries no body (mock() refuses one), so the sequence skips it. */
const FIVE_ONCE = [201, 202, 203, 206, 207].map((status) => ({ status, body: `mock ${status}`, times: 1 }))

const parallelCalls = (count: number, path: string) => ({
  parallel: true,
  calls: Array.from({ length: count }, (_, index) => ({ client: 'fetch', url: `${server.url}/${path}/${index}` })),
})

describe('a sequence or times hit at once', () => {
  it('gives each response of a sequence exactly once to parallel calls of one invocation', async () => {
    await putRule(client, tableName, functionName, { match: { url: `${server.url}/parallel/*` }, responses: FIVE_ONCE })
    const outcome = await run([parallelCalls(8, 'parallel')])

    expect(answers(outcome)).toEqual(['201', '202', '203', '206', '207', 'real', 'real', 'real'])
    expect(outcome.stakeoutLogs).toEqual([])
  })

  it('answers 503 once and then 200 to parallel calls of a [503, 200] sequence', async () => {
    await putRule(client, tableName, functionName, {
      match: { url: `${server.url}/flaky/*` },
      responses: [
        { status: 503, body: 'down' },
        { status: 200, body: 'up' },
      ],
    })
    const outcome = await run([parallelCalls(5, 'flaky')])

    expect(answers(outcome)).toEqual(['200', '200', '200', '200', '503'])
  })

  it('mocks one of five parallel calls with times: 1; the others reach the server', async () => {
    await putRule(client, tableName, functionName, {
      match: { url: `${server.url}/once/*` },
      responses: [{ status: 418, body: 'mocked', times: 1 }],
    })
    const outcome = await run([parallelCalls(5, 'once')])

    expect(answers(outcome)).toEqual(['418', 'real', 'real', 'real', 'real'])
    expect(server.requests.filter((request) => request.url.startsWith('/once/'))).toHaveLength(4)
  })

  it('gives each response exactly once to concurrent invocations in one process', async () => {
    await putRule(client, tableName, functionName, { match: { url: `${server.url}/together/*` }, responses: FIVE_ONCE })
    const outcome = await run(
      [parallelCalls(2, 'together'), parallelCalls(2, 'together'), parallelCalls(3, 'together')],
      {
        concurrent: true,
        env: { AWS_LAMBDA_MAX_CONCURRENCY: '3' },
      },
    )

    expect(answers(outcome)).toEqual(['201', '202', '203', '206', '207', 'real', 'real'])
  })

  it('gives each response exactly once to invocations running at once in different processes', async () => {
    const ruleId = await putRule(client, tableName, functionName, {
      match: { url: `${server.url}/apart/*` },
      responses: FIVE_ONCE,
    })
    const [first, second] = await Promise.all([run([parallelCalls(4, 'apart')]), run([parallelCalls(4, 'apart')])])

    expect(answers(first!, second!)).toEqual(['201', '202', '203', '206', '207', 'real', 'real', 'real'])
    // Each mocked call is recorded with the rule that answered it; the counter stopped at the rule's five uses.
    const mocked = (await recordedCalls(client, tableName, functionName)).filter((call) => call.action === 'mock')
    expect(mocked.map((call) => call.status).sort()).toEqual([201, 202, 203, 206, 207])
    const counters = (await rulesPartitionItems(client, tableName, functionName)).filter((item) =>
      String(item.sk).startsWith('use#'),
    )
    expect(counters).toEqual([expect.objectContaining({ sk: `use#${ruleId}`, uses: 5 })])
  })

  it('answers the first response of a sequence once across processes, then its last one forever', async () => {
    await putRule(client, tableName, functionName, {
      match: { url: `${server.url}/recovering/*` },
      responses: [
        { status: 503, times: 2 },
        { status: 200, body: 'recovered' },
      ],
    })
    const runs = await Promise.all([1, 2, 3].map(() => run([parallelCalls(3, 'recovering')])))

    expect(answers(...runs)).toEqual(['200', '200', '200', '200', '200', '200', '200', '503', '503'])
  })

  it('makes no claim for a rule that answers forever, nor once a sequence reached its last response', async () => {
    await putRule(client, tableName, functionName, { match: { url: `${server.url}/always/*` }, responses: [{}] })
    await putRule(client, tableName, functionName, {
      match: { url: `${server.url}/then-always/*` },
      responses: [{ status: 503 }, { status: 200 }],
    })
    const proxy = await startCountingProxy(dynamodbEndpoint())
    try {
      await run(
        [parallelCalls(5, 'always'), { calls: [1, 2, 3].map((n) => ({ url: `${server.url}/then-always/${n}` })) }],
        {
          dynamodbEndpoint: proxy.endpoint,
        },
      )
      // The sequence's first call claims its 503; from then on the invocation knows the 200 answers forever.
      expect(proxy.operations.get('UpdateItem')).toBe(1)
    } finally {
      await proxy.close()
    }
  })
})

describe('a slow or unreachable table', () => {
  it('waits 300 ms for the rules of a table in AWS, 3 s for a local one, or what STAKEOUT_RULES_TIMEOUT_MS says', () => {
    const base = { STAKEOUT_INTERCEPTOR_TABLE: 't', AWS_LAMBDA_FUNCTION_NAME: 'f', AWS_REGION: 'eu-west-1' }
    const timeout = (env: NodeJS.ProcessEnv) => settingsFromEnv(env).settings?.rulesTimeoutMs
    expect(timeout(base)).toBe(300)
    expect(timeout({ ...base, AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000' })).toBe(3_000)
    expect(timeout({ ...base, AWS_ENDPOINT_URL: 'http://localhost:4566' })).toBe(3_000)
    expect(timeout({ ...base, STAKEOUT_RULES_TIMEOUT_MS: '1200' })).toBe(1_200)
    expect(settingsFromEnv(base).settings?.tableEndpoint).toBe('https://dynamodb.eu-west-1.amazonaws.com')
  })

  it('sends a call to the network after the deadline, so a client with a 1 s timeout still gets its answer', async () => {
    const table = await startSilentServer()
    try {
      const outcome = await run([{ calls: [{ client: 'fetch', url: `${server.url}/hung/1`, timeoutMs: 1_000 }] }], {
        dynamodbEndpoint: table.endpoint,
        // The default against DynamoDB in AWS; a local endpoint such as this one defaults to a longer wait.
        env: { STAKEOUT_RULES_TIMEOUT_MS: String(DEFAULT_RULES_TIMEOUT_MS) },
      })

      expect(outcome.results[0]?.value).toEqual([expect.objectContaining({ status: 200 })])
      expect(table.connections).toBeGreaterThan(0)
      expect(outcome.stakeoutLogs).toEqual([
        `[stakeout] the rules of ${functionName} were not read from table ${tableName} at ${table.endpoint} within ${DEFAULT_RULES_TIMEOUT_MS} ms (STAKEOUT_RULES_TIMEOUT_MS): outbound calls go to the network, unrecorded, until they arrive. Check that table ${tableName} exists at ${table.endpoint} and that the function's role allows dynamodb:Query on it.`,
      ])
    } finally {
      await table.close()
    }
  })

  it('takes its deadline from STAKEOUT_RULES_TIMEOUT_MS, and logs it once for all the calls that did not wait', async () => {
    const table = await startSilentServer()
    try {
      const outcome = await run(
        [{ calls: [1, 2, 3].map((n) => ({ client: 'http', url: `${server.url}/hung/${n}` })) }],
        {
          dynamodbEndpoint: table.endpoint,
          env: { STAKEOUT_RULES_TIMEOUT_MS: '50' },
        },
      )

      expect(outcome.results[0]?.value).toEqual([1, 2, 3].map(() => expect.objectContaining({ status: 200 })))
      expect(outcome.stakeoutLogs).toEqual([expect.stringContaining(` within 50 ms (STAKEOUT_RULES_TIMEOUT_MS): `)])
    } finally {
      await table.close()
    }
  })

  it('refuses a deadline that is not a positive integer, with one line, and uses the default', async () => {
    const outcome = await run([{ calls: [] }], { env: { STAKEOUT_RULES_TIMEOUT_MS: '0.5s' } })
    expect(outcome.stakeoutLogs).toEqual([
      `[stakeout] STAKEOUT_RULES_TIMEOUT_MS must be a positive integer, received "0.5s" (using ${DEFAULT_LOCAL_RULES_TIMEOUT_MS})`,
    ])
  })

  it('reads the rules from the start of the invocation: a handler that works first finds them there', async () => {
    // Every table request is answered after 1.5 s; the call waits 0.5 s at most from the start of the read, and its
    // client gives up after 1 s. Read at the first call (2 s into the invocation), the rules would come too late (or,
    // waited for, after the client gave up); read at the start, they are there when the call is made.
    const proxy = await startCountingProxy(dynamodbEndpoint(), { delayMs: 1_500 })
    try {
      await putRule(client, tableName, functionName, {
        match: { url: `${server.url}/after-work` },
        responses: [{ status: 202, body: 'mocked' }],
      })
      const outcome = await run(
        [{ workMs: 2_000, calls: [{ client: 'fetch', url: `${server.url}/after-work`, timeoutMs: 1_000 }] }],
        {
          dynamodbEndpoint: proxy.endpoint,
          env: { STAKEOUT_RULES_TIMEOUT_MS: '500' },
        },
      )

      expect(outcome.results[0]?.value).toEqual([expect.objectContaining({ status: 202, body: 'mocked' })])
      expect(outcome.stakeoutLogs).toEqual([])
    } finally {
      await proxy.close()
    }
  })
})
