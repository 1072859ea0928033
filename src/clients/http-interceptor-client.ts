import { randomUUID } from 'node:crypto'
import { type AttributeValue, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'
import { ArgumentError, failArgument, restack } from '../errors.js'
import { eventually } from '../eventually.js'
import { compileMatcher, matchRequest } from '../runtime/interceptor/matching.js'
import {
  CONFIG_SORT_KEY,
  callsPartition,
  callsSinceSortKey,
  DEFAULT_TTL_SECONDS,
  type MockResponse,
  PARTITION_KEY,
  type RecordedCall,
  type RequestMatcher,
  type RequestSnapshot,
  ruleItem,
  rulesPartition,
  SORT_KEY,
  type StoredRule,
  TTL_ATTRIBUTE,
} from '../runtime/interceptor/schema.js'
import { serializeMatcher } from '../runtime/interceptor/serialization.js'
import { queryAll, writeAll } from '../runtime/interceptor/table-io.js'
import { dynamodbClientFor, sendWithSdk } from './dynamodb-client.js'
import {
  checkFitsInItem,
  type InterceptedCall,
  type InterceptorConfig,
  type PollInterceptedCallsOptions,
  queryParamsOf,
  type RuleFields,
  readConfigs,
  readPassThroughOptions,
  validateSequence,
} from './rule-arguments.js'
import { validateMatcher, validateResponse } from './rule-validation.js'

export type { InterceptedCall, InterceptorConfig, PollInterceptedCallsOptions } from './rule-arguments.js'

/**
 * The brand of every interceptor (an {@link HttpInterceptorClient}, a `useInterceptor()` fixture):
 * how matchers such as `toHaveCalled` recognise what they receive, across copies of stakeout.
 */
export const INTERCEPTOR: unique symbol = Symbol.for('stakeout.interceptor') as never

/** Which recorded calls {@link HttpInterceptorClient.calls} returns: a URL pattern, or request fields (`url` optional). */
export type CallFilter = string | RegExp | Partial<RequestMatcher>

/** Options of {@link HttpInterceptorClient.calls}. */
export interface CallsOptions {
  /** Cancels the DynamoDB request (polling passes the signal of the attempt). */
  abortSignal?: AbortSignal | undefined
}

/** What matchers need from an interceptor. */
export interface Interceptor {
  /** The brand: see {@link INTERCEPTOR}. */
  readonly [INTERCEPTOR]: true
  /** Names it in failure messages: `interceptor of function my-fn`. */
  readonly description: string
  /** True when unmatched calls are recorded too (set by `recordAll()`), so "nothing recorded" means nothing was called. */
  readonly recordsAll?: boolean
  /** The calls recorded since the current test (or recording) began, in time order. */
  calls(filter?: CallFilter, options?: CallsOptions): Promise<RecordedCall[]>
}

/**
 * True when `value` is an interceptor (carries the {@link INTERCEPTOR} brand).
 *
 * @example
 * if (!isInterceptor(received)) throw new ArgumentError('toHaveCalled', 'received', 'an interceptor', received)
 */
export function isInterceptor(value: unknown): value is Interceptor {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    (value as Record<symbol, unknown>)[INTERCEPTOR] === true &&
    typeof (value as { calls?: unknown }).calls === 'function'
  )
}

/** A rule written by {@link HttpInterceptorClient.mock} or {@link HttpInterceptorClient.passThrough}. */
export interface InterceptorRule {
  /** The rule's id, as recorded in `RecordedCall.ruleId`. */
  readonly id: string
  /** Deletes the rule (and its use counts): from the next outbound call on, it no longer applies. */
  remove(): Promise<void>
}

/** A mock: see {@link HttpInterceptorClient.mock}. */
export type Mock = InterceptorRule

/** Options of {@link HttpInterceptorClient.passThrough}. */
export interface PassThroughOptions {
  /** How many calls the rule lets through (and records); then older rules or the network get them. @default unlimited */
  times?: number
}

