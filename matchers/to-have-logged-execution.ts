import {
  EXECUTION_STATUSES,
  type ExecutionReading,
  type ExecutionStatus,
  readExecution,
  TERMINAL_EVENT_TYPES,
} from '../src/clients/state-machine/execution-events.js'
import {
  type ExecutionLog,
  isExecution,
  isStateMachine,
  type StateMachine,
  type StateMachineDescription,
  type StateMachineExecution,
} from '../src/clients/state-machine/handles.js'
import type { ExpressLogEvent } from '../src/clients/state-machine/log-events.js'
import { describeLogging, LOGGING_FIX, loggingProblems } from '../src/clients/state-machine/logging.js'
import { checkPollSetting } from '../src/config.js'
import { describeError, failArgument } from '../src/errors.js'
import { formatPollLine, observe, type PollOutcome } from '../src/eventually.js'
import { isAsymmetricMatcher, isPlainObject } from '../src/runtime/interceptor/values.js'
import type { MatcherContext, MatcherResult } from './context.js'
import { compact, cut, describeField, listed, unreadMessage } from './messages.js'
import { whenAwaited } from './unawaited.js'

/**
 * What {@link toHaveLoggedExecution} expects of an execution (every field given must match), and how long to wait.
 * On a state machine only `timeout` and `interval` apply.
 */
export interface LoggedExecutionExpectation {
  /** How the run ended: its terminal event is `ExecutionSucceeded`, `ExecutionFailed`, `ExecutionTimedOut` or `ExecutionAborted`. */
  status?: ExecutionStatus | undefined
  /** The run's output (of `ExecutionSucceeded`), matched partially for an object; asymmetric matchers allowed. */
  output?: unknown
  /** The names of the states entered, in order, all of them (or an asymmetric matcher such as `expect.arrayContaining`). */
  states?: readonly unknown[] | { asymmetricMatch(actual: unknown): boolean } | undefined
  /** How long to wait for the end to be logged, in ms. Under `.not`, the whole window is waited. @default pollDefaults().timeout */
  timeout?: number | undefined
  /** The wait before the second look, in ms (it grows by `backoff`). @default pollDefaults().interval */
  interval?: number | undefined
}

const OPTION_KEYS: readonly string[] = ['status', 'output', 'states', 'timeout', 'interval']
const POLL_KEYS: readonly string[] = ['timeout', 'interval']

/**
 * On an execution (what `start()` returned): passes when its terminal event is logged (the machine's CloudWatch
 * logs for Express, its history for Standard) and matches `status`, `output` (partially) and `states` (the names of
 * the states entered, in order). On a state machine (`useStateMachine()` or a `StateMachineClient`): passes when
 * its logging lets every execution be seen: level ALL, with execution data, to a log group. Polls through
 * `eventually`; under `.not` it waits the whole window and fails on the first match. Always `await` it.
 *
 * @example
 * const statement = useStateMachine('MonthlyStatement')
 * await expect(statement).toHaveLoggedExecution()
 * const run = await statement.start({ accountId: 'acc-1' })
 * await expect(run).toHaveLoggedExecution({ status: 'SUCCEEDED', output: { balance: 120 }, states: ['ReadBalance', 'Positive'] })
 */
export function toHaveLoggedExecution(
  this: MatcherContext,
  received: unknown,
  options: LoggedExecutionExpectation = {},
): Promise<MatcherResult> {
  const subject = isStateMachine(received) ? 'machine' : 'execution'
  const hasOptions = isPlainObject(options) && Object.keys(options).length > 0
  const assertion = `expect(${subject})${this.isNot === true ? '.not' : ''}.toHaveLoggedExecution(${hasOptions ? 'options' : ''})`
  return whenAwaited(this, assertion, toHaveLoggedExecution, async (signal) => {
    if (isExecution(received)) return checkExecution(this, received, readOptions(options, OPTION_KEYS), signal)
    if (isStateMachine(received)) return checkMachine(this, received, readOptions(options, POLL_KEYS), signal)
    return failArgument(
      toHaveLoggedExecution,
      'toHaveLoggedExecution',
      'received value',
      'an execution (what start() returned) or a state machine (useStateMachine() or a StateMachineClient)',
      received,
    )
  })
}

