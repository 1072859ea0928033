// DynamoDB Local never splits a stream's shard, so a split is played with aws-sdk-client-mock: DescribeStream,
// GetShardIterator and GetRecords answer in the shapes of the DynamoDB Streams API reference (a closed parent with an
// EndingSequenceNumber, a child naming it as ParentShardId, a null NextShardIterator at the end of a closed shard).
import { randomUUID } from 'node:crypto'
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams'
import { mockClient } from 'aws-sdk-client-mock'
import { afterEach, describe, expect, it } from 'vitest'
import type { DynamoDBStreamEvent } from '../../../../src/local/services/streams/records.js'
import { StreamPoller } from '../../../../src/local/services/streams/stream-poller.js'
import { testQueues } from '../../../support/queues.js'
import { ids, settingsFor, waitUntil } from './support.js'

const STREAM = 'arn:aws:dynamodb:eu-west-1:000000000000:table/Ledger/stream/2026-12-01T00:00:00.000'
const PARENT = 'shardId-00000001796120000000-aaaaaaaa'
const CHILD = 'shardId-00000001796130000000-bbbbbbbb'
const client = new DynamoDBStreamsClient({ region: 'eu-west-1' })
const streams = mockClient(client)
afterEach(() => streams.reset())

const record = (id: string, sequence: string): _Record => ({
  eventID: randomUUID(),
  eventName: 'INSERT',
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: 'eu-west-1',
  dynamodb: {
    ApproximateCreationDateTime: new Date('2026-12-01T00:00:00Z'),
    Keys: { id: { S: id } },
    NewImage: { id: { S: id } },
    SequenceNumber: sequence,
    SizeBytes: 10,
    StreamViewType: 'NEW_IMAGE',
  },
})

describe('StreamPoller: shard lineage', () => {
  it('reads a child shard only once its parent is read to its end, so one key’s writes stay in order', async () => {
    streams.on(DescribeStreamCommand).resolves({
      StreamDescription: {
        StreamArn: STREAM,
        StreamStatus: 'ENABLED',
        // The child is listed first: the order of the list must not decide the order of delivery.
        Shards: [
          {
            ShardId: CHILD,
            ParentShardId: PARENT,
            SequenceNumberRange: { StartingSequenceNumber: '300000000000000000001' },
          },
          {
            ShardId: PARENT,
            SequenceNumberRange: {
              StartingSequenceNumber: '100000000000000000001',
              EndingSequenceNumber: '100000000000000000003',
            },
          },
        ],
      },
    })
    streams
      .on(GetShardIteratorCommand, { ShardId: PARENT })
      .resolves({ ShardIterator: 'parent-1' })
      .on(GetShardIteratorCommand, { ShardId: CHILD })
      .resolves({ ShardIterator: 'child-1' })
    let parentReads = 0
    streams
      .on(GetRecordsCommand, { ShardIterator: 'parent-1' })
      .callsFake(async () => {
        parentReads += 1
        // Slow enough that a child read at once would overtake it.
        await new Promise((resolve) => setTimeout(resolve, 50))
        return { Records: [record('k', '100000000000000000001')], NextShardIterator: 'parent-2' }
      })
      .on(GetRecordsCommand, { ShardIterator: 'parent-2' })
      .resolves({ Records: [record('k', '100000000000000000003')] })
      .on(GetRecordsCommand, { ShardIterator: 'child-1' })
      .resolves({ Records: [record('k', '300000000000000000001')], NextShardIterator: 'child-2' })
      .on(GetRecordsCommand, { ShardIterator: 'child-2' })
      .resolves({ Records: [], NextShardIterator: 'child-2' })

    const events: DynamoDBStreamEvent[] = []
    const poller = new StreamPoller({
      settings: settingsFor(STREAM),
      region: 'eu-west-1',
      client,
      queues: testQueues([]),
      log: () => {},
      faults: { fail: 0, random: Math.random },
      invoke: async (event) => {
        events.push(event as DynamoDBStreamEvent)
        return { result: null, logs: '', durationMs: 0, requestId: randomUUID() }
      },
    })
    try {
      await poller.start()
      await waitUntil('the child’s record', () => events.flatMap(ids).length >= 3)
    } finally {
      await poller.stop()
    }
    expect(parentReads).toBe(1)
    expect(events.flatMap((event) => event.Records.map((each) => each.dynamodb.SequenceNumber))).toEqual([
      '100000000000000000001',
      '100000000000000000003',
      '300000000000000000001',
    ])
    expect(streams.commandCalls(GetShardIteratorCommand).map((call) => call.args[0].input)).toEqual([
      { StreamArn: STREAM, ShardId: PARENT, ShardIteratorType: 'TRIM_HORIZON' },
      { StreamArn: STREAM, ShardId: CHILD, ShardIteratorType: 'TRIM_HORIZON' },
    ])
  })
})
