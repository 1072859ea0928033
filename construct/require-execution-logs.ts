import { Annotations, AspectPriority, Aspects, type IAspect, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as logs from 'aws-cdk-lib/aws-logs'
import * as sfn from 'aws-cdk-lib/aws-stepfunctions'
import { Construct, type IConstruct } from 'constructs'
import { failArgument } from '../src/errors.js'
import { inspectLogging, type LoggingInspection, type LoggingProblem } from './execution-logging.js'

/** What {@link requireExecutionLogs} does with an Express machine whose logs are incomplete. */
export type ExecutionLogsMode = 'fix' | 'error' | 'warn'

const MODES: readonly ExecutionLogsMode[] = ['fix', 'error', 'warn']

/** Options of {@link requireExecutionLogs}. */
export interface RequireExecutionLogsOptions {
  /**
   * `fix` gives each incomplete Express machine full logs (level ALL, execution data, a log group
   * under `/aws/vendedlogs/states/` and the role permissions log delivery needs); `error` and `warn`
   * annotate it (an error fails `cdk synth`/`cdk deploy`, a warning only with `--strict`).
   */
  readonly mode: ExecutionLogsMode
  /**
   * How long the log groups `fix` creates keep their events. Log groups a machine already logs to
   * are left as they are.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly retention?: logs.RetentionDays
}

/** Annotation id of the warnings (`cdk synth` lists it; `Annotations.acknowledgeWarning` silences it). */
export const EXECUTION_LOGS_WARNING = 'stakeout:execution-logs'
/** Construct id of the log group `fix` adds under each machine. */
export const EXECUTION_LOG_GROUP_ID = 'ExecutionLogs'
/** Construct id of the policy `fix` adds for a machine whose role is a raw `iam.CfnRole`. */
export const EXECUTION_LOGS_POLICY_ID = 'StakeoutExecutionLogsPolicy'
/** Where Step Functions log groups belong: vended logs get a log-group resource policy of their own. */
export const VENDED_LOGS_PREFIX = '/aws/vendedlogs/states/'

/**
 * The actions a state machine's role needs to deliver its logs to CloudWatch Logs, on `*`: the
 * policy of the Step Functions developer guide, "Using CloudWatch Logs to log execution history in
 * Step Functions" (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html, "IAM Policies
 * for logging to CloudWatch Logs"), which is also the statement aws-cdk-lib's `StateMachine` adds when
 * given `logs`. The guide grants them on `*`: the machine's role sets up a log delivery and the log
 * group's resource policy, not writes to one group.
 */
export const LOG_DELIVERY_ACTIONS: readonly string[] = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]

const WHY =
  'Express workflows keep no execution history: Step Functions shows a run only through its CloudWatch ' +
  'logs, and without level ALL and execution data neither people nor tests can see what a run did ' +
  '(the states it entered, their input and output, the error of a failed run).'
const CDK_DEFAULT =
  " aws-cdk-lib's StateMachine logs at level ERROR when given only logs: { destination }, which logs nothing for a successful run."
const FIX =
  "Fix: add requireExecutionLogs(this, { mode: 'fix' }) from stakeout/construct to the stack, or give the machine " +
  'logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true } ' +
  "(on a CfnStateMachine: loggingConfiguration: { level: 'ALL', includeExecutionData: true, destinations: [...] })."

/**
 * The aspect behind {@link requireExecutionLogs}. It visits every `CfnStateMachine` (the L1 of
 * `sfn.StateMachine`, and raw ones) and, for each EXPRESS machine whose `loggingConfiguration` is
 * missing, below level ALL, without `includeExecutionData: true` or without a destination, fixes it
 * or annotates it as `mode` says. STANDARD machines (the default type) and complete ones are left
 * untouched. Parts given as tokens it cannot resolve at synthesis (a `CfnParameter`, an `Fn.if`) are
 * never guessed: it warns that it could not check them.
 *
 * @example
 * import { AspectPriority, Aspects } from 'aws-cdk-lib'
 * import { ExecutionLogsAspect } from 'stakeout/construct'
 *
 * Aspects.of(stack).add(new ExecutionLogsAspect({ mode: 'error' }), { priority: AspectPriority.READONLY })
 */
export class ExecutionLogsAspect implements IAspect {
  /** What the aspect was created with. */
  readonly options: RequireExecutionLogsOptions

  constructor(options: RequireExecutionLogsOptions) {
    validateOptions(ExecutionLogsAspect, 'ExecutionLogsAspect', options)
    this.options = options
  }

  /** Checks (and in mode `fix`, completes) `node` if it is an Express state machine; ignores every other construct. */
  visit(node: IConstruct): void {
    if (!(node instanceof sfn.CfnStateMachine)) return
    const stack = Stack.of(node)

    const type: unknown = stack.resolve(node.stateMachineType)
    if (type !== undefined && typeof type !== 'string') {
      Annotations.of(node).addWarningV2(
        EXECUTION_LOGS_WARNING,
        `stakeout cannot check this state machine's logs: its stateMachineType is only known at deploy time (${describe(type)}). ` +
          `If it can be EXPRESS, make sure its logging is at level ALL with execution data and a destination. ${WHY}`,
      )
      return
    }
    if (type !== sfn.StateMachineType.EXPRESS) return

    const inspection = inspectLogging(stack.resolve(node.loggingConfiguration))
    if (inspection.kind === 'uninspectable') {
      Annotations.of(node).addWarningV2(
        EXECUTION_LOGS_WARNING,
        `stakeout cannot check this Express state machine's logs: ${inspection.reason}. Make sure it logs at level ALL ` +
          `with includeExecutionData: true to a log group. ${WHY}`,
      )
      return
    }
    if (inspection.problems.length === 0) return

    if (this.options.mode === 'fix') {
      this.fix(node, inspection)
      return
    }
    const message = `This Express state machine's logs are incomplete: ${describeProblems(inspection.problems)}. ${WHY}${
      inspection.problems.some((problem) => problem.kind === 'level' && problem.level === 'ERROR') ? CDK_DEFAULT : ''
    } ${FIX}`
    if (this.options.mode === 'error') Annotations.of(node).addError(message)
    else Annotations.of(node).addWarningV2(EXECUTION_LOGS_WARNING, message)
  }

  private fix(node: sfn.CfnStateMachine, inspection: Extract<LoggingInspection, { kind: 'inspected' }>): void {
    const role = roleOf(node)
    if (role.kind === 'foreign') {
      Annotations.of(node).addError(
        `stakeout cannot complete this Express state machine's logs: its role (${role.description}) is not defined ` +
          `in this app, so it cannot be granted log delivery. Give the role ${LOG_DELIVERY_ACTIONS.join(', ')} on "*", and ` +
          `the machine loggingConfiguration { level: 'ALL', includeExecutionData: true, destinations: [a log group under ${VENDED_LOGS_PREFIX}] }. ` +
          `It was left as it is: ${describeProblems(inspection.problems)}. ${WHY}`,
      )
      return
    }

    const owner = ownerOf(node)
    const kept = keptDestinations(node, inspection)
    let destinations: NonNullable<sfn.CfnStateMachine.LoggingConfigurationProperty['destinations']>
    if (kept !== undefined) {
      destinations = kept
      Annotations.of(node).addInfo(
        `stakeout kept this Express state machine's log destination and ${describeRaise(inspection.problems)}, ` +
          'so that its runs can be seen in CloudWatch Logs. The log group keeps its own retention.',
      )
    } else {
      const logGroup = new logs.LogGroup(owner.scope, owner.logGroupId, {
        logGroupName: logGroupNameFor(owner.named),
        retention: this.options.retention ?? logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      })
      destinations = [{ cloudWatchLogsLogGroup: { logGroupArn: logGroup.logGroupArn } }]
    }
    node.loggingConfiguration = { level: sfn.LogLevel.ALL, includeExecutionData: true, destinations }

    const encryption: unknown = Stack.of(node).resolve(node.encryptionConfiguration)
    if (isCustomerManagedKey(encryption)) {
      // aws-cdk-lib grants this only when `logs` is given at construction; the key is the user's to open.
      Annotations.of(node).addWarningV2(
        EXECUTION_LOGS_WARNING,
        'This Express state machine encrypts with a customer managed KMS key: for its logs to be delivered, grant ' +
          'its role kms:GenerateDataKey on the key (condition kms:EncryptionContext:SourceArn = arn:<partition>:logs:<region>:<account>:*) ' +
          'and let delivery.logs.amazonaws.com kms:Decrypt* in the key policy, as aws-cdk-lib does for a StateMachine given logs. ' +
          'stakeout set up the log group and the log delivery permissions, not the key.',
      )
    }

    const statement = new iam.PolicyStatement({ actions: [...LOG_DELIVERY_ACTIONS], resources: ['*'] })
    if (role.kind === 'role') {
      // The same statement aws-cdk-lib adds for `logs`: the policy document drops the duplicate.
      role.role.addToPrincipalPolicy(statement)
      // Step Functions checks the role's logging permissions when it creates the machine: the role
      // and its default policy must exist first.
      node.node.addDependency(role.role)
    } else {
      const policy = new iam.CfnPolicy(owner.scope, `${owner.logGroupId}${EXECUTION_LOGS_POLICY_ID}`, {
        policyName: `${Names.uniqueId(node).slice(-100)}ExecutionLogs`,
        roles: [role.role.ref],
        policyDocument: new iam.PolicyDocument({ statements: [statement] }),
      })
      node.node.addDependency(policy)
    }
  }
}

/**
 * Makes every Express Step Functions state machine under `scope` log what its runs do: level ALL,
 * `includeExecutionData: true`, to a CloudWatch log group. Express workflows keep no execution
 * history, so without those logs neither people nor tests (`toHaveLoggedExecution`) can see what a
 * run did; and aws-cdk-lib's `StateMachine` logs at level ERROR when given only `logs: { destination }`,
 * which logs nothing for a successful run.
 *
 * It adds an {@link ExecutionLogsAspect} (mutating priority in mode `fix`, read-only otherwise, so
 * it checks what other aspects left) and returns it. It sees `sfn.StateMachine`s and raw
 * `CfnStateMachine`s alike, created before or after the call. STANDARD machines are left alone.
 *
 * - `fix`: a machine without a destination gets a log group named
 *   `/aws/vendedlogs/states/<stack name>/<machine path>` with `retention` (one month by default) and
 *   removal DESTROY; a machine with one keeps it (an info says so) and only gets its level raised to
 *   ALL and execution data included. Its role gets the log-delivery statement of the Step Functions
 *   developer guide (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html):
 *   `logs:CreateLogDelivery`, `GetLogDelivery`, `UpdateLogDelivery`, `DeleteLogDelivery`,
 *   `ListLogDeliveries`, `PutResourcePolicy`, `DescribeResourcePolicies` and `DescribeLogGroups` on
 *   `*`, as aws-cdk-lib's `StateMachine` grants them for `logs`. A machine whose role is imported
 *   cannot be granted to: it is left as it is, with an error saying what to add.
 * - `error` / `warn`: an error (fails `cdk synth`) or a warning on the machine, saying what is
 *   missing, why it matters and how to fix it.
 *
 * @example
 * import { App, Stack } from 'aws-cdk-lib'
 * import * as logs from 'aws-cdk-lib/aws-logs'
 * import * as sfn from 'aws-cdk-lib/aws-stepfunctions'
 * import { requireExecutionLogs } from 'stakeout/construct'
 *
 * const stack = new Stack(new App(), 'BankTest')
 * new sfn.StateMachine(stack, 'MonthlyStatement', {
 *   stateMachineType: sfn.StateMachineType.EXPRESS,
 *   definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Start')),
 * })
 * // The test stack: full logs, kept a week. A production stack would rather use mode: 'error'.
 * requireExecutionLogs(stack, { mode: 'fix', retention: logs.RetentionDays.ONE_WEEK })
 */
export function requireExecutionLogs(scope: IConstruct, options: RequireExecutionLogsOptions): ExecutionLogsAspect {
  if (!Construct.isConstruct(scope)) {
    failArgument(requireExecutionLogs, 'requireExecutionLogs', 'scope', 'a construct (a Stack, an App, ...)', scope)
  }
  validateOptions(requireExecutionLogs, 'requireExecutionLogs', options)
  const aspect = new ExecutionLogsAspect(options)
  Aspects.of(scope).add(aspect, {
    priority: options.mode === 'fix' ? AspectPriority.MUTATING : AspectPriority.READONLY,
  })
  return aspect
}

function validateOptions(boundary: Function, callee: string, options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    failArgument(boundary, callee, 'options', "an object such as { mode: 'fix' }", options)
  }
  const { mode, retention } = options as Record<string, unknown>
  if (!MODES.includes(mode as ExecutionLogsMode)) {
    failArgument(boundary, callee, 'options.mode', "one of 'fix', 'error', 'warn'", mode)
  }
  if (
    retention !== undefined &&
    !(typeof retention === 'number' && Object.values(logs.RetentionDays).includes(retention as logs.RetentionDays))
  ) {
    failArgument(
      boundary,
      callee,
      'options.retention',
      'a logs.RetentionDays (such as logs.RetentionDays.ONE_MONTH)',
      retention,
    )
  }
}