/** Checks the options, naming the wrong one; the error's stack points at the user's `expect(...)` line. */
function readOptions(options: unknown, allowed: readonly string[]): LoggedExecutionExpectation {
  const fail = (argument: string, expectation: string, received: unknown): never =>
    failArgument(toHaveLoggedExecution, 'toHaveLoggedExecution', argument, expectation, received)
  if (options === undefined) return {}
  if (!isPlainObject(options)) fail('options', `an object of ${allowed.join(', ')}`, options)
  const record = options as Record<string, unknown>
  for (const key of Object.keys(record)) {
    if (allowed.includes(key)) continue
    if (OPTION_KEYS.includes(key)) {
      fail(
        `options.${key}`,
        'absent on a state machine (it checks the logging configuration; pass an execution, what start() returned, to check a run)',
        record[key],
      )
    }
    fail(`options.${key}`, `absent (unknown option; one of ${allowed.join(', ')})`, record[key])
  }
  const { status, states, timeout, interval } = record
  if (status !== undefined && !EXECUTION_STATUSES.includes(status as ExecutionStatus)) {
    fail('options.status', `one of ${EXECUTION_STATUSES.map((each) => `'${each}'`).join(', ')}`, status)
  }
  if (states !== undefined && !isAsymmetricMatcher(states)) {
    if (!Array.isArray(states) || !states.every((name) => typeof name === 'string' || isAsymmetricMatcher(name))) {
      fail('options.states', 'an array of state names (or an asymmetric matcher)', states)
    }
  }
  for (const [key, value] of [
    ['timeout', timeout],
    ['interval', interval],
  ] as const) {
    if (value === undefined) continue
    const problem = checkPollSetting(key, value)
    if (problem !== undefined) fail(`options.${key}`, problem, value)
  }
  return record as LoggedExecutionExpectation
}

// ── On a state machine: its logging configuration ────────────────────────────────────────────────────────────

async function checkMachine(
  context: MatcherContext,
  machine: StateMachine,
  options: LoggedExecutionExpectation,
  signal: AbortSignal,
): Promise<MatcherResult> {
  const isNot = context.isNot === true
  const outcome = await observe<StateMachineDescription>(
    (signal) => machine.describe({ signal }),
    (described) => loggingProblems(described.logging).length === 0,
    { timeout: options.timeout, interval: options.interval, negate: isNot, signal },
  )
  const unconfirmed = isNot && !outcome.matched && ('lastError' in outcome || !outcome.hasValue || outcome.interrupted)
  return {
    pass: isNot ? outcome.matched || unconfirmed : outcome.matched,
    message: () => describeMachine(context, machine, options, outcome, unconfirmed),
  }
}

function describeMachine(
  context: MatcherContext,
  machine: StateMachine,
  options: LoggedExecutionExpectation,
  outcome: PollOutcome<StateMachineDescription>,
  unconfirmed: boolean,
): string {
  const isNot = context.isNot === true
  const lines = [hint(context, 'machine', options), '']
  lines.push(
    `Expected ${machine.description} ${isNot ? 'not ' : ''}to log its executions completely ` +
      `(${context.utils.EXPECTED_COLOR('level ALL, with execution data, to a log group')})`,
  )
  const described = outcome.last
  if (unconfirmed || described === undefined) {
    lines.push(unreadMessage(outcome, 'its logging configuration (DescribeStateMachine)'))
  } else {
    lines.push(
      `Received ${context.utils.RECEIVED_COLOR(describeLogging(described.logging))} (${described.type === 'EXPRESS' ? 'an' : 'a'} ${described.type} machine)`,
    )
    const problems = loggingProblems(described.logging)
    if (problems.length > 0) {
      lines.push(...listed(problems, (problem) => `- ${problem}`))
      lines.push(
        '',
        described.type === 'EXPRESS'
          ? 'Express workflows keep no execution history in Step Functions: a run can be seen only in these logs.'
          : 'A Standard machine keeps its history in Step Functions (GetExecutionHistory), but its logs stay incomplete.',
        `Fix: ${LOGGING_FIX}.`,
      )
    }
  }
  if ('lastError' in outcome) lines.push('', `Last error describing the machine: ${describeError(outcome.lastError)}`)
  lines.push('', formatPollLine(outcome))
  return lines.join('\n')
}

// ── On an execution: its terminal event, status, output and states ──────────────────────────────────────────

