import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QueueClient } from '../../../../src/clients/queue-client.js'
import { type LocalApp, startLocal } from '../../../../src/local/index.js'
import { LOCAL_APP_ENV, resolveTarget } from '../../../../src/target/index.js'
import { synthesizeTestApp } from '../../../support/synth-app.js'
import { buildOutbox } from './fixtures/outbox-stack.js'

// One start for the file: the outbox app, synthesized in this process into the project's cache (so the function's
// import of @aws-sdk/client-sqs resolves from the project's node_modules).
let app: LocalApp
const lines: string[] = []

beforeAll(async () => {
  app = await startLocal({ app: await synthesizeTestApp('outbox', buildOutbox), log: (line) => lines.push(line) })
}, 180_000)

afterAll(() => app?.stop())

describe('startLocal with SQS queues', () => {
  it("gives a queue CloudFormation's identity: Ref the URL on the local endpoint, Arn, QueueName", () => {
    const outbox = app.resources.resolve('Outbox')
    const name = outbox.attributes?.QueueName as string
    expect(name).toMatch(/^OutboxStack-Outbox[A-F0-9]{8}-[A-Z0-9]{12}$/)
    expect(outbox.physicalId).toBe(`${app.endpoints.sqs}/000000000000/${name}`)
    expect(outbox.attributes).toEqual({
      Arn: `arn:aws:sqs:us-east-1:000000000000:${name}`,
      QueueName: name,
      QueueUrl: outbox.physicalId,
    })
    expect(app.resources.resolve('Ordered').attributes?.QueueName).toMatch(/\.fifo$/)
  })

  it('receives what a function sends with the SDK through AWS_ENDPOINT_URL_SQS, seen by LocalApp.messages and QueueClient', async () => {
    const outbox = app.resources.resolve('Outbox')
    const { result, error } = await app.invoke('Sender', { orderId: 'o-1' })
    expect(error).toBeUndefined()
    expect(result).toMatchObject({
      queueUrl: outbox.physicalId,
      outboxArn: outbox.attributes?.Arn,
      outboxName: outbox.attributes?.QueueName,
    })
    const { messageId } = result as { messageId: string }
    const local = await app.messages('Outbox')
    expect(local.map((message) => [message.messageId, message.body, message.state])).toEqual([
      [messageId, '{"orderId":"o-1"}', 'visible'],
    ])
    expect(local[0]?.messageAttributes).toEqual({ source: { DataType: 'String', StringValue: 'sender' } })

    // From another process's point of view: the manifest's client settings.
    const target = await resolveTarget({ env: { [LOCAL_APP_ENV]: app.manifestPath } })
    const queue = new QueueClient({
      queueUrl: target.resolve('Outbox').physicalId as string,
      ...target.clientSettings('sqs'),
    })
    try {
      const seen = await queue.messages({ json: true })
      expect(seen.map((message) => [message.messageId, message.json])).toEqual([[messageId, { orderId: 'o-1' }]])
      expect(seen[0]?.messageAttributes.source).toEqual({ dataType: 'String', stringValue: 'sender' })
    } finally {
      queue.destroy()
    }
    // The peek left it visible: a consumer gets it at once.
    expect((await app.messages('Outbox')).map((message) => [message.state, message.receiveCount])).toEqual([
      ['visible', 1],
    ])
  })

  it("applies the template's redrive policy: a message received more than maxReceiveCount times lands in the DLQ", async () => {
    const sqs = new SQSClient({ ...app.resources.clientSettings('sqs') })
    try {
      const { result } = await app.invoke('Sender', { orderId: 'poison' })
      const { messageId } = result as { messageId: string }
      const url = app.resources.resolve('Outbox').physicalId
      // Every receive takes the oldest visible message first: receive until the poison one moved.
      for (
        let attempt = 0;
        attempt < 6 && !(await app.messages('Parked')).some((m) => m.messageId === messageId);
        attempt++
      ) {
        await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0, MaxNumberOfMessages: 10 }))
      }
      const parked = await app.messages('Parked')
      expect(parked.map((message) => message.messageId)).toContain(messageId)
      expect(parked.find((message) => message.messageId === messageId)?.deadLetterQueueSourceArn).toBe(
        app.resources.resolve('Outbox').attributes?.Arn,
      )
      expect((await app.messages('Outbox')).some((message) => message.messageId === messageId)).toBe(false)
    } finally {
      sqs.destroy()
    }
  })

  it('lists the FIFO queue as not brought up, the KMS key as not applied and the queue policy as not enforced, in the one warning', () => {
    const warnings = lines.filter((line) => line.startsWith('startLocal:'))
    expect(warnings).toHaveLength(1)
    const ordered = app.resources.resolve('Ordered')
    expect(warnings[0]).toContain(
      `AWS::SQS::Queue ${ordered.logicalId} OutboxStack/Ordered FifoQueue: FIFO queues are not brought up locally`,
    )
    const sealed = app.resources.resolve('Sealed')
    expect(warnings[0]).toContain(
      `AWS::SQS::Queue ${sealed.logicalId} OutboxStack/Sealed KmsMasterKeyId: this queue property is not applied locally`,
    )
    expect(warnings[0]).toMatch(/1 AWS::SQS::QueuePolicy[^\n]*: not enforced locally/)
  })

  it('refuses LocalApp.messages for a queue it does not run, and for a ref that is no queue', async () => {
    await expect(app.messages('Ordered')).rejects.toThrow(
      'LocalApp.messages: OutboxStack/Ordered is not a queue this app runs locally',
    )
    await expect(app.messages('Sender')).rejects.toThrow()
  })
})
