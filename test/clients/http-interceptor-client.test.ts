import { randomUUID } from 'node:crypto'
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb'
import { marshall } from '@aws-sdk/util-dynamodb'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  HttpInterceptorClient,
  type HttpInterceptorClientOptions,
  isInterceptor,
} from '../../src/clients/http-interceptor-client.js'
import { ArgumentError } from '../../src/errors.js'
import { EventuallyTimeoutError } from '../../src/eventually.js'
import { matchRequest } from '../../src/runtime/interceptor/matching.js'
import { pickRule } from '../../src/runtime/interceptor/pick-rule.js'
import { redactionFromEnv, redactUrl } from '../../src/runtime/interceptor/redaction.js'
import {
  CONFIG_SORT_KEY,
  callSortKey,
  callsPartition,
  DEFAULT_TTL_SECONDS,
  REDACTED,
  type RecordedCall,
  ruleSortKey,
  rulesPartition,
  useSortKey,
} from '../../src/runtime/interceptor/schema.js'
import { parseStoredRule } from '../../src/runtime/interceptor/stored-rule.js'
import { createInterceptorTable, createTableWithoutTtl, dynamodbEndpoint, localDynamoDB } from '../support/dynamodb.js'
import { writeRecordedCall } from '../support/recorded-calls.js'

let dynamodb: DynamoDBClient
let tableName: string

beforeAll(async () => {
  dynamodb = localDynamoDB()
  tableName = await createInterceptorTable(dynamodb)
})

afterAll(() => dynamodb.destroy())

/** A client for a function of its own, so tests never share items. */
function newClient(options: Partial<HttpInterceptorClientOptions> = {}): HttpInterceptorClient {
  return new HttpInterceptorClient({ functionName: `fn-${randomUUID()}`, tableName, dynamodb, ...options })
}

async function partition(pk: string): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = []
  let startKey: Record<string, AttributeValue> | undefined
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    )
    items.push(...(page.Items ?? []))
    startKey = page.LastEvaluatedKey
  } while (startKey)
  return items
}

const sortKeys = async (pk: string) => (await partition(pk)).map((item) => item.sk?.S)

/** The rules of a function as the runtime reads them: parsed and compiled, in creation order. */
async function storedRules(client: HttpInterceptorClient) {
  const items = await partition(rulesPartition(client.functionName))
  return items.filter((item) => item.sk?.S?.startsWith('rule#')).map((item) => parseStoredRule(item.rule?.S ?? ''))
}

let seq = 0
/** Writes a recorded call exactly as the in-function runtime does (schema.ts). */
async function recordCall(functionName: string, fields: Partial<RecordedCall> & { at: number }) {
  const { at, ...rest } = fields
  const call: RecordedCall = {
    url: 'https://api-1/users',
    method: 'GET',
    headers: {},
    timestamp: new Date(at).toISOString(),
    requestId: 'req-1',
    seq: seq++,
    action: 'mock',
    ...rest,
  }
  await writeRecordedCall(dynamodb, tableName, functionName, call)
  return call
}

/** Claims a use of a rule as the runtime does (its use counter goes up by one). */
async function recordUse(functionName: string, ruleId: string) {
  await dynamodb.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: marshall({ pk: rulesPartition(functionName), sk: useSortKey(ruleId) }),
      UpdateExpression: 'ADD #uses :one',
      ExpressionAttributeNames: { '#uses': 'uses' },
      ExpressionAttributeValues: { ':one': { N: '1' } },
    }),
  )
}

