import { SendMessageCommand } from '@aws-sdk/client-sqs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { QueueClient } from '../../src/clients/queue-client.js'
import { ArgumentError, StakeoutError } from '../../src/errors.js'
import { queue, type Started, startQueues, where } from '../local/services/sqs/support.js'

// Against the local SQS endpoint, through the real @aws-sdk/client-sqs the client is built on.
let local: Started
let client: QueueClient
const credentials = { accessKeyId: 'stakeoutlocal', secretAccessKey: 'stakeoutlocal' }

beforeEach(async () => {
  local = await startQueues([queue('jobs')])
  client = new QueueClient({
    queueUrl: local.url('jobs'),
    endpoint: local.endpoint.endpoint,
    region: where.region,
    credentials,
  })
})
afterEach(async () => {
  client.destroy()
  await local.stop()
})

const send = (body: string) =>
  local.sqs.send(new SendMessageCommand({ QueueUrl: local.url('jobs'), MessageBody: body }))

describe('QueueClient', () => {
  it('peeks at every message, more than one receive holds, and leaves them all visible', async () => {
    const sent = []
    for (let index = 0; index < 25; index++) sent.push((await send(JSON.stringify({ index }))).MessageId)
    const seen = await client.messages({ json: true })
    expect(seen.map((message) => message.messageId).sort()).toEqual([...sent].sort())
    expect(seen.map((message) => (message.json as { index: number }).index).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 25 }, (_, index) => index),
    )
    expect(local.queues.peek('jobs').every((message) => message.state === 'visible')).toBe(true)
    // A consumer gets them right after the peek.
    expect(await client.receive({ max: 10 })).toHaveLength(10)
  })

  it('stops a peek at its limit', async () => {
    for (let index = 0; index < 15; index++) await send(`m${index}`)
    expect(await client.messages({ limit: 12 })).toHaveLength(12)
  })

  it('receives, hides until deleted, and deletes', async () => {
    await send('one')
    const [message] = await client.receive({ waitTimeSeconds: 1 })
    expect(message?.body).toBe('one')
    expect(message?.attributes.ApproximateReceiveCount).toBe('1')
    expect(await client.receive()).toEqual([])
    await client.delete(message ? [message] : [])
    expect(local.queues.peek('jobs')).toEqual([])
  })

  it('purges the queue, and says why SQS refused a second purge', async () => {
    await send('one')
    await client.purge()
    expect(local.queues.peek('jobs')).toEqual([])
    await expect(client.purge()).rejects.toThrow(
      `QueueClient: SQS refused PurgeQueue on ${local.url('jobs')}: PurgeQueueInProgress: Only one PurgeQueue operation on jobs is allowed every 60 seconds.`,
    )
  })

  it('says which message is not JSON when JSON bodies were asked for, and still releases the peek', async () => {
    const { MessageId } = await send('not json')
    await expect(client.messages({ json: true })).rejects.toThrow(
      `QueueClient: message ${MessageId} has a body that is not JSON (asked for json: true): "not json"`,
    )
    expect(local.queues.peek('jobs')[0]?.state).toBe('visible')
  })

  it('names the queue that does not exist', async () => {
    const missing = new QueueClient({
      queueUrl: `${local.endpoint.endpoint}/${where.account}/missing`,
      endpoint: local.endpoint.endpoint,
      region: where.region,
      credentials,
    })
    try {
      const error = await missing.messages().catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(StakeoutError)
      expect((error as Error).message).toContain('QueueDoesNotExist: The specified queue does not exist.')
    } finally {
      missing.destroy()
    }
  })

  it('refuses bad options, naming them', async () => {
    expect(() => new QueueClient({ queueUrl: 'jobs' })).toThrow(ArgumentError)
    expect(() => new QueueClient({ queueUrl: 'jobs' })).toThrow('QueueClient: options.queueUrl must be')
    expect(() => new QueueClient({ queueUrl: local.url('jobs'), bogus: 1 } as never)).toThrow('options.bogus')
    await expect(client.messages({ limit: 0 })).rejects.toThrow(
      'QueueClient.messages: options.limit must be a positive integer',
    )
  })
})