type MachineRole =
  | { kind: 'role'; role: iam.Role }
  | { kind: 'cfn-role'; role: iam.CfnRole }
  | { kind: 'foreign'; description: string }

/** The role the machine runs as, if this app defines it (and so can grant it more). */
function roleOf(node: sfn.CfnStateMachine): MachineRole {
  const machine = node.node.scope
  if (machine instanceof sfn.StateMachine && machine.node.defaultChild === node) {
    const role = machine.role
    if (role instanceof iam.Role) return { kind: 'role', role }
    return { kind: 'foreign', description: `imported as ${role.node.path}` }
  }
  const stack = Stack.of(node)
  const arn: unknown = stack.resolve(node.roleArn)
  const target = getAttTarget(arn)
  if (target !== undefined) {
    for (const construct of stack.node.findAll()) {
      if (!(construct instanceof iam.CfnRole) || stack.resolve(construct.logicalId) !== target) continue
      const parent = construct.node.scope
      if (parent instanceof iam.Role && parent.node.defaultChild === construct) return { kind: 'role', role: parent }
      return { kind: 'cfn-role', role: construct }
    }
  }
  return { kind: 'foreign', description: typeof arn === 'string' ? arn : describe(arn) }
}

/**
 * The destinations to keep, as the machine was given them where it can be (tokens unresolved, so a
 * later logical-id override still applies), else in the resolved form the inspection read.
 */
