/**
 * A rule as the runtime reads it from the table: parsed, checked and compiled. What a mock response
 * must be for the runtime to answer with it is decided here, once: the test side refuses the same
 * responses at `mock()` time with {@link checkResponse}, and the runtime ignores a stored rule that
 * breaks it (written straight into the table) instead of failing the function.
 */
import { ArgumentError } from '../../errors.js'
import { type CompiledMatcher, compileMatcher } from './matching.js'
import { type MockResponse, RESPONSE_KEYS, type StoredRule } from './schema.js'
import { deserializeMatcher } from './serialization.js'
import { isPlainObject, isPositiveInteger, typeName } from './values.js'

/** A stored rule, parsed and compiled: what the runtime picks from. */
export type ParsedRule = StoredRule & { matcher: CompiledMatcher }

/** An HTTP token (RFC 9110): what a method or a header name is made of. */
export const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** Reports a bad field (`response.status`, `responses[1].headers.x-a`) and does not return. */
export type FieldFailure = (argument: string, expectation: string, received: unknown) => never

/** The longest `delayMs`: Node.js timers fire after 1 ms when given more (2^31 − 1 ms, about 24.8 days). */
export const MAX_DELAY_MS = 2 ** 31 - 1
/** Statuses whose answer has no body: the Fetch API refuses one. */
const NULL_BODY_STATUSES: readonly number[] = [204, 205, 304]
/** What Node.js refuses in a header value (it throws ERR_INVALID_CHAR, from a socket callback: the process dies). */
const CONTROL_CHARACTER = /[^\t\x20-\x7e\x80-\u{10ffff}]/u
/** What a Fetch Response refuses in a header value (a ByteString holds Latin-1 only). */
const BEYOND_LATIN1 = /[\u0100-\u{10ffff}]/u

/**
 * Checks that `value` is a mock response the runtime can answer with, and returns it as a
 * {@link MockResponse}. Calls `fail` with the first bad field (an unknown key too), named from `argument`.
 * `method` is the rule's (`HEAD` lets a response give a `content-length` without a body).
 *
 * @example
 * checkResponse({ status: 404 }, 'response', (argument, expectation, received) => {
 *   throw new ArgumentError('mock', argument, expectation, received)
 * })
 */
export function checkResponse(value: unknown, argument: string, fail: FieldFailure, method?: string): MockResponse {
  if (!isPlainObject(value)) return fail(argument, 'a response object such as { status: 200 }', value)
  for (const key of Object.keys(value)) {
    if (!RESPONSE_KEYS.includes(key)) {
      fail(`${argument}.${key}`, `absent (unknown key; one of ${RESPONSE_KEYS.join(', ')})`, value[key])
    }
  }
  const response: MockResponse = {}
  const { status, headers, json, body, delayMs, networkError, times } = value
  if (networkError !== undefined) {
    if (typeof networkError !== 'boolean') fail(`${argument}.networkError`, 'a boolean', networkError)
    if (networkError) {
      for (const key of ['status', 'headers', 'json', 'body'] as const) {
        if (value[key] !== undefined) {
          fail(`${argument}.${key}`, 'absent when networkError is true (a failed request gets no answer)', value[key])
        }
      }
    }
    response.networkError = networkError
  }
  if (status !== undefined) {
    if (!Number.isInteger(status) || (status as number) < 200 || (status as number) > 599) {
      fail(`${argument}.status`, 'an integer from 200 to 599 (a 1xx is not a final answer)', status)
    }
    response.status = status as number
  }
  if (json !== undefined && body !== undefined) {
    fail(`${argument}.json`, `absent when ${argument}.body is given (use one)`, json)
  }
  let text = ''
  if (json !== undefined) {
    let serialized: string | undefined
    try {
      serialized = JSON.stringify(json)
    } catch {}
    if (serialized === undefined) fail(`${argument}.json`, 'a JSON-serializable value', json)
    text = serialized
    response.json = json
  }
  if (body !== undefined) {
    if (typeof body !== 'string') fail(`${argument}.body`, 'a string (or use json)', body)
    text = body
    response.body = body
  }
  const answerStatus = response.status ?? 200
  if (NULL_BODY_STATUSES.includes(answerStatus) && (json !== undefined || body !== undefined)) {
    const field = json !== undefined ? 'json' : 'body'
    fail(
      `${argument}.${field}`,
      `absent for status ${answerStatus} (a 204, 205 or 304 answer has no body)`,
      value[field],
    )
  }
  if (headers !== undefined) {
    if (!isPlainObject(headers)) fail(`${argument}.headers`, 'an object of strings', headers)
    for (const [name, item] of Object.entries(headers)) {
      const field = `${argument}.headers.${name}`
      if (!HTTP_TOKEN.test(name)) fail(`${argument}.headers`, 'valid header names', name)
      if (typeof item !== 'string') fail(field, 'a string', item)
      if (CONTROL_CHARACTER.test(item)) {
        fail(
          field,
          'a header value without control characters such as line breaks (a response cannot carry them)',
          item,
        )
      }
      if (BEYOND_LATIN1.test(item)) {
        fail(field, 'a header value of Latin-1 characters (header values are bytes: percent-encode others)', item)
      }
      if (name.toLowerCase() === 'content-length') checkContentLength(item, field, fail, { text, answerStatus, method })
    }
    response.headers = headers as Record<string, string>
  }
  if (delayMs !== undefined) {
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
      fail(`${argument}.delayMs`, 'a finite number of milliseconds, 0 or more', delayMs)
    }
    if (delayMs > MAX_DELAY_MS) {
      fail(
        `${argument}.delayMs`,
        `at most ${MAX_DELAY_MS} ms (about 24.8 days, the longest timer Node.js runs)`,
        delayMs,
      )
    }
    response.delayMs = delayMs
  }
  if (times !== undefined) {
    if (!isPositiveInteger(times)) fail(`${argument}.times`, 'a positive integer', times)
    response.times = times
  }
  return response
}

/**
 * A `content-length` that disagrees with the body truncates it, or leaves the client waiting for bytes that never
 * come: refused, unless no body is sent anyway (a HEAD rule, a 204, 205 or 304 answer).
 */
function checkContentLength(
  value: string,
  field: string,
  fail: FieldFailure,
  answer: { text: string; answerStatus: number; method: string | undefined },
): void {
  if (!/^\d+$/.test(value))
    fail(field, 'a length in bytes (digits only), or absent (the answer carries the right one)', value)
  if (answer.method?.toUpperCase() === 'HEAD' || NULL_BODY_STATUSES.includes(answer.answerStatus)) return
  const length = Buffer.byteLength(answer.text)
  if (Number(value) !== length) {
    fail(
      field,
      `${length}, the length in bytes of the body, or absent (the answer carries the right one; only a rule with method HEAD may give the length of a body it does not send)`,
      value,
    )
  }
}

/**
 * Parses a rule item's `rule` attribute: JSON, shape check, matcher compiled. Throws on a corrupt
 * rule; the runtime catches that per rule, logs one line and ignores the rule.
 *
 * @example
 * const rule = parseStoredRule(item.rule.S) // { id, action, responses, matcher, ... }
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
      checkResponse(
        response,
        `responses[${index}]`,
        (argument, expectation, received) => {
          throw new ArgumentError('stored rule', argument, expectation, received)
        },
        typeof rule.matcher.source.method === 'string' ? rule.matcher.source.method : undefined,
      ),
    )
  }
  if (value.times !== undefined) {
    if (!isPositiveInteger(value.times)) throw new Error(`stored rule ${value.id} times must be a positive integer`)
    rule.times = value.times
  }
  return rule
}
