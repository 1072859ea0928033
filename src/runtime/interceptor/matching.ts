/**
 * Request matching, shared by the in-function interceptor (which rule answers this call?) and the
 * test side (`calls(filter)`, `toHaveCalled`). It runs inside Lambda on every outbound call, so it
 * stays small and dependency-free: patterns are compiled once per rule, a request is normalized
 * once per call.
 *
 * URL patterns (strings):
 * - `*` matches any run of characters, `/` included, or nothing. Every other character is literal.
 * - A pattern without `?` is compared with the URL minus its query string and fragment; a pattern
 *   with `?` with the URL minus its fragment; a pattern with `#` with the whole URL.
 * - Scheme and host compare case-insensitively, default ports are ignored (`https://x:443/` is
 *   `https://x/`), and a pattern whose host has no `*` and no path means the root path:
 *   `https://api-1` is `https://api-1/`, and matches `https://api-1` and `https://api-1/` only.
 * - A `*` in the host may run into the path (`https://api-1*` matches `https://api-1.example.com/x`):
 *   the host text after it compares case-insensitively, and no `/` or default port is implied.
 * - Spaces, non-ASCII characters and `"<>` in a pattern are percent-encoded, as in a real URL.
 * - A pattern that does not start with `scheme://` is compared as it is with the normalized URL
 *   (`*\/users/*`).
 *
 * URL patterns (RegExps) are tested against the whole normalized URL, query included.
 */
import { ArgumentError } from '../../errors.js'
import type { MockResponse, RequestMatcher, RequestSnapshot, StoredRule, TextMatcher } from './schema.js'

/** A {@link RequestMatcher} compiled once: patterns turned into tests. Build with {@link compileMatcher}. */
export class CompiledMatcher {
  /** The matcher this was compiled from. */
  readonly source: RequestMatcher
  /** @internal */
  readonly url: (url: NormalizedUrl) => boolean
  /** @internal Upper case. */
  readonly method: string | undefined
  /** @internal */
  readonly query: ReadonlyArray<readonly [name: string, test: (value: string) => boolean]>
  /** @internal Lower-case names. */
  readonly headers: ReadonlyArray<readonly [name: string, test: (value: string) => boolean]>
  /** @internal */
  readonly body: ((request: PreparedRequest) => boolean) | undefined

  /** @internal Use {@link compileMatcher}. */
  constructor(source: RequestMatcher) {
    this.source = source
    this.url = compileUrl(source.url)
    this.method = source.method === undefined ? undefined : source.method.toUpperCase()
    this.query = Object.entries(source.query ?? {}).map(([name, expected]) => [name, compileText(expected)] as const)
    this.headers = Object.entries(source.headers ?? {}).map(
      ([name, expected]) => [name.toLowerCase(), compileText(expected)] as const,
    )
    this.body = source.body === undefined ? undefined : compileBody(source.body)
  }
}

/** A stored rule, parsed and compiled: what the runtime picks from. */
export type ParsedRule = StoredRule & { matcher: CompiledMatcher }

/**
 * Compiles a matcher once, to test many requests with it.
 *
 * @example
 * const matcher = compileMatcher({ url: 'https://api-1/*', method: 'POST' })
 * matchRequest(matcher, { url: 'https://api-1/users', method: 'post', headers: {} }) // true
 */
export function compileMatcher(matcher: RequestMatcher): CompiledMatcher {
  return new CompiledMatcher(matcher)
}

/**
 * True when the URL matches the pattern (see the module's documentation for the pattern rules).
 *
 * @example
 * matchesUrl('https://api-1/*', 'https://API-1:443/users/42?page=2') // true
 * matchesUrl('https://api-1', 'https://api-1/')                      // true
 * matchesUrl(/users\/\d+$/, 'https://api-1/users/42')                // true
 */
export function matchesUrl(pattern: TextMatcher, url: string): boolean {
  return compileUrl(pattern)(normalizeUrl(url))
}