describe('new HttpInterceptorClient', () => {
  it('names the option that is wrong', () => {
    expect(() => new HttpInterceptorClient({ tableName } as never)).toThrow(
      'HttpInterceptorClient: options.functionName must be the function name, a non-empty string, received undefined',
    )
    expect(() => new HttpInterceptorClient({ functionName: 'f', tablename: 't' } as never)).toThrow(
      /options\.tablename must be absent \(one of functionName, tableName, dynamodb, endpoint, region, ttlSeconds, since\)/,
    )
    const cases: Array<[unknown, string]> = [
      [undefined, 'options'],
      [{ functionName: 'f', tableName: '' }, 'options.tableName'],
      [{ functionName: 'f#calls', tableName: 'calls' }, 'options.functionName'],
      [{ functionName: 'f', tableName: 'ab' }, 'options.tableName'],
      [{ functionName: 'f', tableName: 'my table' }, 'options.tableName'],
      [{ functionName: 'f', tableName: 'x'.repeat(256) }, 'options.tableName'],
      [{ functionName: 'f', tableName: 'calls', endpoint: 'not a url' }, 'options.endpoint'],
      [{ functionName: 'f', tableName: 'calls', region: '' }, 'options.region'],
      [{ functionName: 'f', tableName: 'calls', dynamodb: {} }, 'options.dynamodb'],
      [{ functionName: 'f', tableName: 'calls', dynamodb: localDynamoDB(), region: 'eu-west-1' }, 'options.dynamodb'],
      [{ functionName: 'f', tableName: 'calls', ttlSeconds: 0 }, 'options.ttlSeconds'],
      [{ functionName: 'f', tableName: 'calls', since: 'now' }, 'options.since'],
    ]
    expect(() => new HttpInterceptorClient({ functionName: 'my#fn', tableName })).toThrow(
      "HttpInterceptorClient: options.functionName must be a function name without '#' (it separates the parts of the table's keys), received string 'my#fn'",
    )
    expect(() => new HttpInterceptorClient({ functionName: 'f', tableName: 'my table' })).toThrow(
      "HttpInterceptorClient: options.tableName must be a DynamoDB table name: 3 to 255 characters, each a-z, A-Z, 0-9, _, - or ., received string 'my table'",
    )
    for (const [options, argument] of cases) {
      let thrown: unknown
      try {
        new HttpInterceptorClient(options as HttpInterceptorClientOptions)
      } catch (error) {
        thrown = error
      }
      expect(thrown, argument).toBeInstanceOf(ArgumentError)
      expect((thrown as ArgumentError).argument).toBe(argument)
    }
  })

  it('is an interceptor that matchers recognise', () => {
    const client = new HttpInterceptorClient({ functionName: 'my-fn', tableName: 'calls', region: 'eu-west-1' })
    expect(isInterceptor(client)).toBe(true)
    expect(client.description).toBe('interceptor of function my-fn')
    expect(client.recordsAll).toBe(false)
    expect(isInterceptor({ calls: () => [] })).toBe(false)
    expect(isInterceptor(null)).toBe(false)
  })
})

