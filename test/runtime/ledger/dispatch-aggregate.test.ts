/**
 * dispatchAggregate in this process, against DynamoDB Local (the ledger and snapshot tables) and a real HTTP server
 * speaking EventBridge's JSON protocol (PutEvents recorded, chosen entries failed), through the real SDK clients.
 */
import { randomUUID } from 'node:crypto'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge'
import fc from 'fast-check'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import { createDispatch, dispatchAggregate } from '../../../src/runtime/ledger/dispatch-aggregate.js'
import type { LedgerEvent } from '../../../src/runtime/ledger/schema.js'
import { localDynamoDB } from '../../support/dynamodb.js'
import {
  appendEvents,
  countingDynamoDB,
  createLedgerTables,
  insertRecord,
  type LedgerTables,
  ledgerEnvironment,
  type RecordingBus,
  snapshotsOf,
  startRecordingBus,
} from './fixtures/ledger.js'

type Account = { balance: number; transactions: number }
const reducer = (account: Account, event: LedgerEvent): Account => ({
  balance: account.balance + (event.type === 'Credit' ? 1 : -1) * ((event.payload as { amount: number }).amount ?? 0),
  transactions: account.transactions + 1,
})
const initialState: Account = { balance: 0, transactions: 0 }
const credits = (n: number, amount = 10) => Array.from({ length: n }, () => ({ type: 'Credit', payload: { amount } }))

let dynamodb: DynamoDBClient
let tables: LedgerTables
let bus: RecordingBus
let eventBridge: EventBridgeClient
let aggregateId: string
const saved = { ...process.env }

beforeAll(async () => {
  dynamodb = localDynamoDB()
  tables = await createLedgerTables(dynamodb)
  bus = await startRecordingBus()
  eventBridge = bus.client()
  Object.assign(process.env, ledgerEnvironment(tables))
})

afterAll(async () => {
  process.env = saved
  await bus?.stop()
  dynamodb?.destroy()
})

beforeEach(() => {
  aggregateId = `account-${randomUUID()}`
  bus.calls.length = 0
  bus.refuse = () => undefined
  bus.failCall = () => false
})

afterEach(() => {
  vi.restoreAllMocks()
})

const dispatch = (snapshotEvery?: number, client = dynamodb) =>
  createDispatch<Account, unknown, unknown>({
    reducer,
    initialState,
    ...(snapshotEvery === undefined ? {} : { snapshotEvery }),
    clients: { dynamodb: client, eventBridge },
  })
const publishedFor = (id: string) => bus.accepted().filter((entry) => entry.detail.aggregateId === id)