/** How {@link HttpInterceptorClient} reaches the interceptor table. */
export interface HttpInterceptorClientOptions {
  /** The intercepted function's name (its physical name, as in `AWS_LAMBDA_FUNCTION_NAME`). */
  functionName: string
  /** The interceptor table's name (the function's `STAKEOUT_INTERCEPTOR_TABLE`). */
  tableName: string
  /** A DynamoDB client to use. @default a new client from the SDK's chain, with `region` and `endpoint` */
  dynamodb?: DynamoDBClient | undefined
  /** DynamoDB endpoint (DynamoDB Local, LocalStack). Not with `dynamodb`. @default the SDK's chain */
  endpoint?: string | undefined
  /** AWS region. Not with `dynamodb`. @default the SDK's chain */
  region?: string | undefined
  /** Seconds a rule lives before the table's TTL removes it. @default DEFAULT_TTL_SECONDS (one day) */
  ttlSeconds?: number | undefined
  /** `calls()` returns calls recorded at or after this time (ms since the epoch). @default the client's construction */
  since?: number | undefined
}

const OPTION_KEYS: readonly string[] = [
  'functionName',
  'tableName',
  'dynamodb',
  'endpoint',
  'region',
  'ttlSeconds',
  'since',
]
/** What DynamoDB accepts as a table name. */
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/
const DEFAULT_POLL_TIMEOUT = 10_000

/**
 * Talks to the interceptor table for one function: writes the rules (mocks, pass-throughs) the
 * in-function interceptor applies from the next outbound call on, and reads the calls it recorded.
 * Usable from any runner or script; in Vitest or Jest, prefer `useInterceptor()`, which cleans up
 * after each test.
 *
 * @example
 * const api = new HttpInterceptorClient({ functionName: 'my-fn', tableName: 'my-interceptor-table' })
 * await api.mock('https://api-1/*', { status: 404, json: { errorMessage: 'Not found' } })
 * await invokeMyFunction()
 * const calls = await api.calls('https://api-1/*')
 */
export class HttpInterceptorClient implements Interceptor {
  /** The brand matchers recognise. */
  readonly [INTERCEPTOR] = true as const
  /** The intercepted function's name. */
  readonly functionName: string
  /** The interceptor table's name. */
  readonly tableName: string
  readonly #dynamodb: DynamoDBClient
  /** The DynamoDB client was made here (not given), so {@link HttpInterceptorClient.destroy} ends it. */
  readonly #ownsDynamodb: boolean
  readonly #ttlSeconds: number
  #since: number
  #recordsAll = false
  /** Rules written by the last `createConfigs`, replaced by the next one. */
  #configRuleIds: string[] = []