/**
 * True when the request matches every field the matcher gives. A request without a body has the
 * body `''`, so it matches `body: ''` but never an object.
 *
 * @example
 * matchRequest({ url: 'https://api-1/*', body: { user: { id: 42 } } }, {
 *   url: 'https://api-1/users', method: 'POST', headers: {}, body: '{"user":{"id":42,"name":"Ada"}}',
 * }) // true
 */
export function matchRequest(matcher: RequestMatcher | CompiledMatcher, request: RequestSnapshot): boolean {
  return matchesPrepared(asCompiled(matcher), prepareRequest(request))
}

/**
 * The fields of the request that differ from the matcher: `'url'`, `'method'`, `'query.<name>'`,
 * `'headers.<lower-case name>'`, `'body'`. Empty when the request matches. Used to rank and explain
 * near misses in failure messages.
 *
 * @example
 * mismatches({ url: 'https://api-1/*', method: 'POST' }, { url: 'https://api-1/x', method: 'GET', headers: {} })
 * // ['method']
 */
export function mismatches(matcher: RequestMatcher | CompiledMatcher, request: RequestSnapshot): string[] {
  const compiled = asCompiled(matcher)
  const prepared = prepareRequest(request)
  const fields: string[] = []
  if (!compiled.url(prepared.url)) fields.push('url')
  if (compiled.method !== undefined && compiled.method !== prepared.method) fields.push('method')
  for (const [name, test] of compiled.query) if (!queryMatches(prepared, name, test)) fields.push(`query.${name}`)
  for (const [name, test] of compiled.headers) if (!headerMatches(prepared, name, test)) fields.push(`headers.${name}`)
  if (compiled.body !== undefined && !compiled.body(prepared)) fields.push('body')
  return fields
}

/**
 * Picks the rule that handles a call: the most recent matching rule that is not used up.
 * `rules` must be in creation order (as the table returns them); `uses` counts how many calls each
 * rule id has handled so far. Returns the rule and, for a mock, the response to answer with.
 *
 * A mock's responses are a sequence: response `i` answers `times` calls (by default once, except
 * the last, which answers forever). Once the sequence is used up, the rule is exhausted and older
 * rules (or the network) get the call. A pass-through handles `times` calls (default: unlimited).
 *
 * @example
 * const picked = pickRule(rules, { url, method, headers }, uses)
 * if (picked?.response) answerWith(picked.response)
 */
export function pickRule(
  rules: readonly ParsedRule[],
  request: RequestSnapshot,
  uses: ReadonlyMap<string, number>,
): { rule: ParsedRule; response?: MockResponse } | undefined {
  const prepared = prepareRequest(request)
  for (let index = rules.length - 1; index >= 0; index--) {
    const rule = rules[index]!
    const used = uses.get(rule.id) ?? 0
    if (rule.action === 'passThrough') {
      if (used >= (rule.times ?? Number.POSITIVE_INFINITY)) continue
      if (matchesPrepared(rule.matcher, prepared)) return { rule }
      continue
    }
    const response = responseAt(rule.responses ?? [], used)
    if (response === undefined) continue
    if (matchesPrepared(rule.matcher, prepared)) return { rule, response }
  }
  return undefined
}

/**
 * True when {@link pickRule} needs the request's body to choose: the most recent rule that is not used up and matches
 * every other field matches on the body. Otherwise the body can stay unread (an upload is neither buffered nor held)
 * unless the call is recorded. `request.body` is ignored.
 *
 * @example
 * const body = needsBody(rules, { url, method, headers }, uses) ? await readBody(request) : undefined
 */
export function needsBody(
  rules: readonly ParsedRule[],
  request: RequestSnapshot,
  uses: ReadonlyMap<string, number>,
): boolean {
  const prepared = prepareRequest(request)
  for (let index = rules.length - 1; index >= 0; index--) {
    const rule = rules[index]!
    if (usedUp(rule, uses.get(rule.id) ?? 0) || !matchesApartFromBody(rule.matcher, prepared)) continue
    return rule.matcher.body !== undefined
  }
  return false
}