describe('mock', () => {
  it('writes a rule the runtime parses, with a TTL', async () => {
    const client = newClient({ ttlSeconds: 600 })
    const before = Date.now()
    const mock = await client.mock(
      { url: /^https:\/\/api-1\//, method: 'POST', body: { user: { name: /^A/ } } },
      { status: 404, json: { errorMessage: 'Not found' } },
    )
    const after = Date.now()
    const items = await partition(rulesPartition(client.functionName))
    expect(items).toHaveLength(1)
    const item = items[0]!
    const rule = parseStoredRule(item.rule?.S ?? '')
    expect(rule).toMatchObject({
      id: mock.id,
      action: 'mock',
      responses: [{ status: 404, json: { errorMessage: 'Not found' } }],
    })
    expect(item.sk?.S).toBe(ruleSortKey(rule.createdAt, mock.id))
    expect(rule.createdAt).toBeGreaterThanOrEqual(before)
    const expiresAt = Number(item.expiresAt?.N)
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 600)
    expect(expiresAt).toBeLessThanOrEqual(Math.ceil(after / 1000) + 600)
    const post = { url: 'https://api-1/users', method: 'POST', headers: {}, body: '{"user":{"name":"Ada","id":1}}' }
    expect(matchRequest(rule.matcher, post)).toBe(true)
    expect(matchRequest(rule.matcher, { ...post, body: '{"user":{"name":"Bob"}}' })).toBe(false)
  })

  it('defaults the TTL to one day', async () => {
    const client = newClient()
    await client.mock('https://api-1/*', {})
    const [item] = await partition(rulesPartition(client.functionName))
    expect(Number(item?.expiresAt?.N) - Math.floor(Date.now() / 1000)).toBeGreaterThan(DEFAULT_TTL_SECONDS - 60)
  })

  it('stores a sequence of responses in order', async () => {
    const client = newClient()
    await client.mock('https://api-1/*', [
      { status: 503, times: 2 },
      { status: 200, json: { ok: true } },
    ])
    const [rule] = await storedRules(client)
    expect(rule?.responses).toEqual([
      { status: 503, times: 2 },
      { status: 200, json: { ok: true } },
    ])
  })

  it('rejects bad input naming the field, and writes nothing', async () => {
    const client = newClient()
    await expect(client.mock('https://api-1/*', { stauts: 404 } as never)).rejects.toThrow(
      'mock: response.stauts must be absent (unknown key; did you mean status?), received number 404',
    )
    await expect(client.mock('https://api-1/*', [{ status: 200 }, { status: 1000 }])).rejects.toThrow(
      'mock: response[1].status must be an integer from 200 to 599 (a 1xx is not a final answer), received number 1000',
    )
    await expect(client.mock('https://api-1/*', [])).rejects.toThrow(/mock: response must be a response or a non-empty/)
    await expect(client.mock(42 as never, {})).rejects.toThrow(/mock: request must be a URL pattern/)
    await expect(client.mock('api.example.com/*', {})).rejects.toThrow(
      /^mock: request must be a URL pattern with a scheme: add https:\/\/ \(https:\/\/api\.example\.com\/\*\)/,
    )
    await expect(client.calls({ url: 'api.example.com/*' })).rejects.toThrow(
      /^calls: filter\.url must be a URL pattern with a scheme: add https:\/\//,
    )
    await expect(client.mock({ url: '*', body: { id: expect.any(Number) } }, {})).rejects.toThrow(
      'mock: request.body.id must be a JSON value or RegExp to be stored in a rule',
    )
    expect(await partition(rulesPartition(client.functionName))).toEqual([])
  })

  it("refuses a mock over DynamoDB's item size, naming its size and the limit, and writes nothing", async () => {
    const client = newClient()
    const error = await client
      .mock('https://api-1/*', { body: 'x'.repeat(400 * 1024) })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ArgumentError)
    expect((error as Error).message).toMatch(
      /^mock: response must be small enough for a rule of at most 400 KB \(DynamoDB's item size limit, 409,600 bytes\): this rule takes 409,\d{3} bytes, received object/,
    )
    expect((error as Error).stack?.split('\n')[1]).toContain('http-interceptor-client.test.ts')
    await expect(
      client.createConfigs([{ url: 'https://api-1/*', response: { body: 'x'.repeat(400 * 1024) } }]),
    ).rejects.toThrow(/^createConfigs: configs\[0\]\.response must be small enough for a rule of at most 400 KB/)
    await expect(
      client.passThrough({ url: 'https://api-1/*', body: { text: 'x'.repeat(400 * 1024) } }),
    ).rejects.toThrow(/^passThrough: request must be small enough for a rule of at most 400 KB/)
    expect(await partition(rulesPartition(client.functionName))).toEqual([])
    // Just under the limit is stored, and the runtime reads it back whole.
    await client.mock('https://api-1/*', { body: 'x'.repeat(400 * 1024 - 1024) })
    expect((await storedRules(client))[0]?.responses?.[0]?.body).toHaveLength(400 * 1024 - 1024)
  })

  it('points a validation error at the caller', async () => {
    const error: unknown = await newClient()
      .mock('', {})
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ArgumentError)
    expect((error as Error).stack?.split('\n')[1]).toContain('http-interceptor-client.test.ts')
  })

  it("points every refused argument at the caller's line: the constructor's and each method's", async () => {
    const client = newClient()
    const thrown = (act: () => unknown): unknown => {
      try {
        act()
      } catch (error) {
        return error
      }
      throw new Error('expected a throw')
    }
    const errors = [
      thrown(() => new HttpInterceptorClient({ functionName: '', tableName })),
      thrown(() => client.startRecording(Number.NaN)),
      await client.recordAll('yes' as never).catch((caught: unknown) => caught),
      await client.removeRules('rule-1' as never).catch((caught: unknown) => caught),
      await client.pollInterceptedCalls({ numberOfCallsToExpect: -1 }).catch((caught: unknown) => caught),
      await client.passThrough('api.example.com/*').catch((caught: unknown) => caught),
      await client.calls(42 as never).catch((caught: unknown) => caught),
      await client.createConfigs('all' as never).catch((caught: unknown) => caught),
    ]
    for (const error of errors) {
      expect(error).toBeInstanceOf(ArgumentError)
      expect((error as Error).stack?.split('\n')[1]).toContain('http-interceptor-client.test.ts')
    }
  })

  it('keeps the order of rules written in the same millisecond, so the last one wins', async () => {
    const client = newClient()
    const mocks = await Promise.all(
      [200, 201, 202, 203, 204, 205].map((status) => client.mock('https://api-1/*', { status })),
    )
    const rules = await storedRules(client)
    expect(rules.map((rule) => rule.id)).toEqual(mocks.map((mock) => mock.id))
    const picked = pickRule(rules, { url: 'https://api-1/x', method: 'GET', headers: {} }, new Map())
    expect(picked?.response).toEqual({ status: 205 })
  })

  it('removes the rule and its uses, and nothing else', async () => {
    const client = newClient()
    const first = await client.mock('https://api-1/*', { status: 500 })
    const second = await client.mock('https://api-2/*', { status: 200 })
    await recordUse(client.functionName, first.id)
    await recordUse(client.functionName, first.id)
    await recordUse(client.functionName, second.id)
    await first.remove()
    const keys = await sortKeys(rulesPartition(client.functionName))
    expect(keys).toHaveLength(2)
    expect(keys.every((key) => key?.includes(second.id))).toBe(true)
  })
})