describe('dispatchAggregate: options', () => {
  it.each([
    [
      { initialState },
      'dispatchAggregate: options.reducer must be a function (aggregate, event) => aggregate, received undefined',
    ],
    [{ reducer, initialState: new Map() }, 'dispatchAggregate: options.initialState must be JSON data'],
    [{ reducer, initialState: undefined }, 'dispatchAggregate: options.initialState must be JSON data'],
    [
      { reducer, initialState, snapshotEvery: 0 },
      'dispatchAggregate: options.snapshotEvery must be a whole number of versions, 1 or more',
    ],
    [{ reducer, initialState, snapshotEvery: 2.5 }, 'options.snapshotEvery must be a whole number'],
    [
      { reducer, initialState, snapshotevery: 100 },
      'dispatchAggregate: options.snapshotevery must be one of reducer, initialState, snapshotEvery, clients',
    ],
    [{ reducer, initialState, clients: { dynamodb: {} } }, 'options.clients.dynamodb must be an AWS SDK v3 client'],
  ])('refuses %o at definition time', (options, message) => {
    const error = (() => {
      try {
        dispatchAggregate(options as never)
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(ArgumentError)
    expect((error as Error).message).toContain(message)
  })

  it('names a missing environment variable when invoked', async () => {
    const handler = dispatchAggregate({ reducer, initialState, clients: { dynamodb, eventBridge } })
    vi.stubEnv('STAKEOUT_LEDGER_TABLE', '')
    await expect(handler({ Records: [] })).rejects.toThrow(
      /STAKEOUT_LEDGER_TABLE is not set\. The EventLedger construct sets it/,
    )
    vi.unstubAllEnvs()
  })
})

describe('dispatchAggregate: a stream batch', () => {
  it('publishes each event with the aggregate folded to its version, source stakeout.ledger, detail-type its type', async () => {
    const events = await appendEvents(dynamodb, tables.ledgerTable, aggregateId, [
      { type: 'Credit', payload: { amount: 50 } },
      { type: 'Debit', payload: { amount: 20 } },
    ])
    const handler = dispatchAggregate({ reducer, initialState, clients: { dynamodb, eventBridge } })
    const out = await handler({ Records: events.map((event) => insertRecord(event)) })

    expect(out).toEqual({ batchItemFailures: [] })
    expect(publishedFor(aggregateId)).toEqual([
      {
        source: 'stakeout.ledger',
        detailType: 'Credit',
        bus: 'ledger-bus',
        detail: { aggregateId, version: 1, aggregate: { balance: 50, transactions: 1 }, lastEvent: events[0] },
      },
      {
        source: 'stakeout.ledger',
        detailType: 'Debit',
        bus: 'ledger-bus',
        detail: { aggregateId, version: 2, aggregate: { balance: 30, transactions: 2 }, lastEvent: events[1] },
      },
    ])
  })

  it('folds a batch out of order, of several aggregates, in version order per aggregate, 10 entries a call', async () => {
    const other = `${aggregateId}-other`
    const mine = await appendEvents(dynamodb, tables.ledgerTable, aggregateId, credits(8, 1))
    const theirs = await appendEvents(dynamodb, tables.ledgerTable, other, credits(6, 100))
    const records = [...mine, ...theirs].map((event) => insertRecord(event))
    const shuffled = [
      records[7],
      records[9],
      records[0],
      records[13],
      records[3],
      records[8],
      records[1],
      records[12],
      records[2],
      records[6],
      records[10],
      records[4],
      records[11],
      records[5],
    ]

    const report = await dispatch().batch({ Records: shuffled })

    expect(report.batchItemFailures).toEqual([])
    expect(bus.calls.map((call) => call.length)).toEqual([10, 4])
    const balances = (id: string) =>
      publishedFor(id).map((entry) => [entry.detail.version, (entry.detail.aggregate as Account).balance])
    expect(balances(aggregateId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((v) => [v, v]))
    expect(balances(other)).toEqual([1, 2, 3, 4, 5, 6].map((v) => [v, v * 100]))
  })

  it('keeps each PutEvents call at 256 KB or less in all, on the safe reading of the user guide', async () => {
    const events = await appendEvents(dynamodb, tables.ledgerTable, aggregateId, credits(3))
    const padded = createDispatch<unknown, unknown, unknown>({
      reducer: (_, event) => ({ version: event.version, padding: 'p'.repeat(100_000) }),
      initialState: {},
      clients: { dynamodb, eventBridge },
    })
    const report = await padded.batch({ Records: events.map((event) => insertRecord(event)) })
    expect(report.batchItemFailures).toEqual([])
    expect(bus.calls.map((call) => call.map((entry) => JSON.parse(entry.Detail!).version))).toEqual([[1, 2], [3]])
  })

  it('fails exactly the record whose entry PutEvents refused and the later ones of its aggregate', async () => {
    const other = `${aggregateId}-other`
    const mine = await appendEvents(dynamodb, tables.ledgerTable, aggregateId, credits(4))
    const theirs = await appendEvents(dynamodb, tables.ledgerTable, other, credits(4))
    const records = [...mine, ...theirs].map((event) => insertRecord(event))
    bus.refuse = (entry) => {
      const detail = JSON.parse(entry.Detail!) as { aggregateId: string; version: number }
      return detail.aggregateId === aggregateId && detail.version === 2 ? 'ThrottlingException' : undefined
    }
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})

    const out = await dispatchAggregate({ reducer, initialState, clients: { dynamodb, eventBridge } })({
      Records: records,
    })

    expect(out.batchItemFailures).toEqual(
      [records[1], records[2], records[3]].map((record) => ({ itemIdentifier: record!.dynamodb!.SequenceNumber })),
    )
    expect(publishedFor(other).map((entry) => entry.detail.version)).toEqual([1, 2, 3, 4])
    const lines = errors.mock.calls.map(([line]) => String(line))
    expect(lines).toEqual([
      `[stakeout] dispatchAggregate: ${aggregateId} version 2 (record ${records[1]!.dynamodb!.SequenceNumber}) failed: PutEvents refused the entry: ThrottlingException (refused by the test (ThrottlingException)); reported as a batch item failure, so Lambda retries it`,
      expect.stringMatching(/version 3 .* failed: version 2 of the aggregate failed before it in this batch/),
      expect.stringMatching(/version 4 .* failed: version 2 of the aggregate failed before it in this batch/),
    ])
  })

  it('isolates an entry that fails its whole PutEvents call: the nine beside it are published', async () => {
    const events = await appendEvents(dynamodb, tables.ledgerTable, aggregateId, credits(10))
    const other = `${aggregateId}-other`
    const [poison] = await appendEvents(dynamodb, tables.ledgerTable, other, [
      { type: 'Credit', payload: { amount: 1 } },
    ])
    bus.failCall = (entries) => entries.some((entry) => entry.Detail!.includes(other))
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const poisonRecord = insertRecord(poison!)

    const report = await dispatch().batch({
      Records: [poisonRecord, ...events.slice(0, 9).map((event) => insertRecord(event))],
    })

    expect(report.batchItemFailures).toEqual([{ itemIdentifier: poisonRecord.dynamodb!.SequenceNumber }])
    expect(report.records[0]).toMatchObject({
      outcome: 'failed',
      reason: expect.stringContaining('PutEvents failed: ValidationException'),
    })
    expect(publishedFor(aggregateId).map((entry) => entry.detail.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it('fails an entry over 256 KB with the aggregate, the version and the size, without sending it', async () => {
    const big = 'x'.repeat(262_144)
    const events = await appendEvents(dynamodb, tables.ledgerTable, aggregateId, [
      { type: 'Credit', payload: { amount: 1 } },
      { type: 'Note', payload: { amount: 0, text: big } },
      { type: 'Credit', payload: { amount: 1 } },
    ])
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const noting = createDispatch<unknown, unknown, unknown>({
      reducer: (state, event) => ({ ...(state as object), last: event.payload }),
      initialState: {},
      clients: { dynamodb, eventBridge },
    })
    const records = events.map((event) => insertRecord(event))

    const report = await noting.batch({ Records: records })

    expect(report.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      [records[1]!, records[2]!].map((record) => record.dynamodb!.SequenceNumber),
    )
    expect(report.records[1]!.reason).toMatch(
      new RegExp(
        `^the event of ${aggregateId} at version 2 is \\d{3},\\d{3} bytes, over EventBridge's entry limit of 262,144 bytes \\(256 KB\\)`,
      ),
    )
    expect(bus.calls.flat().map((entry) => JSON.parse(entry.Detail!).version)).toEqual([1])
  })

  it('fails a record whose versions have a gap in the ledger, and one whose reducer throws, from that version on', async () => {
    const events = await appendEvents(dynamodb, tables.ledgerTable, aggregateId, credits(2))
    const [fourth] = await appendEvents(dynamodb, tables.ledgerTable, aggregateId, credits(1), 4)
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const gap = await dispatch().batch({ Records: [...events, fourth!].map((event) => insertRecord(event)) })
    expect(gap.records.map((record) => record.outcome)).toEqual(['published', 'published', 'failed'])
    expect(gap.records[2]!.reason).toBe(
      `the ledger holds no version 3 of ${aggregateId} (consistent read; the next is 4)`,
    )

    const throwing = createDispatch<Account, unknown, unknown>({
      reducer: (account, event) => {
        if (event.version === 2) throw new RangeError('no overdraft')
        return reducer(account, event)
      },
      initialState,
      clients: { dynamodb, eventBridge },
    })
    const threw = await throwing.batch({ Records: events.map((event) => insertRecord(event)) })
    expect(threw.records.map((record) => [record.outcome, record.reason])).toEqual([
      ['published', undefined],
      ['failed', 'the reducer threw on Credit: RangeError: no overdraft'],
    ])
  })

  it.each([
    [
      'undefined',
      () => undefined,
      'the reducer returned undefined on Credit: it must return the next aggregate, synchronously',
    ],
    [
      'a promise',
      async () => initialState,
      'the reducer returned a promise on Credit: it must return the next aggregate, synchronously',
    ],
    [
      'a BigInt',
      () => ({ balance: 1n }),
      'the aggregate is not JSON data: TypeError: Do not know how to serialize a BigInt',
    ],
  ])('fails the record when the reducer returns %s', async (_, bad, reason) => {
    const events = await appendEvents(dynamodb, tables.ledgerTable, aggregateId, credits(1))
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const report = await createDispatch<unknown, unknown, unknown>({
      reducer: bad as never,
      initialState,
      clients: { dynamodb, eventBridge },
    }).batch({ Records: events.map((event) => insertRecord(event)) })
    expect(report.records.map((record) => [record.outcome, record.reason])).toEqual([['failed', reason]])
    expect(bus.calls).toEqual([])
  })

  it('skips what is not an INSERT, and starts every fold from a fresh initial state even if the reducer mutates it', async () => {
    const events = await appendEvents(dynamodb, tables.ledgerTable, aggregateId, credits(2, 5))
    const notices = vi.spyOn(console, 'log').mockImplementation(() => {})
    const mutating = createDispatch<Account, unknown, unknown>({
      reducer: (account) => {
        account.balance += 5
        return account
      },
      initialState: { balance: 0, transactions: 0 },
      clients: { dynamodb, eventBridge },
    })
    const modify = { ...insertRecord(events[0]!), eventName: 'MODIFY' }
    for (let run = 0; run < 2; run++) await mutating.batch({ Records: [modify, insertRecord(events[1]!)] })

    expect(publishedFor(aggregateId).map((entry) => (entry.detail.aggregate as Account).balance)).toEqual([10, 10])
    expect(notices).toHaveBeenCalledWith(
      expect.stringMatching(/^\[stakeout\] dispatchAggregate: skipped record \d+: a MODIFY record/),
    )
  })
})

describe('dispatchAggregate: snapshots', () => {
  it('stores a snapshot every snapshotEvery versions, and reads at most it and the events after it', async () => {
    const events = await appendEvents(dynamodb, tables.ledgerTable, aggregateId, credits(250, 1))
    // The stream's order, 50 records a batch: the first folds store the snapshots the later ones start from.
    for (let at = 0; at < 200; at += 50) {
      await dispatch(100).batch({ Records: events.slice(at, at + 50).map((event) => insertRecord(event)) })
    }
    expect(
      (await snapshotsOf(dynamodb, tables.snapshotTable, aggregateId)).map((s) => [s.version, s.aggregate]),
    ).toEqual([
      [100, { balance: 100, transactions: 100 }],
      [200, { balance: 200, transactions: 200 }],
    ])

    const counting = countingDynamoDB()
    const withSnapshots = await dispatch(100, counting.client).batch({ Records: [insertRecord(events[249]!)] })
    expect(withSnapshots.records[0]!.itemsRead).toBe(51) // the snapshot at 200 and events 201..250
    expect(counting.read.items).toBe(51)

    const full = countingDynamoDB()
    const without = await dispatch(undefined, full.client).batch({ Records: [insertRecord(events[249]!)] })
    expect(without.records[0]!.itemsRead).toBe(250)
    expect(full.read.items).toBe(250)
    const [fromSnapshot, fromStart] = publishedFor(aggregateId).slice(-2)
    expect(fromSnapshot!.detail).toEqual(fromStart!.detail)
  })

  it('publishes a record whose snapshot DynamoDB refuses, and logs the snapshot it could not store', async () => {
    const events = await appendEvents(dynamodb, tables.ledgerTable, aggregateId, credits(2))
    // DynamoDB nests at most 32 levels; EventBridge carries far deeper JSON.
    const deep = (depth: number): unknown => (depth === 0 ? 'bottom' : { inner: deep(depth - 1) })
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const nesting = createDispatch<unknown, unknown, unknown>({
      reducer: (_, event) => ({ version: event.version, tree: deep(40) }),
      initialState: {},
      snapshotEvery: 2,
      clients: { dynamodb, eventBridge },
    })

    const report = await nesting.batch({ Records: events.map((event) => insertRecord(event)) })

    expect(report.batchItemFailures).toEqual([])
    expect(publishedFor(aggregateId).map((entry) => entry.detail.version)).toEqual([1, 2])
    expect(await snapshotsOf(dynamodb, tables.snapshotTable, aggregateId)).toEqual([])
    expect(errors.mock.calls.map(([line]) => String(line))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^\\[stakeout\\] dispatchAggregate: could not store the snapshot of ${aggregateId} at version 2 \\(ValidationException: .*\\); the next folds of it read from an older snapshot$`,
        ),
      ),
    ])
  })

  it('bounds the reads of each record of a batch that spans far more than snapshotEvery versions', async () => {
    const events = await appendEvents(dynamodb, tables.ledgerTable, aggregateId, credits(300, 1))
    for (let at = 0; at < 300; at += 50) {
      await dispatch(50).batch({ Records: events.slice(at, at + 50).map((event) => insertRecord(event)) })
    }
    const counting = countingDynamoDB()
    const report = await dispatch(50, counting.client).batch({
      Records: [events[40]!, events[170]!, events[299]!].map((event) => insertRecord(event)),
    })
    expect(report.batchItemFailures).toEqual([])
    expect(report.records.map((record) => record.itemsRead)).toEqual([41, 1 + 21, 1 + 50])
    expect(counting.read.items).toBe(41 + 22 + 51)
  })
})

describe('dispatchAggregate: a fold from a snapshot equals the full fold', () => {
  type Trail = { sum: number; trail: string; count: number }
  // Order-sensitive: any event folded twice, skipped or out of place changes the trail.
  const trailReducer = (state: Trail, event: LedgerEvent): Trail => ({
    sum: state.sum * 3 + (event.payload as { n: number }).n,
    trail: `${state.trail}${event.type}`.slice(-12),
    count: state.count + 1,
  })
  const trailDispatch = (snapshotEvery?: number) =>
    createDispatch<Trail, unknown, unknown>({
      reducer: trailReducer,
      initialState: { sum: 0, trail: '', count: 0 },
      ...(snapshotEvery === undefined ? {} : { snapshotEvery }),
      clients: { dynamodb, eventBridge },
    })

  it('holds for random histories, snapshot intervals and stream batchings (DynamoDB Local, one aggregate per run)', async () => {
    const run = fc.record({
      events: fc.array(fc.record({ type: fc.constantFrom('A', 'B', 'C'), n: fc.integer({ min: -9, max: 9 }) }), {
        minLength: 1,
        maxLength: 40,
      }),
      snapshotEvery: fc.integer({ min: 1, max: 8 }),
      batchSize: fc.integer({ min: 1, max: 12 }),
      pick: fc.nat(),
    })
    await fc.assert(
      fc.asyncProperty(run, async ({ events, snapshotEvery, batchSize, pick }) => {
        const id = `fold-${randomUUID()}`
        const appended = await appendEvents(
          dynamodb,
          tables.ledgerTable,
          id,
          events.map(({ type, n }) => ({ type, payload: { n } })),
        )
        const withSnapshots = trailDispatch(snapshotEvery)
        for (let at = 0; at < appended.length; at += batchSize) {
          const report = await withSnapshots.batch({
            Records: appended.slice(at, at + batchSize).map((event) => insertRecord(event)),
          })
          expect(report.batchItemFailures).toEqual([])
        }
        const target = appended[pick % appended.length]!
        await trailDispatch(snapshotEvery).batch({ Records: [insertRecord(target)] })
        await trailDispatch().batch({ Records: [insertRecord(target)] })
        const [fromSnapshot, full] = publishedFor(id).slice(-2)
        expect(fromSnapshot!.detail).toEqual(full!.detail)
        expect(full!.detail.aggregate).toEqual(
          appended.slice(0, target.version).reduce(trailReducer, { sum: 0, trail: '', count: 0 }),
        )
      }),
      { numRuns: 100 },
    )
  }, 60_000)
})

describe('dispatchAggregate: replay', () => {
  it('publishes each aggregate at its current version as stakeout.replay, names the missing, never folds the replay', async () => {
    const other = `${aggregateId}-other`
    const missing = `${aggregateId}-missing`
    const mine = await appendEvents(dynamodb, tables.ledgerTable, aggregateId, credits(3, 7))
    const theirs = await appendEvents(dynamodb, tables.ledgerTable, other, credits(120, 1))
    const seen = new Set<string>()
    const handler = dispatchAggregate<Account, unknown, unknown>({
      reducer: (account, event) => {
        seen.add(event.type)
        return reducer(account, event)
      },
      initialState,
      snapshotEvery: 50,
      clients: { dynamodb, eventBridge },
    })

    const result = await handler({ stakeoutReplay: { aggregateIds: [aggregateId, missing, other, aggregateId] } })

    expect(result).toEqual({
      replayed: [
        { aggregateId, version: 3 },
        { aggregateId: other, version: 120 },
      ],
      missing: [missing],
    })
    const replays = bus.accepted().filter((entry) => entry.detailType === 'stakeout.replay')
    expect(replays.map((entry) => entry.detail)).toEqual([
      { aggregateId, version: 3, aggregate: { balance: 21, transactions: 3 }, lastEvent: mine[2] },
      { aggregateId: other, version: 120, aggregate: { balance: 120, transactions: 120 }, lastEvent: theirs[119] },
    ])
    expect([...seen]).toEqual(['Credit'])
    // The replay stored the snapshot it passed; a second replay starts from it and still finds the last event.
    expect((await snapshotsOf(dynamodb, tables.snapshotTable, other)).map((s) => s.version)).toEqual([100])
    await expect(handler({ stakeoutReplay: { aggregateIds: [other] } })).resolves.toEqual({
      replayed: [{ aggregateId: other, version: 120 }],
      missing: [],
    })
  })

  it('throws naming the aggregates it could not publish, after publishing the others', async () => {
    const other = `${aggregateId}-other`
    await appendEvents(dynamodb, tables.ledgerTable, aggregateId, credits(1))
    await appendEvents(dynamodb, tables.ledgerTable, other, credits(1))
    bus.refuse = (entry) => (entry.Detail!.includes(other) ? 'InternalFailure' : undefined)
    const handler = dispatchAggregate({ reducer, initialState, clients: { dynamodb, eventBridge } })
    await expect(handler({ stakeoutReplay: { aggregateIds: [aggregateId, other] } })).rejects.toThrow(
      `dispatchAggregate: the replay failed for ${other}: PutEvents refused the entry: InternalFailure (refused by the test (InternalFailure)). Replayed: ${aggregateId} (version 1); not in the ledger: none`,
    )
    await expect(handler({ stakeoutReplay: { aggregateIds: [] } })).rejects.toThrow(
      'stakeoutReplay.aggregateIds must be a non-empty array of aggregate ids (non-empty strings), received array []',
    )
  })
})
