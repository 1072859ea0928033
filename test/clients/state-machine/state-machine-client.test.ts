// The deployed path, with Step Functions and CloudWatch Logs replaced by aws-sdk-client-mock (no local endpoint of
// either in this file): response shapes from the two API references, see ./aws-shapes.ts.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn'
import { ArgumentError, StakeoutError, StateMachineClient } from 'stakeout'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  described,
  expressArn,
  LOG_GROUP,
  logEvent,
  MACHINE_ARN,
  mockedClients,
  mockedMachine,
  STANDARD_ARN,
  STARTED_AT,
  statementRun,
} from './aws-shapes.js'

let clients: ReturnType<typeof mockedClients>
let machine: StateMachineClient

beforeEach(() => {
  const mocked = mockedMachine()
  clients = mocked.clients
  machine = mocked.machine
})
afterEach(() => {
  clients.restore()
})

describe('new StateMachineClient', () => {
  it.each([
    [undefined, 'StateMachineClient: options must be an object like { stateMachineArn }, received undefined'],
    [{}, 'options.stateMachineArn must be a state machine ARN'],
    [{ stateMachineArn: 'MonthlyStatement' }, `received string 'MonthlyStatement'`],
    [{ stateMachineArn: `${MACHINE_ARN.replace('stateMachine', 'function')}` }, 'options.stateMachineArn must be'],
    [{ stateMachineArn: MACHINE_ARN, arn: MACHINE_ARN }, 'options.arn must be absent (one of stateMachineArn'],
    [{ stateMachineArn: MACHINE_ARN, endpoint: 'not a url' }, 'options.endpoint must be a URL'],
    [{ stateMachineArn: MACHINE_ARN, logsEndpoint: 42 }, 'options.logsEndpoint must be a URL'],
    [{ stateMachineArn: MACHINE_ARN, region: '' }, 'options.region must be a region'],
    [{ stateMachineArn: MACHINE_ARN, sfn: {} }, 'options.sfn must be an SFNClient'],
  ])('refuses %j, naming the option', (options, message) => {
    expect(() => new StateMachineClient(options as never)).toThrow(ArgumentError)
    expect(() => new StateMachineClient(options as never)).toThrow(message)
  })

  it('refuses a client together with settings for one', () => {
    const { sfn } = mockedClients()
    expect(() => new StateMachineClient({ stateMachineArn: MACHINE_ARN, sfn, region: 'eu-west-1' })).toThrow(
      'options.sfn must be absent when endpoint, region or credentials are given',
    )
  })

  it('signs for the ARN’s region and reaches a local endpoint without StartSyncExecution’s sync- host prefix', async () => {
    // A real HTTP server on 127.0.0.1 in the place of a local Step Functions endpoint, answering as the API does.
    const requests: { host?: string; target?: string; authorization?: string }[] = []
    const server = createServer((request, response) => {
      requests.push({
        host: request.headers.host ?? '',
        target: String(request.headers['x-amz-target']),
        authorization: request.headers.authorization ?? '',
      })
      request.resume().on('end', () => {
        response.setHeader('content-type', 'application/x-amz-json-1.0')
        const target = String(request.headers['x-amz-target'])
        response.end(
          JSON.stringify(
            target.endsWith('DescribeStateMachine')
              ? {
                  stateMachineArn: MACHINE_ARN,
                  name: 'MonthlyStatement',
                  type: 'EXPRESS',
                  definition: '{}',
                  roleArn: 'r',
                  creationDate: 1764583200,
                }
              : {
                  executionArn: expressArn('local'),
                  startDate: 1764583200.5,
                  stopDate: 1764583200.6,
                  status: 'SUCCEEDED',
                  output: '{"ok":true}',
                },
          ),
        )
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const local = new StateMachineClient({
      stateMachineArn: MACHINE_ARN,
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    })
    try {
      const run = await local.start({}, { wait: true })
      expect(run).toMatchObject({ status: 'SUCCEEDED', output: { ok: true }, startDate: new Date(1764583200500) })
      expect(requests.map((request) => request.target)).toEqual([
        'AWSStepFunctions.DescribeStateMachine',
        'AWSStepFunctions.StartSyncExecution',
      ])
      expect(requests[1]?.host).toBe(`127.0.0.1:${port}`)
      expect(requests[1]?.authorization).toContain('/eu-west-1/states/aws4_request')
    } finally {
      local.destroy()
      server.close()
    }
  })
})

it('says when the endpoint cannot be reached at all', async () => {
  // Port 1 on 127.0.0.1: nothing listens there, so the connection is refused.
  const unreachable = new StateMachineClient({ stateMachineArn: MACHINE_ARN, endpoint: 'http://127.0.0.1:1' })
  try {
    await expect(unreachable.describe()).rejects.toThrow(
      /^StateMachineClient\(MonthlyStatement\)\.describe: could not reach the Step Functions API \(ECONNREFUSED/,
    )
  } finally {
    unreachable.destroy()
  }
})

describe('start', () => {
  it('without wait, starts the run with StartExecution and returns its handle', async () => {
    const executionArn = expressArn('run-1')
    clients.sfnMock.on(StartExecutionCommand).resolves({ executionArn, startDate: STARTED_AT })

    const run = await machine.start({ accountId: 'acc-1' }, { name: 'run-1' })

    expect(clients.sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: MACHINE_ARN,
      input: '{"accountId":"acc-1"}',
      name: 'run-1',
    })
    expect(clients.sfnMock.commandCalls(StartSyncExecutionCommand)).toHaveLength(0)
    expect(run).toMatchObject({ executionArn, name: 'run-1', startDate: STARTED_AT, stateMachineArn: MACHINE_ARN })
    expect(run.status).toBeUndefined()
    expect(run.description).toBe('execution run-1 of MonthlyStatement')
  })

  it('starts with {} when given no input', async () => {
    clients.sfnMock.on(StartExecutionCommand).resolves({ executionArn: expressArn('x'), startDate: STARTED_AT })
    await machine.start()
    expect(clients.sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.input).toBe('{}')
  })

  it('with wait, runs an Express machine with StartSyncExecution and decodes its output', async () => {
    clients.sfnMock.on(StartSyncExecutionCommand).resolves({
      executionArn: expressArn('run-2'),
      stateMachineArn: MACHINE_ARN,
      name: 'run-2',
      startDate: STARTED_AT,
      stopDate: new Date(STARTED_AT.getTime() + 130),
      status: 'SUCCEEDED',
      input: '{"accountId":"acc-1"}',
      inputDetails: { included: true },
      output: '{"balance":120,"path":"positive"}',
      outputDetails: { included: true },
      billingDetails: { billedMemoryUsedInMB: 64, billedDurationInMilliseconds: 200 },
    })

    const run = await machine.start({ accountId: 'acc-1' }, { wait: true })

    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { balance: 120, path: 'positive' }, name: 'run-2' })
    expect(run.stopDate).toEqual(new Date(STARTED_AT.getTime() + 130))
  })

  it('with wait, resolves a failed run (StartSyncExecution answers 200) with its status, error and cause', async () => {
    clients.sfnMock.on(StartSyncExecutionCommand).resolves({
      executionArn: expressArn('run-3'),
      startDate: STARTED_AT,
      stopDate: STARTED_AT,
      status: 'FAILED',
      error: 'UnknownAccount',
      cause: 'Unknown account acc-9',
    })

    const run = await machine.start({ accountId: 'acc-9' }, { wait: true })

    expect(run).toMatchObject({ status: 'FAILED', error: 'UnknownAccount', cause: 'Unknown account acc-9' })
    expect(run.output).toBeUndefined()
  })

  it('with wait, refuses a Standard machine before calling StartSyncExecution', async () => {
    clients.sfnMock
      .on(DescribeStateMachineCommand)
      .resolves(described({ stateMachineArn: STANDARD_ARN, type: 'STANDARD' }))
    const standard = new StateMachineClient({ stateMachineArn: STANDARD_ARN, sfn: clients.sfn })

    await expect(standard.start({}, { wait: true })).rejects.toThrow(
      'is a STANDARD machine, and StartSyncExecution runs Express machines only',
    )
    expect(clients.sfnMock.commandCalls(StartSyncExecutionCommand)).toHaveLength(0)
  })

  it.each([
    ['a function', () => 1, {}, 'input must be a JSON value'],
    ['wait not a boolean', {}, { wait: 'yes' }, 'options.wait must be a boolean'],
    ['a name with a space', {}, { name: 'has space' }, 'options.name must be 1 to 80 characters'],
    ['a name of 81 characters', {}, { name: 'x'.repeat(81) }, 'options.name must be 1 to 80 characters'],
    ['an unknown option', {}, { timeout: 5 }, 'options.timeout must be absent (one of wait, name, signal)'],
  ])('refuses %s, naming the argument', async (_label, input, options, message) => {
    const start = machine.start(input, options as never)
    await expect(start).rejects.toThrow(ArgumentError)
    await expect(start).rejects.toThrow(message)
    expect(clients.sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0)
  })

  it('refuses an input JSON cannot encode, saying why', async () => {
    // Not in the table above: Vitest cannot serialize a BigInt among a test's parameters.
    await expect(machine.start({ amount: 10n })).rejects.toThrow(
      'input must be JSON (Do not know how to serialize a BigInt)',
    )
  })

  it('rejects with the API’s answer when Step Functions refuses', async () => {
    clients.sfnMock
      .on(StartExecutionCommand)
      .rejects(
        new StateMachineDoesNotExist({ message: `State Machine Does Not Exist: '${MACHINE_ARN}'`, $metadata: {} }),
      )
    const start = machine.start({})
    await expect(start).rejects.toThrow(StakeoutError)
    await expect(start).rejects.toThrow(
      'StateMachineClient(MonthlyStatement).start: the Step Functions API answered StateMachineDoesNotExist',
    )
    await expect(start).rejects.toThrow('Check the ARN')
  })
})

describe('describe', () => {
  it('reads the type and the logging configuration', async () => {
    expect(await machine.describe()).toMatchObject({
      type: 'EXPRESS',
      name: 'MonthlyStatement',
      logging: { level: 'ALL', includeExecutionData: true, logGroupName: LOG_GROUP },
    })
  })

  it('reads a machine without loggingConfiguration as level OFF, without data or log group', async () => {
    clients.sfnMock.on(DescribeStateMachineCommand).resolves(described({ loggingConfiguration: undefined }))
    const { logging } = await machine.describe()
    expect(logging).toEqual({ level: 'OFF', includeExecutionData: false })
  })
})

describe('logs of an Express execution', () => {
  it('reads every page of FilterLogEvents on the execution ARN from its start, in order, typed', async () => {
    const executionArn = expressArn('run-4')
    clients.sfnMock.on(StartExecutionCommand).resolves({ executionArn, startDate: STARTED_AT })
    const events = statementRun().map((event) => logEvent(executionArn, event))
    clients.logsMock
      .on(FilterLogEventsCommand)
      // Out of order across pages, and an empty page that still has a token (the API reference allows both).
      .resolvesOnce({ events: events.slice(6), nextToken: 'page-2', searchedLogStreams: [] })
      .resolvesOnce({ events: [], nextToken: 'page-3' })
      .resolvesOnce({ events: events.slice(0, 6) })
    const run = await machine.start({ accountId: 'acc-1' })

    const log = await machine.logs(run)

    const calls = clients.logsMock.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input)
    expect(calls).toEqual([
      {
        logGroupName: LOG_GROUP,
        filterPattern: `{ $.execution_arn = "${executionArn}" }`,
        startTime: STARTED_AT.getTime() - 1000,
      },
      expect.objectContaining({ nextToken: 'page-2' }),
      expect.objectContaining({ nextToken: 'page-3' }),
    ])
    expect(log).toMatchObject({ source: 'cloudwatch-logs', logGroupName: LOG_GROUP, pages: 3, truncated: false })
    expect(log.events.map((event) => event.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    expect(log.events[0]).toMatchObject({
      id: 1,
      previousEventId: 0,
      type: 'ExecutionStarted',
      timestamp: STARTED_AT.getTime() + 10,
      executionArn,
      details: { input: { parsed: true, value: { accountId: 'acc-1', month: '2026-11' }, truncated: false } },
    })
    expect(log.events.at(-1)?.details.output).toMatchObject({
      parsed: true,
      value: { accountId: 'acc-1', balance: 120, path: 'positive' },
    })
    // The handle reads the same.
    clients.logsMock.on(FilterLogEventsCommand).resolves({ events })
    expect((await run.logs()).events).toHaveLength(12)
  })

  it('says when AWS truncated a payload, keeping its text', async () => {
    const executionArn = expressArn('run-5')
    const prefix = `{"statement":"${'x'.repeat(200)}`
    clients.logsMock.on(FilterLogEventsCommand).resolves({
      events: [
        logEvent(executionArn, {
          id: 1,
          type: 'ExecutionStarted',
          details: { input: prefix, inputDetails: { truncated: 'true' } },
        }),
      ],
    })

    const log = await machine.logs(executionArn)

    expect(log.truncated).toBe(true)
    expect(log.events[0]?.details.input).toEqual({ parsed: false, text: prefix, truncated: true })
    expect(clients.logsMock.commandCalls(FilterLogEventsCommand)[0]?.args[0].input.startTime).toBeUndefined()
  })

  it('keeps out messages of other executions and lists those that are not events', async () => {
    const executionArn = expressArn('run-6')
    clients.logsMock.on(FilterLogEventsCommand).resolves({
      events: [
        logEvent(executionArn, { id: 1, type: 'ExecutionStarted' }),
        logEvent(expressArn('other'), { id: 1, type: 'ExecutionStarted' }),
        { logStreamName: 'states/x', timestamp: 1, message: 'not json' },
      ],
    })
    const log = await machine.logs(executionArn)
    expect(log.events.map((event) => event.executionArn)).toEqual([executionArn])
    expect(log.skipped).toEqual([{ message: 'not json', reason: 'the message is not JSON', logStreamName: 'states/x' }])
  })

  it.each([
    [{ loggingConfiguration: undefined }, 'has no log destination'],
    [
      { loggingConfiguration: { level: 'OFF' as const, destinations: described().loggingConfiguration?.destinations } },
      'logs at level OFF',
    ],
  ])('refuses a machine that logs nowhere (%j), saying how to fix it', async (overrides, why) => {
    clients.sfnMock.on(DescribeStateMachineCommand).resolves(described(overrides))
    const logs = machine.logs(expressArn('run-7'))
    await expect(logs).rejects.toThrow(`state machine MonthlyStatement ${why}`)
    await expect(logs).rejects.toThrow("requireExecutionLogs(this, { mode: 'fix' })")
    expect(clients.logsMock.commandCalls(FilterLogEventsCommand)).toHaveLength(0)
  })

  it('refuses what is not an execution', async () => {
    await expect(machine.logs('run-1')).rejects.toThrow(
      'StateMachineClient(MonthlyStatement).logs: execution must be what start() returned, or an execution ARN',
    )
  })
})

describe('logs of a Standard execution', () => {
  it('reads every page of GetExecutionHistory into the same event shape', async () => {
    clients.sfnMock
      .on(DescribeStateMachineCommand)
      .resolves(described({ stateMachineArn: STANDARD_ARN, type: 'STANDARD' }))
    const standard = new StateMachineClient({ stateMachineArn: STANDARD_ARN, sfn: clients.sfn })
    const executionArn = `arn:aws:states:eu-west-1:123456789012:execution:Reconcile:run-8`
    const at = (ms: number) => new Date(STARTED_AT.getTime() + ms)
    clients.sfnMock
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({
        events: [
          {
            timestamp: at(0),
            type: 'ExecutionStarted',
            id: 1,
            previousEventId: 0,
            executionStartedEventDetails: {
              input: '{"day":"2026-11-30"}',
              inputDetails: { truncated: false },
              roleArn: 'arn:aws:iam::123456789012:role/Reconcile',
            },
          },
          {
            timestamp: at(5),
            type: 'TaskStateEntered',
            id: 2,
            previousEventId: 1,
            stateEnteredEventDetails: { name: 'Match', input: '{"day":"2026-11-30"}' },
          },
        ],
        nextToken: 'history-2',
      })
      .resolvesOnce({
        events: [
          {
            timestamp: at(9),
            type: 'ExecutionFailed',
            id: 3,
            previousEventId: 2,
            executionFailedEventDetails: { error: 'States.TaskFailed', cause: 'no ledger for 2026-11-30' },
          },
        ],
      })

    const log = await standard.logs(executionArn)

    expect(clients.sfnMock.commandCalls(GetExecutionHistoryCommand).map((call) => call.args[0].input)).toEqual([
      { executionArn, includeExecutionData: true },
      { executionArn, includeExecutionData: true, nextToken: 'history-2' },
    ])
    expect(log).toMatchObject({ source: 'execution-history', pages: 2, truncated: false })
    expect(log.events).toMatchObject([
      { id: 1, previousEventId: 0, type: 'ExecutionStarted', timestamp: STARTED_AT.getTime(), executionArn },
      { id: 2, type: 'TaskStateEntered', details: { name: 'Match', input: { value: { day: '2026-11-30' } } } },
      { id: 3, type: 'ExecutionFailed', details: { error: 'States.TaskFailed', cause: 'no ledger for 2026-11-30' } },
    ])
    expect(log.events[0]?.details).toMatchObject({ roleArn: 'arn:aws:iam::123456789012:role/Reconcile' })
    expect(clients.logsMock.commandCalls(FilterLogEventsCommand)).toHaveLength(0)
  })
})

describe('stop', () => {
  it('stops a running Standard execution and leaves an ended one', async () => {
    clients.sfnMock
      .on(DescribeStateMachineCommand)
      .resolves(described({ stateMachineArn: STANDARD_ARN, type: 'STANDARD' }))
    const standard = new StateMachineClient({ stateMachineArn: STANDARD_ARN, sfn: clients.sfn })
    const running = 'arn:aws:states:eu-west-1:123456789012:execution:Reconcile:running'
    const ended = 'arn:aws:states:eu-west-1:123456789012:execution:Reconcile:ended'
    clients.sfnMock
      .on(DescribeExecutionCommand, { executionArn: running })
      .resolves({ executionArn: running, status: 'RUNNING', startDate: STARTED_AT })
      .on(DescribeExecutionCommand, { executionArn: ended })
      .resolves({ executionArn: ended, status: 'SUCCEEDED', startDate: STARTED_AT })
      .on(StopExecutionCommand)
      .resolves({ stopDate: STARTED_AT })

    expect(await standard.stop(running, { error: 'Test.Ended', cause: 'the test ended' })).toBe(true)
    expect(await standard.stop(ended)).toBe(false)
    expect(clients.sfnMock.commandCalls(StopExecutionCommand).map((call) => call.args[0].input)).toEqual([
      { executionArn: running, error: 'Test.Ended', cause: 'the test ended' },
    ])
  })

  it('refuses an Express execution: StopExecution is for Standard ones', async () => {
    await expect(machine.stop(expressArn('run-9'))).rejects.toThrow(
      'is an Express execution, and StopExecution stops Standard executions only',
    )
    expect(clients.sfnMock.commandCalls(StopExecutionCommand)).toHaveLength(0)
  })
})
