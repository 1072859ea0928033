import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { EventBridgeClient } from '@aws-sdk/client-eventbridge'
import { SQSClient } from '@aws-sdk/client-sqs'
import { describe, expect, it } from 'vitest'
import { LocalLogStore } from '../../../../src/local/services/logs/store.js'
import type { AslDefinition } from '../../../../src/local/services/stepfunctions/definition.js'
import { LocalStateMachine, type MachineServices } from '../../../../src/local/services/stepfunctions/machines.js'

// Machines without tasks, run in process: what the interpreter records for Parallel, Wait and Fail states.
const GROUP = 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/vendedlogs/states/Branches:*'

function machineOf(definition: AslDefinition, store: LocalLogStore, level: 'ALL' | 'FATAL' = 'ALL') {
  const services: MachineServices = {
    region: 'us-east-1',
    account: '000000000000',
    partition: 'aws',
    logs: store,
    warn: () => {},
    functionOf: () => undefined,
    invoke: () => Promise.reject(new Error('no functions')),
    dynamodb: () => new DynamoDBClient({}),
    events: () => new EventBridgeClient({}),
    sqs: () => new SQSClient({}),
    startExecution: () => {
      throw new Error('no machines')
    },
  }
  return new LocalStateMachine(
    {
      name: 'Branches',
      arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Branches',
      type: 'EXPRESS',
      definitionText: JSON.stringify(definition),
      roleArn: 'arn:aws:iam::000000000000:role/Branches',
      logging: { level, includeExecutionData: false, destinations: [GROUP] },
      creationDate: Date.now(),
    },
    definition,
    [],
    services,
  )
}

const parallel: AslDefinition = {
  StartAt: 'Both',
  States: {
    Both: {
      Type: 'Parallel',
      Branches: [
        { StartAt: 'Left', States: { Left: { Type: 'Pass', Result: 'l', End: true } } },
        { StartAt: 'Pause', States: { Pause: { Type: 'Wait', Seconds: 0, End: true } } },
      ],
      Next: 'Stop',
    },
    Stop: { Type: 'Fail', Error: 'Stopped', Cause: 'on purpose' },
  },
}

describe('a machine run in process', () => {
  it('records Parallel, Wait and Fail states as Step Functions does, and logs them without execution data', async () => {
    const store = new LocalLogStore()
    store.createGroup({ name: '/aws/vendedlogs/states/Branches', arn: GROUP })
    const execution = machineOf(parallel, store).start({ a: 1 }, '{"a":1}')
    await execution.done
    expect([execution.status, execution.error, execution.cause]).toEqual(['FAILED', 'Stopped', 'on purpose'])
    const types = execution.history.map((event) => event.type)
    expect(types.slice(0, 3)).toEqual(['ExecutionStarted', 'ParallelStateEntered', 'ParallelStateStarted'])
    expect([...types].sort()).toEqual(
      [
        'ExecutionStarted',
        'ParallelStateEntered',
        'ParallelStateStarted',
        'PassStateEntered',
        'PassStateExited',
        'WaitStateEntered',
        'WaitStateExited',
        'ParallelStateSucceeded',
        'ParallelStateExited',
        'FailStateEntered',
        'ExecutionFailed',
      ].sort(),
    )
    expect(types.slice(-4)).toEqual([
      'ParallelStateSucceeded',
      'ParallelStateExited',
      'FailStateEntered',
      'ExecutionFailed',
    ])
    const logged = store.filter({ group: GROUP }).events.map((event) => JSON.parse(event.message))
    expect(logged.map((event) => event.type)).toEqual(types)
    expect(logged[0].details).toEqual({ roleArn: 'arn:aws:iam::000000000000:role/Branches' })
    expect(logged.find((event) => event.type === 'PassStateExited').details).toEqual({ name: 'Left' })
    expect(logged.at(-1).details).toEqual({ error: 'Stopped', cause: 'on purpose' })
    expect(logged[0].execution_arn).toBe(execution.arn)
  })

  it('logs only the execution’s failure at level FATAL', async () => {
    const store = new LocalLogStore()
    store.createGroup({ name: '/aws/vendedlogs/states/Branches', arn: GROUP })
    const execution = machineOf(parallel, store, 'FATAL').start({}, '{}')
    await execution.done
    expect(store.filter({ group: GROUP }).events.map((event) => JSON.parse(event.message).type)).toEqual([
      'ExecutionFailed',
    ])
  })

  it('stops a run: ExecutionAborted with the error and cause given, status ABORTED', async () => {
    const store = new LocalLogStore()
    store.createGroup({ name: '/aws/vendedlogs/states/Branches', arn: GROUP })
    const waiting = machineOf({ StartAt: 'Long', States: { Long: { Type: 'Wait', Seconds: 600, End: true } } }, store)
    const execution = waiting.start({}, '{}')
    execution.stop('Ops', 'enough')
    await execution.done
    expect(execution.status).toBe('ABORTED')
    expect(execution.history.at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      details: { error: 'Ops', cause: 'enough' },
    })
  })
})
