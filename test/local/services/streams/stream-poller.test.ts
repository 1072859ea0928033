import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import { afterEach, describe, expect, it } from 'vitest'
import { checkFaults } from '../../../../src/local/app/faults.js'
import { compileFilters } from '../../../../src/local/services/eventbridge/pattern.js'
import type { DynamoDBStreamEvent } from '../../../../src/local/services/streams/records.js'
import { ids, type PollerRig, pollerRig, sequenceNumbers, type TestHandler, waitUntil } from './support.js'

const rigs: PollerRig[] = []
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((rig) => rig.stop()))
})
async function rig(...args: Parameters<typeof pollerRig>): Promise<PollerRig> {
  const made = await pollerRig(...args)
  rigs.push(made)
  return made
}
const put = (r: PollerRig, id: string, extra: Record<string, unknown> = {}) =>
  r.dynamodb.send(new PutItemCommand({ TableName: r.table, Item: { id: { S: id }, ...extra } as never }))
const DLQ = 'arn:aws:sqs:eu-west-1:123456789012:dlq'
const ON_FAILURE = 'arn:aws:sqs:eu-west-1:123456789012:OnFailure'
const delivered = (r: PollerRig) => r.invocations.flatMap(({ event }) => event.Records)

describe('StreamPoller: the event', () => {
  it('hands the function the records in the exact shape of a Lambda DynamoDB stream event', async () => {
    const r = await rig(() => null)
    await r.poller.start()
    const before = Math.floor(Date.now() / 1000)
    await put(r, 'a', { n: { N: '1' }, blob: { B: Uint8Array.from([1, 2, 255]) } })
    await r.dynamodb.send(
      new UpdateItemCommand({
        TableName: r.table,
        Key: { id: { S: 'a' } },
        UpdateExpression: 'SET n = :n',
        ExpressionAttributeValues: { ':n': { N: '2' } },
      }),
    )
    await r.dynamodb.send(new DeleteItemCommand({ TableName: r.table, Key: { id: { S: 'a' } } }))
    await waitUntil('3 records', () => delivered(r).length >= 3)

    const [insert, modify, remove] = delivered(r)
    const common = {
      eventID: expect.any(String),
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'eu-west-1',
      eventSourceARN: r.streamArn,
    }
    const image1 = { id: { S: 'a' }, n: { N: '1' }, blob: { B: 'AQL/' } }
    const image2 = { id: { S: 'a' }, n: { N: '2' }, blob: { B: 'AQL/' } }
    expect(insert).toEqual({
      ...common,
      eventName: 'INSERT',
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: { id: { S: 'a' } },
        NewImage: image1,
        SequenceNumber: expect.stringMatching(/^\d{21,}$/),
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    })
    expect(modify).toMatchObject({ eventName: 'MODIFY', dynamodb: { NewImage: image2, OldImage: image1 } })
    expect(remove).toMatchObject({ eventName: 'REMOVE', dynamodb: { OldImage: image2 } })
    expect(remove?.dynamodb.NewImage).toBeUndefined()
    // The field order of the developer guide's example, and the time in epoch seconds.
    expect(Object.keys(insert ?? {})).toEqual([
      'eventID',
      'eventName',
      'eventVersion',
      'eventSource',
      'awsRegion',
      'dynamodb',
      'eventSourceARN',
    ])
    expect(Object.keys(modify?.dynamodb ?? {})).toEqual([
      'ApproximateCreationDateTime',
      'Keys',
      'NewImage',
      'OldImage',
      'SequenceNumber',
      'SizeBytes',
      'StreamViewType',
    ])
    const created = insert?.dynamodb.ApproximateCreationDateTime ?? 0
    expect(Number.isInteger(created)).toBe(true)
    expect(created).toBeGreaterThan(before - 120)
    expect(created).toBeLessThanOrEqual(before + 120)
    expect(BigInt(modify?.dynamodb.SequenceNumber ?? 0)).toBeGreaterThan(BigInt(insert?.dynamodb.SequenceNumber ?? 0))
  })

  it('cuts batches at BatchSize', async () => {
    const r = await rig(() => null, { batchSize: 3 })
    for (const id of ['1', '2', '3', '4', '5', '6', '7']) await put(r, id)
    await r.poller.start()
    await waitUntil('7 records', () => delivered(r).length >= 7)
    expect(r.invocations.map(({ event }) => ids(event))).toEqual([['1', '2', '3'], ['4', '5', '6'], ['7']])
  })

  it('waits up to MaximumBatchingWindowInSeconds to fill a batch', async () => {
    const r = await rig(() => null, { batchSize: 4, batchingWindowMs: 3000 })
    await r.poller.start()
    for (const id of ['1', '2', '3', '4']) await put(r, id)
    await waitUntil('4 records', () => delivered(r).length >= 4)
    // Without the window the first write would go alone, the poller reading every few ms.
    expect(r.invocations.map(({ event }) => ids(event))).toEqual([['1', '2', '3', '4']])
  })

  it('drops and counts the records FilterCriteria filters out, without invoking for them', async () => {
    const filters = compileFilters([
      { Pattern: JSON.stringify({ eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['Credit'] } } } }) },
    ])
    const r = await rig(() => null, { filters })
    for (const [id, type] of [
      ['1', 'Credit'],
      ['2', 'Debit'],
      ['3', 'Credit'],
    ] as const) {
      await put(r, id, { type: { S: type } })
    }
    await r.dynamodb.send(new DeleteItemCommand({ TableName: r.table, Key: { id: { S: '1' } } }))
    await put(r, 'last', { type: { S: 'Credit' } })
    await r.poller.start()
    await waitUntil('the last record', () => delivered(r).some((record) => record.dynamodb.Keys?.id?.S === 'last'))
    expect(delivered(r).map((record) => record.dynamodb.Keys?.id?.S)).toEqual(['1', '3', 'last'])
    expect(r.poller.stats).toMatchObject({ records: 5, filtered: 2 })
  })

  it('keeps the writes of one key in order across many batches, one batch in flight at a time', async () => {
    let inFlight = 0
    let most = 0
    const r = await rig(
      async () => {
        inFlight += 1
        most = Math.max(most, inFlight)
        await new Promise((resolve) => setTimeout(resolve, 2))
        inFlight -= 1
      },
      { batchSize: 7 },
    )
    await r.poller.start()
    const writes = 150
    for (let version = 1; version <= writes; version++) await put(r, 'key', { version: { N: String(version) } })
    await waitUntil(`${writes} records`, () => delivered(r).length >= writes, 30_000)
    const versions = delivered(r).map((record) => Number(record.dynamodb.NewImage?.version?.N))
    expect(versions).toEqual(Array.from({ length: writes }, (_, index) => index + 1))
    expect(most).toBe(1)
  })

  it('starts at LATEST: what was written before start() is not delivered, what comes after is', async () => {
    const r = await rig(() => null, { startingPosition: 'LATEST' })
    await put(r, 'before')
    await r.poller.start()
    await put(r, 'after')
    await waitUntil('the record after start', () => delivered(r).length >= 1)
    await put(r, 'later')
    await waitUntil('the later record', () => delivered(r).length >= 2)
    expect(delivered(r).map((record) => record.dynamodb.Keys?.id?.S)).toEqual(['after', 'later'])
  })
})