/**
 * True when a rule's uses must be counted: it handles a limited number of calls (`times`) or answers with a sequence.
 * A rule that answers every call the same way forever is never used up, so its uses need no counting (nor storing).
 *
 * @example
 * countsUses({ id, createdAt, match, action: 'mock', responses: [{ status: 503, times: 2 }, { status: 200 }] }) // true
 */
export function countsUses(rule: StoredRule): boolean {
  if (rule.action === 'passThrough') return rule.times !== undefined
  const responses = rule.responses ?? []
  return responses.length > 1 || responses.some((response) => response.times !== undefined)
}

/**
 * How many uses of a rule are claimed one by one (store.ts `claimUse`): the calls before it answers the same way
 * forever, or before it is used up. 0 for a rule that answers every call alike (see {@link countsUses}).
 *
 * @example
 * claimedUses({ id, createdAt, match, action: 'mock', responses: [{ status: 503, times: 2 }, { status: 200 }] }) // 2
 * claimedUses({ id, createdAt, match, action: 'passThrough', times: 1 }) // 1
 */
export function claimedUses(rule: StoredRule): number {
  if (!countsUses(rule)) return 0
  if (rule.action === 'passThrough') return rule.times ?? 0
  const responses = rule.responses ?? []
  const forever = responses.at(-1)?.times === undefined
  const counted = forever ? responses.slice(0, -1) : responses
  return counted.reduce((sum, response) => sum + (response.times ?? 1), 0)
}

function usedUp(rule: ParsedRule, used: number): boolean {
  if (rule.action === 'passThrough') return used >= (rule.times ?? Number.POSITIVE_INFINITY)
  return responseAt(rule.responses ?? [], used) === undefined
}

/** The response of a sequence that answers call number `used` (from 0), or undefined when the sequence is used up. */
function responseAt(responses: readonly MockResponse[], used: number): MockResponse | undefined {
  let remaining = used
  for (let index = 0; index < responses.length; index++) {
    const response = responses[index]!
    const last = index === responses.length - 1
    const budget = response.times ?? (last ? Number.POSITIVE_INFINITY : 1)
    if (remaining < budget) return response
    remaining -= budget
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Serialization: RegExps travel through DynamoDB as { $regex, flags }.

/**
 * A matcher as stored in a rule: JSON-safe, RegExps (also inside a body object) as `{ $regex, flags }`.
 * Throws an {@link ArgumentError} (from `callee`, about `argument`) for a body value that cannot be
 * stored: an asymmetric matcher such as `expect.any(String)`.
 */
export function serializeMatcher(
  matcher: RequestMatcher,
  callee = 'serializeMatcher',
  argument = 'request',
): Record<string, unknown> {
  const out: Record<string, unknown> = { url: serializeValue(matcher.url, callee, `${argument}.url`) }
  if (matcher.method !== undefined) out.method = matcher.method
  if (matcher.query !== undefined) out.query = serializeValue(matcher.query, callee, `${argument}.query`)
  if (matcher.headers !== undefined) out.headers = serializeValue(matcher.headers, callee, `${argument}.headers`)
  if (matcher.body !== undefined) out.body = serializeValue(matcher.body, callee, `${argument}.body`)
  return out
}

function serializeValue(value: unknown, callee: string, path: string): unknown {
  if (value instanceof RegExp) return { $regex: value.source, flags: value.flags }
  if (Array.isArray(value)) return value.map((item, index) => serializeValue(item, callee, `${path}[${index}]`))
  if (value !== null && typeof value === 'object') {
    if (isAsymmetricMatcher(value)) {
      throw new ArgumentError(callee, path, 'a JSON value or RegExp to be stored in a rule', value)
    }
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, serializeValue(item, callee, `${path}.${key}`)]),
    )
  }
  return value
}