describe('passThrough', () => {
  it('writes a pass-through rule, limited by times if given', async () => {
    const client = newClient()
    const unlimited = await client.passThrough('https://api-2/path')
    const once = await client.passThrough({ url: 'https://api-2/*', method: 'GET' }, { times: 1 })
    const rules = await storedRules(client)
    expect(rules).toMatchObject([
      { id: unlimited.id, action: 'passThrough', match: { url: 'https://api-2/path' } },
      { id: once.id, action: 'passThrough', times: 1, match: { url: 'https://api-2/*', method: 'GET' } },
    ])
    expect(rules[0]).not.toHaveProperty('times')
  })

  it('rejects bad options', async () => {
    const client = newClient()
    await expect(client.passThrough('https://x/*', { times: 0 })).rejects.toThrow(
      'passThrough: options.times must be a positive integer, received number 0',
    )
    await expect(client.passThrough('https://x/*', { time: 1 } as never)).rejects.toThrow(
      /options\.time must be absent/,
    )
    await expect(client.passThrough('api.example.com/*')).rejects.toThrow(
      "passThrough: request must be a URL pattern with a scheme: add https:// (https://api.example.com/*), received string 'api.example.com/*'",
    )
    expect(await partition(rulesPartition(client.functionName))).toEqual([])
  })
})

describe('recordAll', () => {
  it('writes the config item the runtime reads', async () => {
    const client = newClient()
    await client.recordAll()
    let [item] = await partition(rulesPartition(client.functionName))
    expect(item).toMatchObject({ sk: { S: CONFIG_SORT_KEY }, recordAll: { BOOL: true } })
    expect(client.recordsAll).toBe(true)
    await client.recordAll(false)
    ;[item] = await partition(rulesPartition(client.functionName))
    expect(item?.recordAll).toEqual({ BOOL: false })
    expect(client.recordsAll).toBe(false)
    await expect(client.recordAll('yes' as never)).rejects.toThrow('recordAll: enabled must be a boolean')
  })
})

