import { type Interceptor, isInterceptor } from '../src/clients/http-interceptor-client.js'
import { validateMatcher, validateUrl } from '../src/clients/rule-validation.js'
import { checkPollSetting } from '../src/config.js'
import { atUserLine, describeError, failArgument } from '../src/errors.js'
import { formatPollLine, observe, type PollOutcome } from '../src/eventually.js'
import { compileMatcher, matchRequest, mismatches } from '../src/runtime/interceptor/matching.js'
import type { RecordedCall, RequestMatcher, TextMatcher } from '../src/runtime/interceptor/schema.js'
import { isPlainObject } from '../src/runtime/interceptor/values.js'
import { assertReceived, type MatcherContext, type MatcherResult } from './context.js'
import { compact, cut, describeField, listed, plural, unreadMessage } from './messages.js'
import { whenAwaited } from './unawaited.js'

/**
 * What a call must look like for {@link toHaveCalled}, and how long to wait for it. Every request
 * field given must match (as in `api.mock`): `method` case-insensitively, `query` and `headers` by
 * name (others may be there too), `body` exactly (string), by pattern (RegExp) or partially (object,
 * against the JSON body).
 */
export interface CallExpectation {
  /** HTTP method, case-insensitive: `'POST'`. */
  method?: string | undefined
  /** Query parameters that must be present with these values. */
  query?: Record<string, TextMatcher> | undefined
  /** Headers (case-insensitive names) that must match. */
  headers?: Record<string, TextMatcher> | undefined
  /** The body: text, a RegExp, or an object matched partially against the JSON body. */
  body?: TextMatcher | { [key: string]: unknown } | undefined
  /**
   * Exactly this many matching calls. The matcher passes as soon as the count reaches `times`, so a
   * call beyond it that arrives after that moment is not seen; one that arrived before is (and fails
   * the expectation at once). Under `.not`, it fails on the first poll that shows exactly `times`.
   */
  times?: number | undefined
  /** How long to wait for the call, in ms. Under `.not`, the whole window is waited. @default pollDefaults().timeout */
  timeout?: number | undefined
  /** The wait before the second look, in ms (it grows by `backoff`). @default pollDefaults().interval */
  interval?: number | undefined
}

const OPTION_KEYS: readonly string[] = ['method', 'query', 'headers', 'body', 'times', 'timeout', 'interval']
const REQUEST_KEYS = ['method', 'query', 'headers', 'body'] as const
/** Nearest misses shown when nothing matched. */
const NEAREST_MISSES = 3

/**
 * Passes when the interceptor recorded a call to `url` matching `options` (exactly `times` of them,
 * if given) before the timeout. Polls the recorded calls; under `.not` it waits the whole window
 * and fails on the first matching call, or when it could not read the calls up to the window's end
 * (a read that failed or did not finish proves nothing). Always `await` it.
 *
 * The received value must be an interceptor: what `useInterceptor()` returns, or an
 * `HttpInterceptorClient`. Bad arguments throw an `ArgumentError`, under `.not` too.
 *
 * @example
 * const api = useInterceptor('MakeExternalCalls')
 * await api.mock('https://api-1/*', { status: 201 })
 * await triggerSignUp()
 * await expect(api).toHaveCalled('https://api-1/users', { method: 'POST', body: { email: 'ada@example.com' } })
 * await expect(api).not.toHaveCalled('https://api-2/*', { timeout: 1000 })
 */
export function toHaveCalled(
  this: MatcherContext,
  received: unknown,
  url: string | RegExp,
  options: CallExpectation = {},
): Promise<MatcherResult> {
  const hasOptions = isPlainObject(options) && Object.keys(options).length > 0
  const assertion = `expect(interceptor)${this.isNot === true ? '.not' : ''}.toHaveCalled(url${hasOptions ? ', options' : ''})`
  return whenAwaited(this, assertion, toHaveCalled, (signal) => checkCalls(this, received, url, options, signal))
}

