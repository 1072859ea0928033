/**
 * What an execution's events say, whichever API gave them: a STANDARD machine's GetExecutionHistory events
 * turned into the shape of an Express log event (so both read alike), and the reading every consumer needs
 * (the terminal event, the states entered, whether ids are missing). Pure functions: the client does the calls.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn'
import { type ExpressLogEvent, type LoggedEventDetails, parseExpressLogEvent } from './log-events.js'

/** How an execution ended, as `StartSyncExecution`, `DescribeExecution` and the matcher name it. */
export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED'

/** Every {@link ExecutionStatus}, in a stable order (for messages and validation). */
export const EXECUTION_STATUSES: readonly ExecutionStatus[] = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']

/** The history event type that ends an execution with each status. */
export const TERMINAL_EVENT_TYPES: Readonly<Record<ExecutionStatus, string>> = {
  SUCCEEDED: 'ExecutionSucceeded',
  FAILED: 'ExecutionFailed',
  TIMED_OUT: 'ExecutionTimedOut',
  ABORTED: 'ExecutionAborted',
}

/**
 * Turns GetExecutionHistory events (a STANDARD machine) into the shape of Express log events: the one
 * `*EventDetails` member of each becomes `details`, read by the same parser as a log message (input and
 * output decoded, `truncated` from `inputDetails` / `outputDetails`), `timestamp` in epoch milliseconds.
 *
 * @param executionArn the execution the history is of (history events do not carry it)
 * @example
 * const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, includeExecutionData: true }))
 * const events = historyToEvents(executionArn, page.events ?? [])
 */
export function historyToEvents(executionArn: string, history: readonly HistoryEvent[]): ExpressLogEvent[] {
  const events: ExpressLogEvent[] = []
  for (const event of history) {
    const detailsKey = Object.keys(event).find(
      (key) => key.endsWith('EventDetails') && event[key as keyof HistoryEvent] !== undefined,
    )
    const details = detailsKey === undefined ? {} : (event[detailsKey as keyof HistoryEvent] as object)
    const timestamp = event.timestamp instanceof Date ? event.timestamp.getTime() : Number(event.timestamp)
    // Through the log parser, so the two sources cannot drift apart in how they read payloads.
    const parsed = parseExpressLogEvent({
      message: JSON.stringify({
        id: String(event.id),
        previous_event_id: String(event.previousEventId ?? 0),
        type: event.type,
        event_timestamp: String(timestamp),
        execution_arn: executionArn,
        details,
      }),
    })
    if (!('reason' in parsed)) events.push(parsed)
  }
  return events.sort((a, b) => a.id - b.id)
}

/** What {@link readExecution} found in an execution's events. */
export interface ExecutionReading {
  /** The event that ended the execution (the last one, by id), if it is there. */
  readonly terminal?: ExpressLogEvent
  /** The status the terminal event stands for. */
  readonly status?: ExecutionStatus
  /** The names of the states entered, in order (`*StateEntered` events). */
  readonly statesEntered: string[]
  /** Ids below the last one that are not there: events not delivered (yet). */
  readonly missingIds: number[]
  /** The terminal event is there and no id before it is missing: nothing more will come. */
  readonly complete: boolean
  /** The last event by id. */
  readonly last?: ExpressLogEvent
  /** The decoded output of the terminal event (`ExecutionSucceeded`), when logged. */
  readonly output?: LoggedEventDetails['output']
}

/**
 * Reads one execution's events (in id order): how it ended, the states it entered, and whether every event up to
 * the end is there. Log delivery is best effort and not ordered across calls, so the terminal event may be read
 * before an earlier one: `complete` says when the picture is whole.
 *
 * @example
 * const { status, statesEntered, complete } = readExecution(log.events)
 * if (complete && status === 'FAILED') console.log(statesEntered.at(-1))
 */
export function readExecution(events: readonly ExpressLogEvent[]): ExecutionReading {
  const sorted = [...events].sort((a, b) => a.id - b.id)
  const last = sorted.at(-1)
  const statuses = Object.entries(TERMINAL_EVENT_TYPES) as [ExecutionStatus, string][]
  let terminal: ExpressLogEvent | undefined
  let status: ExecutionStatus | undefined
  for (const event of sorted) {
    const found = statuses.find(([, type]) => type === event.type)
    if (found !== undefined) {
      terminal = event
      status = found[0]
    }
  }
  const ids = new Set(sorted.map((event) => event.id))
  const missingIds: number[] = []
  for (let id = 1; id < (last?.id ?? 0); id++) if (!ids.has(id)) missingIds.push(id)
  const statesEntered = sorted
    .filter((event) => event.type.endsWith('StateEntered'))
    .map((event) => (typeof event.details.name === 'string' ? event.details.name : '?'))
  return {
    ...(terminal === undefined ? {} : { terminal }),
    ...(status === undefined ? {} : { status }),
    statesEntered,
    missingIds,
    complete: terminal !== undefined && terminal === last && missingIds.length === 0,
    ...(last === undefined ? {} : { last }),
    ...(terminal?.details.output === undefined ? {} : { output: terminal.details.output }),
  }
}
