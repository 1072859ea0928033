// The EventBridge and SQS services of the local target are other modules' (absent from this app): here two real
// HTTP stand-ins on startJsonService answer PutEvents and SendMessage with the API reference's shapes, so the
// tasks' requests go through the real SDK clients and their answers and errors are read as Step Functions reads them.
import { createHash } from 'node:crypto'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { EventBridgeClient } from '@aws-sdk/client-eventbridge'
import { SQSClient } from '@aws-sdk/client-sqs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AwsServiceError, type JsonService, startJsonService } from '../../../../src/local/services/json-protocol.js'
import type { EventDetails } from '../../../../src/local/services/stepfunctions/history.js'
import { runTask, TaskError, type TaskServices } from '../../../../src/local/services/stepfunctions/tasks.js'

const credentials = { accessKeyId: 'stakeoutlocal', secretAccessKey: 'stakeoutlocal' }
const received: { operation: string; input: Record<string, unknown> }[] = []
let events: JsonService
let sqs: JsonService
let services: TaskServices
const clients: { destroy(): void }[] = []

beforeAll(async () => {
  events = await startJsonService({
    service: 'EventBridge',
    targetPrefix: 'AWSEvents',
    jsonVersion: '1.1',
    operations: {
      PutEvents(input) {
        received.push({ operation: 'PutEvents', input })
        const entries = input.Entries as { Source?: string }[]
        const failed = entries.filter((entry) => entry.Source === 'refused').length
        return {
          FailedEntryCount: failed,
          Entries: entries.map((entry, index) =>
            entry.Source === 'refused'
              ? { ErrorCode: 'InternalFailure', ErrorMessage: 'refused' }
              : { EventId: `event-${index}` },
          ),
        }
      },
    },
  })
  sqs = await startJsonService({
    service: 'SQS',
    targetPrefix: 'AmazonSQS',
    jsonVersion: '1.0',
    operations: {
      SendMessage(input) {
        received.push({ operation: 'SendMessage', input })
        if (String(input.QueueUrl).endsWith('/missing')) {
          throw new AwsServiceError(
            'AWS.SimpleQueueService.NonExistentQueue',
            'The specified queue does not exist.',
            400,
            {
              'x-amzn-query-error': 'AWS.SimpleQueueService.NonExistentQueue;Sender',
            },
          )
        }
        // The SDK checks the MD5 of the body it sent.
        return { MessageId: 'm-1', MD5OfMessageBody: createHash('md5').update(String(input.MessageBody)).digest('hex') }
      },
    },
  })
  const make = <T extends { destroy(): void }>(client: T) => {
    clients.push(client)
    return client
  }
  const eventBridge = make(new EventBridgeClient({ endpoint: events.endpoint, region: 'us-east-1', credentials }))
  const queue = make(new SQSClient({ endpoint: sqs.endpoint, region: 'us-east-1', credentials }))
  services = {
    region: 'us-east-1',
    functionOf: () => undefined,
    invoke: () => Promise.reject(new Error('no functions here')),
    dynamodb: () => make(new DynamoDBClient({ region: 'us-east-1', credentials })),
    events: () => eventBridge,
    sqs: () => queue,
    startExecution: () => {
      throw new TaskError('StepFunctions.StateMachineDoesNotExistException', 'none here')
    },
  }
})

afterAll(async () => {
  for (const client of clients) client.destroy()
  await Promise.all([events?.stop(), sqs?.stop()])
})

function recorder() {
  const recorded: [string, EventDetails][] = []
  return { recorded, record: (type: string, details: EventDetails) => recorded.push([type, details]) }
}

describe('events:putEvents', () => {
  it('sends Detail objects as JSON text and answers PutEvents’ output with the SDK metadata', async () => {
    const { recorded, record } = recorder()
    const output = await runTask(
      { kind: 'events', action: 'putEvents' },
      { Entries: [{ Source: 'bank', DetailType: 'Statement', Detail: { accountId: 'acc-1' } }] },
      services,
      record,
      new AbortController().signal,
    )
    expect(received.at(-1)).toEqual({
      operation: 'PutEvents',
      input: { Entries: [{ Source: 'bank', DetailType: 'Statement', Detail: '{"accountId":"acc-1"}' }] },
    })
    expect(output).toMatchObject({
      FailedEntryCount: 0,
      Entries: [{ EventId: 'event-0' }],
      SdkHttpMetadata: { HttpStatusCode: 200 },
    })
    expect(recorded.map(([type]) => type)).toEqual(['TaskScheduled', 'TaskStarted', 'TaskSucceeded'])
    expect(recorded[0]?.[1]).toMatchObject({ resourceType: 'events', resource: 'putEvents', region: 'us-east-1' })
  })

  it('fails the task with EventBridge.FailedEntry when an entry failed', async () => {
    const { recorded, record } = recorder()
    const failure = await runTask(
      { kind: 'events', action: 'putEvents' },
      { Entries: [{ Source: 'refused', DetailType: 'x', Detail: '{}' }] },
      services,
      record,
      new AbortController().signal,
    ).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(TaskError)
    expect((failure as TaskError).name).toBe('EventBridge.FailedEntry')
    expect(JSON.parse((failure as TaskError).message)).toMatchObject({ FailedEntryCount: 1 })
    expect(recorded.at(-1)).toEqual([
      'TaskFailed',
      expect.objectContaining({ error: 'EventBridge.FailedEntry', resourceType: 'events' }),
    ])
  })
})

describe('sqs:sendMessage', () => {
  it('sends a MessageBody object as JSON text', async () => {
    const { record } = recorder()
    const output = await runTask(
      { kind: 'sqs', action: 'sendMessage' },
      { QueueUrl: `${sqs.endpoint}/000000000000/statements`, MessageBody: { accountId: 'acc-1' } },
      services,
      record,
      new AbortController().signal,
    )
    expect(received.at(-1)?.input).toMatchObject({ MessageBody: '{"accountId":"acc-1"}' })
    expect(output).toMatchObject({ MessageId: 'm-1', SdkResponseMetadata: { RequestId: expect.any(String) } })
  })

  it('names a service error SQS.<code>, as Retry and Catch see it', async () => {
    const { record } = recorder()
    const failure = await runTask(
      { kind: 'sqs', action: 'sendMessage' },
      { QueueUrl: `${sqs.endpoint}/000000000000/missing`, MessageBody: 'hi' },
      services,
      record,
      new AbortController().signal,
    ).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(TaskError)
    expect((failure as TaskError).name).toMatch(/^SQS\.(QueueDoesNotExist|AWS\.SimpleQueueService\.NonExistentQueue)/)
    expect((failure as TaskError).message).toMatch(
      /^The specified queue does not exist\. \(Service: SQS, Status Code: 400/,
    )
  })
})

describe('lambda:invoke of a function the app does not have', () => {
  it('fails with Lambda.ResourceNotFoundException', async () => {
    const { recorded, record } = recorder()
    const failure = await runTask(
      { kind: 'lambda-invoke' },
      { FunctionName: 'Nope', Payload: {} },
      services,
      record,
      new AbortController().signal,
    ).catch((error: unknown) => error)
    expect((failure as TaskError).name).toBe('Lambda.ResourceNotFoundException')
    expect(recorded.map(([type]) => type)).toEqual(['TaskScheduled', 'TaskStarted', 'TaskFailed'])
  })
})
