// Responses shaped as the Step Functions and CloudWatch Logs API references give them, for the tests that replace
// those APIs with aws-sdk-client-mock (there is no local Step Functions or Logs endpoint in these tests). What the SDK
// hands back: timestamps as Dates, but every Express log message a JSON text whose values are all strings
// (Step Functions developer guide, "Using CloudWatch Logs to log execution history"; shared/reference/aws-facts.md).
import { CloudWatchLogsClient, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs'
import { DescribeStateMachineCommand, type DescribeStateMachineCommandOutput, SFNClient } from '@aws-sdk/client-sfn'
import { mockClient } from 'aws-sdk-client-mock'
import { StateMachineClient } from 'stakeout'

export const REGION = 'eu-west-1'
export const ACCOUNT = '123456789012'
export const MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:MonthlyStatement`
export const STANDARD_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:Reconcile`
export const LOG_GROUP = '/aws/vendedlogs/states/Bank/MonthlyStatement'
export const LOG_GROUP_ARN = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LOG_GROUP}:*`
export const STARTED_AT = new Date('2026-12-01T10:00:00.000Z')

/** `arn:aws:states:…:express:MonthlyStatement:<name>:<uuid>`, as StartExecution answers for an Express machine. */
export function expressArn(name: string): string {
  return `arn:aws:states:${REGION}:${ACCOUNT}:express:MonthlyStatement:${name}:5e8d4c1a-3c55-4f7a-9a5e-2b1c0d9e8f70`
}

/** Mocked clients of their own (not the classes: other test files keep the real ones). */
export function mockedClients() {
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
  const sfn = new SFNClient({ region: REGION, credentials })
  const cloudWatchLogs = new CloudWatchLogsClient({ region: REGION, credentials })
  const sfnMock = mockClient(sfn)
  const logsMock = mockClient(cloudWatchLogs)
  return {
    sfn,
    cloudWatchLogs,
    sfnMock,
    logsMock,
    /** Restores both mocks (for the test's afterEach or afterAll). */
    restore(): void {
      sfnMock.restore()
      logsMock.restore()
    },
  }
}

/**
 * Fresh mocked clients and a StateMachineClient of MACHINE_ARN over them, its DescribeStateMachine answered by
 * {@link described} (a machine that logs completely).
 */
export function mockedMachine(): { clients: ReturnType<typeof mockedClients>; machine: StateMachineClient } {
  const clients = mockedClients()
  clients.sfnMock.on(DescribeStateMachineCommand).resolves(described())
  const machine = new StateMachineClient({
    stateMachineArn: MACHINE_ARN,
    sfn: clients.sfn,
    cloudWatchLogs: clients.cloudWatchLogs,
  })
  return { clients, machine }
}

/** DescribeStateMachine's answer (API reference, Response Syntax). */
export function described(
  overrides: Partial<DescribeStateMachineCommandOutput> = {},
): Partial<DescribeStateMachineCommandOutput> {
  return {
    stateMachineArn: MACHINE_ARN,
    name: 'MonthlyStatement',
    status: 'ACTIVE',
    type: 'EXPRESS',
    definition: '{"StartAt":"Prepare","States":{"Prepare":{"Type":"Pass","End":true}}}',
    roleArn: `arn:aws:iam::${ACCOUNT}:role/Bank-MonthlyStatementRole`,
    creationDate: new Date('2026-11-30T09:00:00.000Z'),
    loggingConfiguration: {
      level: 'ALL',
      includeExecutionData: true,
      destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: LOG_GROUP_ARN } }],
    },
    ...overrides,
  }
}

/** One history event as Step Functions writes it to CloudWatch Logs: every value a string. */
export interface LoggedEvent {
  id: number
  type: string
  details?: Record<string, unknown>
  /** Milliseconds after {@link STARTED_AT}. */
  at?: number
}

/** The FilteredLogEvent CloudWatch Logs returns for one logged history event of `executionArn`. */
export function logEvent(executionArn: string, event: LoggedEvent): FilteredLogEvent {
  const timestamp = STARTED_AT.getTime() + (event.at ?? event.id * 10)
  return {
    logStreamName: 'states/MonthlyStatement/2026-12-01-10-00/4e1a2b3c',
    timestamp,
    ingestionTime: timestamp + 150,
    eventId: `3791${String(event.id).padStart(52, '0')}`,
    message: JSON.stringify({
      id: String(event.id),
      type: event.type,
      details: event.details ?? {},
      previous_event_id: String(event.id - 1),
      event_timestamp: String(timestamp),
      execution_arn: executionArn,
    }),
  }
}

/** A payload as Step Functions logs it: JSON text, and whether it was truncated (as a string, as AWS logs it). */
export function payload(value: unknown): { text: string; details: { truncated: string } } {
  return { text: JSON.stringify(value), details: { truncated: 'false' } }
}

/**
 * The events of a run of the monthly statement: Pass, a Lambda Task, Choice, then Succeed (or a Fail state when
 * `failed`), as an Express machine at level ALL with execution data logs them.
 */
export function statementRun(options: { failed?: boolean; output?: unknown } = {}): LoggedEvent[] {
  const input = { accountId: 'acc-1', month: '2026-11' }
  const output = options.output ?? { accountId: 'acc-1', balance: 120, path: 'positive' }
  const events: LoggedEvent[] = [
    {
      id: 1,
      type: 'ExecutionStarted',
      details: {
        input: JSON.stringify(input),
        inputDetails: { truncated: 'false' },
        roleArn: `arn:aws:iam::${ACCOUNT}:role/Bank-MonthlyStatementRole`,
      },
    },
    { id: 2, type: 'PassStateEntered', details: { name: 'Prepare', input: JSON.stringify(input) } },
    { id: 3, type: 'PassStateExited', details: { name: 'Prepare', output: JSON.stringify(input) } },
    { id: 4, type: 'TaskStateEntered', details: { name: 'ReadBalance', input: JSON.stringify(input) } },
    {
      id: 5,
      type: 'LambdaFunctionScheduled',
      details: { resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:Bank-ReadBalance`, input: '{}' },
    },
  ]
  if (options.failed) {
    events.push(
      {
        id: 6,
        type: 'LambdaFunctionFailed',
        details: { error: 'UnknownAccount', cause: '{"errorMessage":"Unknown account acc-1"}' },
      },
      { id: 7, type: 'TaskStateExited', details: { name: 'ReadBalance', output: JSON.stringify(input) } },
      { id: 8, type: 'FailStateEntered', details: { name: 'UnknownAccount', input: JSON.stringify(input) } },
      { id: 9, type: 'ExecutionFailed', details: { error: 'UnknownAccount', cause: 'Unknown account acc-1' } },
    )
    return events
  }
  events.push(
    { id: 6, type: 'LambdaFunctionSucceeded', details: { output: '{"balance":120}' } },
    { id: 7, type: 'TaskStateExited', details: { name: 'ReadBalance', output: '{"balance":120}' } },
    { id: 8, type: 'ChoiceStateEntered', details: { name: 'OnBalance', input: '{"balance":120}' } },
    { id: 9, type: 'ChoiceStateExited', details: { name: 'OnBalance', output: '{"balance":120}' } },
    { id: 10, type: 'SucceedStateEntered', details: { name: 'Positive', input: JSON.stringify(output) } },
    { id: 11, type: 'SucceedStateExited', details: { name: 'Positive', output: JSON.stringify(output) } },
    {
      id: 12,
      type: 'ExecutionSucceeded',
      details: { output: JSON.stringify(output), outputDetails: { truncated: 'false' } },
    },
  )
  return events
}
