import { EventBridgeClient, PutEventsCommand, ResourceNotFoundException } from '@aws-sdk/client-eventbridge'
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs'
import { afterEach, describe, expect, it } from 'vitest'
import { AwsServiceError, type JsonService, startJsonService } from '../../../src/local/services/json-protocol.js'

const credentials = { accessKeyId: 'stakeoutlocal', secretAccessKey: 'stakeoutlocal' }
let service: JsonService | undefined

afterEach(async () => {
  await service?.stop()
  service = undefined
})

function events(endpoint: string) {
  return new EventBridgeClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 })
}

describe('startJsonService', () => {
  it('answers an operation with its JSON output, parsed by the real SDK', async () => {
    const seen: unknown[] = []
    service = await startJsonService({
      service: 'EventBridge',
      targetPrefix: 'AWSEvents',
      jsonVersion: '1.1',
      operations: {
        PutEvents: (input) => {
          seen.push(input)
          return { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] }
        },
      },
    })
    const out = await events(service.endpoint).send(
      new PutEventsCommand({ Entries: [{ Source: 'a', DetailType: 'b', Detail: '{}' }] }),
    )
    expect(out.Entries).toEqual([{ EventId: 'e-1' }])
    expect(seen).toEqual([{ Entries: [{ Source: 'a', DetailType: 'b', Detail: '{}' }] }])
    expect(out.$metadata.requestId).toMatch(/-/)
  })

  it("turns an AwsServiceError into the SDK's exception of that name", async () => {
    service = await startJsonService({
      service: 'EventBridge',
      targetPrefix: 'AWSEvents',
      jsonVersion: '1.1',
      operations: {
        PutEvents: () => {
          throw new AwsServiceError('ResourceNotFoundException', 'Event bus nope does not exist.')
        },
      },
    })
    const error = await events(service.endpoint)
      .send(new PutEventsCommand({ Entries: [{ Source: 'a', DetailType: 'b', Detail: '{}' }] }))
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ResourceNotFoundException)
    expect((error as Error).message).toBe('Event bus nope does not exist.')
    expect((error as ResourceNotFoundException).$metadata.httpStatusCode).toBe(400)
  })

  it('refuses an operation it does not implement, naming the ones it does', async () => {
    service = await startJsonService({
      service: 'SQS',
      targetPrefix: 'AmazonSQS',
      jsonVersion: '1.0',
      operations: { SendMessage: () => ({}), ReceiveMessage: () => ({}) },
    })
    const sqs = new SQSClient({ endpoint: service.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 })
    const error = await sqs.send(new ListQueuesCommand({})).catch((caught: unknown) => caught)
    expect((error as Error).name).toBe('UnknownOperationException')
    expect((error as Error).message).toContain(
      'does not implement AmazonSQS.ListQueues: it implements ReceiveMessage, SendMessage',
    )
  })

  it('answers 500 InternalFailure when an operation throws something else, and keeps serving', async () => {
    let calls = 0
    service = await startJsonService({
      service: 'EventBridge',
      targetPrefix: 'AWSEvents',
      jsonVersion: '1.1',
      operations: {
        PutEvents: () => {
          calls += 1
          if (calls === 1) throw new Error('boom')
          return { FailedEntryCount: 0, Entries: [] }
        },
      },
    })
    const client = events(service.endpoint)
    const command = () => new PutEventsCommand({ Entries: [{ Source: 'a', DetailType: 'b', Detail: '{}' }] })
    const error = await client.send(command()).catch((caught: unknown) => caught)
    expect((error as Error).name).toBe('InternalFailure')
    expect((error as Error).message).toContain('boom')
    await expect(client.send(command())).resolves.toMatchObject({ FailedEntryCount: 0 })
  })

  it('refuses a body over the limit with 413, and bad JSON with SerializationException', async () => {
    service = await startJsonService({
      service: 'EventBridge',
      targetPrefix: 'AWSEvents',
      jsonVersion: '1.1',
      maxBodyBytes: 100,
      operations: { PutEvents: () => ({}) },
    })
    const big = await fetch(service.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.PutEvents' },
      body: 'x'.repeat(101),
    })
    expect(big.status).toBe(413)
    const bad = await fetch(service.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.PutEvents' },
      body: '{',
    })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({
      __type: 'SerializationException',
      message: 'The request body is not valid JSON.',
    })
  })

  it('stop() aborts a long operation through its signal, and is idempotent', async () => {
    let aborted = false
    service = await startJsonService({
      service: 'SQS',
      targetPrefix: 'AmazonSQS',
      jsonVersion: '1.0',
      operations: {
        ReceiveMessage: (_input, { signal }) =>
          new Promise((resolve) => {
            signal.addEventListener('abort', () => {
              aborted = true
              resolve({ Messages: [] })
            })
          }),
      },
    })
    const pending = fetch(service.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSQS.ReceiveMessage' },
      body: '{}',
    })
    await new Promise((resolve) => setTimeout(resolve, 50))
    await Promise.all([service.stop(), service.stop()])
    expect(aborted).toBe(true)
    expect((await pending).status).toBe(200)
  })

  it('names the argument that is wrong', async () => {
    await expect(
      startJsonService({ service: 'X', targetPrefix: 'X', jsonVersion: '2.0' as '1.0', operations: {} }),
    ).rejects.toThrow(/options\.jsonVersion/)
  })
})