describe('StreamPoller: failures', () => {
  it('checkpoints at the lowest failed sequence number of a partial batch response and retries from there', async () => {
    let calls = 0
    const handler: TestHandler = (event) => {
      calls += 1
      if (calls > 1) return { batchItemFailures: [] }
      const [, second, , fourth] = sequenceNumbers(event)
      return { batchItemFailures: [{ itemIdentifier: fourth }, { itemIdentifier: second }] }
    }
    const r = await rig(handler, { reportBatchItemFailures: true, maximumRetryAttempts: 3 })
    for (const id of ['1', '2', '3', '4', '5']) await put(r, id)
    await r.poller.start()
    await waitUntil('the retry', () => r.invocations.length >= 2)
    await waitUntil('the poller idle', () => r.poller.stats.invocations === 2)
    expect(r.invocations.map(({ event }) => ids(event))).toEqual([
      ['1', '2', '3', '4', '5'],
      ['2', '3', '4', '5'],
    ])
    expect(r.poller.stats.retries).toBe(1)
  })

  it('ignores a partial batch response when the mapping does not report batch item failures', async () => {
    const r = await rig((event) => ({ batchItemFailures: [{ itemIdentifier: sequenceNumbers(event)[0] }] }))
    await put(r, '1')
    await put(r, '2')
    await r.poller.start()
    await waitUntil('one invocation', () => r.invocations.length >= 1)
    await put(r, '3')
    await waitUntil('the next record', () => delivered(r).length >= 3)
    expect(r.invocations.map(({ event }) => ids(event))).toEqual([['1', '2'], ['3']])
  })

  it('counts an invalid partial batch response (no itemIdentifier) as a failure of the whole batch', async () => {
    let calls = 0
    const r = await rig(() => (++calls === 1 ? { batchItemFailures: [{ itemIdentifer: 'misspelt' }] } : null), {
      reportBatchItemFailures: true,
    })
    await put(r, '1')
    await put(r, '2')
    await r.poller.start()
    await waitUntil('the retry', () => r.invocations.length >= 2)
    expect(r.invocations.map(({ event }) => ids(event))).toEqual([
      ['1', '2'],
      ['1', '2'],
    ])
    expect(r.log.join('\n')).toMatch(/invalid partial batch response \(batchItemFailures\[0\] has no itemIdentifier/)
  })

  it('bisects a failing batch until the poison record is alone, then parks it and delivers the rest', async () => {
    const handler: TestHandler = (event) => {
      if (ids(event).includes('poison')) throw new Error('poison record')
    }
    const r = await rig(handler, {
      bisect: true,
      maximumRetryAttempts: 1,
      onFailureQueue: DLQ,
    })
    for (const id of ['1', '2', '3', 'poison', '5', '6', '7', '8']) await put(r, id)
    await r.poller.start()
    await waitUntil('the on-failure record', () => r.queues.peek(DLQ).length >= 1)
    await waitUntil('every good record', () => okIds().length === 7)
    function okIds() {
      return r.invocations
        .filter(({ event }) => !ids(event).includes('poison'))
        .flatMap(({ event }) => ids(event))
        .sort()
    }
    expect(okIds()).toEqual(['1', '2', '3', '5', '6', '7', '8'])
    const [parked] = r.queues.bodies(DLQ)
    const poisonSequence = delivered(r).find((record) => record.dynamodb.Keys?.id?.S === 'poison')?.dynamodb
      .SequenceNumber
    expect(parked).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted' },
      DDBStreamBatchInfo: { batchSize: 1, startSequenceNumber: poisonSequence, endSequenceNumber: poisonSequence },
    })
    // 8 → 4+4 → 2+2 → 1+1: three splits on the way to the poison record; then one retry of it alone.
    expect(r.poller.stats.bisections).toBe(3)
    expect(r.invocations.filter(({ event }) => ids(event).join() === 'poison')).toHaveLength(2)
  })

  it('retries a failing batch MaximumRetryAttempts times, then sends Lambda’s on-failure record', async () => {
    const r = await rig(
      () => {
        throw new Error('down')
      },
      { maximumRetryAttempts: 2, onFailureQueue: ON_FAILURE },
    )
    await put(r, '1')
    await put(r, '2')
    await r.poller.start()
    await waitUntil('the on-failure record', () => r.queues.peek(ON_FAILURE).length >= 1)
    expect(r.invocations.map(({ event }) => ids(event))).toEqual([
      ['1', '2'],
      ['1', '2'],
      ['1', '2'],
    ])
    const [first, second] = delivered(r)
    const body = r.queues.bodies(ON_FAILURE)[0] ?? {}
    expect(r.queues.peek(ON_FAILURE)).toHaveLength(1)
    const arrival = (seconds: number | undefined) => new Date((seconds ?? 0) * 1000).toISOString().replace('.000Z', 'Z')
    expect(body).toEqual({
      requestContext: {
        requestId: r.invocations[2]?.requestId,
        functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:Projector',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      DDBStreamBatchInfo: {
        shardId: expect.stringMatching(/^shardId-/),
        startSequenceNumber: first?.dynamodb.SequenceNumber,
        endSequenceNumber: second?.dynamodb.SequenceNumber,
        approximateArrivalOfFirstRecord: arrival(first?.dynamodb.ApproximateCreationDateTime),
        approximateArrivalOfLastRecord: arrival(second?.dynamodb.ApproximateCreationDateTime),
        batchSize: 2,
        streamArn: r.streamArn,
      },
    })
    expect(Object.keys(body)).toEqual([
      'requestContext',
      'responseContext',
      'version',
      'timestamp',
      'DDBStreamBatchInfo',
    ])
    expect(r.poller.stats).toMatchObject({
      invocations: 3,
      failedInvocations: 3,
      retries: 2,
      discarded: 2,
      sentToOnFailure: 1,
    })
  })

  it('without an on-failure destination, says in one log line which records were lost', async () => {
    const r = await rig(
      () => {
        throw new Error('down')
      },
      { maximumRetryAttempts: 0 },
    )
    await put(r, 'lost-1')
    await r.poller.start()
    await waitUntil('the loss line', () => r.log.length >= 1)
    expect(r.log).toEqual([
      expect.stringMatching(
        /^event source Test\/Mapping: lost 1 record of shard shardId-\S+ \(sequence numbers \d+; id=lost-1\): its retries were exhausted \(last error: Error: down\) and the mapping has no on-failure destination$/,
      ),
    ])
    expect(r.invocations).toHaveLength(1)
  })

  it('says once when a batch retried without end holds up its shard', async () => {
    const r = await rig(() => {
      throw new Error('still down')
    })
    await put(r, 'stuck')
    await r.poller.start()
    await waitUntil('the notice', () => r.log.length >= 1, 20_000)
    expect(r.log).toEqual([
      expect.stringMatching(
        /^event source Test\/Mapping: a batch of 1 from sequence number \d+ \(shard \S+\) has failed 20 times \(last error: Error: still down\); MaximumRetryAttempts -1 retries it until it expires, holding up the shard$/,
      ),
    ])
    expect(r.invocations.length).toBeGreaterThanOrEqual(20)
  })

  it('discards records older than MaximumRecordAgeInSeconds before invoking again', async () => {
    let clock = Date.now()
    const r = await rig(
      () => {
        throw new Error('down')
      },
      { maximumRecordAgeMs: 60_000, onFailureQueue: DLQ },
      { now: () => clock },
    )
    await put(r, 'old')
    await r.poller.start()
    await waitUntil('two failed invocations', () => r.invocations.length >= 2)
    clock += 61_000
    await waitUntil('the on-failure record', () => r.queues.peek(DLQ).length >= 1)
    expect(r.queues.bodies(DLQ)[0]).toMatchObject({
      requestContext: { condition: 'RecordAgeExceeded' },
      DDBStreamBatchInfo: { batchSize: 1 },
    })
    const invoked = r.invocations.length
    await put(r, 'fresh')
    await waitUntil('the fresh record', () => r.invocations.length > invoked)
    expect(ids(r.invocations.at(-1)?.event as DynamoDBStreamEvent)).toEqual(['fresh'])
  })
})