describe('calls', () => {
  it('returns the calls recorded since it began, in time order', async () => {
    const since = Date.now()
    const client = newClient({ since })
    await recordCall(client.functionName, { at: since - 1, url: 'https://api-1/too-early' })
    const later = await recordCall(client.functionName, { at: since + 5, url: 'https://api-1/second', requestId: 'a' })
    const first = await recordCall(client.functionName, {
      at: since,
      url: 'https://api-1/first?page=2',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"Ada"}',
      ruleId: 'r1',
      status: 201,
      bodySize: 14,
    })
    const sameMs = await recordCall(client.functionName, { at: since + 5, url: 'https://api-2/third', requestId: 'b' })
    expect(await client.calls()).toEqual([first, later, sameMs])
  })

  it('filters with a URL pattern, a RegExp or request fields', async () => {
    const since = Date.now()
    const client = newClient({ since })
    const get = await recordCall(client.functionName, { at: since, url: 'https://api-1/users?page=2' })
    const post = await recordCall(client.functionName, {
      at: since + 1,
      url: 'https://api-1/users',
      method: 'POST',
      body: '{"name":"Ada","age":36}',
    })
    const other = await recordCall(client.functionName, { at: since + 2, url: 'https://api-2/x', action: 'unmatched' })
    expect(await client.calls('https://api-1/*')).toEqual([get, post])
    expect(await client.calls(/api-2/)).toEqual([other])
    expect(await client.calls({ method: 'post' })).toEqual([post])
    expect(await client.calls({ query: { page: '2' } })).toEqual([get])
    expect(await client.calls({ url: 'https://api-1/users', body: { name: 'Ada' } })).toEqual([post])
    await expect(client.calls({ method: 'GE T' })).rejects.toThrow('calls: filter.method must be an HTTP method')
  })

  it('finds a call whose URL the runtime redacted, with the filter written in the order of the call', async () => {
    const since = Date.now()
    const client = newClient({ since })
    const url = redactUrl('https://api-1/search?api_key=k1&page=2&sessionToken=t', redactionFromEnv({}))
    const call = await recordCall(client.functionName, { at: since, url })
    expect(await client.calls('https://api-1/search?api_key=*&page=2&sessionToken=*')).toEqual([call])
    expect(await client.calls(`https://api-1/search?api_key=${REDACTED}&page=2*`)).toEqual([call])
    expect(await client.calls({ query: { api_key: REDACTED, page: '2' } })).toEqual([call])
  })

  it('moves its start with startRecording', async () => {
    const since = Date.now()
    const client = newClient({ since })
    await recordCall(client.functionName, { at: since + 1 })
    const kept = await recordCall(client.functionName, { at: since + 10 })
    client.startRecording(since + 10)
    expect(client.since).toBe(since + 10)
    expect(await client.calls()).toEqual([kept])
    expect(() => client.startRecording(Number.NaN)).toThrow('startRecording: at must be a time in ms since the epoch')
  })

  it('reads every page of a large result', async () => {
    const since = Date.now()
    const client = newClient({ since })
    const body = 'x'.repeat(60_000)
    const requests = Array.from({ length: 25 }, (_, index) => ({
      PutRequest: {
        Item: {
          pk: { S: callsPartition(client.functionName) },
          sk: { S: callSortKey(since + index, 'req', index) },
          call: {
            M: marshall({
              url: `https://api-1/${index}`,
              method: 'POST',
              headers: {},
              body,
              timestamp: new Date(since + index).toISOString(),
              requestId: 'req',
              seq: index,
              action: 'passThrough',
            } satisfies RecordedCall),
          },
        },
      },
    }))
    await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }))
    const calls = await client.calls()
    expect(calls.map((call) => call.seq)).toEqual(requests.map((_, index) => index))
  })

  it('skips calls whose TTL has passed', async () => {
    const since = Date.now()
    // A table without TTL, so the expired call is surely still there when calls() reads it.
    const noTtl = await createTableWithoutTtl(dynamodb)
    const client = new HttpInterceptorClient({ functionName: `fn-${randomUUID()}`, tableName: noTtl, dynamodb, since })
    await dynamodb.send(
      new PutItemCommand({
        TableName: noTtl,
        Item: {
          pk: { S: callsPartition(client.functionName) },
          sk: { S: callSortKey(since, 'old', 0) },
          call: { M: marshall({ url: 'https://x/', method: 'GET', headers: {} }) },
          expiresAt: { N: String(Math.floor(Date.now() / 1000) - 10) },
        },
      }),
    )
    expect(await client.calls()).toEqual([])
  })

  it('cancels the read with an abort signal', async () => {
    const client = newClient()
    await expect(client.calls(undefined, { abortSignal: AbortSignal.abort() })).rejects.toThrow(/abort/i)
  })
})

describe('a client given only an endpoint', () => {
  it('works against a local endpoint with no AWS region or credentials in the environment', async () => {
    for (const name of [
      'AWS_REGION',
      'AWS_DEFAULT_REGION',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_PROFILE',
    ]) {
      vi.stubEnv(name, undefined)
    }
    try {
      const client = new HttpInterceptorClient({
        functionName: `fn-${randomUUID()}`,
        tableName,
        endpoint: dynamodbEndpoint(),
        since: 0,
      })
      const rule = await client.mock('https://api-1/*', { status: 204 })
      expect(rule.id).toEqual(expect.any(String))
      expect(await client.calls()).toEqual([])
    } finally {
      vi.unstubAllEnvs()
    }
  })
})

