import { PutItemCommand } from '@aws-sdk/client-dynamodb'
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams'
import { marshall } from '@aws-sdk/util-dynamodb'
import { ArgumentError, EventStoreClient, type Projection } from 'stakeout'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { closeMatcherCalls, UnawaitedMatcherError } from '../../matchers/unawaited.js'
import { createLedgerTables } from '../clients/event-store-tables.js'
import { dynamodbEndpoint, LOCAL_AWS_ENV, localDynamoDB } from '../support/dynamodb.js'
import { failureOf } from '../support/failures.js'
import { type PeekableQueues, startPeekableQueues } from './to-eventually-project-queues.js'

const dynamodb = localDynamoDB()
const credentials = {
  accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID,
  secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY,
}
let tables: Awaited<ReturnType<typeof createLedgerTables>>
let queues: PeekableQueues
let onFailureQueueUrl: string
let deadLetterQueueUrl: string
/** A client that knows the ledger's queues (as useEventStore's does); `bare` knows only the tables. */
let ledger: EventStoreClient
let bare: EventStoreClient

beforeAll(async () => {
  tables = await createLedgerTables(dynamodb)
  queues = await startPeekableQueues()
  onFailureQueueUrl = queues.url('Ledger-OnFailureQueue')
  deadLetterQueueUrl = queues.url('Ledger-Balance-DeadLetterQueue')
  ledger = new EventStoreClient({
    tableName: tables.ledger,
    onFailureQueueUrl,
    projections: { Balance: { tableName: tables.projections.Balance ?? '', deadLetterQueueUrl } },
    dynamodb,
    sqs: { endpoint: queues.endpoint, region: 'us-east-1', credentials },
    streams: { endpoint: dynamodbEndpoint(), region: 'us-east-1', credentials },
  })
  bare = new EventStoreClient({ tableName: tables.ledger, projections: tables.projections, dynamodb })
})
afterAll(async () => {
  ledger?.destroy()
  await queues?.stop()
})

let counter = 0
const newAggregate = (name: string) => `${name}-${++counter}-${Date.now()}`
/** Short windows for expectations that must fail: the failure is the point, not the wait. */
const SHORT = { timeout: 300, interval: 50 }

/** Writes the projection as a projector does: `{ aggregateId, version, ...state }`. */
async function project(aggregateId: string, version: number, state: Record<string, unknown>): Promise<void> {
  await dynamodb.send(
    new PutItemCommand({
      TableName: tables.projections.Balance,
      Item: marshall({ ...state, aggregateId, version }),
    }),
  )
}

/** The stream records of an aggregate in the ledger's stream (DynamoDB Local's), as Lambda's batches would hold them. */
async function streamRecordsOf(aggregateId: string) {
  const streams = new DynamoDBStreamsClient({ endpoint: dynamodbEndpoint(), region: 'us-east-1', credentials })
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: tables.streamArn }))
  const found: { shardId: string; sequence: string; arrival: Date }[] = []
  for (const shard of StreamDescription?.Shards ?? []) {
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: tables.streamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    )
    let iterator = ShardIterator
    for (let read = 0; read < 20 && iterator !== undefined; read++) {
      const { Records = [], NextShardIterator } = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }))
      for (const record of Records) {
        if (record.dynamodb?.Keys?.aggregateId?.S === aggregateId) {
          found.push({
            shardId: shard.ShardId ?? '',
            sequence: record.dynamodb.SequenceNumber ?? '',
            arrival: record.dynamodb.ApproximateCreationDateTime ?? new Date(),
          })
        }
      }
      if (Records.length === 0) break
      iterator = NextShardIterator
    }
  }
  streams.destroy()
  return found
}