async function checkCalls(
  context: MatcherContext,
  received: unknown,
  url: string | RegExp,
  options: CallExpectation,
  signal: AbortSignal,
): Promise<MatcherResult> {
  const interceptor = assertReceived(
    received,
    isInterceptor,
    toHaveCalled,
    'an interceptor: the value returned by useInterceptor() or an HttpInterceptorClient',
  )
  const expectation = readExpectation(url, options)
  const { matcher, times } = expectation
  const isNot = context.isNot === true
  const compiled = compileMatcher(matcher)
  const count = (calls: readonly RecordedCall[]) => calls.filter((call) => matchRequest(compiled, call)).length
  // Without `.not` polling stops once enough calls are there (an over-count then fails at once);
  // under `.not` it runs the whole window and stops at the first poll that shows what must not happen.
  const holds =
    times === undefined
      ? (calls: readonly RecordedCall[]) => count(calls) > 0
      : isNot
        ? (calls: readonly RecordedCall[]) => count(calls) === times
        : (calls: readonly RecordedCall[]) => count(calls) >= times

  const outcome = await observe<RecordedCall[]>(
    (signal) => interceptor.calls(undefined, { abortSignal: signal }),
    holds,
    { timeout: expectation.timeout, interval: expectation.interval, negate: isNot, signal },
  )
  const calls = outcome.last ?? []
  const matchingCount = count(calls)
  const satisfied = times === undefined ? matchingCount > 0 : matchingCount === times
  // Under `.not`, a window whose calls were never read, or whose last look failed or was cut off, proves
  // nothing: report it as a failure (pass: true).
  const unconfirmed = isNot && !outcome.matched && ('lastError' in outcome || !outcome.hasValue || outcome.interrupted)
  const pass = isNot ? outcome.matched || unconfirmed : outcome.matched && satisfied

  const result: MatcherResult = {
    pass,
    message: () => describeCalls(context, { interceptor, url, expectation, outcome, unconfirmed }),
  }
  if (!isNot && !pass) {
    const nearest = nearestMisses(matcher, calls)[0]
    if (times !== undefined && matchingCount > 0) {
      result.expected = { times }
      result.actual = { times: matchingCount }
    } else if (nearest !== undefined) {
      result.expected = requestShape(matcher)
      result.actual = callShape(matcher, nearest.call)
    }
  }
  return result
}

interface Expectation {
  matcher: RequestMatcher
  /** The user passed options (the hint then reads `toHaveCalled(url, options)`). */
  hasOptions: boolean
  times?: number
  timeout?: number
  interval?: number
}

/** Checks the arguments, naming the wrong one; the error's stack points at the user's `expect(...)` line. */
function readExpectation(url: unknown, options: unknown): Expectation {
  if (typeof url !== 'string' && !(url instanceof RegExp)) {
    failArgument(toHaveCalled, 'toHaveCalled', 'url', 'a string or RegExp', url)
  }
  try {
    validateUrl('toHaveCalled', 'url', url)
  } catch (error) {
    throw atUserLine(error, toHaveCalled)
  }
  if (options === undefined) return { matcher: { url }, hasOptions: false }
  if (!isPlainObject(options)) {
    failArgument(toHaveCalled, 'toHaveCalled', 'options', `an object of ${OPTION_KEYS.join(', ')}`, options)
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) {
      failArgument(
        toHaveCalled,
        'toHaveCalled',
        `options.${key}`,
        `absent (unknown option; one of ${OPTION_KEYS.join(', ')})`,
        options[key],
      )
    }
  }
  const fields: Record<string, unknown> = { url }
  for (const key of REQUEST_KEYS) if (options[key] !== undefined) fields[key] = options[key]
  let matcher: RequestMatcher
  try {
    matcher = validateMatcher('toHaveCalled', 'options', fields)
  } catch (error) {
    throw atUserLine(error, toHaveCalled)
  }
  // validateMatcher names the url `options.url`; the user passed it as its own argument.
  matcher.url = url
  const expectation: Expectation = { matcher, hasOptions: Object.keys(options).length > 0 }
  const { times, timeout, interval } = options
  if (times !== undefined) {
    if (typeof times !== 'number' || !Number.isInteger(times) || times < 1) {
      failArgument(toHaveCalled, 'toHaveCalled', 'options.times', 'a positive integer (use .not for none)', times)
    }
    expectation.times = times
  }
  for (const [key, value] of [
    ['timeout', timeout],
    ['interval', interval],
  ] as const) {
    if (value === undefined) continue
    const problem = checkPollSetting(key, value)
    if (problem !== undefined) failArgument(toHaveCalled, 'toHaveCalled', `options.${key}`, problem, value)
    expectation[key] = value as number
  }
  return expectation
}