describe('destroy', () => {
  it('destroys the DynamoDB client it made (its open socket would keep a script running), not one it was given', async () => {
    const destroyed = vi.spyOn(DynamoDBClient.prototype, 'destroy')
    try {
      const made = new HttpInterceptorClient({
        functionName: `fn-${randomUUID()}`,
        tableName,
        endpoint: dynamodbEndpoint(),
      })
      expect(await made.calls()).toEqual([])
      made.destroy()
      expect(destroyed).toHaveBeenCalledTimes(1)
      const given = newClient()
      given.destroy()
      expect(destroyed).toHaveBeenCalledTimes(1)
      expect(await given.calls()).toEqual([])
    } finally {
      destroyed.mockRestore()
    }
  })
})

describe('reset and removeRules', () => {
  it('reset deletes every rule, use and the config of its function only, and restarts recording', async () => {
    const client = newClient()
    const neighbour = newClient()
    const mocks = await Promise.all(
      Array.from({ length: 30 }, (_, status) => client.mock('https://x/*', { status: 200 + status })),
    )
    for (const mock of mocks.slice(0, 5)) await recordUse(client.functionName, mock.id)
    await client.recordAll()
    const kept = await neighbour.mock('https://x/*', { status: 418 })
    await neighbour.recordAll()
    await recordCall(client.functionName, { at: Date.now() - 1 })

    await client.reset()
    expect(await partition(rulesPartition(client.functionName))).toEqual([])
    expect(client.recordsAll).toBe(false)
    expect(await client.calls()).toEqual([])
    expect(await sortKeys(rulesPartition(neighbour.functionName))).toEqual([
      CONFIG_SORT_KEY,
      expect.stringContaining(kept.id),
    ])
  })

  it('removeRules deletes the given rules and their uses, whoever wrote them', async () => {
    const writer = newClient()
    const remover = new HttpInterceptorClient({ functionName: writer.functionName, tableName, dynamodb })
    const [a, b, c] = await Promise.all([
      writer.mock('https://a/*', {}),
      writer.passThrough('https://b/*'),
      writer.mock('https://c/*', {}),
    ])
    await recordUse(writer.functionName, a!.id)
    await recordUse(writer.functionName, c!.id)
    await remover.removeRules([a!.id, b!.id, 'no-such-rule'])
    const keys = await sortKeys(rulesPartition(writer.functionName))
    expect(keys).toHaveLength(2)
    expect(keys.every((key) => key?.includes(c!.id))).toBe(true)
    await expect(remover.removeRules('a' as never)).rejects.toThrow('removeRules: ids must be an array of rule ids')
  })
})

describe('two functions in one table', () => {
  it('never see each other’s calls or rules', async () => {
    const since = Date.now()
    const one = newClient({ since })
    const two = newClient({ since })
    const mine = await recordCall(one.functionName, { at: since + 1, url: 'https://api-1/one' })
    const theirs = await recordCall(two.functionName, { at: since + 1, url: 'https://api-1/two' })
    await one.mock('https://api-1/*', { status: 500 })
    await two.passThrough('https://api-1/*')
    expect(await one.calls()).toEqual([mine])
    expect(await two.calls()).toEqual([theirs])
    expect((await storedRules(one)).map((rule) => rule.action)).toEqual(['mock'])
    expect((await storedRules(two)).map((rule) => rule.action)).toEqual(['passThrough'])
    await one.reset()
    expect(await storedRules(two)).toHaveLength(1)
  })
})