function keptDestinations(
  node: sfn.CfnStateMachine,
  inspection: Extract<LoggingInspection, { kind: 'inspected' }>,
): sfn.CfnStateMachine.LoggingConfigurationProperty['destinations'] {
  if (inspection.logging.destinations === undefined) return undefined
  const given = node.loggingConfiguration
  if (given !== undefined && !Token.isUnresolved(given)) {
    const { destinations } = given as sfn.CfnStateMachine.LoggingConfigurationProperty
    if (destinations !== undefined && !Token.isUnresolved(destinations)) return destinations
  }
  return inspection.logging.destinations
}

function isCustomerManagedKey(encryption: unknown): boolean {
  if (typeof encryption !== 'object' || encryption === null) return false
  const { type, Type } = encryption as Record<string, unknown>
  return (type ?? Type) === 'CUSTOMER_MANAGED_KMS_KEY'
}

/** The logical id an `{ "Fn::GetAtt": [id, "Arn"] }` points at. */
function getAttTarget(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const getAtt = (value as Record<string, unknown>)['Fn::GetAtt']
  if (!Array.isArray(getAtt) || getAtt[1] !== 'Arn' || typeof getAtt[0] !== 'string') return undefined
  return getAtt[0]
}

/** Where the log group goes, and which construct names it: the L2 machine when there is one. */
function ownerOf(node: sfn.CfnStateMachine): { scope: Construct; logGroupId: string; named: IConstruct } {
  const machine = node.node.scope
  if (machine instanceof sfn.StateMachine && machine.node.defaultChild === node) {
    return { scope: machine, logGroupId: EXECUTION_LOG_GROUP_ID, named: machine }
  }
  return { scope: machine as Construct, logGroupId: `${node.node.id}${EXECUTION_LOG_GROUP_ID}`, named: node }
}

