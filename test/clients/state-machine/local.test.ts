import { stripVTControlCharacters } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveStateMachine, useStateMachine } from '../../../src/fixtures/use-state-machine.js'
import { type LocalApp, startLocal } from '../../../src/local/index.js'
import { synthesizeStatementApp } from '../../local/services/stepfunctions/fixtures/statement-stack.js'

// The client, the fixture and the matcher against real local executions (startLocal: aws-local-stepfunctions, the
// local functions, the local log store), through the real SDK. The app is sfnlocal's statement app: an Express
// machine at level ALL with execution data (Statement: Pass, a Lambda task retried once, a Lambda task, Choice, a
// Map of Lambda tasks, Succeed; or a Lambda task that fails, caught into a Fail state), the same at CDK's default
// level ERROR (QuietStatement), and a Standard one (Ledger).
let app: LocalApp
beforeAll(async () => {
  app = await startLocal({ app: await synthesizeStatementApp(), log: () => {} })
}, 180_000)
afterAll(async () => {
  await app?.stop()
})

/** The states of a known account's run, in the order the definition enters them (the Map runs Double per item). */
const KNOWN_PATH = ['Prepare', 'Flaky', 'Score', 'IsKnown', 'EachItem', 'Double', 'Double', 'Done']

describe('an Express machine at level ALL with execution data', () => {
  const statement = useStateMachine(() => resolveStateMachine('Statement', app.resources))

  it('logs completely', async () => {
    await expect(statement).toHaveLoggedExecution()
    expect((await statement.describe()).type).toBe('EXPRESS')
  })

  it('runs to its end when waited, and the logs hold the whole run', async () => {
    const run = await statement.start({ accountId: 'acc-1', items: [1, 2] }, { wait: true, name: 'steady-known' })
    expect(run.status).toBe('SUCCEEDED')
    expect(run.output).toMatchObject({ accountId: 'acc-1', doubled: [2, 4] })
    await expect(run).toHaveLoggedExecution({
      status: 'SUCCEEDED',
      output: { doubled: [2, 4], score: { known: true } },
      states: KNOWN_PATH,
      timeout: 10_000,
    })
    const log = await statement.logs(run)
    expect(log.source).toBe('cloudwatch-logs')
    expect(log.events.map((event) => event.id)).toEqual(log.events.map((_, index) => index + 1))
    expect(log.events[0]?.details.input).toMatchObject({ parsed: true, value: { accountId: 'acc-1', items: [1, 2] } })
  })

  it('is polled until its end is logged when not waited, a retried task included', async () => {
    // Not `steady-`: the Flaky task fails its first attempt and its Retry runs it again a second later.
    const run = await statement.start({ accountId: 'acc-2', items: [3] })
    expect(run.status).toBeUndefined()
    await expect(run).toHaveLoggedExecution({
      status: 'SUCCEEDED',
      output: { flaky: { attempts: 2 }, doubled: [6] },
      states: ['Prepare', 'Flaky', 'Score', 'IsKnown', 'EachItem', 'Double', 'Done'],
      timeout: 15_000,
    })
  })

  it('fails an expectation of success on the caught failure, with its states, error and cause', async () => {
    const run = await statement.start({ accountId: 'unknown', items: [] }, { wait: true, name: 'steady-unknown' })
    expect(run).toMatchObject({ status: 'FAILED', error: 'UnknownAccount', cause: 'The account is not known.' })
    await expect(run).toHaveLoggedExecution({
      status: 'FAILED',
      states: ['Prepare', 'Flaky', 'Score', 'IsKnown', 'Lookup', 'Unknown'],
      timeout: 10_000,
    })
    const failure = await expect(run)
      .toHaveLoggedExecution({ status: 'SUCCEEDED', timeout: 2000 })
      .then(
        () => undefined,
        (error: Error) => stripVTControlCharacters(error.message),
      )
    expect(failure).toContain('Received ExecutionFailed (status FAILED)')
    expect(failure).toContain('  error: "UnknownAccount"')
    expect(failure).toContain('  cause: "The account is not known."')
    expect(failure).toContain('"IsKnown" → "Lookup" → "Unknown"')
  })
})

describe('an Express machine at CDK’s default level ERROR', () => {
  const quiet = useStateMachine(() => resolveStateMachine('QuietStatement', app.resources))

  it('fails the machine check, and a successful run is nowhere in its logs', async () => {
    const machineFailure = await expect(quiet)
      .toHaveLoggedExecution({ timeout: 500 })
      .then(
        () => undefined,
        (error: Error) => stripVTControlCharacters(error.message),
      )
    expect(machineFailure).toContain('its level is ERROR, which logs nothing for a successful run')
    const run = await quiet.start({ accountId: 'acc-3', items: [] }, { wait: true, name: 'steady-quiet' })
    expect(run.status).toBe('SUCCEEDED')
    const runFailure = await expect(run)
      .toHaveLoggedExecution({ timeout: 1000 })
      .then(
        () => undefined,
        (error: Error) => stripVTControlCharacters(error.message),
      )
    expect(runFailure).toContain('Received no event of this execution in log group')
    expect(runFailure).toContain("Fix: requireExecutionLogs(this, { mode: 'fix' })")
  })
})

describe('a Standard machine', () => {
  /** The run the first test leaves on its Wait. */
  let lastHeld: string | undefined
  const ledger = useStateMachine(() => resolveStateMachine('Ledger', app.resources))

  it('reads its history, and the fixture stops the run its test left running', async () => {
    const run = await ledger.start({ hold: true })
    const log = await ledger.logs(run)
    expect(log.source).toBe('execution-history')
    expect(log.events[0]).toMatchObject({ id: 1, type: 'ExecutionStarted' })
    // Left on its 10-minute Wait: the fixture's afterEach stops it (checked in the next test).
    lastHeld = run.executionArn
  })

  it('(after the previous test) its execution was stopped', async () => {
    expect(lastHeld).toBeDefined()
    expect(await ledger.client.stop(lastHeld ?? '')).toBe(false)
    const log = await ledger.logs(lastHeld ?? '')
    expect(log.events.at(-1)?.type).toBe('ExecutionAborted')
  })
})