/**
 * The inverse of {@link serializeMatcher}. Throws an Error naming the field on a malformed shape
 * (the runtime then treats the rule as corrupt and ignores it).
 */
export function deserializeMatcher(json: unknown): RequestMatcher {
  if (!isPlainObject(json)) throw new Error(`stored matcher must be an object, received ${typeName(json)}`)
  const url = reviveText(json.url, 'url')
  if (typeof url === 'string' && url === '') throw new Error('stored matcher url must not be empty')
  const matcher: RequestMatcher = { url }
  for (const key of Object.keys(json)) {
    if (!MATCHER_KEYS.includes(key)) throw new Error(`stored matcher has an unknown key "${key}"`)
  }
  if (json.method !== undefined) {
    if (typeof json.method !== 'string') throw new Error(`stored matcher method must be a string`)
    matcher.method = json.method
  }
  if (json.query !== undefined) matcher.query = reviveTextRecord(json.query, 'query')
  if (json.headers !== undefined) matcher.headers = reviveTextRecord(json.headers, 'headers')
  if (json.body !== undefined) {
    const body = reviveValue(json.body)
    if (typeof body !== 'string' && !(body instanceof RegExp) && (body === null || typeof body !== 'object')) {
      throw new Error(`stored matcher body must be a string, RegExp or object, received ${typeName(json.body)}`)
    }
    matcher.body = body as RequestMatcher['body'] & {}
  }
  return matcher
}

function isSerializedRegExp(value: unknown): value is { $regex: string; flags: string } {
  return (
    isPlainObject(value) &&
    typeof value.$regex === 'string' &&
    typeof value.flags === 'string' &&
    Object.keys(value).length === 2
  )
}

function reviveText(value: unknown, field: string): TextMatcher {
  if (typeof value === 'string') return value
  if (isSerializedRegExp(value)) return toRegExp(value, field)
  throw new Error(`stored matcher ${field} must be a string or { $regex, flags }, received ${typeName(value)}`)
}

function reviveTextRecord(value: unknown, field: string): Record<string, TextMatcher> {
  if (!isPlainObject(value)) throw new Error(`stored matcher ${field} must be an object, received ${typeName(value)}`)
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, reviveText(item, `${field}.${key}`)]))
}

function reviveValue(value: unknown): unknown {
  if (isSerializedRegExp(value)) return toRegExp(value, 'body')
  if (Array.isArray(value)) return value.map(reviveValue)
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reviveValue(v)]))
  return value
}

function toRegExp(value: { $regex: string; flags: string }, field: string): RegExp {
  try {
    return new RegExp(value.$regex, value.flags)
  } catch (error) {
    throw new Error(`stored matcher ${field} is not a valid RegExp: ${(error as Error).message}`)
  }
}

/**
 * Parses a rule item's `rule` attribute: JSON, shape check, matcher compiled. Throws on a corrupt
 * rule; the runtime catches that per rule, logs one line and ignores the rule.
 */
export function parseStoredRule(json: string): ParsedRule {
  const value: unknown = JSON.parse(json)
  if (!isPlainObject(value)) throw new Error(`stored rule must be an object, received ${typeName(value)}`)
  if (typeof value.id !== 'string' || value.id === '') throw new Error('stored rule id must be a non-empty string')
  if (typeof value.createdAt !== 'number' || !Number.isFinite(value.createdAt)) {
    throw new Error(`stored rule ${value.id} createdAt must be a number`)
  }
  if (value.action !== 'mock' && value.action !== 'passThrough') {
    throw new Error(`stored rule ${value.id} action must be "mock" or "passThrough"`)
  }
  if (!isPlainObject(value.match)) throw new Error(`stored rule ${value.id} match must be an object`)
  const rule: ParsedRule = {
    id: value.id,
    createdAt: value.createdAt,
    match: value.match,
    action: value.action,
    matcher: compileMatcher(deserializeMatcher(value.match)),
  }
  if (value.action === 'mock') {
    if (!Array.isArray(value.responses) || value.responses.length === 0) {
      throw new Error(`stored rule ${value.id} responses must be a non-empty array`)
    }
    rule.responses = value.responses.map((response, index) =>
      validateResponse('stored rule', `responses[${index}]`, response),
    )
  }
  if (value.times !== undefined) {
    if (!isPositiveInteger(value.times)) throw new Error(`stored rule ${value.id} times must be a positive integer`)
    rule.times = value.times
  }
  return rule
}

