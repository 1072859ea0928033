/**
 * Request matching, shared by the in-function interceptor (which rule answers this call?) and the
 * test side (`calls(filter)`, `toHaveCalled`). It runs inside Lambda on every outbound call, so it
 * stays small and dependency-free: patterns are compiled once per rule, a request is normalized
 * once per call. Its neighbours: which rule answers (pick-rule.ts), a rule's stored form
 * (serialization.ts, stored-rule.ts); checks of user input live test side (src/clients/rule-validation.ts).
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
 * - A pattern is normalized the way WHATWG URL normalizes the URL a function calls (fetch, and
 *   @mswjs/interceptors for node:http): `{id}`, a backtick or a space is percent-encoded where a URL
 *   encodes it, `/../` and `/./` are resolved, a non-ASCII host becomes punycode. Each `*` stays a
 *   wildcard; {@link urlPatternProblem} says when a pattern cannot match any URL (the test side refuses it).
 * - A pattern that does not start with `scheme://` is compared as it is with the normalized URL
 *   (`*\/users/*`); the test side accepts it only when it starts with `*`.
 *
 * URL patterns (RegExps) are tested against the whole normalized URL, query included.
 */
import type { RequestMatcher, RequestSnapshot, TextMatcher } from './schema.js'
import { isAsymmetricMatcher, isPlainObject } from './values.js'

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

/** @internal A request URL in the three forms patterns compare with. */
export interface NormalizedUrl {
  full: string
  withoutFragment: string
  withoutQuery: string
  parsed: URL | undefined
}

/** @internal A request normalized once, to test many rules against it. */
export interface PreparedRequest {
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

/** @internal Normalizes a request once (URL forms, upper-case method, lower-case header names), for {@link matchesPrepared}. */
export function prepareRequest(request: RequestSnapshot): PreparedRequest {
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

/** @internal {@link matchRequest} on a request {@link prepareRequest} normalized. */
export function matchesPrepared(matcher: CompiledMatcher, request: PreparedRequest): boolean {
  return matchesApartFromBody(matcher, request) && (matcher.body === undefined || matcher.body(request))
}

/** @internal True when the request matches every field but the body (which may stay unread). */
export function matchesApartFromBody(matcher: CompiledMatcher, request: PreparedRequest): boolean {
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

/** Stands for a `*` while WHATWG URL normalizes a pattern: lower-case letters and digits, which no part of a URL changes. */
const WILDCARD = 'stakeoutwildcard0x2a'

/**
 * Why a string URL pattern can never match a called URL, or undefined when it can: it has no scheme
 * (and does not start with `*`), it is no URL once its `*` are set aside, or a `/../` removes a `*`.
 *
 * @example
 * urlPatternProblem('api.example.com/*') // 'a URL pattern with a scheme: add https:// (https://api.example.com/*)'
 * urlPatternProblem('https://api-1/{id}') // undefined: it matches https://api-1/%7Bid%7D, as fetch calls it
 */
export function urlPatternProblem(pattern: string): string | undefined {
  if (pattern.startsWith('*')) return undefined
  const parts = SCHEME_AND_HOST.exec(pattern)
  if (parts === null) {
    return pattern.startsWith('/')
      ? 'a URL pattern with a scheme and a host, such as https://api.example.com/users/* (or one starting with *)'
      : `a URL pattern with a scheme: add https:// (https://${pattern})`
  }
  if (parts[2]!.includes('*')) return undefined
  const normalized = whatwgForm(pattern)
  if (typeof normalized === 'string') return undefined
  return normalized.problem
}

/**
 * Normalizes a string pattern the way WHATWG URL normalizes the URL a function calls (so `{id}`, a
 * backtick, a space or `/../` mean what fetch and node:http make of them), each `*` kept as a wildcard.
 * After a `*` in the host, text up to the first `/` may be host or (once the star ran past a `/`)
 * path: `fold` marks that span, which compares case-insensitively.
 */
function normalizePattern(pattern: string): { text: string; fold: [start: number, end: number] } {
  const parts = SCHEME_AND_HOST.exec(pattern)
  if (parts === null) return { text: encodeLikeUrl(pattern), fold: [0, 0] }
  const scheme = parts[1]!.toLowerCase()
  const host = parts[2]!
  const star = host.indexOf('*')
  if (star === -1) {
    const normalized = whatwgForm(pattern)
    if (typeof normalized === 'string') return { text: normalized, fold: [0, 0] }
    // Refused at mock() time; a rule planted in the table is compared as it is.
    return { text: encodeLikeUrl(pattern), fold: [0, 0] }
  }
  const known = scheme + host.slice(0, star).toLowerCase()
  let rest = parts[3]!
  // A path after the host is normalized like any path (the host stands in for one without a star).
  if (rest.startsWith('/')) {
    const origin = `${scheme}stakeout.invalid`
    const normalized = whatwgForm(origin + rest)
    rest =
      typeof normalized === 'string' && normalized.startsWith(origin)
        ? normalized.slice(origin.length)
        : encodeLikeUrl(rest)
  } else {
    rest = encodeLikeUrl(rest)
  }
  const wildHost = encodeLikeUrl(host.slice(star))
  return { text: known + wildHost + rest, fold: [known.length, known.length + wildHost.length] }
}

/** The pattern as WHATWG URL writes it, each `*` kept; or why it cannot be one. */
function whatwgForm(pattern: string): string | { problem: string } {
  const stars = pattern.split('*').length - 1
  let href: string
  try {
    href = new URL(pattern.replaceAll('*', WILDCARD)).href
  } catch (error) {
    return { problem: `a URL pattern that is a valid URL once each * is set aside (${(error as Error).message})` }
  }
  const text = href.replaceAll(WILDCARD, '*')
  if (text.split('*').length - 1 !== stars) {
    return { problem: 'a URL pattern whose * stay where they are: a /../ after one removes it with its segment' }
  }
  return text
}

/** Percent-encodes what a URL never holds raw (spaces, non-ASCII, `"<>`): for patterns WHATWG URL cannot parse. */
function encodeLikeUrl(text: string): string {
  return text.replace(/[^\x21-\x7e]|["<>]/g, (character) => encodeURIComponent(character))
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
