import {
  type EventWhereabouts,
  isProjection,
  type Projection,
  type ProjectionState,
} from '../src/clients/event-store-projection.js'
import { checkPollSetting } from '../src/config.js'
import { describeError, failArgument } from '../src/errors.js'
import { formatPollLine, observe, type PollOutcome } from '../src/eventually.js'
import { isAsymmetricMatcher, isPlainObject } from '../src/runtime/interceptor/values.js'
import { assertReceived, type MatcherContext, type MatcherResult } from './context.js'
import { compact, cut, unreadMessage } from './messages.js'
import { whenAwaited } from './unawaited.js'

/** How long {@link toEventuallyProject} waits, and how often it looks. */
export interface ProjectionExpectation {
  /** How long to wait for the projection, in ms. Under `.not`, the whole window is waited. @default pollDefaults().timeout */
  timeout?: number | undefined
  /** The wait before the second look, in ms (it grows by `backoff`). @default pollDefaults().interval */
  interval?: number | undefined
}

const OPTION_KEYS: readonly string[] = ['timeout', 'interval']

/**
 * Passes when the projection is at `version` (the version of the last event its projector wrote: exactly that one,
 * so a projection that went past it fails, saying so) and, if `expected` is given, its state matches `expected`
 * partially (as `toMatchObject`: other fields may be there too; asymmetric matchers work). Polls the projection
 * through `eventually`; under `.not` it waits the whole window and fails as soon as the projection is there.
 * Always `await` it.
 *
 * When the projection never reached the version, the message says where the event stopped, as far as the target
 * can tell: never appended to the ledger, parked in the dispatch's on-failure queue, in the projector's dead-letter
 * queue, or in the ledger with no trace of a failure.
 *
 * @example
 * const ledger = useEventStore('Ledger')
 * const accountId = ledger.aggregateId('acct')
 * await ledger.append(accountId, { type: 'Credit', payload: { amount: 50 } })
 * await expect(ledger.projection('Balance', { aggregateId: accountId })).toEventuallyProject(1, { balance: 50 })
 * await expect(ledger.projection('Balance', { aggregateId: accountId })).not.toEventuallyProject(2, undefined, { timeout: 1000 })
 */
export function toEventuallyProject(
  this: MatcherContext,
  received: unknown,
  version: number,
  expected?: Record<string, unknown>,
  options: ProjectionExpectation = {},
): Promise<MatcherResult> {
  const args = expected === undefined ? 'version' : 'version, expected'
  const assertion = `expect(projection)${this.isNot === true ? '.not' : ''}.toEventuallyProject(${args})`
  return whenAwaited(this, assertion, toEventuallyProject, (signal) =>
    checkProjection(this, received, version, expected, options, signal),
  )
}

async function checkProjection(
  context: MatcherContext,
  received: unknown,
  version: number,
  expected: Record<string, unknown> | undefined,
  options: ProjectionExpectation,
  signal: AbortSignal,
): Promise<MatcherResult> {
  const projection = assertReceived(
    received,
    isProjection,
    toEventuallyProject,
    'a projection: the value of ledger.projection(name, { aggregateId })',
  )
  const settings = readArguments(version, expected, options)
  const isNot = context.isNot === true
  const holds = (stored: ProjectionState | undefined) =>
    stored !== undefined &&
    stored.version === version &&
    (expected === undefined || matchesPartially(context, stored.state, expected))
  const outcome = await observe<ProjectionState | undefined>(
    (lookSignal) => projection.get({ abortSignal: lookSignal }),
    holds,
    { ...settings, negate: isNot, signal },
  )
  const unconfirmed = isNot && !outcome.matched && ('lastError' in outcome || !outcome.hasValue || outcome.interrupted)
  const pass = isNot ? outcome.matched || unconfirmed : outcome.matched
  const last = outcome.last
  // Where the event stopped is worth a look only when the projection never got to it.
  const behind = !isNot && !pass && outcome.hasValue && (last === undefined || last.version < version)
  const whereabouts = behind ? await locate(projection, version, signal) : undefined
  const result: MatcherResult = {
    pass,
    message: () => describeProjection(context, { projection, version, expected, outcome, unconfirmed, whereabouts }),
  }
  if (!isNot && !pass && last !== undefined && expected !== undefined && last.version === version) {
    result.expected = expected
    result.actual = pick(last.state, expected)
  }
  return result
}