interface Observation {
  interceptor: Interceptor
  url: string | RegExp
  expectation: Expectation
  outcome: PollOutcome<RecordedCall[]>
  unconfirmed: boolean
}

/** The failure message: what was expected, what was recorded, the nearest misses, and how it polled. */
function describeCalls(context: MatcherContext, observation: Observation): string {
  const { utils } = context
  const isNot = context.isNot === true
  const { interceptor, url, expectation, outcome, unconfirmed } = observation
  const { matcher, times } = expectation
  const requestFields = requestShape(matcher, false)
  const lines: string[] = [
    utils.matcherHint('.toHaveCalled', 'interceptor', 'url', {
      isNot,
      promise: context.promise ?? '',
      ...(expectation.hasOptions ? { secondArgument: 'options' } : {}),
    }),
    '',
  ]
  const count = times === undefined ? '' : ` exactly ${plural(times, 'time')}`
  const details =
    Object.keys(requestFields).length > 0
      ? ` with ${Object.entries(requestFields)
          .map(([name, value]) => `${name} ${utils.EXPECTED_COLOR(compact(value))}`)
          .join(', ')}`
      : ''
  lines.push(
    `Expected ${interceptor.description} ${isNot ? 'not ' : ''}to have called ${utils.printExpected(url)}${count}${details}`,
  )

  const calls = outcome.last ?? []
  const matching = calls.filter((call) => matchRequest(matcher, call))
  if (unconfirmed || !outcome.hasValue) {
    lines.push(unreadMessage(outcome, 'the recorded calls'))
  } else if (isNot) {
    lines.push(
      `Received ${plural(matching.length, 'matching call')}:`,
      ...listed(matching, (call) => formatCall(context, call)),
    )
  } else if (times !== undefined && matching.length > 0) {
    lines.push(
      `Received ${plural(matching.length, 'matching call')}:`,
      ...listed(matching, (call) => formatCall(context, call)),
    )
  } else if (calls.length === 0 && interceptor.recordsAll === true) {
    lines.push('Received no calls: the function made none (every call is recorded).')
  } else if (calls.length === 0) {
    lines.push(
      'Received no calls: nothing was recorded.',
      '',
      'Only calls that match a rule are recorded. Record this one with a rule, such as',
      `api.passThrough(${utils.printExpected(url)}), or record every call with useInterceptor(ref, { recordAll: true }).`,
    )
  } else {
    lines.push(
      `Received ${plural(calls.length, 'call')}, none matching:`,
      ...listed(calls, (call) => formatCall(context, call)),
    )
    const misses = nearestMisses(matcher, calls)
    if (misses.length > 0) {
      lines.push('', 'Nearest misses:')
      for (const miss of misses) lines.push(...describeMiss(context, matcher, miss))
    }
  }
  if ('lastError' in outcome) lines.push('', `Last error reading the calls: ${describeError(outcome.lastError)}`)
  lines.push('', formatPollLine(outcome))
  return lines.join('\n')
}

/** `POST https://api-1/users → 201 (mock rule r1)` */
function formatCall(context: MatcherContext, call: RecordedCall): string {
  const request = context.utils.RECEIVED_COLOR(`${call.method.toUpperCase()} ${call.url}`)
  const answer =
    call.error !== undefined
      ? `failed: ${call.error}`
      : call.status !== undefined
        ? String(call.status)
        : 'no response recorded'
  const how =
    call.action === 'mock'
      ? `mock rule ${call.ruleId ?? '?'}`
      : call.action === 'passThrough'
        ? `pass-through rule ${call.ruleId ?? '?'}`
        : 'no rule matched'
  return `${request} → ${answer} (${how})`
}

interface Miss {
  call: RecordedCall
  fields: string[]
}

/** Calls to the expected host (all calls for a RegExp or host-less pattern), fewest differing fields first. */
function nearestMisses(matcher: RequestMatcher, calls: readonly RecordedCall[]): Miss[] {
  const host = typeof matcher.url === 'string' ? hostPattern(matcher.url) : undefined
  return calls
    .filter((call) => host === undefined || host.test(hostOf(call.url)))
    .map((call) => ({ call, fields: mismatches(matcher, call) }))
    .filter((miss) => miss.fields.length > 0)
    .sort((a, b) => a.fields.length - b.fields.length)
    .slice(0, NEAREST_MISSES)
}

