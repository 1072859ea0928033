import { CloudWatchLogsClient, DescribeLogGroupsCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb'
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidArn,
  InvalidDefinition,
  InvalidExecutionInput,
  InvalidName,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StateMachineDoesNotExist,
  StateMachineTypeNotSupported,
  StopExecutionCommand,
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

  it('links each Map iteration’s events in a thread of its own, iterations running at once', async () => {
    const run = await sfn.send(
      new StartSyncExecutionCommand({
        stateMachineArn: machineArn('Statement'),
        name: `steady-map-${Date.now()}`,
        input: JSON.stringify({ accountId: 'acc-6', items: [1, 2, 3, 4] }),
      }),
    )
    expect(JSON.parse(run.output ?? '').doubled).toEqual([2, 4, 6, 8])
    const events = await loggedEvents('/aws/vendedlogs/states/Statement', run.executionArn!)
    const byId = new Map(events.map((event) => [event.id, event]))
    for (const event of events) expect(Number(event.previous_event_id)).toBeLessThan(Number(event.id))
    const started = events.find((event) => event.type === 'MapStateStarted')!
    expect(started.details).toEqual({ length: '4' })
    for (const index of ['0', '1', '2', '3']) {
      const end = events.find((event) => event.type === 'MapIterationSucceeded' && event.details.index === index)!
      const chain: string[] = []
      for (let at = byId.get(end.previous_event_id); at !== undefined; at = byId.get(at.previous_event_id)) {
        chain.push(at.type)
        if (at.type === 'MapIterationStarted') {
          expect(at.details).toEqual({ name: 'EachItem', index })
          expect(at.previous_event_id).toBe(started.id)
          break
        }
      }
      expect(chain.reverse()).toEqual([
        'MapIterationStarted',
        'TaskStateEntered',
        'LambdaFunctionScheduled',
        'LambdaFunctionStarted',
        'LambdaFunctionSucceeded',
        'TaskStateExited',
      ])
    }
    const types = events.map((event) => event.type)
    expect(types.filter((type) => type === 'MapIterationSucceeded')).toHaveLength(4)
    expect(types.lastIndexOf('MapIterationSucceeded')).toBeLessThan(types.indexOf('MapStateSucceeded'))
    expect(types.slice(types.indexOf('MapStateSucceeded'))).toEqual([
      'MapStateSucceeded',
      'MapStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ])
  })

  it('is reached from a function of the app through AWS_ENDPOINT_URL_SFN', async () => {
    const { result, error } = await app.invoke('Starter', {
      name: `steady-fn-${Date.now()}`,
      input: { accountId: 'acc-7', items: [2] },
    })
    expect(error).toBeUndefined()
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { doubled: [4] }, endpoint: app.endpoints.sfn })
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

describe('timeouts', () => {
  it('times a task out past its TimeoutSeconds (States.Timeout, caught) and the run past the machine’s', async () => {
    const run = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: machineArn('Slow'), input: '{}' }))
    expect([run.status, run.error]).toEqual(['TIMED_OUT', 'States.Timeout'])
    const group = app.resources.resolve('SlowLogs', { type: 'AWS::Logs::LogGroup' }).physicalId!
    const events = await loggedEvents(group, run.executionArn!)
    expect(events.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskTimedOut',
      'PassStateEntered',
      'PassStateExited',
      'WaitStateEntered',
      'ExecutionTimedOut',
    ])
    expect(events[4]?.details).toMatchObject({ resourceType: 'lambda', resource: 'invoke', error: 'States.Timeout' })
    expect(events.at(-1)?.details).toMatchObject({ error: 'States.Timeout' })
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

/** Polls DescribeExecution until the execution is no longer RUNNING (or fails after 30 s). */
async function ended(executionArn: string) {
  const deadline = Date.now() + 30_000
  for (;;) {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }))
    if (described.status !== 'RUNNING') return described
    if (Date.now() > deadline) throw new Error(`${executionArn} still RUNNING after 30 s`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function history(executionArn: string, options: { maxResults?: number; reverseOrder?: boolean } = {}) {
  const events: HistoryEvent[] = []
  let nextToken: string | undefined
  let pages = 0
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, ...options, nextToken }))
    events.push(...(page.events ?? []))
    nextToken = page.nextToken
    pages += 1
  } while (nextToken !== undefined)
  return { events, pages }
}

