/**
 * A state machine's `loggingConfiguration` (DescribeStateMachine), read, and what it lacks for its executions to be
 * seen: the pitfall of the Express logging article (shared/reference/articles.md) in one place, for the matcher's
 * message, the client's errors and the README.
 */
import type { DescribeStateMachineCommandOutput } from '@aws-sdk/client-sfn'
import { nameInArn } from '../../target/arn.js'

/** The levels Step Functions logs at. */
export type LogLevel = 'ALL' | 'ERROR' | 'FATAL' | 'OFF'

/** A machine's logging, as DescribeStateMachine reports it (absent: level OFF, no execution data). */
export interface StateMachineLogging {
  readonly level: LogLevel
  readonly includeExecutionData: boolean
  /** The destination log group's ARN (`arn:aws:logs:…:log-group:/aws/vendedlogs/states/x:*`), if any. */
  readonly logGroupArn?: string
  /** The log group's name, from its ARN. */
  readonly logGroupName?: string
}

/** The fix, as the messages give it. */
export const LOGGING_FIX =
  "requireExecutionLogs(this, { mode: 'fix' }) from stakeout/construct, or give the machine " +
  'logs: { destination, level: sfn.LogLevel.ALL, includeExecutionData: true }'

/**
 * The logging part of a DescribeStateMachine answer.
 *
 * @example
 * const logging = readLogging(await sfn.send(new DescribeStateMachineCommand({ stateMachineArn })))
 */
export function readLogging(
  described: Pick<DescribeStateMachineCommandOutput, 'loggingConfiguration'>,
): StateMachineLogging {
  const config = described.loggingConfiguration
  const level = (['ALL', 'ERROR', 'FATAL', 'OFF'] as const).find((each) => each === config?.level) ?? 'OFF'
  const logGroupArn = config?.destinations?.find((destination) => destination.cloudWatchLogsLogGroup?.logGroupArn)
    ?.cloudWatchLogsLogGroup?.logGroupArn
  const logGroupName = logGroupArn === undefined ? undefined : nameInArn(logGroupArn)
  return {
    level,
    includeExecutionData: config?.includeExecutionData === true,
    ...(logGroupArn === undefined ? {} : { logGroupArn }),
    ...(logGroupName === undefined ? {} : { logGroupName }),
  }
}

/**
 * What the logging lacks for every execution to be seen with its data, each with why it matters; empty when it
 * is complete (level ALL, execution data, a log group).
 *
 * @example
 * for (const problem of loggingProblems(logging)) console.log(problem)
 */
export function loggingProblems(logging: StateMachineLogging): string[] {
  const problems: string[] = []
  if (logging.logGroupName === undefined) {
    problems.push('it has no log destination: an Express execution is then recorded nowhere')
  }
  if (logging.level === 'OFF') {
    problems.push('its level is OFF: nothing is logged')
  } else if (logging.level !== 'ALL') {
    problems.push(
      `its level is ${logging.level}, which logs nothing for a successful run (aws-cdk-lib's StateMachine logs at ` +
        'ERROR when given only logs: { destination })',
    )
  }
  if (!logging.includeExecutionData) {
    problems.push('it logs without execution data (includeExecutionData): the events lack input and output')
  }
  return problems
}

/**
 * The logging in a few words: `level ALL, execution data, log group /aws/vendedlogs/states/x`.
 *
 * @example
 * `Received ${describeLogging(logging)}`
 */
export function describeLogging(logging: StateMachineLogging): string {
  const data = logging.includeExecutionData ? 'with execution data' : 'without execution data'
  const where = logging.logGroupName === undefined ? 'no log group' : `log group ${logging.logGroupName}`
  return `level ${logging.level}, ${data}, ${where}`
}