/** Where the event at `version` is, or the error that kept the target from telling. */
async function locate(
  projection: Projection,
  version: number,
  signal: AbortSignal,
): Promise<EventWhereabouts | { where: 'unknown'; error: unknown }> {
  try {
    return await projection.whereIs(version, { abortSignal: signal })
  } catch (error) {
    if (signal.aborted) throw error
    return { where: 'unknown', error }
  }
}

/** Checks the arguments, naming the wrong one; the error's stack points at the user's `expect(...)` line. */
function readArguments(version: unknown, expected: unknown, options: unknown): { timeout?: number; interval?: number } {
  const fail = (argument: string, expectation: string, received: unknown): never =>
    failArgument(toEventuallyProject, 'toEventuallyProject', argument, expectation, received)
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    fail('version', 'a version: a whole number ≥ 1', version)
  }
  if (expected !== undefined && !isPlainObject(expected) && !isAsymmetricMatcher(expected)) {
    fail('expected', 'an object the projection state must match partially (or undefined)', expected)
  }
  if (options === undefined) return {}
  if (!isPlainObject(options)) fail('options', 'an object of timeout, interval', options)
  const settings: { timeout?: number; interval?: number } = {}
  for (const [key, value] of Object.entries(options as Record<string, unknown>)) {
    if (!OPTION_KEYS.includes(key))
      fail(`options.${key}`, `absent (unknown option; one of ${OPTION_KEYS.join(', ')})`, value)
    if (value === undefined) continue
    const problem = checkPollSetting(key as 'timeout' | 'interval', value)
    if (problem !== undefined) fail(`options.${key}`, problem, value)
    settings[key as 'timeout' | 'interval'] = value as number
  }
  return settings
}

/**
 * `actual` matches `expected` as `toMatchObject` reads it: every key of `expected` is in `actual`, objects
 * compared the same way all the way down, anything else (arrays, values, asymmetric matchers) by the runner's
 * equality.
 */
function matchesPartially(context: MatcherContext, actual: unknown, expected: unknown): boolean {
  if (isPlainObject(expected) && isPlainObject(actual)) {
    return Object.entries(expected).every(
      ([key, value]) => Object.hasOwn(actual, key) && matchesPartially(context, actual[key], value),
    )
  }
  return context.equals(actual, expected)
}

/** The state cut to the keys `expected` names (all the way down), so the runner's diff shows only what differs. */
function pick(actual: unknown, expected: unknown): unknown {
  if (!isPlainObject(actual) || !isPlainObject(expected)) return actual
  const picked: Record<string, unknown> = {}
  for (const key of Object.keys(expected))
    if (Object.hasOwn(actual, key)) picked[key] = pick(actual[key], expected[key])
  return picked
}

interface Observation {
  projection: Projection
  version: number
  expected: Record<string, unknown> | undefined
  outcome: PollOutcome<ProjectionState | undefined>
  unconfirmed: boolean
  whereabouts: EventWhereabouts | { where: 'unknown'; error: unknown } | undefined
}

