import { ReceiveMessageCommand } from '@aws-sdk/client-sqs'
import { afterEach, describe, expect, it } from 'vitest'
import { AwsServiceError } from '../../../../src/local/services/json-protocol.js'
import { queuesService } from '../../../../src/local/services/sqs/service.js'
import { queue, type Started, startQueues, where } from './support.js'

let local: Started | undefined
afterEach(async () => {
  await local?.stop()
  local = undefined
})

describe('LocalQueues, the in-process API rule targets and on-failure destinations send through', () => {
  it('finds a queue by ARN, URL (local or AWS-shaped) or name, and no other', async () => {
    local = await startQueues([queue('parked')])
    const { queues } = local
    expect(queues.has(`arn:aws:sqs:${where.region}:${where.account}:parked`)).toBe(true)
    expect(queues.has(local.url('parked'))).toBe(true)
    expect(queues.has(`https://sqs.${where.region}.amazonaws.com/${where.account}/parked`)).toBe(true)
    expect(queues.has('parked')).toBe(true)
    expect(queues.has(`arn:aws:sqs:${where.region}:999999999999:parked`)).toBe(false)
    expect(queues.has(`arn:aws:sns:${where.region}:${where.account}:parked`)).toBe(false)
    expect(queues.has('other')).toBe(false)
  })

  it('sends as SendMessage does: the message is received through the endpoint with its attributes', async () => {
    local = await startQueues([queue('parked')])
    const { messageId } = local.queues.send(`arn:aws:sqs:${where.region}:${where.account}:parked`, {
      body: '{"requestContext":{"condition":"RetryAttemptsExhausted"}}',
      messageAttributes: { kind: { DataType: 'String', StringValue: 'on-failure' } },
    })
    const { Messages } = await local.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: local.url('parked'), MessageAttributeNames: ['All'] }),
    )
    expect(
      Messages?.map((message) => [message.MessageId, message.Body, message.MessageAttributes?.kind?.StringValue]),
    ).toEqual([[messageId, '{"requestContext":{"condition":"RetryAttemptsExhausted"}}', 'on-failure']])
  })

  it('refuses what SendMessage refuses, as an AwsServiceError with its code', async () => {
    local = await startQueues([queue('parked')])
    const refused = (run: () => unknown) => {
      try {
        run()
      } catch (error) {
        return error
      }
      return undefined
    }
    expect(refused(() => local?.queues.send('missing', { body: 'x' }))).toMatchObject({ code: 'QueueDoesNotExist' })
    const tooBig = refused(() => local?.queues.send('parked', { body: 'x'.repeat(262_145) }))
    expect(tooBig).toBeInstanceOf(AwsServiceError)
    expect(tooBig).toMatchObject({ code: 'InvalidParameterValue' })
    expect(refused(() => local?.queues.send('parked', { body: 'x', messageGroupId: 'g' }))).toMatchObject({
      code: 'UnsupportedOperation',
    })
  })

  it('peeks without receiving: nothing about the messages changes', async () => {
    local = await startQueues([queue('parked')])
    local.queues.send('parked', { body: 'one' })
    expect(local.queues.peek('parked')).toMatchObject([{ body: 'one', receiveCount: 0, state: 'visible' }])
    expect(local.queues.peek('parked')).toMatchObject([{ body: 'one', receiveCount: 0, state: 'visible' }])
  })

  it('drops a message past its retention period, with one line saying so', { timeout: 10_000 }, async () => {
    local = await startQueues([queue('brief', { messageRetentionPeriod: 1 })])
    local.queues.send('brief', { body: 'soon gone' })
    // The message expires after 1 s: wait for it, bounded by the test's timeout.
    while (local.queues.peek('brief').length > 0) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(local.lost).toEqual(['SQS: 1 message(s) of brief deleted: older than its MessageRetentionPeriod (1 s)'])
  })
})

describe('the SQS service identity', () => {
  const resource = (properties: Record<string, unknown>) => ({
    stackName: 'Shop',
    logicalId: 'Jobs1234',
    type: 'AWS::SQS::Queue',
    properties,
  })

  it("gives Arn, QueueName and QueueUrl, a FIFO queue's generated name ending in .fifo", () => {
    expect(queuesService.identity?.(resource({}), 'Shop-Jobs1234-ABC', where)?.attributes).toEqual({
      Arn: `arn:aws:sqs:${where.region}:${where.account}:Shop-Jobs1234-ABC`,
      QueueName: 'Shop-Jobs1234-ABC',
      QueueUrl: `https://sqs.${where.region}.amazonaws.com/${where.account}/Shop-Jobs1234-ABC`,
    })
    expect(
      queuesService.identity?.(resource({ FifoQueue: true }), 'Shop-Jobs1234-ABC', where)?.attributes?.QueueName,
    ).toBe('Shop-Jobs1234-ABC.fifo')
    expect(queuesService.identity?.(resource({ FifoQueue: true }), 'jobs.fifo', where)?.attributes?.QueueName).toBe(
      'jobs.fifo',
    )
  })
})