describe('StreamPoller: faults', () => {
  /** Which invocations the fault reported failed, over 12 single-record batches, with a seed. */
  async function faultPattern(seed: number): Promise<{ pattern: string; rig: PollerRig }> {
    const faults = checkFaults({ seed, eventSources: { fail: 0.4 } }, faultPattern)
    const r = await rig(() => null, { batchSize: 1 }, { faults: { fail: 0.4, random: faults.random } })
    for (let index = 1; index <= 12; index++) await put(r, String(index).padStart(2, '0'))
    await r.poller.start()
    await waitUntil('the last success', () => r.poller.stats.invocations - r.poller.stats.faultsInjected === 12)
    const pattern = r.invocations.map(({ event }) => ids(event).join()).join(' ')
    return { pattern, rig: r }
  }

  it('reports a share of invocations failed after the function ran, so the same batch comes again; the seed reproduces it', async () => {
    const first = await faultPattern(42)
    const again = await faultPattern(42)
    expect(again.pattern).toBe(first.pattern)
    const { stats } = first.rig.poller
    expect(stats.faultsInjected).toBeGreaterThan(0)
    expect(stats.invocations).toBe(12 + stats.faultsInjected)
    // A faulted batch is seen again: some id appears twice in a row.
    expect(first.pattern).toMatch(/\b(\d\d) \1\b/)
    expect(first.rig.log.filter((line) => line.includes('fault: invocation'))).toHaveLength(stats.faultsInjected)
    const other = await faultPattern(7)
    expect(other.pattern).not.toBe(first.pattern)
  })
})

describe('StreamPoller: stop', () => {
  it('says nothing when everything read was delivered', async () => {
    const r = await rig(() => null)
    await put(r, 'done')
    await r.poller.start()
    await waitUntil('the delivery', () => r.poller.stats.invocations === 1)
    await r.poller.stop()
    expect(r.log).toEqual([])
  })

  it('ends polling and says which batch was with the function', async () => {
    let entered = false
    const r = await rig(async () => {
      entered = true
      await new Promise(() => {})
    })
    await put(r, 'stuck')
    await r.poller.start()
    await waitUntil('the invocation', () => entered)
    await r.poller.stop()
    expect(r.log.join('\n')).toMatch(
      /^event source Test\/Mapping: stopped with records undelivered \(shard shardId-\S+: 1 read and not delivered \(sequence numbers (\d+) to \1\), a batch of 1 of them with the function when it stopped\)$/,
    )
  })
})
