/**
 * Reading one execution's events, every page: an Express machine's from its CloudWatch log group (FilterLogEvents),
 * a Standard machine's from GetExecutionHistory, both as an {@link ExecutionLog}.
 */
import { type CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn'
import type { ApiCall } from './api-call.js'
import { historyToEvents } from './execution-events.js'
import type { ExecutionLog } from './handles.js'
import { type CloudWatchLogEvent, type ExpressLogEvent, parseExpressLogEvents } from './log-events.js'
import type { StateMachineLogging } from './logging.js'

/** Log events before the start are not this execution's; a little earlier absorbs rounding of the start date. */
const START_SLACK_MS = 1000

/**
 * The execution's events in the machine's log group: FilterLogEvents `{ $.execution_arn = "<arn>" }`, from a little
 * before its start when known.
 *
 * @example
 * const log = await readLogGroup(logs, send, { logGroupName, logging, executionArn })
 */
export async function readLogGroup(
  logs: CloudWatchLogsClient,
  send: ApiCall,
  where: {
    logGroupName: string
    logging: StateMachineLogging
    executionArn: string
    startDate?: Date | undefined
    signal?: AbortSignal | undefined
  },
): Promise<ExecutionLog> {
  const { logGroupName, logging, executionArn, startDate, signal } = where
  const messages: CloudWatchLogEvent[] = []
  let nextToken: string | undefined
  let pages = 0
  do {
    const page = await send(
      'logs',
      () =>
        logs.send(
          new FilterLogEventsCommand({
            logGroupName,
            filterPattern: `{ $.execution_arn = "${executionArn}" }`,
            ...(startDate === undefined ? {} : { startTime: startDate.getTime() - START_SLACK_MS }),
            ...(nextToken === undefined ? {} : { nextToken }),
          }),
          signal === undefined ? {} : { abortSignal: signal },
        ),
      'CloudWatch Logs',
    )
    pages += 1
    messages.push(...(page.events ?? []))
    // An empty page with a token is not the end (the API reference says so): only a missing token is.
    nextToken = page.nextToken
  } while (nextToken !== undefined && nextToken !== '')
  const parsed = parseExpressLogEvents(messages)
  const events = parsed.events.filter((event) => event.executionArn === executionArn)
  return {
    executionArn,
    source: 'cloudwatch-logs',
    logGroupName,
    logging,
    events,
    skipped: parsed.skipped,
    truncated: events.some(isTruncated),
    pages,
  }
}

/**
 * The execution's GetExecutionHistory, with its data, in the shape of Express log events.
 *
 * @example
 * const log = await readHistory(sfn, send, executionArn)
 */
export async function readHistory(
  sfn: SFNClient,
  send: ApiCall,
  executionArn: string,
  signal?: AbortSignal,
): Promise<ExecutionLog> {
  const history: HistoryEvent[] = []
  let nextToken: string | undefined
  let pages = 0
  do {
    const page = await send('logs', () =>
      sfn.send(
        new GetExecutionHistoryCommand({
          executionArn,
          includeExecutionData: true,
          ...(nextToken === undefined ? {} : { nextToken }),
        }),
        signal === undefined ? {} : { abortSignal: signal },
      ),
    )
    pages += 1
    history.push(...(page.events ?? []))
    nextToken = page.nextToken
  } while (nextToken !== undefined && nextToken !== '')
  const events = historyToEvents(executionArn, history)
  return {
    executionArn,
    source: 'execution-history',
    events,
    skipped: [],
    truncated: events.some(isTruncated),
    pages,
  }
}

function isTruncated(event: ExpressLogEvent): boolean {
  return event.details.input?.truncated === true || event.details.output?.truncated === true
}
