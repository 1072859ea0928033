import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  MessageNotInflight,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs'
import { afterEach, describe, expect, it } from 'vitest'
import { md5OfAttributes } from '../../../../src/local/services/sqs/md5.js'
import { queue, type Started, startQueues, where } from './support.js'

let local: Started | undefined
afterEach(async () => {
  await local?.stop()
  local = undefined
})

async function start(...settings: Parameters<typeof queue>[]) {
  local = await startQueues(settings.map((each) => queue(...each)))
  return local
}

describe('ReceiveMessage on the local SQS endpoint', () => {
  it('returns a long poll as soon as a message is sent, long before its wait ends', { timeout: 10_000 }, async () => {
    const { sqs, url } = await start(['jobs'])
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl: url('jobs'), WaitTimeSeconds: 20 }))
    // The poll is waiting before the send (a receive on an empty queue answers only when it ends).
    await new Promise((resolve) => setTimeout(resolve, 50))
    await sqs.send(new SendMessageCommand({ QueueUrl: url('jobs'), MessageBody: 'wake up' }))
    const { Messages } = await polling
    expect(Messages?.map((message) => message.Body)).toEqual(['wake up'])
  })

  it('ends a long poll, empty, when the endpoint stops', { timeout: 10_000 }, async () => {
    const started = await start(['jobs'])
    const polling = started.sqs.send(new ReceiveMessageCommand({ QueueUrl: started.url('jobs'), WaitTimeSeconds: 20 }))
    await new Promise((resolve) => setTimeout(resolve, 50))
    await started.endpoint.stop()
    const { Messages } = await polling
    expect(Messages).toBeUndefined()
  })

  it('hides a received message for its visibility timeout, then delivers it again with its receive count', {
    timeout: 10_000,
  }, async () => {
    const { sqs, url } = await start(['jobs'])
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: url('jobs'), MessageBody: 'retry me' }))
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url('jobs'), VisibilityTimeout: 1 }))
    expect(first.Messages?.[0]?.MessageId).toBe(sent.MessageId)
    const hidden = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url('jobs') }))
    expect(hidden.Messages).toBeUndefined()
    // The long poll ends when the message becomes visible again (1 s), not at its 5 s wait.
    const again = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url('jobs'),
        WaitTimeSeconds: 5,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    )
    expect(again.Messages?.[0]?.MessageId).toBe(sent.MessageId)
    expect(again.Messages?.[0]?.Attributes).toEqual({ ApproximateReceiveCount: '2' })
    expect(again.Messages?.[0]?.ReceiptHandle).not.toBe(first.Messages?.[0]?.ReceiptHandle)
  })

  it('moves a message received maxReceiveCount times to the dead-letter queue, keeping its id and body', async () => {
    const dlqArn = `arn:aws:sqs:${where.region}:${where.account}:jobs-dlq`
    const { sqs, url } = await start(
      ['jobs', { redrivePolicy: { deadLetterTargetArn: dlqArn, maxReceiveCount: 2 } }],
      ['jobs-dlq'],
    )
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: url('jobs'), MessageBody: 'poison' }))
    for (const count of ['1', '2']) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url('jobs'),
          VisibilityTimeout: 0,
          MessageSystemAttributeNames: ['All'],
        }),
      )
      expect(Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe(count)
    }
    const third = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url('jobs'), VisibilityTimeout: 0 }))
    expect(third.Messages).toBeUndefined()
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url('jobs-dlq'), MessageSystemAttributeNames: ['All'] }),
    )
    expect(Messages?.map((message) => [message.MessageId, message.Body])).toEqual([[sent.MessageId, 'poison']])
    expect(Messages?.[0]?.Attributes).toMatchObject({
      DeadLetterQueueSourceArn: `arn:aws:sqs:${where.region}:${where.account}:jobs`,
      ApproximateReceiveCount: '1',
    })
  })

  it('never gives two concurrent receivers the same message while it is invisible', async () => {
    const { sqs, url } = await start(['jobs'])
    const sent = await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        sqs.send(new SendMessageCommand({ QueueUrl: url('jobs'), MessageBody: `job ${index}` })),
      ),
    )
    const receives = await Promise.all(
      Array.from({ length: 12 }, () =>
        sqs.send(new ReceiveMessageCommand({ QueueUrl: url('jobs'), MaxNumberOfMessages: 10, WaitTimeSeconds: 1 })),
      ),
    )
    const received = receives.flatMap((each) => each.Messages ?? []).map((message) => message.MessageId)
    expect(received).toHaveLength(60)
    expect(new Set(received).size).toBe(60)
    expect(new Set(received)).toEqual(new Set(sent.map((each) => each.MessageId)))
  })

  it('wakes many concurrent long polls, each with its own message', { timeout: 10_000 }, async () => {
    const { sqs, url } = await start(['jobs'])
    const polls = Array.from({ length: 30 }, () =>
      sqs.send(new ReceiveMessageCommand({ QueueUrl: url('jobs'), WaitTimeSeconds: 20 })),
    )
    await new Promise((resolve) => setTimeout(resolve, 100))
    await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        sqs.send(new SendMessageCommand({ QueueUrl: url('jobs'), MessageBody: `job ${index}` })),
      ),
    )
    const bodies = (await Promise.all(polls)).flatMap((each) => each.Messages ?? []).map((message) => message.Body)
    expect(bodies).toHaveLength(30)
    expect(new Set(bodies).size).toBe(30)
  })

  it('gives the message attributes asked for (All, a prefix, a name) and the MD5 of them all', async () => {
    const { sqs, url } = await start(['jobs'])
    const MessageAttributes = {
      'trace.id': { DataType: 'String', StringValue: 't-1' },
      'trace.span': { DataType: 'Number', StringValue: '7' },
      kind: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
    }
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: url('jobs'), MessageBody: 'x', MessageAttributes }))
    const expectedMd5 = md5OfAttributes({
      'trace.id': MessageAttributes['trace.id'],
      'trace.span': MessageAttributes['trace.span'],
      kind: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]).toString('base64') },
    })
    expect(sent.MD5OfMessageAttributes).toBe(expectedMd5)
    const receive = async (names: string[]) => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url('jobs'), VisibilityTimeout: 0, MessageAttributeNames: names }),
      )
      return Messages?.[0]
    }
    const all = await receive(['All'])
    expect(all?.MD5OfMessageAttributes).toBe(expectedMd5)
    expect(Object.keys(all?.MessageAttributes ?? {}).sort()).toEqual(['kind', 'trace.id', 'trace.span'])
    expect(all?.MessageAttributes?.kind?.BinaryValue).toEqual(new Uint8Array([1, 2, 3]))
    expect(Object.keys((await receive(['trace.*']))?.MessageAttributes ?? {}).sort()).toEqual([
      'trace.id',
      'trace.span',
    ])
    expect(Object.keys((await receive(['kind']))?.MessageAttributes ?? {})).toEqual(['kind'])
    const none = await receive([])
    expect(none?.MessageAttributes).toBeUndefined()
    expect(none?.MD5OfMessageAttributes).toBe(expectedMd5)
  })

  it('changes a message visibility by its latest handle; a stale handle neither deletes nor changes it', async () => {
    const { sqs, url, queues } = await start(['jobs'])
    await sqs.send(new SendMessageCommand({ QueueUrl: url('jobs'), MessageBody: 'x' }))
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url('jobs'), VisibilityTimeout: 60 }))
    const firstHandle = first.Messages?.[0]?.ReceiptHandle as string
    await sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: url('jobs'), ReceiptHandle: firstHandle, VisibilityTimeout: 0 }),
    )
    const second = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url('jobs'), VisibilityTimeout: 60 }))
    const secondHandle = second.Messages?.[0]?.ReceiptHandle as string
    expect(secondHandle).toBeDefined()
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url('jobs'), ReceiptHandle: firstHandle }))
    expect(queues.peek('jobs')).toHaveLength(1)
    await expect(
      sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: url('jobs'), ReceiptHandle: firstHandle, VisibilityTimeout: 0 }),
      ),
    ).rejects.toThrow(expect.objectContaining({ name: 'InvalidParameterValue' }))
    const batch = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url('jobs'),
        Entries: [
          { Id: 'latest', ReceiptHandle: secondHandle, VisibilityTimeout: 0 },
          { Id: 'stale', ReceiptHandle: firstHandle, VisibilityTimeout: 0 },
        ],
      }),
    )
    expect(batch.Successful?.map((entry) => entry.Id)).toEqual(['latest'])
    expect(batch.Failed?.map((entry) => [entry.Id, entry.Code])).toEqual([['stale', 'InvalidParameterValue']])
    expect(queues.peek('jobs')[0]?.state).toBe('visible')
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url('jobs'), ReceiptHandle: secondHandle }))
    expect(queues.peek('jobs')).toEqual([])
  })

  it('refuses to change the visibility of a message no longer in flight with MessageNotInflight', async () => {
    const { sqs, url } = await start(['jobs'])
    await sqs.send(new SendMessageCommand({ QueueUrl: url('jobs'), MessageBody: 'x' }))
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url('jobs'), VisibilityTimeout: 0 }))
    const error = await sqs
      .send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url('jobs'),
          ReceiptHandle: Messages?.[0]?.ReceiptHandle,
          VisibilityTimeout: 30,
        }),
      )
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(MessageNotInflight)
  })

  it('holds a message back for its DelaySeconds, and the queue default for the others', {
    timeout: 10_000,
  }, async () => {
    const { sqs, url, queues } = await start(['jobs', { delaySeconds: 1 }])
    await sqs.send(new SendMessageCommand({ QueueUrl: url('jobs'), MessageBody: 'now', DelaySeconds: 0 }))
    await sqs.send(new SendMessageCommand({ QueueUrl: url('jobs'), MessageBody: 'later' }))
    expect(queues.peek('jobs').map((message) => [message.body, message.state])).toEqual([
      ['now', 'visible'],
      ['later', 'delayed'],
    ])
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url('jobs'), MaxNumberOfMessages: 10 }))
    expect(first.Messages?.map((message) => message.Body)).toEqual(['now'])
    const second = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url('jobs'), WaitTimeSeconds: 5 }))
    expect(second.Messages?.map((message) => message.Body)).toEqual(['later'])
  })
})