async function checkExecution(
  context: MatcherContext,
  execution: StateMachineExecution,
  expectation: LoggedExecutionExpectation,
  signal: AbortSignal,
): Promise<MatcherResult> {
  const isNot = context.isNot === true
  const matches = (reading: ExecutionReading) => mismatches(context, expectation, reading).length === 0
  // Without `.not` polling stops once the end and every event before it are there (a mismatch then fails at
  // once); under `.not` it runs the whole window and stops at the first matching end.
  const holds = isNot
    ? (log: ExecutionLog) => {
        const reading = readExecution(log.events)
        return reading.terminal !== undefined && matches(reading)
      }
    : (log: ExecutionLog) => readExecution(log.events).complete
  const outcome = await observe<ExecutionLog>((signal) => execution.logs({ signal }), holds, {
    timeout: expectation.timeout,
    interval: expectation.interval,
    negate: isNot,
    signal,
  })
  const reading = outcome.last === undefined ? undefined : readExecution(outcome.last.events)
  const satisfied = reading?.terminal !== undefined && matches(reading)
  const unconfirmed = isNot && !outcome.matched && ('lastError' in outcome || !outcome.hasValue || outcome.interrupted)
  const pass = isNot ? outcome.matched || unconfirmed : satisfied

  const result: MatcherResult = {
    pass,
    message: () => describeExecution(context, execution, expectation, outcome, reading, unconfirmed),
  }
  if (!isNot && !pass && reading?.terminal !== undefined) {
    result.expected = expectedShape(expectation)
    result.actual = receivedShape(expectation, reading)
  }
  return result
}

/** The fields of the expectation the reading does not meet. */
function mismatches(
  context: MatcherContext,
  expectation: LoggedExecutionExpectation,
  reading: ExecutionReading,
): string[] {
  const fields: string[] = []
  if (expectation.status !== undefined && reading.status !== expectation.status) fields.push('status')
  if (expectation.output !== undefined) {
    const output = reading.output
    if (output === undefined || !output.parsed || !partiallyEquals(context, output.value, expectation.output)) {
      fields.push('output')
    }
  }
  if (expectation.states !== undefined && !context.equals(reading.statesEntered, expectation.states)) {
    fields.push('states')
  }
  return fields
}

/** `expected`'s keys are in `actual` with equal values, recursively for plain objects; anything else, equal. */
function partiallyEquals(context: MatcherContext, actual: unknown, expected: unknown): boolean {
  if (isPlainObject(expected) && !isAsymmetricMatcher(expected)) {
    return (
      isPlainObject(actual) &&
      Object.entries(expected).every(
        ([key, value]) => Object.hasOwn(actual, key) && partiallyEquals(context, actual[key], value),
      )
    )
  }
  return context.equals(actual, expected)
}

function expectedShape(expectation: LoggedExecutionExpectation): Record<string, unknown> {
  const shape: Record<string, unknown> = {}
  for (const key of ['status', 'output', 'states'] as const) {
    if (expectation[key] !== undefined) shape[key] = expectation[key]
  }
  return shape
}

/** What was logged, cut to the fields the expectation names (an output only with the expected keys). */
function receivedShape(expectation: LoggedExecutionExpectation, reading: ExecutionReading): Record<string, unknown> {
  const shape: Record<string, unknown> = {}
  if (expectation.status !== undefined) shape.status = reading.status
  if (expectation.output !== undefined) shape.output = pickedOutput(expectation.output, reading)
  if (expectation.states !== undefined) shape.states = reading.statesEntered
  return shape
}

function pickedOutput(expected: unknown, reading: ExecutionReading): unknown {
  const output = reading.output
  if (output === undefined) return undefined
  if (!output.parsed) return cut(output.text)
  const value = output.value
  if (!isPlainObject(expected) || isAsymmetricMatcher(expected) || !isPlainObject(value)) return value
  const picked: Record<string, unknown> = {}
  for (const key of Object.keys(expected)) if (Object.hasOwn(value, key)) picked[key] = value[key]
  return picked
}

