/**
 * What a state machine and an execution are to the rest of stakeout: their brands, the shapes the client returns
 * (`toHaveLoggedExecution` reads them), and the guards that recognise them.
 */
import type { ExecutionStatus } from './execution-events.js'
import type { ExpressLogEvent, SkippedLogMessage } from './log-events.js'
import type { StateMachineLogging } from './logging.js'

/**
 * The brand of a state machine: a {@link StateMachineClient} or what `useStateMachine()` returns. It is what
 * `toHaveLoggedExecution` accepts as a machine (and what its typings check).
 */
export const STATE_MACHINE: unique symbol = Symbol.for('stakeout.stateMachine') as never
/** The brand of an execution handle ({@link StateMachineExecution}). */
export const STATE_MACHINE_EXECUTION: unique symbol = Symbol.for('stakeout.stateMachineExecution') as never

/** A state machine, as `toHaveLoggedExecution` reads it. */
export interface StateMachine {
  readonly [STATE_MACHINE]: true
  readonly stateMachineArn: string
  /** Names it in failure messages: `state machine MonthlyStatement`. */
  readonly description: string
  /** DescribeStateMachine: its type and logging. */
  describe(options?: { signal?: AbortSignal }): Promise<StateMachineDescription>
}

/** Options of one {@link StateMachineClient.start}. */
export interface StartExecutionOptions {
  /**
   * Wait for the end: StartSyncExecution (Express machines only), which answers when the run ended, with its
   * `status`, `output`, `error` and `cause`. A failed run resolves too: read `status`.
   * @default false (StartExecution: resolves once the run started)
   */
  readonly wait?: boolean
  /** The execution's name (1 to 80 characters, no whitespace, brackets, wildcards or `"#%\^|~`$&,;:/`). @default a UUID */
  readonly name?: string
  /** Aborts the request (the execution itself runs on). */
  readonly signal?: AbortSignal
}

/** An execution that {@link StateMachineClient.start} started: what the API answered, and its logs on demand. */
export interface StateMachineExecution {
  readonly [STATE_MACHINE_EXECUTION]: true
  readonly executionArn: string
  readonly stateMachineArn: string
  /** The execution's name (the name given, or the UUID Step Functions chose). */
  readonly name: string
  readonly startDate: Date
  /** Names it in failure messages: `execution run-1 of MonthlyStatement`. */
  readonly description: string
  /** How it ended: set when started with `wait: true` (StartSyncExecution answers 200 for a failed run too). */
  readonly status?: Exclude<ExecutionStatus, 'ABORTED'>
  /** The decoded output of a succeeded run (its JSON text when it does not parse), when waited. */
  readonly output?: unknown
  /** The error and cause of a failed or timed-out run, when waited. */
  readonly error?: string
  readonly cause?: string
  readonly stopDate?: Date
  /** The execution's events, from the machine's logs (Express) or its history (Standard). See {@link StateMachineClient.logs}. */
  logs(options?: { signal?: AbortSignal }): Promise<ExecutionLog>
}

/** DescribeStateMachine, read. */
export interface StateMachineDescription {
  readonly stateMachineArn: string
  readonly name: string
  readonly type: 'STANDARD' | 'EXPRESS'
  readonly logging: StateMachineLogging
  /** The Amazon States Language definition (JSON text). */
  readonly definition?: string
  readonly roleArn?: string
}

/** What {@link StateMachineClient.logs} returns: one execution's events, in id order. */
export interface ExecutionLog {
  readonly executionArn: string
  /** Where the events came from: the machine's CloudWatch log group (Express), or GetExecutionHistory (Standard). */
  readonly source: 'cloudwatch-logs' | 'execution-history'
  /** The log group read (source `cloudwatch-logs`). */
  readonly logGroupName?: string
  /** The machine's logging when it was read (source `cloudwatch-logs`): why a run may be missing from its logs. */
  readonly logging?: StateMachineLogging
  /** The events, in id order: numbers for ids and timestamps, input and output decoded. */
  readonly events: ExpressLogEvent[]
  /** Log messages of the execution that are not history events, with why. */
  readonly skipped: SkippedLogMessage[]
  /** AWS truncated a payload of some event (over 248 KB of escaped text): that payload's text is a prefix, not JSON. */
  readonly truncated: boolean
  /** How many API pages were read. */
  readonly pages: number
}

/**
 * True when `value` is a state machine: a {@link StateMachineClient} or what `useStateMachine()` returns.
 *
 * @example
 * if (isStateMachine(received)) await received.describe()
 */
export function isStateMachine(value: unknown): value is StateMachine {
  return (
    value !== null &&
    typeof value === 'object' &&
    (value as Record<symbol, unknown>)[STATE_MACHINE] === true &&
    typeof (value as { describe?: unknown }).describe === 'function'
  )
}

/**
 * True when `value` is an execution handle, as {@link StateMachineClient.start} returns it.
 *
 * @example
 * if (isExecution(received)) await received.logs()
 */
export function isExecution(value: unknown): value is StateMachineExecution {
  return (
    value !== null &&
    typeof value === 'object' &&
    (value as Record<symbol, unknown>)[STATE_MACHINE_EXECUTION] === true &&
    typeof (value as { logs?: unknown }).logs === 'function' &&
    typeof (value as { executionArn?: unknown }).executionArn === 'string'
  )
}
