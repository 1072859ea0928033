/**
 * The pieces every stakeout failure message is built from, shared by the matchers (toHaveCalled today;
 * toEventuallyProject and toHaveLoggedExecution next): one-line values, cut texts, counted nouns,
 * lists with a cap, an expected/received field with a diff, and what to say when the polled value
 * could not be read. Colours come from the runner (`context.utils`), never from a library of ours.
 */
import type { PollOutcome } from '../src/eventually.js'
import { isAsymmetricMatcher, isPlainObject } from '../src/runtime/interceptor/values.js'
import type { MatcherContext } from './context.js'

/** Items listed in a message; more are counted, not shown. */
export const LISTED_ITEMS = 10
/** Received texts (bodies, outputs) are cut at this many characters. */
export const SHOWN_TEXT = 300

/**
 * A value on one line, as Jest prints short values: strings in double quotes, RegExps as `/…/`,
 * objects as `{"name": "Ada"}`, asymmetric matchers by name. Vitest's printExpected would spread an
 * object over several lines, which breaks the one-line sentences of a message.
 *
 * @example
 * compact({ name: 'Ada', age: expect.any(Number) }) // '{"name": "Ada", "age": Any<Number>}'
 */
export function compact(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (value instanceof RegExp) return String(value)
  if (Array.isArray(value)) return `[${value.map(compact).join(', ')}]`
  if (isAsymmetricMatcher(value)) {
    const named = value as { toAsymmetricMatcher?: () => string }
    return typeof named.toAsymmetricMatcher === 'function' ? named.toAsymmetricMatcher() : String(value)
  }
  if (isPlainObject(value)) {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}: ${compact(item)}`)
      .join(', ')}}`
  }
  return String(value)
}

/**
 * `text`, or its first `limit` characters and how many were cut.
 *
 * @example
 * cut('x'.repeat(500)) // 'xxx…x… (200 more characters)'
 */
export function cut(text: string, limit = SHOWN_TEXT): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length - limit} more characters)`
}

/**
 * `1 call`, `2 calls`.
 *
 * @example
 * `Received ${plural(calls.length, 'call')}`
 */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

/**
 * Indented lines for the first `limit` items, then `… and 5 more`.
 *
 * @example
 * lines.push('Received 12 calls:', ...listed(calls, (call) => formatCall(context, call)))
 */
export function listed<T>(items: readonly T[], format: (item: T) => string, limit = LISTED_ITEMS): string[] {
  const lines = items.slice(0, limit).map((item) => `  ${format(item)}`)
  if (items.length > limit) lines.push(`  … and ${items.length - limit} more`)
  return lines
}

/**
 * One field of an expectation against what was received, indented under a nearest miss: a diff when
 * both are objects, else `name: expected "x", received "y"`. `received` may be `undefined` with
 * `absent` saying how to read that (`no body`).
 *
 * @example
 * lines.push(...describeField(context, 'method', 'POST', 'GET'))
 */
export function describeField(
  context: MatcherContext,
  name: string,
  expected: unknown,
  received: unknown,
  absent?: string,
): string[] {
  const { utils } = context
  if (isPlainObject(expected) && isPlainObject(received)) {
    const diff = utils.diff(expected, received)
    if (diff) return [`    ${name}:`, ...diff.split('\n').map((line) => `      ${line}`.trimEnd())]
  }
  const receivedText = received === undefined && absent !== undefined ? absent : utils.RECEIVED_COLOR(compact(received))
  return [`    ${name}: expected ${utils.EXPECTED_COLOR(compact(expected))}, received ${receivedText}`]
}

/**
 * Why the polled value was not seen (never, or not at the end of the window), for a message whose poll
 * could not read it: `what` names it in the user's words (`the recorded calls`).
 *
 * @example
 * if (!outcome.hasValue) lines.push(unreadMessage(outcome, 'the recorded calls'))
 */
export function unreadMessage(outcome: PollOutcome<unknown>, what: string): string {
  const failed = 'lastError' in outcome
  if (!outcome.hasValue) {
    return failed
      ? `Received nothing: every attempt to read ${what} failed.`
      : `Received nothing: no read of ${what} finished before the window closed (the last one was aborted).`
  }
  return failed
    ? `Could not confirm it: the last attempt to read ${what} failed.`
    : `Could not confirm it: the last read of ${what}, at the end of the window, did not finish in time.`
}