describe('a Standard machine', () => {
  it('runs DynamoDB tasks against DynamoDB Local and a nested Express execution (.sync), and describes the run', async () => {
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn('Ledger'),
        input: JSON.stringify({ accountId: 'acc-9' }),
      }),
    )
    expect(started.executionArn).toMatch(/^arn:aws:states:us-east-1:000000000000:execution:Ledger:[\w-]+$/)
    const described = await ended(started.executionArn!)
    expect([described.status, described.error, described.cause]).toEqual(['SUCCEEDED', undefined, undefined])
    expect(JSON.parse(described.output ?? '')).toEqual({
      accountId: 'acc-9',
      stored: { month: '2026-11' },
      statement: { status: 'SUCCEEDED', doubled: [2] },
    })
    const dynamodb = new DynamoDBClient({ ...app.resources.clientSettings('dynamodb') })
    try {
      const item = await dynamodb.send(
        new GetItemCommand({
          TableName: app.resources.resolve('Statements').physicalId!,
          Key: { accountId: { S: 'acc-9' } },
        }),
      )
      expect(item.Item).toEqual({ accountId: { S: 'acc-9' }, month: { S: '2026-11' } })
    } finally {
      dynamodb.destroy()
    }
  })

  it('keeps its history for GetExecutionHistory, paginated and in reverse order', async () => {
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn('Ledger'),
        input: JSON.stringify({ accountId: 'acc-10' }),
      }),
    )
    await ended(started.executionArn!)
    const { events, pages } = await history(started.executionArn!, { maxResults: 5 })
    expect(pages).toBeGreaterThan(3)
    expect(events.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ])
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1))
    expect(events[0]?.executionStartedEventDetails?.input).toBe(JSON.stringify({ accountId: 'acc-10' }))
    expect(events[1]?.previousEventId).toBe(0)
    expect(events[4]?.taskScheduledEventDetails).toMatchObject({ resourceType: 'dynamodb', resource: 'putItem' })
    expect(events[14]?.taskScheduledEventDetails).toMatchObject({
      resourceType: 'states',
      resource: 'startExecution.sync:2',
    })
    expect(events[3]?.stateEnteredEventDetails?.name).toBe('Record')
    expect(events[0]?.timestamp).toBeInstanceOf(Date)
    const reversed = await history(started.executionArn!, { reverseOrder: true })
    expect(reversed.events.map((event) => event.id)).toEqual(events.map((event) => event.id).reverse())
  })

  it('stops a running execution (ABORTED), and lists it among the aborted ones', async () => {
    const name = `hold-${Date.now()}`
    const input = JSON.stringify({ hold: true })
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn('Ledger'), name, input }))
    // Idempotent while it runs, for the same name and input; another input is refused.
    const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn('Ledger'), name, input }))
    expect(again.executionArn).toBe(started.executionArn)
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn('Ledger'), name, input: '{"hold":false}' })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists)
    await sfn.send(new StopExecutionCommand({ executionArn: started.executionArn, error: 'Ops', cause: 'no need' }))
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }))
    expect(described.status).toBe('ABORTED')
    const { events } = await history(started.executionArn!)
    expect(events.at(-1)?.type).toBe('ExecutionAborted')
    expect(events.at(-1)?.executionAbortedEventDetails).toEqual({ error: 'Ops', cause: 'no need' })
    const listed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: machineArn('Ledger'), statusFilter: 'ABORTED' }),
    )
    expect(listed.executions?.map((execution) => execution.name)).toContain(name)
  })
})

describe('the errors of the Step Functions API', () => {
  it('refuses what AWS refuses, with its exceptions', async () => {
    const express = await sfn.send(
      new StartSyncExecutionCommand({
        stateMachineArn: machineArn('Statement'),
        name: `steady-${Date.now()}`,
        input: '{"accountId":"a","items":[]}',
      }),
    )
    const describeExpress = sfn.send(new DescribeExecutionCommand({ executionArn: express.executionArn }))
    await expect(describeExpress).rejects.toBeInstanceOf(InvalidArn)
    await expect(describeExpress).rejects.toThrow("Invalid Arn: 'Resource type not valid in this context: express'")
    await expect(
      sfn.send(new StartSyncExecutionCommand({ stateMachineArn: machineArn('Ledger') })),
    ).rejects.toBeInstanceOf(StateMachineTypeNotSupported)
    await expect(
      sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn('Statement') })),
    ).rejects.toBeInstanceOf(StateMachineTypeNotSupported)
    const missing = 'arn:aws:states:us-east-1:000000000000:stateMachine:Missing'
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: missing }))).rejects.toThrow(
      `State Machine Does Not Exist: '${missing}'`,
    )
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: missing }))).rejects.toBeInstanceOf(
      StateMachineDoesNotExist,
    )
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: 'not-an-arn' }))).rejects.toBeInstanceOf(
      InvalidArn,
    )
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn('Statement'), input: '{not json' })),
    ).rejects.toBeInstanceOf(InvalidExecutionInput)
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn('Ledger'), name: 'has space' })),
    ).rejects.toBeInstanceOf(InvalidName)
  })
})

describe('a machine the local interpreter cannot run (JSONata)', () => {
  it('is named in the start-up warning with its states and the reason', () => {
    const warning = lines.find((line) => line.startsWith('startLocal:')) ?? ''
    expect(warning).toMatch(
      /^ {2}AWS::StepFunctions::StateMachine Scoring StatementStack\/Scoring: state machine Scoring is not run locally: Score: JSONata \(QueryLanguage: JSONata\) is not run by the local interpreter, which runs JSONPath$/m,
    )
  })

  it('fails StartExecution and StartSyncExecution with the same message, never running it', async () => {
    const arn = machineArn('Scoring')
    for (const command of [
      new StartExecutionCommand({ stateMachineArn: arn, input: '{"value":2}' }),
      new StartSyncExecutionCommand({ stateMachineArn: arn, input: '{"value":2}' }),
    ]) {
      const error = await sfn.send(command as never).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(InvalidDefinition)
      expect((error as Error).message).toMatch(/^state machine Scoring is not run locally: .*JSONata/)
    }
  })
})