/** The failure message: what was expected, what was last seen (and the diff), where the event stopped, how it polled. */
function describeProjection(context: MatcherContext, observation: Observation): string {
  const { utils } = context
  const isNot = context.isNot === true
  const { projection, version, expected, outcome, unconfirmed, whereabouts } = observation
  const lines: string[] = [
    utils.matcherHint('.toEventuallyProject', 'projection', 'version', {
      isNot,
      promise: context.promise ?? '',
      ...(expected === undefined ? {} : { secondArgument: 'expected' }),
    }),
    '',
  ]
  const matching = expected === undefined ? '' : ` with ${utils.EXPECTED_COLOR(compact(expected))}`
  lines.push(
    `Expected ${projection.description} ${isNot ? 'not ' : ''}to reach version ${utils.printExpected(version)}${matching}`,
  )
  const last = outcome.last
  if (unconfirmed || !outcome.hasValue) {
    lines.push(unreadMessage(outcome, 'the projection'))
  } else if (isNot) {
    lines.push(
      `It did, on poll ${outcome.attempts}: version ${utils.printReceived(last?.version)}, state ${utils.RECEIVED_COLOR(cut(compact(last?.state)))}`,
    )
  } else if (last === undefined) {
    lines.push(`Last seen: nothing: the projection table ${projection.tableName} holds no item for the aggregate.`)
  } else {
    lines.push(
      `Last seen: version ${utils.printReceived(last.version)}, state ${utils.RECEIVED_COLOR(cut(compact(last.state)))}`,
    )
    if (last.version === version && expected !== undefined) {
      const diff = utils.diff(expected, pick(last.state, expected))
      lines.push('', 'At that version, the state does not match:')
      if (diff) lines.push(...diff.split('\n').map((line) => `  ${line}`.trimEnd()))
    } else if (last.version > version) {
      lines.push(
        '',
        `The projection went past version ${version} to ${last.version}: a delivery of version ${version} now is refused ` +
          'by the projector as older (the stored version is higher). Expect the version of the last event appended.',
      )
    }
  }
  if (whereabouts !== undefined) lines.push('', ...describeWhereabouts(version, whereabouts))
  if ('lastError' in outcome) lines.push('', `Last error reading the projection: ${describeError(outcome.lastError)}`)
  lines.push('', formatPollLine(outcome))
  return lines.join('\n')
}

/** Where the event that never reached the projection stopped, in the user's words. */
function describeWhereabouts(
  version: number,
  whereabouts: EventWhereabouts | { where: 'unknown'; error: unknown },
): string[] {
  switch (whereabouts.where) {
    case 'unknown':
      return [`Where event ${version} stopped could not be told: ${describeError(whereabouts.error)}`]
    case 'not-appended':
      return [
        `The event never got to the ledger: it holds no event at version ${version} of the aggregate ` +
          (whereabouts.lastVersion === 0
            ? '(it holds none at all).'
            : `(its last version is ${whereabouts.lastVersion}).`),
      ]
    case 'on-failure-queue': {
      const { event, parked } = whereabouts
      const reason = parked.reason === undefined ? '' : ` (${parked.reason})`
      const where =
        parked.by === 'arrival times'
          ? `a batch parked in the on-failure queue spans the time it was appended${reason}, so the dispatch may ` +
            'have given up on it (its stream records cannot be read to confirm it).'
          : `the dispatch gave up on it: its batch is parked in the on-failure queue${reason}.`
      return [
        `Event ${version} (${event.type}, appended ${event.timestamp}) is in the ledger, but ${where}`,
        `  ${parked.queueUrl}`,
        'Fix the dispatch, then replay the aggregate: the event itself is safe in the ledger.',
      ]
    }
    case 'dead-letter-queue': {
      const { event, parked } = whereabouts
      return [
        `Event ${version} (${event.type}, appended ${event.timestamp}) was published, but never reached the projection: ` +
          `it is in the projector's dead-letter queue${parked.reason === undefined ? '' : ` (${parked.reason})`}.`,
        `  ${parked.queueUrl}`,
      ]
    }
    case 'not-listened': {
      const { event, eventTypes } = whereabouts
      return [
        `Event ${version} (${event.type}, appended ${event.timestamp}) is in the ledger, but the projector does not ` +
          `listen to its type: its rule sends it ${eventTypes.length === 0 ? 'replays only' : eventTypes.join(', ')} (and replays).`,
      ]
    }
    case 'ledger': {
      const { event, unchecked } = whereabouts
      return [
        `Event ${version} (${event.type}, appended ${event.timestamp}) is in the ledger, and parked nowhere the target ` +
          "can see: it may still be on its way, or the projector's rule does not match its type.",
        ...unchecked.map((what) => `  Not looked at: ${what}.`),
      ]
    }
  }
}