// ---------------------------------------------------------------------------------------------
// Validation of user input (test side): clear errors naming the exact field.

const MATCHER_KEYS: readonly string[] = ['url', 'method', 'query', 'headers', 'body']
const RESPONSE_KEYS: readonly string[] = ['status', 'headers', 'json', 'body', 'delayMs', 'networkError', 'times']
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * Checks a request matcher given by a user, and returns it as a {@link RequestMatcher} (a string or
 * RegExp is shorthand for `{ url }`). Throws an {@link ArgumentError} naming the exact field.
 *
 * @example
 * validateMatcher('mock', 'request', { url: 'https://api-1/*', mehtod: 'GET' })
 * // ArgumentError: mock: request.mehtod must be absent (unknown key; did you mean method?), received string 'GET'
 */
export function validateMatcher(callee: string, argument: string, value: unknown): RequestMatcher {
  if (typeof value === 'string' || value instanceof RegExp) return { url: validateUrl(callee, argument, value) }
  if (!isPlainObject(value)) {
    throw new ArgumentError(callee, argument, 'a URL pattern (string or RegExp) or a { url, ... } matcher', value)
  }
  rejectUnknownKeys(callee, argument, value, MATCHER_KEYS)
  const matcher: RequestMatcher = { url: validateUrl(callee, `${argument}.url`, value.url) }
  if (value.method !== undefined) {
    if (typeof value.method !== 'string' || !TOKEN.test(value.method)) {
      throw new ArgumentError(callee, `${argument}.method`, 'an HTTP method such as "GET"', value.method)
    }
    matcher.method = value.method
  }
  if (value.query !== undefined) matcher.query = validateTextRecord(callee, `${argument}.query`, value.query)
  if (value.headers !== undefined) matcher.headers = validateTextRecord(callee, `${argument}.headers`, value.headers)
  if (value.body !== undefined) {
    const body = value.body
    if (typeof body !== 'string' && !(body instanceof RegExp)) {
      if (!isPlainObject(body) && !Array.isArray(body)) {
        throw new ArgumentError(callee, `${argument}.body`, 'a string, a RegExp or an object (partial JSON)', body)
      }
      validateBodyValue(callee, `${argument}.body`, body)
    }
    matcher.body = body as RequestMatcher['body'] & {}
  }
  return matcher
}

function validateUrl(callee: string, argument: string, value: unknown): TextMatcher {
  if (value instanceof RegExp) return value
  if (typeof value !== 'string') throw new ArgumentError(callee, argument, 'a string or RegExp', value)
  if (value.trim() === '') throw new ArgumentError(callee, argument, 'a non-empty URL pattern', value)
  return value
}

function validateTextRecord(callee: string, argument: string, value: unknown): Record<string, TextMatcher> {
  if (!isPlainObject(value)) throw new ArgumentError(callee, argument, 'an object of strings or RegExps', value)
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string' && !(item instanceof RegExp)) {
      throw new ArgumentError(callee, `${argument}.${key}`, 'a string or RegExp', item)
    }
  }
  return value as Record<string, TextMatcher>
}

