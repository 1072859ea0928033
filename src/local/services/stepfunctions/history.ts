/**
 * An execution's history, as Step Functions records it: numbered events (`id` from 1, `previousEventId`), each of a
 * history event type (`ExecutionStarted`, `TaskStateEntered`, `LambdaFunctionScheduled`...) with its details, and
 * the two shapes it is read in: the CloudWatch Logs message of an Express (or logged Standard) machine, and the
 * `HistoryEvent` of GetExecutionHistory.
 */

/**
 * The details of one event, with payloads as values (encoded when written).
 *
 * @example
 * const details: EventDetails = { name: 'Score', input: { accountId: 'acc-1' } }
 */
export interface EventDetails {
  readonly name?: string
  readonly index?: number
  readonly length?: number
  readonly input?: unknown
  readonly output?: unknown
  readonly error?: string
  readonly cause?: string
  readonly resource?: string
  readonly resourceType?: string
  readonly region?: string
  readonly parameters?: unknown
  readonly roleArn?: string
  readonly timeoutInSeconds?: number
}

/**
 * One recorded event.
 *
 * @example
 * const event: HistoryEvent = { id: 2, previousEventId: 0, type: 'PassStateEntered', timestamp: Date.now(), details: { name: 'Prepare', input: {} } }
 */
export interface HistoryEvent {
  readonly id: number
  readonly previousEventId: number
  readonly type: string
  readonly timestamp: number
  readonly details: EventDetails
}

/**
 * A machine's `LoggingConfiguration`, read from its template.
 *
 * @example
 * const logging: LoggingConfiguration = { level: 'ALL', includeExecutionData: true, destinations: ['arn:aws:logs:us-east-1:000000000000:log-group:/aws/vendedlogs/states/Statement:*'] }
 */
export interface LoggingConfiguration {
  readonly level: 'ALL' | 'ERROR' | 'FATAL' | 'OFF'
  readonly includeExecutionData: boolean
  /** The log group ARNs (`...:log-group:<name>:*`); Step Functions allows one. */
  readonly destinations: readonly string[]
}

/**
 * The event types each level logs besides ALL (which logs all): the Step Functions developer guide's "Log levels"
 * table.
 */
const ERROR_EVENTS = new Set([
  'ExecutionAborted',
  'ExecutionFailed',
  'ExecutionTimedOut',
  'FailStateEntered',
  'LambdaFunctionFailed',
  'LambdaFunctionScheduleFailed',
  'LambdaFunctionStartFailed',
  'LambdaFunctionTimedOut',
  'MapIterationAborted',
  'MapIterationFailed',
  'MapStateAborted',
  'MapStateFailed',
  'ParallelStateAborted',
  'ParallelStateFailed',
  'TaskFailed',
  'TaskStartFailed',
  'TaskStateAborted',
  'TaskSubmitFailed',
  'TaskTimedOut',
  'WaitStateAborted',
])
const FATAL_EVENTS = new Set(['ExecutionAborted', 'ExecutionFailed', 'ExecutionTimedOut'])

/**
 * Whether a machine at `level` logs an event of `type`.
 *
 * @example
 * isLogged('ERROR', 'ExecutionSucceeded') // false: a successful run at level ERROR logs nothing
 */
export function isLogged(level: LoggingConfiguration['level'], type: string): boolean {
  if (level === 'ALL') return true
  if (level === 'ERROR') return ERROR_EVENTS.has(type)
  if (level === 'FATAL') return FATAL_EVENTS.has(type)
  return false
}

/**
 * Past this many bytes of escaped payload, CloudWatch Logs gets a truncated one (`truncated: true`): "If escaped
 * input or escaped output sent to CloudWatch Logs exceeds 248 KB, it will be truncated" (developer guide).
 *
 * @example
 * const truncated = Buffer.byteLength(JSON.stringify(text)) > LOGGED_PAYLOAD_LIMIT
 */
export const LOGGED_PAYLOAD_LIMIT = 248 * 1024

/**
 * The CloudWatch Logs message of one event, as Step Functions writes Express (and logged Standard) executions:
 * every value a string (`id`, `previous_event_id`, `event_timestamp` in epoch ms, `redrive_count`, the payloads as
 * JSON text) except `inputDetails.truncated` / `outputDetails.truncated`, a boolean as the logged samples show
 * (`{"truncated":false}`). Without execution data, `input`, `output` and `parameters` (and their details) are left
 * out, as `includeExecutionData: false` does. The key order follows logged samples: id, type, details,
 * previous_event_id, event_timestamp, execution_arn, redrive_count.
 *
 * @example
 * logMessage(event, executionArn, true)
 * // {"id":"1","type":"ExecutionStarted","details":{"input":"{}","inputDetails":{"truncated":false},"roleArn":"..."},...}
 */
