import { DynamoDBClient, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocal } from '../../../../src/local/app/start-local.js'
import type { LocalApp } from '../../../../src/local/app/types.js'
import type { DynamoDBStreamEventRecord } from '../../../../src/local/services/streams/records.js'
import { waitUntil } from './support.js'
import { synthesizeStreamsApp } from './support-app.js'

let app: LocalApp
let dynamodb: DynamoDBClient
const lines: string[] = []

beforeAll(async () => {
  app = await startLocal({ app: await synthesizeStreamsApp(), log: (line) => lines.push(line) })
  dynamodb = new DynamoDBClient({ ...app.resources.clientSettings('dynamodb'), maxAttempts: 1 })
}, 180_000)

afterAll(async () => {
  dynamodb?.destroy()
  await app?.stop()
})

const table = (id: string) => app.resources.resolve(id, { type: 'AWS::DynamoDB::Table' })
const append = (aggregateId: string, version: number, extra: Record<string, unknown> = {}) =>
  dynamodb.send(
    new PutItemCommand({
      TableName: table('Ledger').physicalId,
      Item: { aggregateId: { S: aggregateId }, version: { N: String(version) }, ...extra } as never,
    }),
  )

/** The projection of one aggregate: version → the stream record the projector got for it. */
async function projection(aggregateId: string): Promise<Map<number, DynamoDBStreamEventRecord>> {
  const out = await dynamodb.send(
    new QueryCommand({
      TableName: table('Projection').physicalId,
      KeyConditionExpression: 'aggregateId = :id',
      ExpressionAttributeValues: { ':id': { S: aggregateId } },
      ConsistentRead: true,
    }),
  )
  return new Map((out.Items ?? []).map((item) => [Number(item.version?.N), JSON.parse(item.record?.S ?? '{}')]))
}

async function projected(aggregateId: string, count: number): Promise<Map<number, DynamoDBStreamEventRecord>> {
  let seen = new Map<number, DynamoDBStreamEventRecord>()
  const deadline = Date.now() + 20_000
  while (seen.size < count) {
    if (Date.now() > deadline) throw new Error(`${aggregateId}: ${seen.size} of ${count} versions projected`)
    seen = await projection(aggregateId)
    if (seen.size < count) await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return seen
}

describe('startLocal: a DynamoDB stream event source', () => {
  it('names what it does not run in the one warning: a second factor of parallelization, an SQS source', () => {
    const warning = lines.find((line) => line.startsWith('startLocal: StreamsStack runs locally without these:')) ?? ''
    const mappings = app.resources.ofType('AWS::Lambda::EventSourceMapping')
    expect(mappings).toHaveLength(3)
    expect(warning).toMatch(/AWS::Lambda::EventSourceMapping \S+ .*ParallelizationFactor: 2 is not applied locally/)
    expect(warning).toMatch(
      /AWS::Lambda::EventSourceMapping \S+ StreamsStack\/Auditor\/SqsEventSource\S*.*the mapping is not run/,
    )
    expect(warning).not.toMatch(/EventSourceMapping.*not brought up locally/)
    // Ref is the mapping's UUID, as CloudFormation gives it.
    for (const mapping of mappings)
      expect(mapping.physicalId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  it('hands the projector each INSERT of the ledger in Lambda’s event, in order, MODIFYs filtered out', async () => {
    const aggregateId = `orders-${Date.now()}`
    for (let version = 1; version <= 20; version++) await append(aggregateId, version, { type: { S: 'Credited' } })
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: table('Ledger').physicalId,
        Key: { aggregateId: { S: aggregateId }, version: { N: '1' } },
        UpdateExpression: 'SET amended = :yes',
        ExpressionAttributeValues: { ':yes': { BOOL: true } },
      }),
    )
    await append(aggregateId, 21)
    const seen = await projected(aggregateId, 21)
    const records = [...seen.entries()].sort(([a], [b]) => a - b).map(([, record]) => record)
    expect(records.map((record) => record.eventName)).toEqual(Array(21).fill('INSERT'))
    const sequence = records.map((record) => BigInt(record.dynamodb.SequenceNumber))
    expect(sequence).toEqual([...sequence].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
    expect(records[0]).toEqual({
      eventID: expect.any(String),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: app.endpoints.region,
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: { aggregateId: { S: aggregateId }, version: { N: '1' } },
        NewImage: { aggregateId: { S: aggregateId }, version: { N: '1' }, type: { S: 'Credited' } },
        SequenceNumber: expect.any(String),
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: table('Ledger').attributes?.StreamArn,
    })
  })

  it('isolates a poison event by bisecting and parks it, while the events around it reach the projection', async () => {
    const aggregateId = `poisoned-${Date.now()}`
    await append(aggregateId, 1)
    await append(aggregateId, 2, { poison: { BOOL: true } })
    await append(aggregateId, 3)
    const other = `healthy-${Date.now()}`
    await append(other, 1)
    await projected(other, 1)
    const seen = await projected(aggregateId, 2)
    expect([...seen.keys()].sort()).toEqual([1, 3])
    // Parked: in the on-failure queue once the local SQS runs (another helper's service), else named in a loss line.
    if (app.endpoints.sqs !== undefined) {
      const sqs = new SQSClient({ ...app.resources.clientSettings('sqs') })
      try {
        const queue = app.resources.resolve('Parked', { type: 'AWS::SQS::Queue' })
        const received = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queue.physicalId, WaitTimeSeconds: 5, MaxNumberOfMessages: 10 }),
        )
        const bodies = (received.Messages ?? []).map((message) => JSON.parse(message.Body ?? '{}'))
        expect(bodies).toContainEqual(
          expect.objectContaining({
            // Every invocation that held it: how the bisections went decides how many.
            requestContext: expect.objectContaining({
              condition: 'RetryAttemptsExhausted',
              approximateInvokeCount: expect.any(Number),
            }),
            DDBStreamBatchInfo: expect.objectContaining({
              batchSize: 1,
              streamArn: table('Ledger').attributes?.StreamArn,
            }),
          }),
        )
      } finally {
        sqs.destroy()
      }
    } else {
      await waitUntil('the loss line', () =>
        lines.some((line) => line.includes(`aggregateId=${aggregateId} version=2`)),
      )
      expect(lines.filter((line) => line.includes(`aggregateId=${aggregateId}`))).toEqual([
        expect.stringMatching(
          /^event source StreamsStack\/Projector\/DynamoDBEventSource\S*: lost 1 record of shard .*its retries were exhausted/,
        ),
      ])
    }
  })
})
