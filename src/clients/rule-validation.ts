/**
 * Checks of the rules and filters a user gives (`mock()`, `passThrough()`, `calls()`, `toHaveCalled`):
 * clear errors naming the exact field, thrown where the user wrote it. Test side only: the
 * interceptor layer never loads this module (what a response must be for the runtime to answer it
 * is decided once, in the runtime's stored-rule.ts, and checked here through it).
 */
import leven from 'leven'
import { ArgumentError } from '../errors.js'
import { urlPatternProblem } from '../runtime/interceptor/matching.js'
import {
  MATCHER_KEYS,
  type MockResponse,
  RESPONSE_KEYS,
  type RequestMatcher,
  type TextMatcher,
} from '../runtime/interceptor/schema.js'
import { checkResponse, HTTP_TOKEN } from '../runtime/interceptor/stored-rule.js'
import { isAsymmetricMatcher, isPlainObject } from '../runtime/interceptor/values.js'

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
    if (typeof value.method !== 'string' || !HTTP_TOKEN.test(value.method)) {
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

/**
 * Checks a URL pattern given by a user: a RegExp, or a string that can match a called URL (it starts
 * with a scheme, such as `https://`, or with `*`; see `urlPatternProblem`). Throws an
 * {@link ArgumentError} saying what to change.
 *
 * @example
 * validateUrl('mock', 'request', 'api.example.com/*')
 * // ArgumentError: mock: request must be a URL pattern with a scheme: add https:// (https://api.example.com/*), received string 'api.example.com/*'
 */
export function validateUrl(callee: string, argument: string, value: unknown): TextMatcher {
  if (value instanceof RegExp) return value
  if (typeof value !== 'string') throw new ArgumentError(callee, argument, 'a string or RegExp', value)
  if (value.trim() === '') throw new ArgumentError(callee, argument, 'a non-empty URL pattern', value)
  const problem = urlPatternProblem(value)
  if (problem !== undefined) throw new ArgumentError(callee, argument, problem, value)
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
 * (`response.status`, `response[1].delayMs`, an unknown key such as `response.stauts`). `method` is
 * the rule's (see `checkResponse`).
 *
 * @example
 * validateResponse('mock', 'response', { status: 404, json: { errorMessage: 'Not found' } })
 */
export function validateResponse(callee: string, argument: string, value: unknown, method?: string): MockResponse {
  if (isPlainObject(value)) rejectUnknownKeys(callee, argument, value, RESPONSE_KEYS)
  return checkResponse(
    value,
    argument,
    (field, expectation, received) => {
      throw new ArgumentError(callee, field, expectation, received)
    },
    method,
  )
}

function rejectUnknownKeys(callee: string, argument: string, value: Record<string, unknown>, known: readonly string[]) {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue
    const near = known.find((candidate) => leven(candidate.toLowerCase(), key.toLowerCase()) <= 2)
    const hint = near === undefined ? `one of ${known.join(', ')}` : `did you mean ${near}?`
    throw new ArgumentError(callee, `${argument}.${key}`, `absent (unknown key; ${hint})`, value[key])
  }
}
