/**
 * Reading the CloudWatch Logs events of an Express state machine. Step Functions writes each
 * execution history event as one JSON log message whose values are all strings, the numbers and the
 * payloads too:
 *
 * ```json
 * {"id":"1","type":"ExecutionStarted","details":{"input":"{\"accountId\":\"acc-1\"}","inputDetails":{"truncated":false},
 *  "roleArn":"arn:aws:iam::123456789012:role/sfn"},"previous_event_id":"0","event_timestamp":"1668095539607",
 *  "execution_arn":"arn:aws:states:eu-west-1:123456789012:express:Statement:6a1d...:7fa0...","redrive_count":"0"}
 * ```
 *
 * (Step Functions developer guide, "Using CloudWatch Logs to log execution history in Step
 * Functions": payloads whose escaped text exceeds 248 KB are truncated, and `inputDetails` /
 * `outputDetails` say so.) Pure functions: the client does the FilterLogEvents calls.
 */

/** The part of a CloudWatch Logs `FilteredLogEvent` (FilterLogEvents) the parser reads. */
export interface CloudWatchLogEvent {
  readonly message?: string | undefined
  readonly timestamp?: number | undefined
  readonly logStreamName?: string | undefined
  readonly eventId?: string | undefined
}

/** An input or output as it was logged: decoded when its JSON text parses. */
export type LoggedPayload =
  | { readonly parsed: true; readonly value: unknown; readonly text: string; readonly truncated: boolean }
  | {
      readonly parsed: false
      readonly text: string
      /** True when AWS cut the payload (248 KB): the text is then a prefix and does not parse. */
      readonly truncated: boolean
    }

/** The `details` of a logged event: payloads decoded, the other fields as Step Functions wrote them. */
export interface LoggedEventDetails {
  /** The state's name, on `*StateEntered` / `*StateExited` events. */
  readonly name?: string
  readonly input?: LoggedPayload
  readonly output?: LoggedPayload
  /** The error and cause of a failed execution, task, Lambda call or Fail state. */
  readonly error?: string
  readonly cause?: string
  /** Every other field, unchanged (`roleArn`, `resource`, `resourceType`, `parameters`, ...). */
  readonly [field: string]: unknown
}

/** One execution history event from an Express machine's logs, typed. */
export interface ExpressLogEvent {
  /** Sequential within the execution, from 1. */
  readonly id: number
  /** The event this one follows (0 for `ExecutionStarted`). */
  readonly previousEventId: number
  /** `ExecutionStarted`, `TaskStateEntered`, `ExecutionSucceeded`, ...: the history event types. */
  readonly type: string
  /** When the event happened, epoch milliseconds (`event_timestamp`). */
  readonly timestamp: number
  readonly executionArn: string
  /** How many times the execution was redriven, when Step Functions logged it. */
  readonly redriveCount?: number
  readonly details: LoggedEventDetails
  /** The log stream that held the event (`states/<machine>/<date-hour>/<id>`), when known. */
  readonly logStreamName?: string
}

/** A log message that is not an execution history event, and why. */
export interface SkippedLogMessage {
  readonly message: string
  readonly reason: string
  readonly logStreamName?: string
}

/** What {@link parseExpressLogEvents} returns. */
export interface ParsedExpressLogs {
  /** The events, by execution ARN and then id; an event delivered twice appears once. */
  readonly events: ExpressLogEvent[]
  /** Messages that could not be read as events, kept so a caller can say what it could not read. */
  readonly skipped: SkippedLogMessage[]
}

