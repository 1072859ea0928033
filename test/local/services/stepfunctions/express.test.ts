import { CloudWatchLogsClient, DescribeLogGroupsCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import {
  DescribeStateMachineCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
} from '@aws-sdk/client-sfn'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalApp, startLocal } from '../../../../src/local/index.js'
import { synthesizeStatementApp } from './fixtures/statement-stack.js'

// One start for the file: the statement app (Express machines at ALL and ERROR, a Standard one, a JSONata one).
let app: LocalApp
const lines: string[] = []
let sfn: SFNClient
let logs: CloudWatchLogsClient

beforeAll(async () => {
  app = await startLocal({ app: await synthesizeStatementApp(), log: (line) => lines.push(line) })
  sfn = new SFNClient({ ...app.resources.clientSettings('sfn') })
  logs = new CloudWatchLogsClient({ ...app.resources.clientSettings('logs') })
}, 180_000)

afterAll(async () => {
  sfn?.destroy()
  logs?.destroy()
  await app?.stop()
})

const machineArn = (ref: string) => app.resources.resolve(ref, { type: 'AWS::StepFunctions::StateMachine' }).physicalId!

interface Logged {
  id: string
  type: string
  details: Record<string, unknown>
  previous_event_id: string
  event_timestamp: string
  execution_arn: string
  redrive_count: string
}

/** Every logged event of one execution, read as a user would: FilterLogEvents on its ARN, every page. */
async function loggedEvents(logGroupName: string, executionArn: string): Promise<Logged[]> {
  const events: Logged[] = []
  let nextToken: string | undefined
  do {
    const page = await logs.send(
      new FilterLogEventsCommand({
        logGroupName,
        filterPattern: `{ $.execution_arn = "${executionArn}" }`,
        ...(nextToken === undefined ? {} : { nextToken }),
      }),
    )
    events.push(...(page.events ?? []).map((event) => JSON.parse(event.message ?? '') as Logged))
    nextToken = page.nextToken
  } while (nextToken !== undefined)
  return events
}

const quietGroup = () => app.resources.resolve('QuietLogs', { type: 'AWS::Logs::LogGroup' }).physicalId!

