import {
  BatchEntryIdsNotDistinct,
  BatchRequestTooLong,
  EmptyBatchRequest,
  InvalidBatchEntryId,
  InvalidMessageContents,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { queue, type Started, startQueues } from './support.js'

let local: Started
let url: string
beforeAll(async () => {
  local = await startQueues([queue('jobs'), queue('small', { maximumMessageSize: 1024 })])
  url = local.url('jobs')
})
afterAll(() => local.stop())

const KIB = 1024
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  )

describe('the limits the local SQS endpoint enforces, as SQS does', () => {
  it('takes a message of exactly the maximum size, body and attributes together, and refuses one byte more', async () => {
    const attributes = { note: { DataType: 'String', StringValue: 'abc' } } // 4 + 6 + 3 = 13 bytes
    const body = 'x'.repeat(256 * KIB - 13)
    await expect(
      local.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageAttributes: attributes })),
    ).resolves.toBeDefined()
    const error = await failure(
      local.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `${body}x`, MessageAttributes: attributes })),
    )
    expect(error).toMatchObject({
      name: 'InvalidParameterValue',
      message: 'One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.',
    })
  })

  it("applies the queue's MaximumMessageSize", async () => {
    const error = await failure(
      local.sqs.send(new SendMessageCommand({ QueueUrl: local.url('small'), MessageBody: 'x'.repeat(1025) })),
    )
    expect(error).toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringContaining('shorter than 1024 bytes'),
    })
  })

  it('refuses a body with a character outside the allowed set with InvalidMessageContents, naming it', async () => {
    const error = await failure(local.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'bell \u0007' })))
    expect(error).toBeInstanceOf(InvalidMessageContents)
    expect((error as Error).message).toContain("Invalid binary character '#x7'")
  })

  it('refuses an empty body and more than 10 attributes', async () => {
    expect(await failure(local.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '' })))).toMatchObject({
      name: 'InvalidParameterValue',
    })
    const MessageAttributes = Object.fromEntries(
      Array.from({ length: 11 }, (_, index) => [`a${index}`, { DataType: 'String', StringValue: 'v' }]),
    )
    expect(
      await failure(local.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageAttributes }))),
    ).toMatchObject({
      name: 'InvalidParameterValue',
      message: 'Number of message attributes [11] exceeds the allowed maximum [10].',
    })
  })

  it('refuses attribute names, types and values SQS refuses', async () => {
    const send = (MessageAttributes: Record<string, { DataType: string; StringValue?: string }>) =>
      failure(local.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageAttributes })))
    expect(await send({ 'AWS.reserved': { DataType: 'String', StringValue: 'v' } })).toMatchObject({
      name: 'InvalidParameterValue',
    })
    expect(await send({ 'two..dots': { DataType: 'String', StringValue: 'v' } })).toMatchObject({
      name: 'InvalidParameterValue',
    })
    expect(await send({ a: { DataType: 'Date', StringValue: 'v' } })).toMatchObject({ name: 'InvalidParameterValue' })
    expect(await send({ a: { DataType: 'Number', StringValue: 'seven' } })).toMatchObject({
      name: 'InvalidParameterValue',
    })
    expect(await send({ a: { DataType: 'String' } })).toMatchObject({ name: 'InvalidParameterValue' })
  })

  it('refuses batches that are empty, of more than 10 entries, with repeated or malformed ids, or over the size', async () => {
    const entries = (count: number, id = (index: number) => `e${index}`) =>
      Array.from({ length: count }, (_, index) => ({ Id: id(index), MessageBody: 'x' }))
    const batch = (Entries: { Id: string; MessageBody: string }[]) =>
      failure(local.sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries })))
    expect(await batch([])).toBeInstanceOf(EmptyBatchRequest)
    expect(await batch(entries(11))).toBeInstanceOf(TooManyEntriesInBatchRequest)
    expect(await batch(entries(2, () => 'same'))).toBeInstanceOf(BatchEntryIdsNotDistinct)
    expect(await batch(entries(1, () => 'has space'))).toBeInstanceOf(InvalidBatchEntryId)
    const big = Array.from({ length: 2 }, (_, index) => ({ Id: `big${index}`, MessageBody: 'x'.repeat(200 * KIB) }))
    expect(await batch(big)).toBeInstanceOf(BatchRequestTooLong)
    expect(local.queues.peek('jobs').some((message) => message.body.length === 200 * KIB)).toBe(false)
  })

  it('refuses MaxNumberOfMessages outside 1–10 and WaitTimeSeconds over 20', async () => {
    expect(
      await failure(local.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 }))),
    ).toMatchObject({
      name: 'InvalidParameterValue',
      message: 'Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.',
    })
    expect(
      await failure(local.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 0 }))),
    ).toMatchObject({
      name: 'InvalidParameterValue',
    })
    expect(
      await failure(local.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 21 }))),
    ).toMatchObject({
      name: 'InvalidParameterValue',
    })
  })

  it('refuses an operation it does not serve, naming the ones it does', async () => {
    const error = await failure(local.sqs.send(new ListQueuesCommand({})))
    expect((error as Error).message).toContain('local SQS does not implement AmazonSQS.ListQueues')
    expect((error as Error).message).toContain('ChangeMessageVisibility, ChangeMessageVisibilityBatch, DeleteMessage')
  })

  it('refuses what it does not implement, naming it: FIFO fields on a standard queue', async () => {
    expect(
      await failure(local.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g' }))),
    ).toMatchObject({ message: expect.stringContaining('does not implement MessageGroupId') })
    expect(
      await failure(
        local.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageDeduplicationId: 'd' })),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' })
  })
})
