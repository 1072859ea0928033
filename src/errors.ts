import { inspect } from 'node:util'

/** Base class of every error stakeout throws on purpose, so a test can tell them from its own. */
export class StakeoutError extends Error {
  override name = 'StakeoutError'
}

/**
 * A bad argument: names the function, the argument and what it must be.
 *
 * @example
 * throw new ArgumentError('toHaveCalled', 'url', 'a string or RegExp', 42)
 * // toHaveCalled: url must be a string or RegExp, received number 42
 */
export class ArgumentError extends StakeoutError {
  override name = 'ArgumentError'
  /** The argument (or `argument.field`) that was wrong. */
  readonly argument: string

  constructor(callee: string, argument: string, expectation: string, received: unknown) {
    super(`${callee}: ${argument} must be ${expectation}, received ${describeValue(received)}`)
    this.argument = argument
  }
}

/**
 * Throws an {@link ArgumentError} whose stack starts at the caller of `boundary`
 * (the user's line), not inside stakeout.
 */
export function failArgument(
  boundary: Function,
  callee: string,
  argument: string,
  expectation: string,
  received: unknown,
): never {
  const error = new ArgumentError(callee, argument, expectation, received)
  Error.captureStackTrace(error, boundary)
  throw error
}

/** `number 42`, `string "x"`, `undefined`, `null`, `array [1,2]`, `object {…}`: what a user needs to spot the mistake. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  const kind = Array.isArray(value) ? 'array' : value instanceof RegExp ? 'RegExp' : typeof value
  return `${kind} ${inspect(value, { depth: 2, breakLength: Number.POSITIVE_INFINITY, maxStringLength: 80 })}`
}
