import type * as sfn from 'aws-cdk-lib/aws-stepfunctions'

/** One reason a machine's logs do not show what its runs did. */
export type LoggingProblem =
  | { readonly kind: 'missing' }
  | { readonly kind: 'level'; readonly level: string | undefined }
  | { readonly kind: 'execution-data' }
  | { readonly kind: 'destination' }

/** A logging configuration read from its resolved form. */
export interface ResolvedLogging {
  readonly level: string | undefined
  readonly includeExecutionData: boolean | undefined
  /** The destinations in the L1's (camelCase) shape, ready to set back; undefined when there are none. */
  readonly destinations: sfn.CfnStateMachine.LogDestinationProperty[] | undefined
}

/** What {@link inspectLogging} found. */
export type LoggingInspection =
  | { readonly kind: 'inspected'; readonly logging: ResolvedLogging; readonly problems: readonly LoggingProblem[] }
  | { readonly kind: 'uninspectable'; readonly reason: string }

/**
 * Reads a `CfnStateMachine.loggingConfiguration` after `Stack.resolve`: a plain object keeps the L1's
 * camelCase keys (`level`), an `IResolvable` resolves to what CloudFormation gets (`Level`), so both
 * spellings are read. A value still an intrinsic (`{ Ref: param }`, `{ "Fn::If": ... }`) is known only
 * at deploy time: the configuration is then reported uninspectable, never guessed.
 */
export function inspectLogging(resolved: unknown): LoggingInspection {
  if (resolved === undefined || resolved === null) {
    return {
      kind: 'inspected',
      logging: { level: undefined, includeExecutionData: undefined, destinations: undefined },
      problems: [{ kind: 'missing' }],
    }
  }
  if (!isPlainObject(resolved) || isIntrinsic(resolved)) {
    return {
      kind: 'uninspectable',
      reason: `its loggingConfiguration is only known at deploy time (${show(resolved)})`,
    }
  }

  const level = field(resolved, 'level')
  if (level !== undefined && typeof level !== 'string') {
    return { kind: 'uninspectable', reason: `its logging level is only known at deploy time (${show(level)})` }
  }
  const includeExecutionData = field(resolved, 'includeExecutionData')
  if (includeExecutionData !== undefined && typeof includeExecutionData !== 'boolean') {
    return {
      kind: 'uninspectable',
      reason: `its includeExecutionData is only known at deploy time (${show(includeExecutionData)})`,
    }
  }
  const rawDestinations = field(resolved, 'destinations')
  if (rawDestinations !== undefined && !Array.isArray(rawDestinations)) {
    return {
      kind: 'uninspectable',
      reason: `its log destinations are only known at deploy time (${show(rawDestinations)})`,
    }
  }
  const destinations: sfn.CfnStateMachine.LogDestinationProperty[] = []
  for (const destination of rawDestinations ?? []) {
    if (!isPlainObject(destination) || isIntrinsic(destination)) {
      return { kind: 'uninspectable', reason: `a log destination is only known at deploy time (${show(destination)})` }
    }
    const group = field(destination, 'cloudWatchLogsLogGroup')
    if (group === undefined) continue
    if (!isPlainObject(group) || isIntrinsic(group)) {
      return { kind: 'uninspectable', reason: `a log destination is only known at deploy time (${show(group)})` }
    }
    // The ARN may well be a token (the log group's Fn::GetAtt): a destination either way.
    const logGroupArn = field(group, 'logGroupArn')
    if (logGroupArn !== undefined) destinations.push({ cloudWatchLogsLogGroup: { logGroupArn: logGroupArn as string } })
  }

  const problems: LoggingProblem[] = []
  if (level !== 'ALL') problems.push({ kind: 'level', level })
  if (includeExecutionData !== true) problems.push({ kind: 'execution-data' })
  if (destinations.length === 0) problems.push({ kind: 'destination' })
  return {
    kind: 'inspected',
    logging: { level, includeExecutionData, destinations: destinations.length > 0 ? destinations : undefined },
    problems,
  }
}

function field(object: Record<string, unknown>, camel: string): unknown {
  return object[camel] ?? object[camel.charAt(0).toUpperCase() + camel.slice(1)]
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `{ Ref: ... }` or `{ "Fn::...": ... }`: CloudFormation computes it at deploy time. */
function isIntrinsic(value: Record<string, unknown>): boolean {
  const keys = Object.keys(value)
  return keys.length === 1 && (keys[0] === 'Ref' || (keys[0] ?? '').startsWith('Fn::'))
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}