/**
 * `/aws/vendedlogs/states/<stack name>/<path below the stack>`: the stack name, not its id, so two
 * deployments of one stack under different names get different groups. Characters a log group name
 * cannot hold become `-`; the name is cut to CloudWatch's 512 characters.
 */
export function logGroupNameFor(machine: IConstruct): string {
  const stack = Stack.of(machine)
  const below = machine.node.scopes
    .slice(stack.node.scopes.length)
    .map((scope) => scope.node.id)
    .join('/')
  const stackName = Token.isUnresolved(stack.stackName) ? stack.node.path : stack.stackName
  const name = `${VENDED_LOGS_PREFIX}${stackName}/${below}`.replace(/[^A-Za-z0-9_\-/.#]/g, '-')
  return name.slice(0, 512)
}

function describeProblems(problems: readonly LoggingProblem[]): string {
  return problems.map(describeProblem).join('; ')
}

function describeProblem(problem: LoggingProblem): string {
  switch (problem.kind) {
    case 'missing':
      return 'it has no loggingConfiguration, so it logs nothing (level OFF)'
    case 'level':
      return problem.level === undefined
        ? 'its logging level is not set (Step Functions then logs at level OFF)'
        : `it logs at level ${problem.level}, not ALL`
    case 'execution-data':
      return 'it leaves out execution data (includeExecutionData is not true), so no input or output is logged'
    case 'destination':
      return 'it has no log destination'
  }
}

function describeRaise(problems: readonly LoggingProblem[]): string {
  const changes: string[] = []
  const level = problems.find((problem) => problem.kind === 'level')
  if (level?.kind === 'level') changes.push(`raised its level from ${level.level ?? 'unset (OFF)'} to ALL`)
  if (problems.some((problem) => problem.kind === 'execution-data')) changes.push('included execution data')
  return changes.join(' and ')
}

function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value)
}
