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

/**
 * Checks that `value` is a mock response the runtime can answer with, and returns it as a
 *  {@link MockResponse}. Calls `fail` with the first bad field (an unknown key too), named from `argument`.
 *
 * @example
 * checkResponse({ status: 404 }, 'response', (argument, expectation, received) => {
 *   throw new ArgumentError('mock', argument, expectation, received)
 * })
 */
export function checkResponse(value: unknown, argument: string, fail: FieldFailure): MockResponse {
  if (!isPlainObject(value)) return fail(argument, 'a response object such as { status: 200 }', value)
  for (const key of Object.keys(value)) {
    if (!RESPONSE_KEYS.includes(key))
      fail(`${argument}.${key}`, `absent (unknown key; one of ${RESPONSE_KEYS.join(', ')})`, value[key])
  }
  const response: MockResponse = {}
  const { status, headers, json, body, delayMs, networkError, times } = value
  if (status !== undefined) {
    if (!Number.isInteger(status) || (status as number) < 200 || (status as number) > 599) {
      fail(`${argument}.status`, 'an integer from 200 to 599 (a 1xx is not a final answer)', status)
    }
    response.status = status as number
  }
  if (headers !== undefined) {
    if (!isPlainObject(headers)) fail(`${argument}.headers`, 'an object of strings', headers)
    for (const [name, item] of Object.entries(headers as Record<string, unknown>)) {
      if (!HTTP_TOKEN.test(name)) fail(`${argument}.headers`, 'valid header names', name)
      if (typeof item !== 'string') fail(`${argument}.headers.${name}`, 'a string', item)
      // A Fetch Response refuses these: the runtime could not answer with this mock.
      if (/[\r\n\0]/.test(item as string))
        fail(`${argument}.headers.${name}`, 'a header value without line breaks or NUL', item)
    }
    response.headers = headers as Record<string, string>
  }
  if (json !== undefined && body !== undefined)
    fail(`${argument}.json`, `absent when ${argument}.body is given (use one)`, json)
  if (json !== undefined) {
    let text: string | undefined
    try {
      text = JSON.stringify(json)
    } catch {}
    if (text === undefined) fail(`${argument}.json`, 'a JSON-serializable value', json)
    response.json = json
  }
  if (body !== undefined) {
    if (typeof body !== 'string') fail(`${argument}.body`, 'a string (or use json)', body)
    response.body = body as string
  }
  if (delayMs !== undefined) {
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
      fail(`${argument}.delayMs`, 'a finite number of milliseconds, 0 or more', delayMs)
    }
    response.delayMs = delayMs as number
  }
  if (networkError !== undefined) {
    if (typeof networkError !== 'boolean') fail(`${argument}.networkError`, 'a boolean', networkError)
    response.networkError = networkError as boolean
  }
  if (times !== undefined) {
    if (!isPositiveInteger(times)) fail(`${argument}.times`, 'a positive integer', times)
    response.times = times as number
  }
  return response
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
      checkResponse(response, `responses[${index}]`, (argument, expectation, received) => {
        throw new ArgumentError('stored rule', argument, expectation, received)
      }),
    )
  }
  if (value.times !== undefined) {
    if (!isPositiveInteger(value.times)) throw new Error(`stored rule ${value.id} times must be a positive integer`)
    rule.times = value.times
  }
  return rule
}