/**
 * Turns the events FilterLogEvents returned for an Express machine's log group into typed
 * execution history events: `id`, `previous_event_id`, `event_timestamp` and `redrive_count` as
 * numbers, `details.input` / `details.output` decoded from their JSON text, with `truncated` set from
 * `inputDetails` / `outputDetails` (given as booleans or as the strings `"true"` / `"false"`). A
 * payload whose text does not parse (AWS truncated it) keeps its raw text. Never throws: a message
 * that is not such an event goes to `skipped` with the reason.
 *
 * @example
 * const page = await logs.send(new FilterLogEventsCommand({ logGroupName, filterPattern: `"${executionArn}"` }))
 * const { events, skipped } = parseExpressLogEvents(page.events ?? [])
 * const last = events.at(-1)
 * if (last?.type === 'ExecutionSucceeded' && last.details.output?.parsed) console.log(last.details.output.value)
 */
export function parseExpressLogEvents(logEvents: readonly CloudWatchLogEvent[]): ParsedExpressLogs {
  const events: ExpressLogEvent[] = []
  const skipped: SkippedLogMessage[] = []
  const seen = new Set<string>()
  for (const logEvent of logEvents) {
    const result = parseExpressLogEvent(logEvent)
    if ('reason' in result) {
      skipped.push(result)
      continue
    }
    // Log delivery is best effort and may repeat an event: the execution and id identify it.
    const key = `${result.executionArn}\n${result.id}`
    if (seen.has(key)) continue
    seen.add(key)
    events.push(result)
  }
  events.sort((a, b) => (a.executionArn === b.executionArn ? a.id - b.id : a.executionArn < b.executionArn ? -1 : 1))
  return { events, skipped }
}

/** One log event as {@link parseExpressLogEvents} reads it: the event, or why it is not one. */
export function parseExpressLogEvent(logEvent: CloudWatchLogEvent): ExpressLogEvent | SkippedLogMessage {
  const message = typeof logEvent.message === 'string' ? logEvent.message : ''
  const stream = logEvent.logStreamName === undefined ? {} : { logStreamName: logEvent.logStreamName }
  const skip = (reason: string): SkippedLogMessage => ({ message, reason, ...stream })

  let record: unknown
  try {
    record = JSON.parse(message)
  } catch {
    return skip('the message is not JSON')
  }
  if (!isRecord(record)) return skip('the message is not a JSON object')

  const id = integerField(record, 'id')
  const previousEventId = integerField(record, 'previous_event_id')
  const timestamp = integerField(record, 'event_timestamp')
  const { type, execution_arn: executionArn } = record
  if (id === undefined) return skip('it has no integer id')
  if (previousEventId === undefined) return skip('it has no integer previous_event_id')
  if (timestamp === undefined) return skip('it has no event_timestamp in epoch milliseconds')
  if (typeof type !== 'string' || type === '') return skip('it has no type')
  if (typeof executionArn !== 'string' || executionArn === '') return skip('it has no execution_arn')

  const redriveCount = integerField(record, 'redrive_count')
  return {
    id,
    previousEventId,
    type,
    timestamp,
    executionArn,
    ...(redriveCount === undefined ? {} : { redriveCount }),
    details: parseDetails(record.details),
    ...stream,
  }
}

function parseDetails(details: unknown): LoggedEventDetails {
  if (!isRecord(details)) return {}
  const { input, output, inputDetails, outputDetails, ...rest } = details
  return {
    ...rest,
    ...(input === undefined ? {} : { input: payload(input, inputDetails) }),
    ...(output === undefined ? {} : { output: payload(output, outputDetails) }),
  }
}

function payload(value: unknown, dataDetails: unknown): LoggedPayload {
  const flag = isRecord(dataDetails) ? dataDetails.truncated : undefined
  const truncated = flag === true || flag === 'true'
  if (typeof value !== 'string') {
    // Not the documented JSON text; keep what came, encoded, rather than drop it.
    return { parsed: true, value, text: JSON.stringify(value) ?? String(value), truncated }
  }
  try {
    return { parsed: true, value: JSON.parse(value), text: value, truncated }
  } catch {
    return { parsed: false, text: value, truncated }
  }
}

/** A field Step Functions logs as a string of digits (or, leniently, as a number). */
function integerField(record: Record<string, unknown>, field: string): number | undefined {
  const value = record[field]
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