describe('lambda-http-interceptor compatibility', () => {
  const request = (url: string) => ({ url, method: 'GET', headers: {} })

  it('createConfigs writes rules where the first matching configuration wins', async () => {
    const client = newClient()
    await client.createConfigs([
      { url: 'https://api-1/special', response: { status: 404, body: '{"errorMessage":"Not found"}' } },
      { url: 'https://api-1/*', method: 'GET', queryParams: { page: '1' }, response: { status: 200 } },
      { url: 'https://api-1/*', response: { passThrough: true } },
      { response: { headers: { 'x-a': 'b' } } },
    ])
    const rules = await storedRules(client)
    expect(rules).toHaveLength(4)
    const pick = (url: string) => {
      const picked = pickRule(rules, request(url), new Map())
      return picked?.response ?? picked?.rule.action
    }
    expect(pick('https://api-1/special')).toEqual({ status: 404, body: '{"errorMessage":"Not found"}' })
    expect(pick('https://api-1/users?page=1')).toEqual({ status: 200 })
    expect(pick('https://api-1/users?page=2')).toBe('passThrough')
    expect(pick('https://elsewhere/')).toEqual({ headers: { 'x-a': 'b' } })
  })

  it('createConfigs replaces the configurations it created before, and keeps other rules', async () => {
    const client = newClient()
    const mock = await client.mock('https://api-9/*', { status: 418 })
    await client.createConfigs([{ url: 'https://api-1/*', response: { status: 500 } }])
    await client.createConfigs([{ url: 'https://api-2/*', response: { status: 201 } }])
    const rules = await storedRules(client)
    expect(rules.map((rule) => rule.match.url)).toEqual(['https://api-9/*', 'https://api-2/*'])
    expect(rules[0]?.id).toBe(mock.id)
  })

  it('createConfigs names the field that is wrong', async () => {
    const client = newClient()
    await expect(
      client.createConfigs([
        { url: 'https://api-1/*', response: { status: 200 } },
        { url: 'https://api-2/*', response: { status: 1 } },
      ]),
    ).rejects.toThrow(
      'createConfigs: configs[1].response.status must be an integer from 200 to 599 (a 1xx is not a final answer), received number 1',
    )
    await expect(client.createConfigs([{ url: 'https://x', respons: {} } as never])).rejects.toThrow(
      /configs\[0\]\.respons must be absent/,
    )
    await expect(client.createConfigs([{ url: 'https://x', queryParams: { a: 1 } } as never])).rejects.toThrow(
      /configs\[0\]\.queryParams\.a must be a string/,
    )
    expect(await storedRules(client)).toEqual([])
  })

  it('pollInterceptedCalls waits for the calls and returns them with their query parameters', async () => {
    const since = Date.now()
    const client = newClient({ since })
    await recordCall(client.functionName, { at: since, url: 'https://api-2/other', action: 'unmatched' })
    const first = await recordCall(client.functionName, { at: since + 1, url: 'https://api-1/a?page=2&size=5' })
    const writeLater = new Promise((resolve) => setTimeout(resolve, 300)).then(() =>
      recordCall(client.functionName, { at: since + 2, url: 'https://api-1/b', action: 'passThrough' }),
    )
    const calls = await client.pollInterceptedCalls({ numberOfCallsToExpect: 2, timeout: 10_000 })
    const second = await writeLater
    expect(calls).toEqual([
      { ...first, queryParams: { page: '2', size: '5' } },
      { ...second, queryParams: {} },
    ])
  })

  it('pollInterceptedCalls throws when the calls do not come in time', async () => {
    const since = Date.now()
    const client = newClient({ since })
    await recordCall(client.functionName, { at: since + 1 })
    const error = await client
      .pollInterceptedCalls({ numberOfCallsToExpect: 2, timeout: 300 })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(EventuallyTimeoutError)
    expect((error as Error).message).toContain(`2 intercepted calls of function ${client.functionName}`)
    await expect(client.pollInterceptedCalls({ numberOfCallsToExpect: -1 })).rejects.toThrow(
      /options\.numberOfCallsToExpect must be an integer, 0 or more/,
    )
  })

  it('cleanInterceptedCalls hides a call made in the same millisecond, and sees the next one', async () => {
    const now = Date.now()
    const client = newClient({ since: now - 1000 })
    vi.spyOn(Date, 'now').mockReturnValue(now)
    try {
      await recordCall(client.functionName, { at: now, url: 'https://api-1/before' })
      await client.cleanInterceptedCalls()
    } finally {
      vi.restoreAllMocks()
    }
    expect(await client.calls()).toEqual([])
    const after = await recordCall(client.functionName, { at: Date.now(), url: 'https://api-1/after' })
    expect(await client.calls()).toEqual([after])
  })

  it('cleanInterceptedCalls hides the calls recorded so far', async () => {
    const client = newClient({ since: Date.now() - 1000 })
    await recordCall(client.functionName, { at: Date.now() - 1 })
    expect(await client.calls()).toHaveLength(1)
    await client.cleanInterceptedCalls()
    expect(await client.calls()).toEqual([])
  })
})