function describeExecution(
  context: MatcherContext,
  execution: StateMachineExecution,
  expectation: LoggedExecutionExpectation,
  outcome: PollOutcome<ExecutionLog>,
  reading: ExecutionReading | undefined,
  unconfirmed: boolean,
): string {
  const { utils } = context
  const isNot = context.isNot === true
  const lines = [hint(context, 'execution', expectation), '']
  const wanted = Object.entries(expectedShape(expectation))
    .map(([name, value]) => `${name} ${utils.EXPECTED_COLOR(compact(value))}`)
    .join(', ')
  lines.push(
    `Expected ${execution.description} ${isNot ? 'not ' : ''}to have logged its end${wanted === '' ? '' : ` with ${wanted}`}`,
  )
  const log = outcome.last
  if (unconfirmed || log === undefined || reading === undefined) {
    lines.push(unreadMessage(outcome, 'the execution\u2019s events'))
  } else if (log.events.length === 0) {
    lines.push(`Received no event of this execution ${where(log)}.`)
    lines.push(...loggingHint(log))
  } else {
    const { terminal, status } = reading
    if (terminal === undefined) {
      lines.push(
        `Received ${log.events.length} events ${where(log)}, none ending the execution: it is still running, or its end is not delivered yet.`,
      )
    } else {
      lines.push(`Received ${utils.RECEIVED_COLOR(terminal.type)} (status ${status}) at event ${terminal.id}`)
      if (terminal.details.error !== undefined)
        lines.push(`  error: ${utils.RECEIVED_COLOR(compact(terminal.details.error))}`)
      if (terminal.details.cause !== undefined)
        lines.push(`  cause: ${utils.RECEIVED_COLOR(compact(cut(String(terminal.details.cause))))}`)
    }
    lines.push(
      `States entered: ${reading.statesEntered.length === 0 ? 'none' : reading.statesEntered.map((name) => compact(name)).join(' → ')}`,
    )
    if (reading.last !== undefined) lines.push(`Last event: ${formatEvent(reading.last)}`)
    if (reading.missingIds.length > 0) {
      lines.push(
        `Events not (yet) delivered: ${reading.missingIds.slice(0, 10).join(', ')}${reading.missingIds.length > 10 ? ', …' : ''}`,
      )
    }
    if (terminal !== undefined && !isNot) {
      const fields = mismatches(context, expectation, reading)
      if (fields.length > 0) lines.push('', 'Differs in:')
      if (fields.includes('status')) lines.push(...describeField(context, 'status', expectation.status, status))
      if (fields.includes('output')) {
        const output = reading.output
        const absent =
          terminal.type !== TERMINAL_EVENT_TYPES.SUCCEEDED
            ? `no output (a run that did not succeed has none)`
            : log.logging?.includeExecutionData === false
              ? 'no output: the machine logs without execution data (includeExecutionData)'
              : 'no output'
        lines.push(
          ...describeField(context, 'output', expectation.output, pickedOutput(expectation.output, reading), absent),
        )
        if (output?.truncated === true)
          lines.push('    (AWS truncated the logged output: over 248 KB, its text is a prefix)')
      }
      if (fields.includes('states'))
        lines.push(...describeField(context, 'states', expectation.states, reading.statesEntered))
    }
  }
  if ('lastError' in outcome)
    lines.push('', `Last error reading the execution\u2019s events: ${describeError(outcome.lastError)}`)
  lines.push('', formatPollLine(outcome))
  return lines.join('\n')
}

function where(log: ExecutionLog): string {
  return log.source === 'cloudwatch-logs' ? `in log group ${log.logGroupName}` : 'in its execution history'
}

/** Why an Express run may be missing from the logs: the machine's logging, when incomplete. */
function loggingHint(log: ExecutionLog): string[] {
  if (log.logging === undefined) return []
  const problems = loggingProblems(log.logging)
  if (problems.length === 0) return ['Log delivery can lag: raise the timeout if the run is long.']
  return [
    '',
    `The machine logs at ${describeLogging(log.logging)}:`,
    ...listed(problems, (problem) => `- ${problem}`),
    `Fix: ${LOGGING_FIX}.`,
  ]
}

/** `#7 TaskStateExited "ReadBalance" output {"balance": 120}` */
function formatEvent(event: ExpressLogEvent): string {
  const { name, error, cause, output, input } = event.details
  const parts = [`#${event.id} ${event.type}`]
  if (typeof name === 'string') parts.push(JSON.stringify(name))
  if (error !== undefined) parts.push(`error ${JSON.stringify(error)}`)
  if (cause !== undefined) parts.push(`cause ${JSON.stringify(cut(String(cause), 120))}`)
  const payload = output ?? input
  if (payload !== undefined) {
    const text = payload.parsed ? compact(payload.value) : payload.text
    parts.push(
      `${output === undefined ? 'input' : 'output'} ${cut(text, 120)}${payload.truncated ? ' (truncated by AWS)' : ''}`,
    )
  }
  return parts.join(' ')
}

function hint(context: MatcherContext, subject: string, options: LoggedExecutionExpectation): string {
  const hasOptions = isPlainObject(options) && Object.keys(options).length > 0
  return context.utils.matcherHint('.toHaveLoggedExecution', subject, hasOptions ? 'options' : '', {
    isNot: context.isNot === true,
    promise: context.promise ?? '',
  })
}
