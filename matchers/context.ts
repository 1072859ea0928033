/**
 * The small part of a runner's matcher context stakeout's matchers use. Vitest's and Jest's `this`
 * both satisfy it, so one matcher core serves both runners (as aws-sdk-client-mock does), and no
 * matcher imports a runner.
 */
import { failArgument } from '../src/errors.js'

/** Colours a piece of a failure message (Vitest's `Formatter`, Jest's chalk instance). */
export type Colour = (text: string) => string

/** Options of {@link MatcherUtils.matcherHint}, as jest-matcher-utils and @vitest/expect take them. */
export interface MatcherHintOptions {
  isNot?: boolean
  promise?: string
  comment?: string
  secondArgument?: string
}

/** The printing helpers a matcher gets as `this.utils`. */
export interface MatcherUtils {
  /** `expect(received).not.toX(expected)`, dimmed and coloured. */
  matcherHint(matcherName: string, received?: string, expected?: string, options?: MatcherHintOptions): string
  /** A value in the expected colour (green). */
  printExpected(value: unknown): string
  /** A value in the received colour (red). */
  printReceived(value: unknown): string
  /** A line diff of two values; empty (`null`/`undefined`) when there is nothing to show. */
  diff(expected: unknown, received: unknown): string | null | undefined
  EXPECTED_COLOR: Colour
  RECEIVED_COLOR: Colour
}

/**
 * What a stakeout matcher reads from `this`: the shape Vitest's `MatcherState` and Jest's
 * `MatcherContext` share.
 *
 * @example
 * export async function toHaveCalled(this: MatcherContext, received: unknown, url: string | RegExp) {
 *   const hint = this.utils.matcherHint('.toHaveCalled', 'interceptor', 'url', { isNot: this.isNot })
 * }
 */
export interface MatcherContext {
  /** True under `.not`: the runner flips `pass` itself; a matcher reads this only to poll and word its message. */
  isNot?: boolean | undefined
  /** `'resolves'`, `'rejects'` or `''`. */
  promise?: string | undefined
  /** The full name of the running test, as both runners give it. */
  currentTestName?: string | undefined
  /** The runner's deep equality (with its asymmetric matchers and custom testers). */
  equals(a: unknown, b: unknown): boolean
  utils: MatcherUtils
}

/** What a matcher returns to the runner. `pass` is never flipped for `.not`: the runner does that. */
export interface MatcherResult {
  pass: boolean
  /** Built only when the runner shows it. */
  message: () => string
  actual?: unknown
  expected?: unknown
}

/**
 * Returns `received` typed as `T` when `isExpected(received)` holds; otherwise throws an
 * `ArgumentError` (`toHaveCalled: received value must be …, received number 42`) whose stack
 * starts at the user's `expect(...)` line. A wrong received value is a mistake in the test, not a
 * failed expectation: it throws under `.not` too.
 *
 * @example
 * const interceptor = assertReceived(received, isInterceptor, toHaveCalled, 'an interceptor')
 */
export function assertReceived<T>(
  received: unknown,
  isExpected: (value: unknown) => value is T,
  matcher: Function,
  expectation: string,
): T {
  if (!isExpected(received)) failArgument(matcher, matcher.name, 'received value', expectation, received)
  return received
}