function validateBodyValue(callee: string, argument: string, value: unknown): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ArgumentError(callee, argument, 'a JSON value', value)
    return
  }
  if (value instanceof RegExp || isAsymmetricMatcher(value)) return
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      validateBodyValue(callee, `${argument}[${index}]`, item)
    })
    return
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) validateBodyValue(callee, `${argument}.${key}`, item)
    }
    return
  }
  throw new ArgumentError(callee, argument, 'a JSON value or RegExp', value)
}

/**
 * Checks a mock response given by a user. Throws an {@link ArgumentError} naming the exact field
 * (`response.status`, `response[1].delayMs`, an unknown key such as `response.stauts`).
 *
 * @example
 * validateResponse('mock', 'response', { status: 404, json: { errorMessage: 'Not found' } })
 */
export function validateResponse(callee: string, argument: string, value: unknown): MockResponse {
  if (!isPlainObject(value))
    throw new ArgumentError(callee, argument, 'a response object such as { status: 200 }', value)
  rejectUnknownKeys(callee, argument, value, RESPONSE_KEYS)
  const response: MockResponse = {}
  const { status, headers, json, body, delayMs, networkError, times } = value
  if (status !== undefined) {
    if (!Number.isInteger(status) || (status as number) < 200 || (status as number) > 599) {
      throw new ArgumentError(
        callee,
        `${argument}.status`,
        'an integer from 200 to 599 (a 1xx is not a final answer)',
        status,
      )
    }
    response.status = status as number
  }
  if (headers !== undefined) {
    if (!isPlainObject(headers)) throw new ArgumentError(callee, `${argument}.headers`, 'an object of strings', headers)
    for (const [name, item] of Object.entries(headers)) {
      if (!TOKEN.test(name)) throw new ArgumentError(callee, `${argument}.headers`, 'valid header names', name)
      if (typeof item !== 'string') throw new ArgumentError(callee, `${argument}.headers.${name}`, 'a string', item)
      // A Fetch Response refuses these: the runtime could not answer with this mock.
      if (/[\r\n\0]/.test(item)) {
        throw new ArgumentError(
          callee,
          `${argument}.headers.${name}`,
          'a header value without line breaks or NUL',
          item,
        )
      }
    }
    response.headers = headers as Record<string, string>
  }
  if (json !== undefined && body !== undefined) {
    throw new ArgumentError(callee, `${argument}.json`, `absent when ${argument}.body is given (use one)`, json)
  }
  if (json !== undefined) {
    let text: string | undefined
    try {
      text = JSON.stringify(json)
    } catch {}
    if (text === undefined) throw new ArgumentError(callee, `${argument}.json`, 'a JSON-serializable value', json)
    response.json = json
  }
  if (body !== undefined) {
    if (typeof body !== 'string') throw new ArgumentError(callee, `${argument}.body`, 'a string (or use json)', body)
    response.body = body
  }
  if (delayMs !== undefined) {
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
      throw new ArgumentError(callee, `${argument}.delayMs`, 'a finite number of milliseconds, 0 or more', delayMs)
    }
    response.delayMs = delayMs
  }
  if (networkError !== undefined) {
    if (typeof networkError !== 'boolean') {
      throw new ArgumentError(callee, `${argument}.networkError`, 'a boolean', networkError)
    }
    response.networkError = networkError
  }
  if (times !== undefined) {
    if (!isPositiveInteger(times)) throw new ArgumentError(callee, `${argument}.times`, 'a positive integer', times)
    response.times = times
  }
  return response
}

function rejectUnknownKeys(callee: string, argument: string, value: Record<string, unknown>, known: readonly string[]) {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue
    const near = known.find((candidate) => editDistance(candidate.toLowerCase(), key.toLowerCase()) <= 2)
    const hint = near === undefined ? `one of ${known.join(', ')}` : `did you mean ${near}?`
    throw new ArgumentError(callee, `${argument}.${key}`, `absent (unknown key; ${hint})`, value[key])
  }
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
    }
    previous = current
  }
  return previous[b.length]!
}

// ---------------------------------------------------------------------------------------------
// Compilation and matching.

