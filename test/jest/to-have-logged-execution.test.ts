// Step Functions and CloudWatch Logs replaced by aws-sdk-client-mock (no local endpoint of either in this file):
// response shapes from the two API references, see test/clients/state-machine/aws-shapes.ts.
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { DescribeStateMachineCommand, StartExecutionCommand } from '@aws-sdk/client-sfn'
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import { useStateMachine } from 'stakeout'
import {
  described,
  expressArn,
  LOG_GROUP_ARN,
  logEvent,
  MACHINE_ARN,
  mockedClients,
  STARTED_AT,
  statementRun,
} from '../clients/state-machine/aws-shapes.js'

const SHORT = { timeout: 300, interval: 50 }
const clients = mockedClients()
afterAll(() => clients.restore())

describe('stakeout/jest registers toHaveLoggedExecution with Jest', () => {
  const statement = useStateMachine({
    stateMachineArn: MACHINE_ARN,
    sfn: clients.sfn,
    cloudWatchLogs: clients.cloudWatchLogs,
  })

  it('passes on a machine that logs completely and on a logged run; .not and failures read as in Vitest', async () => {
    clients.sfnMock.on(DescribeStateMachineCommand).resolves(described())
    const executionArn = expressArn('jest-1')
    clients.sfnMock.on(StartExecutionCommand).resolves({ executionArn, startDate: STARTED_AT })
    clients.logsMock
      .on(FilterLogEventsCommand)
      .resolves({ events: statementRun({ failed: true }).map((event) => logEvent(executionArn, event)) })

    await expect(statement).toHaveLoggedExecution()
    const run = await statement.start({ accountId: 'acc-1' })
    await expect(run).toHaveLoggedExecution({ status: 'FAILED', states: expect.arrayContaining(['UnknownAccount']) })
    await expect(run).not.toHaveLoggedExecution({ status: 'SUCCEEDED', ...SHORT })
    await expect(expect(run).toHaveLoggedExecution({ status: 'SUCCEEDED', ...SHORT })).rejects.toThrow(
      'Received ExecutionFailed (status FAILED) at event 9',
    )
  })

  it('fails on the default level ERROR with the fix, under fake timers too', async () => {
    jest.useFakeTimers()
    try {
      clients.sfnMock.on(DescribeStateMachineCommand).resolves(
        described({
          loggingConfiguration: {
            level: 'ERROR',
            destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: LOG_GROUP_ARN } }],
          },
        }),
      )
      await expect(expect(statement).toHaveLoggedExecution(SHORT)).rejects.toThrow(
        "Fix: requireExecutionLogs(this, { mode: 'fix' })",
      )
    } finally {
      jest.useRealTimers()
    }
  })
})