/** Lambda's on-failure record for a DynamoDB stream batch (Lambda developer guide, "with-ddb", on-failure destinations). */
function onFailureRecord(batch: {
  shardId: string
  start: string
  end: string
  first: Date
  last: Date
  streamArn?: string
}) {
  return {
    requestContext: {
      requestId: '316aa6d0-8154-xmpl-9af7-85d5f4a6bc81',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Ledger-Dispatch',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 11,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2026-12-01T10:00:00.000Z',
    DDBStreamBatchInfo: {
      shardId: batch.shardId,
      startSequenceNumber: batch.start,
      endSequenceNumber: batch.end,
      approximateArrivalOfFirstRecord: batch.first.toISOString(),
      approximateArrivalOfLastRecord: batch.last.toISOString(),
      batchSize: 1,
      streamArn: batch.streamArn ?? tables.streamArn,
    },
  }
}

describe('toEventuallyProject', () => {
  it('passes when the projection is at the version, and its state matches partially (asymmetric matchers too)', async () => {
    const id = newAggregate('pass')
    await project(id, 2, { balance: 30, lastTransaction: { type: 'Debit', amount: 20 } })
    const balance = ledger.projection('Balance', { aggregateId: id })
    await expect(balance).toEventuallyProject(2)
    await expect(balance).toEventuallyProject(2, { balance: 30 })
    await expect(balance).toEventuallyProject(2, { lastTransaction: { type: 'Debit' }, balance: expect.any(Number) })
    await expect(balance.get()).resolves.toEqual({
      version: 2,
      state: { balance: 30, lastTransaction: { type: 'Debit', amount: 20 } },
    })
  })

  it('waits for a projection written while it polls', async () => {
    const id = newAggregate('late')
    const late = new Promise<void>((resolve, reject) => {
      setTimeout(() => project(id, 1, { balance: 50 }).then(resolve, reject), 300)
    })
    await expect(ledger.projection('Balance', { aggregateId: id })).toEventuallyProject(
      1,
      { balance: 50 },
      {
        timeout: 10_000,
        interval: 50,
      },
    )
    await late
  })

  it('.not passes when the projection never reaches the version, and fails at once when it is there', async () => {
    const id = newAggregate('not')
    await project(id, 1, { balance: 50 })
    const balance = ledger.projection('Balance', { aggregateId: id })
    await expect(balance).not.toEventuallyProject(2, undefined, SHORT)
    await expect(balance).not.toEventuallyProject(1, { balance: 60 }, SHORT)
    const message = await failureOf(expect(balance).not.toEventuallyProject(1, { balance: 50 }, SHORT))
    expect(message).toBe(
      [
        'expect(projection).not.toEventuallyProject(version, expected)',
        '',
        `Expected projection Balance of aggregate "${id}" not to reach version 1 with {"balance": 50}`,
        'It did, on poll 1: version 1, state {"balance": 50}',
        '',
        'Polled <n> times over <t> s (interval 50 ms, backoff 1.5)',
      ].join('\n'),
    )
  })

  describe('when the projection never reached the version, says where the event stopped', () => {
    it('never appended: the ledger holds no event at that version', async () => {
      const id = newAggregate('never')
      const message = await failureOf(
        expect(ledger.projection('Balance', { aggregateId: id })).toEventuallyProject(1, { balance: 50 }, SHORT),
      )
      expect(message).toBe(
        [
          'expect(projection).toEventuallyProject(version, expected)',
          '',
          `Expected projection Balance of aggregate "${id}" to reach version 1 with {"balance": 50}`,
          `Last seen: nothing: the projection table ${tables.projections.Balance} holds no item for the aggregate.`,
          '',
          'The event never got to the ledger: it holds no event at version 1 of the aggregate (it holds none at all).',
          '',
          'Polled <n> times over <t> s (interval 50 ms, backoff 1.5)',
        ].join('\n'),
      )
      await ledger.append(id, { type: 'Credit', payload: { amount: 50 } })
      await project(id, 1, { balance: 50 })
      const later = await failureOf(
        expect(ledger.projection('Balance', { aggregateId: id })).toEventuallyProject(3, undefined, SHORT),
      )
      expect(later).toContain('Last seen: version 1, state {"balance": 50}')
      expect(later).toContain('it holds no event at version 3 of the aggregate (its last version is 1).')
    })

    it('parked in the on-failure queue: the stream records of the parked batch hold the event', async () => {
      const id = newAggregate('parked')
      await ledger.append(id, { type: 'Credit', payload: { amount: 50 } })
      const [record] = await streamRecordsOf(id)
      expect(record).toBeDefined()
      const { shardId, sequence, arrival } = record!
      queues.put(
        onFailureQueueUrl,
        onFailureRecord({ shardId, start: sequence, end: sequence, first: arrival, last: arrival }),
      )
      const message = await failureOf(
        expect(ledger.projection('Balance', { aggregateId: id })).toEventuallyProject(1, { balance: 50 }, SHORT),
      )
      expect(message).toMatch(
        new RegExp(
          `Event 1 \\(Credit, appended \\S+\\) is in the ledger, but the dispatch gave up on it: its batch is parked in the on-failure queue \\(RetryAttemptsExhausted\\)\\.\\n  ${onFailureQueueUrl}\\nFix the dispatch, then replay the aggregate`,
        ),
      )
      // A peek leaves the messages where they are.
      expect(
        queues.receives
          .filter((input) => input.QueueUrl === onFailureQueueUrl)
          .every((input) => input.VisibilityTimeout === 0),
      ).toBe(true)
    })

    it('parked, by arrival times, when the stream cannot say (its records are gone)', async () => {
      const id = newAggregate('by-time')
      const { events } = await ledger.append(id, { type: 'Credit', payload: { amount: 5 } })
      const at = new Date(events[0]?.timestamp ?? '')
      queues.put(
        onFailureQueueUrl,
        onFailureRecord({
          shardId: 'shardId-00000001700000000000-gone',
          start: '100',
          end: '200',
          first: at,
          last: at,
          streamArn: `${tables.streamArn}-gone`,
        }),
      )
      const message = await failureOf(
        expect(ledger.projection('Balance', { aggregateId: id })).toEventuallyProject(1, undefined, SHORT),
      )
      queues.clear(onFailureQueueUrl)
      expect(message).toContain(
        'is in the ledger, but a batch parked in the on-failure queue spans the time it was appended (RetryAttemptsExhausted), so the dispatch may have given up on it (its stream records cannot be read to confirm it).',
      )
    })

    it('in the projector’s dead-letter queue: a Lambda on-failure record, or an event EventBridge could not deliver', async () => {
      const lambdaFailed = newAggregate('dlq-lambda')
      const undelivered = newAggregate('dlq-bus')
      for (const id of [lambdaFailed, undelivered]) await ledger.append(id, { type: 'Credit', payload: { amount: 1 } })
      const busEvent = (aggregateId: string) => ({
        version: '0',
        id: 'a1b2c3d4-0000-0000-0000-000000000000',
        'detail-type': 'Credit',
        source: 'stakeout.ledger',
        account: '000000000000',
        time: '2026-12-01T10:00:00Z',
        region: 'us-east-1',
        resources: [],
        detail: { aggregateId, version: 1, aggregate: { balance: 1 }, lastEvent: { type: 'Credit' } },
      })
      queues.put(deadLetterQueueUrl, {
        version: '1.0',
        timestamp: '2026-12-01T10:00:05.000Z',
        requestContext: {
          requestId: 'e4b46cbf-b738-xmpl-8880-a18cdf61200e',
          functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Balance:$LATEST',
          condition: 'RetriesExhausted',
          approximateInvokeCount: 3,
        },
        requestPayload: busEvent(lambdaFailed),
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { errorType: 'TypeError', errorMessage: 'balance is not a number' },
      })
      queues.put(deadLetterQueueUrl, busEvent(undelivered), {
        ERROR_CODE: 'SDK_CLIENT_ERROR',
        ERROR_MESSAGE: 'Unable to invoke Lambda function',
        RULE_ARN: 'arn:aws:events:us-east-1:000000000000:rule/Ledger/Balance',
      })
      const first = await failureOf(
        expect(ledger.projection('Balance', { aggregateId: lambdaFailed })).toEventuallyProject(1, undefined, SHORT),
      )
      expect(first).toContain(
        "was published, but never reached the projection: it is in the projector's dead-letter queue (RetriesExhausted: TypeError: balance is not a number).",
      )
      const second = await failureOf(
        expect(ledger.projection('Balance', { aggregateId: undelivered })).toEventuallyProject(1, undefined, SHORT),
      )
      expect(second).toContain(
        "it is in the projector's dead-letter queue (SDK_CLIENT_ERROR: Unable to invoke Lambda function).",
      )
    })

    it('of a type the projector does not listen to: names the types its rule sends', async () => {
      const listening = new EventStoreClient({
        tableName: tables.ledger,
        projections: { Balance: { tableName: tables.projections.Balance ?? '', eventTypes: ['Credit', 'Debit'] } },
        dynamodb,
      })
      const id = newAggregate('closed')
      await listening.append(id, { type: 'Closed' })
      const message = await failureOf(
        expect(listening.projection('Balance', { aggregateId: id })).toEventuallyProject(1, undefined, SHORT),
      )
      expect(message).toMatch(
        /Event 1 \(Closed, appended \S+\) is in the ledger, but the projector does not listen to its type: its rule sends it Credit, Debit \(and replays\)\./,
      )
      await listening.append(id, { type: 'Credit' })
      const credit = await failureOf(
        expect(listening.projection('Balance', { aggregateId: id })).toEventuallyProject(2, undefined, SHORT),
      )
      expect(credit).toContain('is in the ledger, and parked nowhere the target can see')
    })

    it('in the ledger, parked nowhere: says so, and what it could not look at', async () => {
      const id = newAggregate('nowhere')
      await ledger.append(id, { type: 'Credit', payload: { amount: 1 } })
      const message = await failureOf(
        expect(ledger.projection('Balance', { aggregateId: id })).toEventuallyProject(1, undefined, SHORT),
      )
      expect(message).toMatch(
        /Event 1 \(Credit, appended \S+\) is in the ledger, and parked nowhere the target can see: it may still be on its way, or the projector's rule does not match its type\.\n\nPolled/,
      )
      const unknown = await failureOf(
        expect(bare.projection('Balance', { aggregateId: id })).toEventuallyProject(1, undefined, SHORT),
      )
      expect(unknown).toContain('  Not looked at: the on-failure queue (not known to the client).')
      expect(unknown).toContain("  Not looked at: the projector's dead-letter queue (not known to the client).")
    })
  })

  it('at the version with another state: shows the diff against expected, cut to its keys', async () => {
    const id = newAggregate('diff')
    await project(id, 2, { balance: 30, owner: 'ada', lastTransaction: { type: 'Debit', amount: 20 } })
    const message = await failureOf(
      expect(ledger.projection('Balance', { aggregateId: id })).toEventuallyProject(
        2,
        { balance: 40, lastTransaction: { type: 'Debit' } },
        SHORT,
      ),
    )
    expect(message).toContain(
      `Expected projection Balance of aggregate "${id}" to reach version 2 with {"balance": 40, "lastTransaction": {"type": "Debit"}}`,
    )
    // DynamoDB keeps no attribute order: the state shows as stored.
    expect(message).toMatch(/^Last seen: version 2, state \{.*"owner": "ada".*\}$/m)
    expect(message).toContain('"lastTransaction": {"type": "Debit", "amount": 20}')
    expect(message).toContain('At that version, the state does not match:')
    expect(message).toMatch(/-\s+"balance": 40,\n\s*\+\s+"balance": 30,/)
    expect(message).not.toMatch(/[-+] +"owner"/)
    expect(message).not.toContain('never got to the ledger')
  })

  it('past the version: says a delivery of that version is now refused as older', async () => {
    const id = newAggregate('past')
    await project(id, 5, { balance: 10 })
    const message = await failureOf(
      expect(ledger.projection('Balance', { aggregateId: id })).toEventuallyProject(3, undefined, SHORT),
    )
    expect(message).toContain('Last seen: version 5, state {"balance": 10}')
    expect(message).toContain(
      'The projection went past version 3 to 5: a delivery of version 3 now is refused by the projector as older (the stored version is higher).',
    )
  })

  it('when the projection cannot be read, fails with the last error, under .not too', async () => {
    const broken = new EventStoreClient({
      tableName: tables.ledger,
      projections: { Balance: 'no-such-table' },
      dynamodb,
    })
    const projection = broken.projection('Balance', { aggregateId: 'a-1' })
    const message = await failureOf(expect(projection).toEventuallyProject(1, undefined, SHORT))
    expect(message).toContain('Received nothing: every attempt to read the projection failed.')
    expect(message).toContain('Last error reading the projection: ResourceNotFoundException')
    const negated = await failureOf(expect(projection).not.toEventuallyProject(1, undefined, SHORT))
    expect(negated).toContain('Received nothing: every attempt to read the projection failed.')
  })

  describe('under fake timers (vi.useFakeTimers)', () => {
    afterEach(() => {
      vi.useRealTimers()
    })

    // The fake clock moves only when the test advances it; the matcher polls on the real timers.
    it('passes, .not waits its window out, and a miss fails with its message', async () => {
      const id = newAggregate('fake-timers')
      await project(id, 1, { balance: 1 })
      vi.useFakeTimers()
      const balance = ledger.projection('Balance', { aggregateId: id })
      await expect(balance).toEventuallyProject(1, { balance: 1 }, { timeout: 10_000 })
      await expect(balance).not.toEventuallyProject(2, undefined, SHORT)
      const message = await failureOf(expect(balance).toEventuallyProject(1, { balance: 2 }, SHORT))
      expect(message).toContain('At that version, the state does not match:')
    })
  })

  it('a matcher the test did not await fails that test (and stops polling)', async () => {
    const id = newAggregate('unawaited')
    void expect(ledger.projection('Balance', { aggregateId: id })).toEventuallyProject(1, undefined, {
      timeout: 10_000,
    })
    await new Promise((resolve) => setImmediate(resolve))
    expect(() => closeMatcherCalls(expect.getState().currentTestName)).toThrow(
      new UnawaitedMatcherError(
        [
          'expect(projection).toEventuallyProject(version) was not awaited. This matcher is asynchronous and must be awaited.',
          'It was still polling when the test ended (it is stopped now): its result could not fail the test, and it would have read the next test’s calls.',
          '',
          '  await expect(projection).toEventuallyProject(version)',
        ].join('\n'),
      ),
    )
  })

  describe('bad arguments throw, naming the argument', () => {
    let projection: Projection
    beforeAll(() => {
      projection = ledger.projection('Balance', { aggregateId: 'never-read' })
    })

    it.each([
      [
        'a version of 0',
        () => expect(projection).toEventuallyProject(0),
        'toEventuallyProject: version must be a version: a whole number ≥ 1, received number 0',
      ],
      [
        'a string version',
        () => expect(projection).toEventuallyProject('1' as never),
        "version must be a version: a whole number ≥ 1, received string '1'",
      ],
      [
        'an array expected',
        () => expect(projection).toEventuallyProject(1, [1] as never),
        'toEventuallyProject: expected must be an object the projection state must match partially (or undefined), received array [ 1 ]',
      ],
      [
        'an unknown option',
        () => expect(projection).toEventuallyProject(1, undefined, { tiemout: 5 } as never),
        'toEventuallyProject: options.tiemout must be absent (unknown option; one of timeout, interval), received number 5',
      ],
      [
        'a negative timeout',
        () => expect(projection).toEventuallyProject(1, undefined, { timeout: -1 }),
        'toEventuallyProject: options.timeout must be',
      ],
      [
        'not a projection',
        () => expect({ get: async () => undefined } as unknown as Projection).toEventuallyProject(1),
        'toEventuallyProject: received value must be a projection: the value of ledger.projection(name, { aggregateId })',
      ],
    ])('%s', async (_, assertion, message) => {
      const error = await assertion().then(
        () => undefined,
        (failure: unknown) => failure as Error,
      )
      expect(error).toBeInstanceOf(ArgumentError)
      expect(error?.message).toContain(message)
      expect(error?.stack).toContain('to-eventually-project.test.ts')
    })

    it('under .not too', async () => {
      await expect(expect(projection).not.toEventuallyProject(-2)).rejects.toThrow(ArgumentError)
    })
  })
})