/** @internal A request URL in the three forms patterns compare with. */
export interface NormalizedUrl {
  full: string
  withoutFragment: string
  withoutQuery: string
  parsed: URL | undefined
}

interface PreparedRequest {
  url: NormalizedUrl
  method: string
  headers: Record<string, string>
  body: string
  json?: { ok: boolean; value: unknown }
  query?: URLSearchParams
}

function normalizeUrl(url: string): NormalizedUrl {
  let parsed: URL | undefined
  let full = url
  try {
    parsed = new URL(url)
    full = parsed.href
  } catch {
    // Not an absolute URL: patterns compare with it as it is.
  }
  // In a normalized URL the first `#` starts the fragment and the first `?` the query.
  const hash = full.indexOf('#')
  const withoutFragment = hash === -1 ? full : full.slice(0, hash)
  const question = withoutFragment.indexOf('?')
  const withoutQuery = question === -1 ? withoutFragment : withoutFragment.slice(0, question)
  return { full, withoutFragment, withoutQuery, parsed }
}

function prepareRequest(request: RequestSnapshot): PreparedRequest {
  const headers: Record<string, string> = {}
  for (const name in request.headers) headers[name.toLowerCase()] = request.headers[name]!
  return {
    url: normalizeUrl(request.url),
    method: String(request.method).toUpperCase(),
    headers,
    body: request.body ?? '',
  }
}

function asCompiled(matcher: RequestMatcher | CompiledMatcher): CompiledMatcher {
  return matcher instanceof CompiledMatcher ? matcher : new CompiledMatcher(matcher)
}

function matchesPrepared(matcher: CompiledMatcher, request: PreparedRequest): boolean {
  return matchesApartFromBody(matcher, request) && (matcher.body === undefined || matcher.body(request))
}

function matchesApartFromBody(matcher: CompiledMatcher, request: PreparedRequest): boolean {
  if (matcher.method !== undefined && matcher.method !== request.method) return false
  if (!matcher.url(request.url)) return false
  for (const [name, test] of matcher.query) if (!queryMatches(request, name, test)) return false
  for (const [name, test] of matcher.headers) if (!headerMatches(request, name, test)) return false
  return true
}

function queryMatches(request: PreparedRequest, name: string, test: (value: string) => boolean): boolean {
  request.query ??= request.url.parsed?.searchParams ?? new URLSearchParams(request.url.withoutFragment.split('?')[1])
  return request.query.getAll(name).some(test)
}

function headerMatches(request: PreparedRequest, name: string, test: (value: string) => boolean): boolean {
  const value = request.headers[name]
  return value !== undefined && test(value)
}

/** A RegExp without `g`/`y`, whose `test` keeps no state between calls. */
function stateless(pattern: RegExp): RegExp {
  return pattern.global || pattern.sticky ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')) : pattern
}

function compileText(expected: TextMatcher): (value: string) => boolean {
  if (typeof expected === 'string') return (value) => value === expected
  const pattern = stateless(expected)
  return (value) => pattern.test(value)
}

const SCHEME_AND_HOST = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is
/** Schemes whose URLs always have a path (so `https://x` is `https://x/`), with their default ports. */
const SPECIAL_SCHEMES: Record<string, string> = {
  'http://': ':80',
  'https://': ':443',
  'ws://': ':80',
  'wss://': ':443',
  'ftp://': ':21',
}

function compileUrl(pattern: TextMatcher): (url: NormalizedUrl) => boolean {
  if (pattern instanceof RegExp) {
    const regexp = stateless(pattern)
    return (url) => regexp.test(url.full)
  }
  const { text, fold } = normalizePattern(pattern)
  const form: keyof NormalizedUrl = text.includes('#')
    ? 'full'
    : text.includes('?')
      ? 'withoutFragment'
      : 'withoutQuery'
  if (!text.includes('*')) return (url) => url[form] === text
  let source = ''
  for (let index = 0; index < text.length; index++) {
    const character = text[index]!
    if (character === '*') {
      if (text[index - 1] !== '*') source += '.*'
    } else if (index >= fold[0] && index < fold[1] && character.toLowerCase() !== character.toUpperCase()) {
      source += `[${character.toLowerCase()}${character.toUpperCase()}]`
    } else {
      source += escapeRegExp(character)
    }
  }
  const regexp = new RegExp(`^${source}$`, 's')
  return (url) => regexp.test(url[form] as string)
}

