/**
 * Checks on plain values that matching, serialization and stored-rule parsing share. Dependency-free:
 * it runs inside Lambda.
 */

/** True for an object literal (or `Object.create(null)`): not an array, a class instance, a RegExp or null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** An asymmetric matcher from Vitest or Jest (`expect.any(String)`): usable on the test side, never stored. */
export function isAsymmetricMatcher(value: unknown): value is { asymmetricMatch(actual: unknown): boolean } {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { asymmetricMatch?: unknown }).asymmetricMatch === 'function'
  )
}

/** True for an integer of 1 or more. */
export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0
}

/** `null`, `array` or the `typeof`: how a corrupt stored value is named in a log line. */
export function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value
}
