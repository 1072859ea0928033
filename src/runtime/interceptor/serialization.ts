/**
 * A matcher's stored form: JSON-safe, RegExps (also inside a body object) as `{ $regex, flags }`, so
 * it travels through DynamoDB. The test side serializes when it writes a rule; the runtime
 * deserializes when it reads one.
 */
import { ArgumentError } from '../../errors.js'
import { MATCHER_KEYS, type RequestMatcher, type TextMatcher } from './schema.js'
import { isAsymmetricMatcher, isPlainObject, typeName } from './values.js'

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
