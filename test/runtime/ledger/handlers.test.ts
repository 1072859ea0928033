/**
 * The README's dispatch and projector (fixtures/dispatch.ts, fixtures/balance-projector.ts) run as Lambda functions in
 * real Node.js processes (invokeHandler / startHandler bundle them as NodejsFunction does, @aws-sdk/* left to the
 * runtime), their SDK clients reaching DynamoDB Local and the recording EventBridge endpoint through
 * AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_EVENTBRIDGE, as the local target sets them. The dispatch's stream
 * records are DynamoDB Local's own, read from the ledger's stream.
 */
import { fileURLToPath } from 'node:url'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { invokeHandler, type LocalHandler, startHandler } from '../../../src/local/index.js'
import { dynamodbEndpoint, LOCAL_AWS_ENV, localDynamoDB } from '../../support/dynamodb.js'
import { createVersionedTable } from '../../support/ledger-tables.js'
import {
  appendEvents,
  createLedgerTables,
  type LedgerTables,
  ledgerEnvironment,
  projectionOf,
  type RecordingBus,
  startRecordingBus,
} from './fixtures/ledger.js'

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

let dynamodb: DynamoDBClient
let tables: LedgerTables
let bus: RecordingBus
let streamArn: string
let projector: LocalHandler | undefined

beforeAll(async () => {
  dynamodb = localDynamoDB()
  tables = await createLedgerTables(dynamodb)
  // The ledger itself as EventLedger makes it: with a stream of new images.
  const ledger = await createVersionedTable(dynamodb, `${tables.ledgerTable}-streamed`, { stream: true })
  streamArn = ledger.TableDescription!.LatestStreamArn!
  tables = { ...tables, ledgerTable: `${tables.ledgerTable}-streamed` }
  bus = await startRecordingBus()
})

afterAll(async () => {
  await projector?.stop()
  await bus?.stop()
  dynamodb?.destroy()
})

const env = () => ({
  ...LOCAL_AWS_ENV,
  ...ledgerEnvironment(tables),
  AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint(),
  AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
})

/** The ledger stream's records, in Lambda's event shape (what the event source mapping delivers). */
async function streamRecords() {
  const streams = new DynamoDBStreamsClient({
    endpoint: dynamodbEndpoint(),
    region: LOCAL_AWS_ENV.AWS_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))
  const records = []
  for (const shard of StreamDescription?.Shards ?? []) {
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    )
    const { Records = [] } = await streams.send(new GetRecordsCommand({ ShardIterator: ShardIterator! }))
    for (const record of Records) {
      records.push({
        ...record,
        dynamodb: {
          ...record.dynamodb,
          ApproximateCreationDateTime: Math.floor(
            (record.dynamodb!.ApproximateCreationDateTime as Date).getTime() / 1000,
          ),
        },
        eventSourceARN: streamArn,
      })
    }
  }
  streams.destroy()
  return records
}

describe('the README dispatch and projector as Lambda functions', () => {
  it('dispatches real stream records, fails the one PutEvents refuses, and projects in any order', async () => {
    const events = await appendEvents(dynamodb, tables.ledgerTable, 'account-1', [
      { type: 'Credit', payload: { amount: 100 } },
      { type: 'Debit', payload: { amount: 30 } },
      { type: 'Credit', payload: { amount: 5 } },
    ])
    const records = await streamRecords()
    expect(records.map((record) => record.eventName)).toEqual(['INSERT', 'INSERT', 'INSERT'])

    bus.refuse = (entry) => (JSON.parse(entry.Detail!).version === 3 ? 'InternalFailure' : undefined)
    const first = await invokeHandler({ entry: fixture('dispatch.ts'), event: { Records: records }, env: env() })
    expect(first.error).toBeUndefined()
    expect(first.result).toEqual({ batchItemFailures: [{ itemIdentifier: records[2]!.dynamodb.SequenceNumber }] })
    expect(first.logs).toContain(
      `[stakeout] dispatchAggregate: account-1 version 3 (record ${records[2]!.dynamodb.SequenceNumber}) failed: PutEvents refused the entry: InternalFailure`,
    )

    // Lambda retries from the failed record on.
    bus.refuse = () => undefined
    const retry = await invokeHandler({
      entry: fixture('dispatch.ts'),
      event: { Records: records.slice(2) },
      env: env(),
    })
    expect(retry.result).toEqual({ batchItemFailures: [] })
    const published = bus.accepted()
    expect(published.map((entry) => [entry.detailType, entry.detail.version, entry.detail.aggregate])).toEqual([
      ['Credit', 1, { balance: 100, lastTransaction: { type: 'Credit', amount: 100 } }],
      ['Debit', 2, { balance: 70, lastTransaction: { type: 'Debit', amount: 30 } }],
      ['Credit', 3, { balance: 75, lastTransaction: { type: 'Credit', amount: 5 } }],
    ])
    expect(published[2]!.detail.lastEvent).toEqual(events[2])

    projector = await startHandler({ entry: fixture('balance-projector.ts'), env: env() })
    const deliver = (index: number) =>
      projector!.invoke({
        version: '0',
        id: `event-${index}`,
        'detail-type': published[index]!.detailType,
        source: published[index]!.source,
        account: '000000000000',
        time: '2026-01-01T00:00:00Z',
        region: 'us-east-1',
        resources: [],
        detail: published[index]!.detail,
      })
    const outcomes = []
    for (const index of [2, 0, 2, 1]) outcomes.push((await deliver(index)).result)
    expect(outcomes).toEqual([
      { aggregateId: 'account-1', version: 3, outcome: 'written' },
      { aggregateId: 'account-1', version: 1, outcome: 'older', storedVersion: 3 },
      { aggregateId: 'account-1', version: 3, outcome: 'duplicate', storedVersion: 3 },
      { aggregateId: 'account-1', version: 2, outcome: 'older', storedVersion: 3 },
    ])
    expect(await projectionOf(dynamodb, tables.projectionTable, 'account-1')).toEqual({
      aggregateId: 'account-1',
      version: 3,
      balance: 75,
      updatedAt: events[2]!.timestamp,
    })
  })

  it('answers a replay request invoked synchronously', async () => {
    bus.refuse = () => undefined
    await appendEvents(dynamodb, tables.ledgerTable, 'account-2', [
      { type: 'Credit', payload: { amount: 100 } },
      { type: 'Debit', payload: { amount: 30 } },
    ])
    const out = await invokeHandler({
      entry: fixture('dispatch.ts'),
      event: { stakeoutReplay: { aggregateIds: ['account-2', 'account-nobody'] } },
      env: env(),
    })
    expect(out.result).toEqual({ replayed: [{ aggregateId: 'account-2', version: 2 }], missing: ['account-nobody'] })
    expect(bus.accepted().at(-1)).toMatchObject({
      detailType: 'stakeout.replay',
      detail: { aggregateId: 'account-2', version: 2, aggregate: { balance: 70 } },
    })
  })
})