/**
 * Normalizes a string pattern like a URL: lower-case scheme and host, no default port, `/` for an
 * empty path. After a `*` in the host, text up to the first `/` may be host or (once the star ran
 * past a `/`) path: `fold` marks that span, which compares case-insensitively.
 */
function normalizePattern(pattern: string): { text: string; fold: [start: number, end: number] } {
  const encoded = pattern.replace(/[^\x21-\x7e]|["<>]/g, (character) => encodeURIComponent(character))
  const parts = SCHEME_AND_HOST.exec(encoded)
  if (parts === null) return { text: encoded, fold: [0, 0] }
  const scheme = parts[1]!.toLowerCase()
  let host = parts[2]!
  let rest = parts[3]!
  const star = host.indexOf('*')
  if (star !== -1) {
    const known = scheme + host.slice(0, star).toLowerCase()
    return { text: known + host.slice(star) + rest, fold: [known.length, known.length + host.length - star] }
  }
  host = host.toLowerCase()
  const defaultPort = SPECIAL_SCHEMES[scheme]
  if (defaultPort !== undefined) {
    if (host.endsWith(defaultPort)) host = host.slice(0, -defaultPort.length)
    if (!rest.startsWith('/')) rest = `/${rest}`
  }
  return { text: scheme + host + rest, fold: [0, 0] }
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')
}

function compileBody(expected: NonNullable<RequestMatcher['body']>): (request: PreparedRequest) => boolean {
  if (typeof expected === 'string' || expected instanceof RegExp) {
    const test = compileText(expected)
    return (request) => test(request.body)
  }
  const compiled = compileJson(expected)
  return (request) => {
    if (request.json === undefined) {
      try {
        request.json = { ok: true, value: JSON.parse(request.body) }
      } catch {
        request.json = { ok: false, value: undefined }
      }
    }
    return request.json.ok && matchesJson(compiled, request.json.value)
  }
}

/** Copies an expected body with every RegExp made stateless, so matching never depends on history. */
function compileJson(expected: unknown): unknown {
  if (expected instanceof RegExp) return stateless(expected)
  if (Array.isArray(expected)) return expected.map(compileJson)
  if (isPlainObject(expected)) return Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, compileJson(v)]))
  return expected
}

/** Partial JSON match: objects need every expected key, arrays the same length, primitives strict equality. */
function matchesJson(expected: unknown, actual: unknown): boolean {
  if (expected === null || typeof expected !== 'object') return expected === actual
  if (expected instanceof RegExp) return typeof actual === 'string' && expected.test(actual)
  if (isAsymmetricMatcher(expected)) return expected.asymmetricMatch(actual)
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return false
    return expected.every((item, index) => matchesJson(item, actual[index]))
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false
  const record = actual as Record<string, unknown>
  for (const key of Object.keys(expected)) {
    const item = (expected as Record<string, unknown>)[key]
    if (item === undefined) {
      if (record[key] !== undefined && Object.hasOwn(record, key)) return false
    } else if (!Object.hasOwn(record, key) || !matchesJson(item, record[key])) {
      return false
    }
  }
  return true
}

/** An asymmetric matcher from Vitest or Jest (`expect.any(String)`): usable on the test side, never stored. */
function isAsymmetricMatcher(value: unknown): value is { asymmetricMatch(actual: unknown): boolean } {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { asymmetricMatch?: unknown }).asymmetricMatch === 'function'
  )
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value
}
