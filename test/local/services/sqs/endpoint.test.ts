import {
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  InvalidAddress,
  InvalidAttributeName,
  PurgeQueueCommand,
  PurgeQueueInProgress,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { md5OfBody } from '../../../../src/local/services/sqs/md5.js'
import { queue, type Started, startQueues, where } from './support.js'

let local: Started
let url: string

beforeEach(async () => {
  local = await startQueues([queue('orders')])
  url = local.url('orders')
})
afterEach(() => local.stop())

describe('the local SQS endpoint', () => {
  it('sends and receives a message through the real SDK, which checks the body MD5 both ways', async () => {
    const sent = await local.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '{"orderId":"o-1"} ✓' }))
    expect(sent.MD5OfMessageBody).toBe(md5OfBody('{"orderId":"o-1"} ✓'))
    const { Messages } = await local.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['All'] }),
    )
    expect(Messages).toHaveLength(1)
    const [message] = Messages ?? []
    expect(message?.MessageId).toBe(sent.MessageId)
    expect(message?.Body).toBe('{"orderId":"o-1"} ✓')
    expect(message?.Attributes?.ApproximateReceiveCount).toBe('1')
    expect(Number(message?.Attributes?.SentTimestamp)).toBeGreaterThan(0)
    expect(Number(message?.Attributes?.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(
      Number(message?.Attributes?.SentTimestamp),
    )
  })

  it('gives the queue URL on its own endpoint, and answers an AWS-shaped URL of the same queue', async () => {
    const { QueueUrl } = await local.sqs.send(new GetQueueUrlCommand({ QueueName: 'orders' }))
    expect(QueueUrl).toBe(`${local.endpoint.endpoint}/${where.account}/orders`)
    await local.sqs.send(
      new SendMessageCommand({
        QueueUrl: `https://sqs.${where.region}.amazonaws.com/${where.account}/orders`,
        MessageBody: 'hello',
      }),
    )
    expect(local.queues.peek('orders').map((message) => message.body)).toEqual(['hello'])
  })

  it('raises QueueDoesNotExist for a queue it does not have', async () => {
    const error = await local.sqs
      .send(new SendMessageCommand({ QueueUrl: `${local.endpoint.endpoint}/${where.account}/nope`, MessageBody: 'x' }))
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(QueueDoesNotExist)
    expect((error as Error).message).toBe('The specified queue does not exist.')
    // The query-compatible code SQS gives beside the JSON one (x-amzn-query-error), which code written for the query API reads.
    expect((error as QueueDoesNotExist & { Code?: string }).Code).toBe('AWS.SimpleQueueService.NonExistentQueue')
    const byName = await local.sqs
      .send(new GetQueueUrlCommand({ QueueName: 'nope' }))
      .catch((caught: unknown) => caught)
    expect(byName).toBeInstanceOf(QueueDoesNotExist)
  })

  it('raises InvalidAddress for a QueueUrl that is no queue URL at all', async () => {
    for (const QueueUrl of ['orders', `${local.endpoint.endpoint}/orders`]) {
      const error = await local.sqs
        .send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }))
        .catch((caught: unknown) => caught)
      expect(error, QueueUrl).toBeInstanceOf(InvalidAddress)
      expect((error as InvalidAddress).$metadata.httpStatusCode).toBe(404)
    }
  })

  it('deletes a message by its receipt handle, and a second delete of it succeeds as SQS says', async () => {
    await local.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one' }))
    const { Messages } = await local.sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))
    const handle = Messages?.[0]?.ReceiptHandle as string
    await local.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: handle }))
    expect(local.queues.peek('orders')).toEqual([])
    await expect(
      local.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: handle })),
    ).resolves.toBeDefined()
  })

  it('refuses a receipt handle it never gave with ReceiptHandleIsInvalid', async () => {
    const error = await local.sqs
      .send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'not-a-handle' }))
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ReceiptHandleIsInvalid)
  })

  it('sends and deletes in batches, each entry answered apart', async () => {
    const sent = await local.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: 'first' },
          { Id: 'b', MessageBody: 'second', DelaySeconds: 901 },
          { Id: 'c', MessageBody: 'third' },
        ],
      }),
    )
    expect(sent.Successful?.map((entry) => entry.Id)).toEqual(['a', 'c'])
    expect(sent.Failed).toEqual([
      expect.objectContaining({ Id: 'b', SenderFault: true, Code: 'InvalidParameterValue' }),
    ])
    const { Messages = [] } = await local.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }),
    )
    expect(Messages.map((message) => message.Body)).toEqual(['first', 'third'])
    const deleted = await local.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          ...Messages.map((message, index) => ({ Id: `m${index}`, ReceiptHandle: message.ReceiptHandle })),
          { Id: 'bad', ReceiptHandle: 'nope' },
        ],
      }),
    )
    expect(deleted.Successful?.map((entry) => entry.Id)).toEqual(['m0', 'm1'])
    expect(deleted.Failed).toEqual([expect.objectContaining({ Id: 'bad', Code: 'ReceiptHandleIsInvalid' })])
    expect(local.queues.peek('orders')).toEqual([])
  })

  it('reports the counts and settings in GetQueueAttributes', async () => {
    await local.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one' }))
    await local.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'two', DelaySeconds: 600 }))
    await local.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'three' }))
    await local.sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))
    const { Attributes } = await local.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    )
    expect(Attributes).toMatchObject({
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
      ApproximateNumberOfMessagesDelayed: '1',
      QueueArn: `arn:aws:sqs:${where.region}:${where.account}:orders`,
      VisibilityTimeout: '30',
      MaximumMessageSize: '262144',
    })
    const one = await local.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))
    expect(Object.keys(one.Attributes ?? {})).toEqual(['QueueArn'])
    const unknown = await local.sqs
      .send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Bogus' as never] }))
      .catch((caught: unknown) => caught)
    expect(unknown).toBeInstanceOf(InvalidAttributeName)
    expect((unknown as Error).message).toBe('Unknown Attribute Bogus.')
  })

  it('purges every message, and refuses a second purge within 60 seconds', async () => {
    await local.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one' }))
    await local.sqs.send(new PurgeQueueCommand({ QueueUrl: url }))
    expect(local.queues.peek('orders')).toEqual([])
    const again = await local.sqs.send(new PurgeQueueCommand({ QueueUrl: url })).catch((caught: unknown) => caught)
    expect(again).toBeInstanceOf(PurgeQueueInProgress)
  })
})