describe('an Express machine logging ALL with execution data', () => {
  it('answers StartSyncExecution with the output of a run through Pass, a retried task, Choice and Map', async () => {
    const run = await sfn.send(
      new StartSyncExecutionCommand({
        stateMachineArn: machineArn('Statement'),
        input: JSON.stringify({ accountId: 'acc-1', items: [1, 2, 3] }),
      }),
    )
    expect(run.status).toBe('SUCCEEDED')
    expect(run.executionArn).toMatch(/^arn:aws:states:us-east-1:000000000000:express:Statement:[\w-]+:[\w-]+$/)
    const output = JSON.parse(run.output ?? '')
    expect(output).toMatchObject({ accountId: 'acc-1', flaky: { attempts: 2 }, doubled: [2, 4, 6] })
    expect(run.startDate).toBeInstanceOf(Date)
    expect(run.stopDate!.getTime()).toBeGreaterThanOrEqual(run.startDate!.getTime())
  })

  it('logs every event of the run in the CloudWatch format of Express logs, every value a string', async () => {
    const run = await sfn.send(
      new StartSyncExecutionCommand({
        stateMachineArn: machineArn('Statement'),
        input: JSON.stringify({ accountId: 'acc-2', items: [5] }),
      }),
    )
    const events = await loggedEvents('/aws/vendedlogs/states/Statement', run.executionArn!)
    expect(events.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'MapStateEntered',
      'MapStateStarted',
      'MapIterationStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'MapIterationSucceeded',
      'MapStateSucceeded',
      'MapStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ])
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => String(index + 1)))
    for (const event of events) {
      expect(event.execution_arn).toBe(run.executionArn)
      expect(event.event_timestamp).toMatch(/^\d{13}$/)
      expect(event.previous_event_id).toMatch(/^\d+$/)
      expect(event.redrive_count).toBe('0')
    }
    const [started] = events
    expect(started?.details).toMatchObject({ input: JSON.stringify({ accountId: 'acc-2', items: [5] }) })
    expect(started?.details.inputDetails).toEqual({ truncated: false })
    expect(events.find((event) => event.type === 'PassStateEntered')?.details).toMatchObject({ name: 'Prepare' })
    expect(events.find((event) => event.type === 'TaskFailed')?.details).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      error: 'FlakyError',
    })
    expect(events.find((event) => event.type === 'MapStateStarted')?.details).toEqual({ length: '1' })
    const succeeded = events.at(-1)!
    expect(JSON.parse(succeeded.details.output as string)).toMatchObject({ doubled: [10] })
  })

  it('describes its logging configuration and type', async () => {
    const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn('Statement') }))
    expect(described.type).toBe('EXPRESS')
    expect(described.loggingConfiguration).toEqual({
      level: 'ALL',
      includeExecutionData: true,
      destinations: [
        {
          cloudWatchLogsLogGroup: {
            logGroupArn: 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/vendedlogs/states/Statement:*',
          },
        },
      ],
    })
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/vendedlogs/states/' }))
    expect(groups.logGroups?.map((group) => [group.logGroupName, group.retentionInDays])).toEqual([
      ['/aws/vendedlogs/states/Statement', 1],
    ])
  })

  it('answers a failed run with status FAILED and the Fail state’s error, after the caught task failure', async () => {
    const run = await sfn.send(
      new StartSyncExecutionCommand({
        stateMachineArn: machineArn('Statement'),
        input: JSON.stringify({ accountId: 'unknown', items: [] }),
      }),
    )
    expect(run.status).toBe('FAILED')
    expect(run.error).toBe('UnknownAccount')
    expect(run.cause).toBe('The account is not known.')
    expect(run.output).toBeUndefined()
    const events = await loggedEvents('/aws/vendedlogs/states/Statement', run.executionArn!)
    const types = events.map((event) => event.type)
    expect(types.slice(-4)).toEqual(['TaskStarted', 'TaskFailed', 'FailStateEntered', 'ExecutionFailed'])
    const taskFailed = events.findLast((event) => event.type === 'TaskFailed')!
    expect(taskFailed.details.error).toBe('AccountNotFound')
    expect(JSON.parse(taskFailed.details.cause as string)).toMatchObject({
      errorType: 'AccountNotFound',
      errorMessage: 'account unknown does not exist',
    })
  })

  it('runs StartExecution asynchronously: the logs hold the run once it ends', async () => {
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn('Statement'),
        input: JSON.stringify({ accountId: 'acc-3', items: [] }),
      }),
    )
    expect(started.executionArn).toMatch(/:express:Statement:/)
    const deadline = Date.now() + 20_000
    let events: Logged[] = []
    while (Date.now() < deadline) {
      events = await loggedEvents('/aws/vendedlogs/states/Statement', started.executionArn!)
      if (events.at(-1)?.type === 'ExecutionSucceeded') break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded')
  })
})

describe('an Express machine at level ERROR (CDK’s default)', () => {
  it('logs nothing for a successful run without failures', async () => {
    const run = await sfn.send(
      new StartSyncExecutionCommand({
        stateMachineArn: machineArn('QuietStatement'),
        name: `steady-${Date.now()}`,
        input: JSON.stringify({ accountId: 'acc-4', items: [1] }),
      }),
    )
    expect(run.status).toBe('SUCCEEDED')
    expect(JSON.parse(run.output ?? '')).toMatchObject({ flaky: { attempts: 1 }, doubled: [2] })
    expect(await loggedEvents(quietGroup(), run.executionArn!)).toEqual([])
  })

  it('logs the failure of a retried task even when the run then succeeds, as level ERROR does', async () => {
    const run = await sfn.send(
      new StartSyncExecutionCommand({
        stateMachineArn: machineArn('QuietStatement'),
        input: JSON.stringify({ accountId: 'acc-5', items: [] }),
      }),
    )
    expect(run.status).toBe('SUCCEEDED')
    const events = await loggedEvents(quietGroup(), run.executionArn!)
    expect(events.map((event) => [event.type, event.details.error])).toEqual([['TaskFailed', 'FlakyError']])
  })

  it('logs the failure events of a failed run, with their ids in the full history and no execution data', async () => {
    const run = await sfn.send(
      new StartSyncExecutionCommand({
        stateMachineArn: machineArn('QuietStatement'),
        input: JSON.stringify({ accountId: 'unknown', items: [] }),
      }),
    )
    expect(run.status).toBe('FAILED')
    const events = await loggedEvents(quietGroup(), run.executionArn!)
    expect(events.map((event) => event.type)).toEqual([
      'TaskFailed',
      'TaskFailed',
      'FailStateEntered',
      'ExecutionFailed',
    ])
    expect(Number(events[0]!.id)).toBeGreaterThan(1)
    for (const event of events) expect(event.details).not.toHaveProperty('input')
    expect(events.at(-1)?.details).toEqual({ error: 'UnknownAccount', cause: 'The account is not known.' })
  })
})