export function logMessage(event: HistoryEvent, executionArn: string, includeExecutionData: boolean): string {
  const details: Record<string, unknown> = {}
  const { input, output, parameters, ...rest } = event.details
  if (rest.name !== undefined) details.name = rest.name
  if (rest.index !== undefined) details.index = String(rest.index)
  if (rest.length !== undefined) details.length = String(rest.length)
  if (includeExecutionData && 'input' in event.details) {
    const logged = loggedPayload(input)
    details.input = logged.text
    details.inputDetails = { truncated: logged.truncated }
  }
  if (includeExecutionData && 'output' in event.details) {
    const logged = loggedPayload(output)
    details.output = logged.text
    details.outputDetails = { truncated: logged.truncated }
  }
  if (rest.error !== undefined) details.error = rest.error
  if (rest.cause !== undefined) details.cause = rest.cause
  if (rest.resourceType !== undefined) details.resourceType = rest.resourceType
  if (rest.resource !== undefined) details.resource = rest.resource
  if (rest.region !== undefined) details.region = rest.region
  if (includeExecutionData && parameters !== undefined) details.parameters = JSON.stringify(parameters)
  if (rest.timeoutInSeconds !== undefined) details.timeoutInSeconds = String(rest.timeoutInSeconds)
  if (rest.roleArn !== undefined) details.roleArn = rest.roleArn
  return JSON.stringify({
    id: String(event.id),
    type: event.type,
    details,
    previous_event_id: String(event.previousEventId),
    event_timestamp: String(event.timestamp),
    execution_arn: executionArn,
    redrive_count: '0',
  })
}

function loggedPayload(value: unknown): { text: string; truncated: boolean } {
  const text = JSON.stringify(value ?? null)
  if (Buffer.byteLength(JSON.stringify(text)) <= LOGGED_PAYLOAD_LIMIT) return { text, truncated: false }
  // Cut on a character boundary so the logged text stays valid UTF-8 (it no longer parses as JSON).
  return {
    text: Buffer.from(text)
      .subarray(0, LOGGED_PAYLOAD_LIMIT)
      .toString('utf8')
      .replace(/\uFFFD$/, ''),
    truncated: true,
  }
}

/** The `<type>EventDetails` member of a GetExecutionHistory event, named as the API reference names it. */
const DETAILS_MEMBER: Readonly<Record<string, string>> = {
  ExecutionStarted: 'executionStartedEventDetails',
  ExecutionSucceeded: 'executionSucceededEventDetails',
  ExecutionFailed: 'executionFailedEventDetails',
  ExecutionAborted: 'executionAbortedEventDetails',
  ExecutionTimedOut: 'executionTimedOutEventDetails',
  LambdaFunctionScheduled: 'lambdaFunctionScheduledEventDetails',
  LambdaFunctionSucceeded: 'lambdaFunctionSucceededEventDetails',
  LambdaFunctionFailed: 'lambdaFunctionFailedEventDetails',
  LambdaFunctionTimedOut: 'lambdaFunctionTimedOutEventDetails',
  TaskScheduled: 'taskScheduledEventDetails',
  TaskStarted: 'taskStartedEventDetails',
  TaskSucceeded: 'taskSucceededEventDetails',
  TaskFailed: 'taskFailedEventDetails',
  TaskTimedOut: 'taskTimedOutEventDetails',
  MapStateStarted: 'mapStateStartedEventDetails',
  MapIterationStarted: 'mapIterationStartedEventDetails',
  MapIterationSucceeded: 'mapIterationSucceededEventDetails',
  MapIterationFailed: 'mapIterationFailedEventDetails',
  MapIterationAborted: 'mapIterationAbortedEventDetails',
}

/**
 * One event as GetExecutionHistory answers it (AWS JSON: `timestamp` in epoch seconds, the details member of its
 * type, payloads as JSON text with their `inputDetails` / `outputDetails`, unless execution data is excluded).
 *
 * @example
 * apiHistoryEvent(event, true) // { id: 1, previousEventId: 0, type: 'ExecutionStarted', timestamp: 1764590000.123, executionStartedEventDetails: {...} }
 */
export function apiHistoryEvent(event: HistoryEvent, includeExecutionData: boolean): Record<string, unknown> {
  const { details } = event
  const body: Record<string, unknown> = {}
  const payload = (field: 'input' | 'output') => {
    if (!(field in details)) return
    if (!includeExecutionData) {
      body[`${field}Details`] = { included: false }
      return
    }
    body[field] = JSON.stringify(details[field] ?? null)
    body[`${field}Details`] = { truncated: false }
  }
  if (details.name !== undefined) body.name = details.name
  if (details.index !== undefined) body.index = details.index
  if (details.length !== undefined) body.length = details.length
  payload('input')
  payload('output')
  if (details.error !== undefined) body.error = details.error
  if (details.cause !== undefined) body.cause = details.cause
  if (details.resourceType !== undefined) body.resourceType = details.resourceType
  if (details.resource !== undefined) body.resource = details.resource
  if (details.region !== undefined) body.region = details.region
  if (details.parameters !== undefined) body.parameters = includeExecutionData ? JSON.stringify(details.parameters) : ''
  if (details.timeoutInSeconds !== undefined) body.timeoutInSeconds = details.timeoutInSeconds
  if (details.roleArn !== undefined) body.roleArn = details.roleArn
  const member = /State(Entered)$/.test(event.type)
    ? 'stateEnteredEventDetails'
    : /State(Exited)$/.test(event.type)
      ? 'stateExitedEventDetails'
      : DETAILS_MEMBER[event.type]
  return {
    timestamp: event.timestamp / 1000,
    type: event.type,
    id: event.id,
    previousEventId: event.previousEventId,
    ...(member === undefined || Object.keys(body).length === 0 ? {} : { [member]: body }),
  }
}