function describeMiss(context: MatcherContext, matcher: RequestMatcher, miss: Miss): string[] {
  const { call, fields } = miss
  const lines = [`  ${formatCall(context, call)}: differs in ${fields.join(', ')}`]
  const shape = callShape(matcher, call)
  if (fields.includes('url')) lines.push(...describeField(context, 'url', matcher.url, call.url))
  if (fields.includes('method')) {
    lines.push(...describeField(context, 'method', matcher.method, call.method.toUpperCase()))
  }
  if (fields.some((field) => field.startsWith('query.'))) {
    lines.push(...describeField(context, 'query', matcher.query, shape.query))
  }
  if (fields.some((field) => field.startsWith('headers.'))) {
    lines.push(...describeField(context, 'headers', matcher.headers, shape.headers))
  }
  if (fields.includes('body') && matcher.body !== undefined) {
    const body = bodyOf(matcher.body, call)
    lines.push(...describeField(context, 'body', matcher.body, body === NO_BODY ? undefined : body, 'no body'))
  }
  return lines
}

/** The request fields of an expectation, as the message and the runner's diff show them. */
function requestShape(matcher: RequestMatcher, withUrl = true): Record<string, unknown> {
  const shape: Record<string, unknown> = withUrl ? { url: matcher.url } : {}
  for (const key of REQUEST_KEYS) {
    const value = key === 'method' ? matcher.method?.toUpperCase() : matcher[key]
    if (value !== undefined) shape[key] = value
  }
  return shape
}

/**
 * A recorded call cut to the fields the expectation names, for a readable diff: only the expected
 * headers, the query as an object, and a JSON body only the expected keys of (bodies match partially).
 */
function callShape(matcher: RequestMatcher, call: RecordedCall): Record<string, unknown> {
  const shape: Record<string, unknown> = { url: call.url }
  if (matcher.method !== undefined) shape.method = call.method.toUpperCase()
  if (matcher.query !== undefined) shape.query = queryOf(call.url)
  if (matcher.headers !== undefined) {
    const headers: Record<string, string> = {}
    const received = Object.fromEntries(
      Object.entries(call.headers).map(([name, value]) => [name.toLowerCase(), value]),
    )
    for (const name of Object.keys(matcher.headers)) {
      const value = received[name.toLowerCase()]
      if (value !== undefined) headers[name] = value
    }
    shape.headers = headers
  }
  if (matcher.body !== undefined) {
    const body = bodyOf(matcher.body, call)
    if (body !== NO_BODY) shape.body = body
  }
  return shape
}

/** Stands for a call without a body in a nearest miss. */
const NO_BODY = Symbol('no body')

function bodyOf(expected: NonNullable<RequestMatcher['body']>, call: RecordedCall): unknown {
  const text = call.body ?? ''
  if (text === '') return NO_BODY
  if (typeof expected === 'string' || expected instanceof RegExp) return cut(text)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return cut(text)
  }
  if (!isPlainObject(expected) || !isPlainObject(json)) return json
  const picked: Record<string, unknown> = {}
  for (const key of Object.keys(expected)) if (Object.hasOwn(json, key)) picked[key] = json[key]
  return picked
}

function queryOf(url: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {}
  const search = URL.canParse(url) ? new URL(url).searchParams : new URLSearchParams(url.split('?')[1] ?? '')
  for (const name of new Set(search.keys())) {
    const values = search.getAll(name)
    query[name] = values.length === 1 ? values[0]! : values
  }
  return query
}

/** The host of a `scheme://host/...` pattern as a test (its `*` a wildcard), or undefined for other patterns. */
function hostPattern(pattern: string): RegExp | undefined {
  const host = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(pattern)?.[1]
  if (host === undefined || host === '') return undefined
  const bare = host.toLowerCase().replace(/:(80|443)$/, '')
  const source = bare
    .split('*')
    .map((part) => part.replace(/[\\^$.+?()[\]{}|]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${source}$`)
}

function hostOf(url: string): string {
  return URL.canParse(url) ? new URL(url).host : ''
}