  /**
   * @param options the function and table (see {@link HttpInterceptorClientOptions})
   * @throws {ArgumentError} an option is missing or malformed (named in the message)
   */
  constructor(options: HttpInterceptorClientOptions) {
    const fail = (argument: string, expectation: string, received: unknown): never =>
      failArgument(HttpInterceptorClient, 'HttpInterceptorClient', argument, expectation, received)
    if (options === null || typeof options !== 'object') {
      fail('options', 'an object like { functionName, tableName }', options)
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.includes(key)) fail(`options.${key}`, `absent (one of ${OPTION_KEYS.join(', ')})`, key)
    }
    const { functionName, tableName, dynamodb, endpoint, region, ttlSeconds, since } = options
    if (typeof functionName !== 'string' || functionName.trim() === '') {
      fail('options.functionName', 'the function name, a non-empty string', functionName)
    }
    if (functionName.includes('#')) {
      fail(
        'options.functionName',
        "a function name without '#' (it separates the parts of the table's keys)",
        functionName,
      )
    }
    if (typeof tableName !== 'string' || tableName.trim() === '') {
      fail('options.tableName', 'the interceptor table name, a non-empty string', tableName)
    }
    if (!TABLE_NAME.test(tableName)) {
      fail('options.tableName', 'a DynamoDB table name: 3 to 255 characters, each a-z, A-Z, 0-9, _, - or .', tableName)
    }
    if (dynamodb !== undefined && typeof (dynamodb as { send?: unknown }).send !== 'function') {
      fail('options.dynamodb', 'a DynamoDBClient from @aws-sdk/client-dynamodb', dynamodb)
    }
    if (endpoint !== undefined && (typeof endpoint !== 'string' || !URL.canParse(endpoint))) {
      fail('options.endpoint', 'a URL such as http://127.0.0.1:8000', endpoint)
    }
    if (region !== undefined && (typeof region !== 'string' || region.trim() === '')) {
      fail('options.region', 'a region such as eu-west-1', region)
    }
    if (dynamodb !== undefined && (endpoint !== undefined || region !== undefined)) {
      fail('options.dynamodb', 'absent when endpoint or region is given (configure your client instead)', dynamodb)
    }
    if (ttlSeconds !== undefined && (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)) {
      fail('options.ttlSeconds', 'a positive integer number of seconds', ttlSeconds)
    }
    if (since !== undefined && (typeof since !== 'number' || !Number.isFinite(since))) {
      fail('options.since', 'a time in ms since the epoch', since)
    }
    this.functionName = functionName
    this.tableName = tableName
    this.#dynamodb = dynamodb ?? dynamodbClientFor({ endpoint, region })
    this.#ownsDynamodb = dynamodb === undefined
    this.#ttlSeconds = ttlSeconds ?? DEFAULT_TTL_SECONDS
    this.#since = since ?? Date.now()
  }

  /** `interceptor of function my-fn`: how failure messages name this interceptor. */
  get description(): string {
    return `interceptor of function ${this.functionName}`
  }

  /** True after `recordAll()` (or `recordAll(true)`) on this client, until `recordAll(false)` or `reset()`. */
  get recordsAll(): boolean {
    return this.#recordsAll
  }

  /** The time (ms since the epoch) from which `calls()` returns recorded calls. */
  get since(): number {
    return this.#since
  }

  /**
   * Answers the function's calls that match `request` with `response` instead of the network. A list of
   * responses is a sequence: each answers once (or `times` times), the last one forever. The most
   * recent matching rule wins; once a rule is used up, older rules (or the network) get the call.
   * Validated now (a bad field throws, named), in force from the function's next outbound call.
   *
   * @param request a URL pattern (`*` matches anything), a RegExp, or `{ url, method, query, headers, body }`
   * @param response what to answer: `{ status, headers, json | body, delayMs, networkError, times }`
   * @returns the rule, with `remove()`
   * @example
   * await api.mock('https://api-1/*', { status: 404, json: { errorMessage: 'Not found' } })
   * await api.mock({ url: 'https://api-2/pay', method: 'POST' }, [{ status: 503 }, { status: 200, json: { ok: true } }])
   */
  mock(request: string | RegExp | RequestMatcher, response: MockResponse | MockResponse[]): Promise<Mock> {
    try {
      const matcher = validateMatcher('mock', 'request', request)
      const responses = Array.isArray(response)
        ? validateSequence('mock', response, matcher.method)
        : [validateResponse('mock', 'response', response, matcher.method)]
      const match = serializeMatcher(matcher, 'mock', 'request')
      const fields: RuleFields = { action: 'mock', responses }
      checkFitsInItem('mock', this.functionName, match, fields, {
        request: ['request', request],
        response: ['response', response],
      })
      return this.#writeRule(match, fields)
    } catch (error) {
      return Promise.reject(restack(error, this.mock))
    }
  }

  /**
   * Lets the function's calls that match `request` through to the network, and records them (so
   * `calls()` and `toHaveCalled` see them). A more recent rule still takes precedence.
   *
   * @param request a URL pattern, a RegExp, or `{ url, method, query, headers, body }`
   * @param options `times`: how many calls it applies to (default: unlimited)
   * @example
   * await api.passThrough('https://api-2/path')
   * await api.passThrough({ url: 'https://api-2/*', method: 'GET' }, { times: 1 })
   */
  passThrough(request: string | RegExp | RequestMatcher, options: PassThroughOptions = {}): Promise<InterceptorRule> {
    try {
      const matcher = validateMatcher('passThrough', 'request', request)
      const times = readPassThroughOptions(options)
      const match = serializeMatcher(matcher, 'passThrough', 'request')
      const fields: RuleFields = times === undefined ? { action: 'passThrough' } : { action: 'passThrough', times }
      checkFitsInItem('passThrough', this.functionName, match, fields, { request: ['request', request] })
      return this.#writeRule(match, fields)
    } catch (error) {
      return Promise.reject(restack(error, this.passThrough))
    }
  }

  /**
   * Records every outbound call of the function, matched by a rule or not (unmatched ones go to the
   * network as usual, with `action: 'unmatched'`). `recordAll(false)` turns it off.
   *
   * @example
   * await api.recordAll()
   * await invokeMyFunction()
   * expect(await api.calls()).toHaveLength(3)
   */
  async recordAll(enabled = true): Promise<void> {
    if (typeof enabled !== 'boolean') {
      failArgument(this.recordAll, 'recordAll', 'enabled', 'a boolean', enabled)
    }
    await this.#dynamodb.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall({
          [PARTITION_KEY]: rulesPartition(this.functionName),
          [SORT_KEY]: CONFIG_SORT_KEY,
          recordAll: enabled,
          [TTL_ATTRIBUTE]: this.#expiresAt(),
        }),
      }),
    )
    this.#recordsAll = enabled
  }

  /**
   * The calls the function made since recording began (construction, `startRecording()`, `reset()`),
   * in time order; with a filter, only those matching it (as `mock` matches requests). Calls are
   * selected by the time the function's clock gave them, compared with this machine's clock.
   *
   * @param filter a URL pattern, a RegExp, or request fields (`url` optional)
   * @param options `abortSignal` cancels the read
   * @example
   * const all = await api.calls()
   * const posts = await api.calls({ url: 'https://api-1/*', method: 'POST' })
   */
  calls(filter?: CallFilter, options: CallsOptions = {}): Promise<RecordedCall[]> {
    let matcher: RequestMatcher | undefined
    try {
      if (filter !== undefined) {
        const request =
          typeof filter === 'string' || filter instanceof RegExp || filter === null || typeof filter !== 'object'
            ? filter
            : { url: '*', ...filter }
        matcher = validateMatcher('calls', 'filter', request)
      }
      if (options === null || typeof options !== 'object') {
        throw new ArgumentError('calls', 'options', 'an object like { abortSignal }', options)
      }
    } catch (error) {
      return Promise.reject(restack(error, this.calls))
    }
    return this.#readCalls(matcher, options.abortSignal)
  }

  async #readCalls(matcher: RequestMatcher | undefined, abortSignal: AbortSignal | undefined): Promise<RecordedCall[]> {
    const compiled = matcher === undefined ? undefined : compileMatcher(matcher)
    const calls: RecordedCall[] = []
    const items = this.#query(
      {
        KeyConditionExpression: '#pk = :pk AND #sk >= :since',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
        ExpressionAttributeValues: {
          ':pk': { S: callsPartition(this.functionName) },
          ':since': { S: callsSinceSortKey(this.#since) },
        },
      },
      abortSignal,
    )
    // TTL deletes lazily (up to days later): an expired call is already gone, as for the runtime.
    const now = Date.now() / 1000
    for await (const item of items) {
      if (item.call === undefined || Number(item[TTL_ATTRIBUTE]?.N ?? Number.POSITIVE_INFINITY) < now) continue
      const call = unmarshall(item.call.M ?? {}) as RecordedCall
      if (compiled === undefined || matchRequest(compiled, call as RequestSnapshot)) calls.push(call)
    }
    return calls
  }

  /**
   * Moves the start of what `calls()` returns (the fixture calls it before each test).
   *
   * @param at ms since the epoch
   * @example
   * api.startRecording()
   */
  startRecording(at: number = Date.now()): void {
    if (typeof at !== 'number' || !Number.isFinite(at)) {
      failArgument(this.startRecording, 'startRecording', 'at', 'a time in ms since the epoch', at)
    }
    this.#since = at
  }

  /**
   * Deletes every rule of this function (whoever wrote it), their use counts and its configuration
   * (`recordAll` off), and starts recording anew: `calls()` returns only calls made from now on.
   *
   * @example
   * afterAll(() => api.reset())
   */
  async reset(): Promise<void> {
    const keys: Record<string, AttributeValue>[] = []
    for await (const item of this.#query(this.#rulesPartitionQuery())) keys.push(keyOf(item))
    await this.#deleteAll(keys)
    this.#recordsAll = false
    this.#configRuleIds = []
    await recordFromNextMillisecond(this)
  }

  /**
   * Deletes the given rules and their use counts. Ids of rules that do not exist are ignored.
   *
   * @example
   * const first = await api.mock('https://api-1/*', { status: 500 })
   * await api.removeRules([first.id])
   */
  async removeRules(ids: readonly string[]): Promise<void> {
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || id === '')) {
      failArgument(this.removeRules, 'removeRules', 'ids', 'an array of rule ids', ids)
    }
    if (ids.length === 0) return
    const wanted = new Set(ids)
    const keys: Record<string, AttributeValue>[] = []
    for await (const item of this.#query(this.#rulesPartitionQuery())) {
      const sortKey = item[SORT_KEY]?.S ?? ''
      const [kind, second, third] = sortKey.split('#')
      const id = kind === 'rule' ? third : kind === 'use' ? second : undefined
      if (id !== undefined && wanted.has(id)) keys.push(keyOf(item))
    }
    await this.#deleteAll(keys)
  }

  /**
   * lambda-http-interceptor's `createConfigs`, for users who migrate: replaces the configurations
   * this client created before with `configs`. As there, the first matching configuration wins, a
   * response mocks every call (`status` defaults to 200) and `{ passThrough: true }` lets it through.
   * All calls they match are recorded. Prefer `mock` and `passThrough`.
   *
   * @example
   * await client.createConfigs([
   *   { url: 'https://api-1/*', response: { status: 404, body: JSON.stringify({ errorMessage: 'Not found' }) } },
   *   { url: 'https://api-2/path', response: { passThrough: true } },
   * ])
   */
  async createConfigs(configs: InterceptorConfig[]): Promise<void> {
    let rules: Array<{ match: Record<string, unknown>; fields: RuleFields }>
    try {
      rules = readConfigs(configs, this.functionName)
    } catch (error) {
      throw restack(error, this.createConfigs)
    }
    await this.removeRules(this.#configRuleIds)
    this.#configRuleIds = []
    // The newest rule wins, so the first configuration is written last (newest).
    const written: string[] = []
    for (let index = rules.length - 1; index >= 0; index--) {
      const rule = rules[index]!
      written.push((await this.#writeRule(rule.match, rule.fields)).id)
    }
    this.#configRuleIds = written
  }

  /**
   * lambda-http-interceptor's `pollInterceptedCalls`, for users who migrate: waits until at least
   * `numberOfCallsToExpect` calls matched a rule (mock or pass-through) since recording began, and
   * returns them all. Throws an `EventuallyTimeoutError` after `timeout` ms (default 10 s).
   * Prefer `await expect(api).toHaveCalled(...)`.
   *
   * @example
   * const calls = await client.pollInterceptedCalls({ numberOfCallsToExpect: 2, timeout: 5000 })
   * expect(calls).toHaveLength(2)
   */
  async pollInterceptedCalls(options: PollInterceptedCallsOptions): Promise<InterceptedCall[]> {
    const { numberOfCallsToExpect, timeout = DEFAULT_POLL_TIMEOUT } = (options ?? {}) as PollInterceptedCallsOptions
    if (!Number.isInteger(numberOfCallsToExpect) || numberOfCallsToExpect < 0) {
      failArgument(
        this.pollInterceptedCalls,
        'pollInterceptedCalls',
        'options.numberOfCallsToExpect',
        'an integer, 0 or more',
        numberOfCallsToExpect,
      )
    }
    const outcome = await eventually(
      async (signal) =>
        (await this.calls(undefined, { abortSignal: signal })).filter((call) => call.action !== 'unmatched'),
      (calls) => calls.length >= numberOfCallsToExpect,
      { timeout, description: `${numberOfCallsToExpect} intercepted calls of function ${this.functionName}` },
    )
    return (outcome.last ?? []).map((call) => ({ ...call, queryParams: queryParamsOf(call.url) }))
  }

  /**
   * lambda-http-interceptor's `cleanInterceptedCalls`, for users who migrate: from now on, `calls()`
   * and `pollInterceptedCalls()` ignore the calls recorded so far (they expire with the table's TTL).
   *
   * @example
   * await client.cleanInterceptedCalls()
   */
  async cleanInterceptedCalls(): Promise<void> {
    await recordFromNextMillisecond(this)
  }

  /**
   * Closes the connections of the DynamoDB client this client made (a client given as `dynamodb` is left
   * alone: it is yours). Call it when done, in a script or an `afterAll`: an open connection keeps Node.js
   * running until the server drops it. `useInterceptor()` calls it after its tests.
   *
   * @example
   * const api = new HttpInterceptorClient({ functionName: 'my-fn', tableName: 'my-interceptor-table' })
   * try {
   *   console.log(await api.calls())
   * } finally {
   *   api.destroy()
   * }
   */
  destroy(): void {
    if (this.#ownsDynamodb) this.#dynamodb.destroy()
  }

  async #writeRule(match: Record<string, unknown>, fields: RuleFields): Promise<InterceptorRule> {
    const id = randomUUID()
    const rule: StoredRule = { id, createdAt: nextCreatedAt(), match, ...fields }
    await this.#dynamodb.send(
      new PutItemCommand({ TableName: this.tableName, Item: ruleItem(this.functionName, rule, this.#expiresAt()) }),
    )
    return { id, remove: () => this.removeRules([id]) }
  }

  #expiresAt(): number {
    return Math.floor(Date.now() / 1000) + this.#ttlSeconds
  }

  #rulesPartitionQuery(): QueryInput {
    return {
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
      ExpressionAttributeValues: { ':pk': { S: rulesPartition(this.functionName) } },
      ProjectionExpression: '#pk, #sk',
    }
  }

  /** Every item of a Query, page after page, read consistently (a call recorded a moment ago is there). */
  #query(input: QueryInput, abortSignal?: AbortSignal): AsyncGenerator<Record<string, AttributeValue>> {
    return queryAll(
      sendWithSdk(this.#dynamodb),
      { TableName: this.tableName, ConsistentRead: true, ...input },
      abortSignal,
    )
  }

  /** Deletes items in batches of 25, retrying what DynamoDB leaves unprocessed (throttling). */
  async #deleteAll(keys: readonly Record<string, AttributeValue>[]): Promise<void> {
    const deletes = keys.map((Key) => ({ DeleteRequest: { Key } }))
    const outcomes = await writeAll(sendWithSdk(this.#dynamodb), this.tableName, deletes, {
      retries: 8,
      maxRetryDelayMs: 2000,
    })
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason
  }
}

type QueryInput = {
  KeyConditionExpression: string
  ExpressionAttributeNames: Record<string, string>
  ExpressionAttributeValues: Record<string, AttributeValue>
  ProjectionExpression?: string
}

/** The runtime's own `setTimeout`, kept before a test can install fake timers (which would never fire here). */
const realSetTimeout = globalThis.setTimeout

/**
 * Restarts recording so that `calls()` returns exactly the calls made from now on. Calls are selected by the
 * millisecond they began in, and this millisecond may already hold calls made before now (the previous
 * test's function, still running): recording starts at the next millisecond, and this waits for it.
 * A clock that does not move (a test's fake `Date`) is waited for a few milliseconds at most.
 *
 * @internal Used by `reset()`, `cleanInterceptedCalls()` and `useInterceptor()` before each test.
 * @example
 * await recordFromNextMillisecond(client)
 */
export async function recordFromNextMillisecond(client: HttpInterceptorClient): Promise<void> {
  const now = Date.now()
  client.startRecording(now + 1)
  for (let tries = 0; tries < 5 && Date.now() <= now; tries++) {
    await new Promise((resolve) => realSetTimeout(resolve, 1))
  }
}

let lastCreatedAt = 0
/** Strictly increasing within the process, so two rules written in the same millisecond keep their order. */
function nextCreatedAt(): number {
  lastCreatedAt = Math.max(Date.now(), lastCreatedAt + 1)
  return lastCreatedAt
}

function keyOf(item: Record<string, AttributeValue>): Record<string, AttributeValue> {
  return { [PARTITION_KEY]: item[PARTITION_KEY]!, [SORT_KEY]: item[SORT_KEY]! }
}
