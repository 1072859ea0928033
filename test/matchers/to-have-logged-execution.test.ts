// The deployed path, with Step Functions and CloudWatch Logs replaced by aws-sdk-client-mock (no local endpoint of
// either in this file): response shapes from the two API references, see test/clients/state-machine/aws-shapes.ts.
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import {
  DescribeStateMachineCommand,
  type DescribeStateMachineCommandOutput,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn'
import { ArgumentError, StateMachineClient, type StateMachineExecution } from 'stakeout'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { closeMatcherCalls, UnawaitedMatcherError } from '../../matchers/unawaited.js'
import {
  described,
  expressArn,
  LOG_GROUP,
  LOG_GROUP_ARN,
  type LoggedEvent,
  logEvent,
  type mockedClients,
  mockedMachine,
  STANDARD_ARN,
  STARTED_AT,
  statementRun,
} from '../clients/state-machine/aws-shapes.js'
import { failureOf } from '../support/failures.js'

/** Short windows for expectations that must fail: the failure is the point, not the wait. */
const SHORT = { timeout: 300, interval: 50 }

let clients: ReturnType<typeof mockedClients>
let machine: StateMachineClient

beforeEach(() => {
  const mocked = mockedMachine()
  clients = mocked.clients
  machine = mocked.machine
})
afterEach(() => {
  clients.restore()
  vi.useRealTimers()
})

/** Starts a run (StartExecution) whose logs hold `events` (one page), or, read after read, each list of `reads`. */
async function runLogging(name: string, ...reads: LoggedEvent[][]): Promise<StateMachineExecution> {
  const executionArn = expressArn(name)
  clients.sfnMock.on(StartExecutionCommand).resolves({ executionArn, startDate: STARTED_AT })
  let filter = clients.logsMock.on(FilterLogEventsCommand)
  for (const read of reads.slice(0, -1)) {
    filter = filter.resolvesOnce({ events: read.map((event) => logEvent(executionArn, event)) })
  }
  filter.resolves({ events: (reads.at(-1) ?? []).map((event) => logEvent(executionArn, event)) })
  return machine.start({ accountId: 'acc-1' }, { name })
}

function logging(config: DescribeStateMachineCommandOutput['loggingConfiguration']) {
  clients.sfnMock.on(DescribeStateMachineCommand).resolves(described({ loggingConfiguration: config }))
}

const DESTINATION = [{ cloudWatchLogsLogGroup: { logGroupArn: LOG_GROUP_ARN } }]

describe('toHaveLoggedExecution on a state machine', () => {
  it('passes when it logs at level ALL with execution data to a log group; .not fails then', async () => {
    await expect(machine).toHaveLoggedExecution()
    const message = await failureOf(expect(machine).not.toHaveLoggedExecution(SHORT))
    expect(message).toContain(`Received level ALL, with execution data, log group ${LOG_GROUP} (an EXPRESS machine)`)
  })

  it("fails on CDK's default level ERROR, explaining the pitfall and the fix", async () => {
    logging({ level: 'ERROR', includeExecutionData: false, destinations: DESTINATION })
    const message = await failureOf(expect(machine).toHaveLoggedExecution(SHORT))
    expect(message).toBe(
      [
        'expect(machine).toHaveLoggedExecution(options)',
        '',
        'Expected state machine MonthlyStatement to log its executions completely (level ALL, with execution data, to a log group)',
        `Received level ERROR, without execution data, log group ${LOG_GROUP} (an EXPRESS machine)`,
        "  - its level is ERROR, which logs nothing for a successful run (aws-cdk-lib's StateMachine logs at ERROR when given only logs: { destination })",
        '  - it logs without execution data (includeExecutionData): the events lack input and output',
        '',
        'Express workflows keep no execution history in Step Functions: a run can be seen only in these logs.',
        "Fix: requireExecutionLogs(this, { mode: 'fix' }) from stakeout/construct, or give the machine logs: { destination, level: sfn.LogLevel.ALL, includeExecutionData: true }.",
        '',
        'Polled <n> times over <t> s (interval 50 ms, backoff 1.5)',
      ].join('\n'),
    )
    await expect(machine).not.toHaveLoggedExecution(SHORT)
  })

  it('fails on a machine without execution data, or without any logging', async () => {
    logging({ level: 'ALL', includeExecutionData: false, destinations: DESTINATION })
    expect(await failureOf(expect(machine).toHaveLoggedExecution(SHORT))).toContain(
      '- it logs without execution data (includeExecutionData): the events lack input and output',
    )
    logging(undefined)
    const message = await failureOf(expect(machine).toHaveLoggedExecution(SHORT))
    expect(message).toContain('Received level OFF, without execution data, no log group')
    expect(message).toContain('- it has no log destination: an Express execution is then recorded nowhere')
    expect(message).toContain('- its level is OFF: nothing is logged')
  })

  it('refuses the options of an execution, saying what it checks instead', async () => {
    // @ts-expect-error status is for an execution, not a machine
    await expect(expect(machine).toHaveLoggedExecution({ status: 'SUCCEEDED' })).rejects.toThrow(
      new ArgumentError(
        'toHaveLoggedExecution',
        'options.status',
        'absent on a state machine (it checks the logging configuration; pass an execution, what start() returned, to check a run)',
        'SUCCEEDED',
      ),
    )
  })
})

describe('toHaveLoggedExecution on an execution', () => {
  it('passes when its end is logged and matches status, output (partially) and states', async () => {
    const run = await runLogging('pass', statementRun())
    await expect(run).toHaveLoggedExecution()
    await expect(run).toHaveLoggedExecution({
      status: 'SUCCEEDED',
      output: { balance: 120 },
      states: ['Prepare', 'ReadBalance', 'OnBalance', 'Positive'],
    })
    await expect(run).toHaveLoggedExecution({
      output: { balance: expect.any(Number), path: expect.stringMatching(/^pos/) },
      states: expect.arrayContaining(['ReadBalance']),
    })
  })

  it('waits for events delivered late, and for one missing before the end', async () => {
    const events = statementRun()
    const run = await runLogging('late', [], events.slice(0, 4), [...events.slice(0, 6), ...events.slice(7)], events)
    await expect(run).toHaveLoggedExecution({
      states: ['Prepare', 'ReadBalance', 'OnBalance', 'Positive'],
      timeout: 10_000,
      interval: 20,
    })
    // Once the end and every event before it are read, polling stops.
    expect(clients.logsMock.commandCalls(FilterLogEventsCommand)).toHaveLength(4)
  })

  it('fails on a failed run, showing its states, last event, error and cause, and the polls', async () => {
    const run = await runLogging('failed', statementRun({ failed: true }))
    const message = await failureOf(expect(run).toHaveLoggedExecution({ status: 'SUCCEEDED', ...SHORT }))
    expect(message).toBe(
      [
        'expect(execution).toHaveLoggedExecution(options)',
        '',
        'Expected execution failed of MonthlyStatement to have logged its end with status "SUCCEEDED"',
        'Received ExecutionFailed (status FAILED) at event 9',
        '  error: "UnknownAccount"',
        '  cause: "Unknown account acc-1"',
        'States entered: "Prepare" → "ReadBalance" → "UnknownAccount"',
        'Last event: #9 ExecutionFailed error "UnknownAccount" cause "Unknown account acc-1"',
        '',
        'Differs in:',
        '    status: expected "SUCCEEDED", received "FAILED"',
        '',
        'Polled <n> times over <t> s (interval 50 ms, backoff 1.5)',
      ].join('\n'),
    )
  })

  it('fails on another output, with a diff of the expected keys only', async () => {
    const run = await runLogging('output', statementRun())
    const message = await failureOf(expect(run).toHaveLoggedExecution({ output: { balance: 99 }, ...SHORT }))
    expect(message).toContain('Differs in:\n    output:')
    expect(message).toMatch(/-\s+"balance": 99,?\n\s+\+\s+"balance": 120/)
    expect(message.slice(message.indexOf('Differs in:'))).not.toContain('"path"')
  })

  it('fails on other states, listing those entered', async () => {
    const run = await runLogging('states', statementRun())
    const message = await failureOf(expect(run).toHaveLoggedExecution({ states: ['Prepare', 'Negative'], ...SHORT }))
    expect(message).toContain('States entered: "Prepare" → "ReadBalance" → "OnBalance" → "Positive"')
    expect(message).toContain('    states:')
  })

  it('fails when the end is not logged, saying the run is running or not delivered', async () => {
    const run = await runLogging('running', statementRun().slice(0, 5))
    const message = await failureOf(expect(run).toHaveLoggedExecution(SHORT))
    expect(message).toContain(
      `Received 5 events in log group ${LOG_GROUP}, none ending the execution: it is still running, or its end is not delivered yet.`,
    )
    expect(message).toContain('Last event: #5 LambdaFunctionScheduled input {}')
  })

  it('fails when nothing is logged, blaming level ERROR and giving the fix', async () => {
    logging({ level: 'ERROR', includeExecutionData: true, destinations: DESTINATION })
    const run = await runLogging('silent', [])
    const message = await failureOf(expect(run).toHaveLoggedExecution(SHORT))
    expect(message).toContain(`Received no event of this execution in log group ${LOG_GROUP}.`)
    expect(message).toContain(`The machine logs at level ERROR, with execution data, log group ${LOG_GROUP}:`)
    expect(message).toContain("Fix: requireExecutionLogs(this, { mode: 'fix' })")
  })

  it('shows why the logs cannot be read when the machine logs nowhere', async () => {
    logging(undefined)
    const run = await runLogging('nowhere', [])
    const message = await failureOf(expect(run).toHaveLoggedExecution(SHORT))
    expect(message).toContain('Received nothing: every attempt to read the execution’s events failed.')
    expect(message).toContain(
      'Last error reading the execution’s events: StakeoutError: StateMachineClient(MonthlyStatement).logs: state machine MonthlyStatement has no log destination',
    )
    expect(clients.logsMock.commandCalls(FilterLogEventsCommand)).toHaveLength(0)
  })

  it('says when the output is missing because the machine logs without execution data', async () => {
    logging({ level: 'ALL', includeExecutionData: false, destinations: DESTINATION })
    const run = await runLogging(
      'no-data',
      statementRun().map(({ details, ...event }) => ({
        ...event,
        details: { ...details, input: undefined, output: undefined },
      })),
    )
    const message = await failureOf(expect(run).toHaveLoggedExecution({ output: { balance: 120 }, ...SHORT }))
    expect(message).toContain(
      '    output: expected {"balance": 120}, received no output: the machine logs without execution data (includeExecutionData)',
    )
  })

  it('says when AWS truncated the output', async () => {
    const events = statementRun()
    const prefix = `{"balance":120,"lines":"${'x'.repeat(400)}`
    events[events.length - 1] = {
      id: 12,
      type: 'ExecutionSucceeded',
      details: { output: prefix, outputDetails: { truncated: 'true' } },
    }
    const run = await runLogging('truncated', events)
    const message = await failureOf(expect(run).toHaveLoggedExecution({ output: { balance: 120 }, ...SHORT }))
    expect(message).toContain('(AWS truncated the logged output: over 248 KB, its text is a prefix)')
    expect(message).toContain('(truncated by AWS)')
  })

  it('.not passes when the end differs for the whole window, and fails on a matching end', async () => {
    const run = await runLogging('run-9', statementRun({ failed: true }))
    await expect(run).not.toHaveLoggedExecution({ status: 'SUCCEEDED', ...SHORT })
    const message = await failureOf(expect(run).not.toHaveLoggedExecution({ status: 'FAILED', ...SHORT }))
    expect(message).toContain(
      'Expected execution run-9 of MonthlyStatement not to have logged its end with status "FAILED"',
    )
    expect(message).toContain('Received ExecutionFailed (status FAILED) at event 9')
  })

  it('reads a Standard execution from its history', async () => {
    clients.sfnMock
      .on(DescribeStateMachineCommand)
      .resolves(described({ stateMachineArn: STANDARD_ARN, type: 'STANDARD' }))
    const standard = new StateMachineClient({ stateMachineArn: STANDARD_ARN, sfn: clients.sfn })
    const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:Reconcile:run-1'
    clients.sfnMock.on(StartExecutionCommand).resolves({ executionArn, startDate: STARTED_AT })
    clients.sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 1,
          previousEventId: 0,
          timestamp: STARTED_AT,
          type: 'ExecutionStarted',
          executionStartedEventDetails: { input: '{}' },
        },
        {
          id: 2,
          previousEventId: 1,
          timestamp: STARTED_AT,
          type: 'ExecutionAborted',
          executionAbortedEventDetails: { error: 'Stopped' },
        },
      ],
    })
    const run = await standard.start()
    await expect(run).toHaveLoggedExecution({ status: 'ABORTED', states: [] })
  })

  it('polls on real timers under vi.useFakeTimers()', async () => {
    const run = await runLogging('fake-timers', [], statementRun())
    vi.useFakeTimers()
    await expect(run).toHaveLoggedExecution({ status: 'SUCCEEDED', timeout: 10_000, interval: 20 })
    await expect(run).not.toHaveLoggedExecution({ status: 'FAILED', ...SHORT })
  })

  it.each([
    [
      'a status it does not know',
      { status: 'DONE' },
      "options.status must be one of 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'",
    ],
    ['states not an array of names', { states: 'Prepare' }, 'options.states must be an array of state names'],
    ['a negative timeout', { timeout: -1 }, 'options.timeout must be a positive number of milliseconds'],
    [
      'an unknown option',
      { output: {}, times: 1 },
      'options.times must be absent (unknown option; one of status, output, states, timeout, interval)',
    ],
  ])('refuses %s, under .not too', async (_label, options, message) => {
    const run = await runLogging('bad-options', statementRun())
    await expect(expect(run).toHaveLoggedExecution(options as never)).rejects.toThrow(message)
    await expect(expect(run).not.toHaveLoggedExecution(options as never)).rejects.toThrow(ArgumentError)
  })

  it('refuses what is neither an execution nor a state machine', async () => {
    // @ts-expect-error neither an execution nor a machine
    await expect(expect({ executionArn: expressArn('x') }).toHaveLoggedExecution()).rejects.toThrow(
      'toHaveLoggedExecution: received value must be an execution (what start() returned) or a state machine (useStateMachine() or a StateMachineClient)',
    )
  })

  it('fails its test when not awaited', async () => {
    const run = await runLogging('unawaited', statementRun())
    void expect(run).toHaveLoggedExecution({ status: 'SUCCEEDED' })
    await new Promise((resolve) => setImmediate(resolve))
    expect(() => closeMatcherCalls(expect.getState().currentTestName)).toThrow(UnawaitedMatcherError)
    expect(() => closeMatcherCalls(undefined)).not.toThrow()
  })
})
