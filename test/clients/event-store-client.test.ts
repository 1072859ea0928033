import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { marshall } from '@aws-sdk/util-dynamodb'
import { type AppendResult, ArgumentError, EventStoreClient, type LedgerEvent, VersionConflictError } from 'stakeout'
import { beforeAll, describe, expect, it } from 'vitest'
import { dynamodbEndpoint, LOCAL_AWS_ENV, localDynamoDB } from '../support/dynamodb.js'
import { createLedgerTables } from './event-store-tables.js'

const dynamodb = localDynamoDB()
let tables: Awaited<ReturnType<typeof createLedgerTables>>
let ledger: EventStoreClient

beforeAll(async () => {
  tables = await createLedgerTables(dynamodb)
  ledger = new EventStoreClient({
    tableName: tables.ledger,
    snapshotTableName: tables.snapshots,
    projections: tables.projections,
    dynamodb,
  })
})

let counter = 0
/** A fresh aggregate id per use: the tests share one ledger table. */
const newAggregate = (name: string) => `${name}-${++counter}-${Date.now()}`

type Amount = { amount: number }
const balanceOf = (balance: number, event: LedgerEvent): number =>
  balance + (event.type === 'Debit' ? -1 : 1) * (event.payload as Amount).amount

/** What an append that must fail threw. */
async function rejection(work: Promise<unknown>): Promise<Error> {
  return work.then(
    () => {
      throw new Error('expected it to fail, and it succeeded')
    },
    (error: unknown) => error as Error,
  )
}

describe('EventStoreClient.append', () => {
  it('gives the next version and writes the ledger layout (Castore: eventStoreId on version 1 only)', async () => {
    const castore = new EventStoreClient({ tableName: tables.ledger, eventStoreId: 'BANK', dynamodb })
    const id = newAggregate('layout')
    const first = await castore.append(id, { type: 'Opened', metadata: { by: 'ada' } })
    const second = await castore.append(id, {
      type: 'Credit',
      payload: { amount: 50 },
      timestamp: '2026-01-31T12:00:00.000Z',
    })
    expect(first.version).toBe(1)
    expect(second).toEqual({
      aggregateId: id,
      version: 2,
      events: [
        { aggregateId: id, version: 2, type: 'Credit', payload: { amount: 50 }, timestamp: '2026-01-31T12:00:00.000Z' },
      ],
    })
    const raw = async (version: number) =>
      (
        await dynamodb.send(
          new GetItemCommand({
            TableName: tables.ledger,
            Key: { aggregateId: { S: id }, version: { N: String(version) } },
            ConsistentRead: true,
          }),
        )
      ).Item
    const one = await raw(1)
    expect(one).toEqual({
      aggregateId: { S: id },
      version: { N: '1' },
      type: { S: 'Opened' },
      metadata: { M: { by: { S: 'ada' } } },
      timestamp: { S: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) },
      eventStoreId: { S: 'BANK' },
    })
    expect(Object.keys((await raw(2)) ?? {}).sort()).toEqual(['aggregateId', 'payload', 'timestamp', 'type', 'version'])
  })

  it('100 appends race at one version: exactly one wins each time, the other 99 throw VersionConflictError', async () => {
    const id = newAggregate('race')
    for (let expectedVersion = 0; expectedVersion < 5; expectedVersion++) {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 100 }, (_, writer) =>
          ledger.append(id, { type: 'Credit', payload: { amount: 1, writer } }, { expectedVersion }),
        ),
      )
      const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled')
      const losers = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []))
      expect(winners).toHaveLength(1)
      expect(losers).toHaveLength(99)
      for (const error of losers) {
        expect(error).toBeInstanceOf(VersionConflictError)
        expect(error).toMatchObject({
          aggregateId: id,
          version: expectedVersion + 1,
          storedVersion: expectedVersion + 1,
        })
      }
      const stored = await ledger.events(id, { from: expectedVersion + 1 })
      expect(stored).toHaveLength(1)
      expect(stored[0]?.payload).toEqual((winners[0] as PromiseFulfilledResult<AppendResult>).value.events[0]?.payload)
    }
  })

  it('appends racing without expectedVersion never share a version: each wins or throws VersionConflictError', async () => {
    const id = newAggregate('computed-race')
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, writer) => ledger.append(id, { type: 'Credit', payload: { amount: 1, writer } })),
    )
    const won = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.version] : []))
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(VersionConflictError)
    }
    const stored = await ledger.events(id)
    expect(stored.map((event) => event.version)).toEqual(Array.from({ length: won.length }, (_, index) => index + 1))
    expect([...won].sort((a, b) => a - b)).toEqual(stored.map((event) => event.version))
  })

  it('names the aggregate, the version and the version now stored in the conflict message', async () => {
    const id = newAggregate('message')
    await ledger.append(id, [
      { type: 'Credit', payload: { amount: 1 } },
      { type: 'Credit', payload: { amount: 2 } },
    ])
    const error = await rejection(ledger.append(id, { type: 'Debit', payload: { amount: 1 } }, { expectedVersion: 1 }))
    expect(error).toBeInstanceOf(VersionConflictError)
    expect(error.message).toBe(
      `Version conflict on aggregate "${id}": version 2 is already stored (the ledger now holds version 2). ` +
        'Another append won the race: read the aggregate again and retry with its new version.',
    )
    expect(error.stack).toContain('event-store-client.test.ts')
  })

  it('appends several events atomically: a conflict on one stores none of them', async () => {
    const id = newAggregate('atomic')
    const written = await ledger.append(id, [
      { type: 'Credit', payload: { amount: 10 } },
      { type: 'Debit', payload: { amount: 3 } },
    ])
    expect(written.version).toBe(2)
    expect(written.events.map((event) => event.version)).toEqual([1, 2])
    // Versions 2, 3, 4: 2 is taken, so 3 and 4 must not be stored either.
    const error = await rejection(
      ledger.append(
        id,
        [
          { type: 'Credit', payload: { amount: 1 } },
          { type: 'Credit', payload: { amount: 2 } },
          { type: 'Credit', payload: { amount: 3 } },
        ],
        { expectedVersion: 1 },
      ),
    )
    expect(error).toMatchObject({ name: 'VersionConflictError', aggregateId: id, version: 2, storedVersion: 2 })
    expect((await ledger.events(id)).map((event) => event.version)).toEqual([1, 2])
    const next = await ledger.append(
      id,
      [
        { type: 'Credit', payload: { amount: 1 } },
        { type: 'Credit', payload: { amount: 2 } },
      ],
      {
        expectedVersion: 2,
      },
    )
    expect(next.version).toBe(4)
  })

  it('refuses bad arguments, naming them', async () => {
    const id = newAggregate('bad')
    const cases: [() => Promise<unknown>, string][] = [
      [
        () => ledger.append('', { type: 'Credit' }),
        "EventStoreClient.append: aggregateId must be a non-empty string, received string ''",
      ],
      [() => ledger.append(id, { kind: 'Credit' } as never), 'EventStoreClient.append: event.kind must be absent'],
      [() => ledger.append(id, { type: '' }), 'EventStoreClient.append: event.type must be a non-empty string'],
      [() => ledger.append(id, []), 'EventStoreClient.append: events must be 1 to 100 events'],
      [
        () => ledger.append(id, [{ type: 'A' }, { type: 42 } as never]),
        'EventStoreClient.append: events[1].type must be a non-empty string',
      ],
      [
        () => ledger.append(id, { type: 'A', timestamp: 'yesterday' }),
        'event.timestamp must be an ISO 8601 date string',
      ],
      [
        () => ledger.append(id, { type: 'A' }, { expectedVersion: -1 }),
        'options.expectedVersion must be a whole number ≥ 0',
      ],
      [() => ledger.append(id, { type: 'A' }, { expected: 1 } as never), 'options.expected must be absent'],
      [() => ledger.events(id, { from: 0 }), 'EventStoreClient.events: options.from must be a version'],
      [() => ledger.events(id, { from: 3, to: 2 }), 'options.to must be a version ≥ options.from (3)'],
    ]
    for (const [work, message] of cases) {
      const error = await rejection(work())
      expect(error).toBeInstanceOf(ArgumentError)
      expect(error.message).toContain(message)
    }
    expect(() => new EventStoreClient({ tableName: 'x' })).toThrow(
      new ArgumentError(
        'EventStoreClient',
        'options.tableName',
        'a DynamoDB table name: 3 to 255 of A-Z a-z 0-9 _ - .',
        'x',
      ),
    )
    expect(() => new EventStoreClient({ tableName: 'ledger', table: 'x' } as never)).toThrow(
      /options\.table must be absent/,
    )
    expect(() => new EventStoreClient({ tableName: 'ledger', sqs: { endpoint: 'nope' } })).toThrow(
      /options\.sqs\.endpoint must be a URL/,
    )
    expect(() => ledger.projection('Balanse', { aggregateId: id })).toThrow(
      "EventStoreClient.projection: name must be one of Balance, received string 'Balanse'",
    )
    await expect(ledger.events(id)).resolves.toEqual([])
  })
})

describe('EventStoreClient.events', () => {
  it('reads every page: 12 events of 100 KB are more than one 1 MB Query page', async () => {
    let queries = 0
    const counted = new DynamoDBClient({
      endpoint: dynamodbEndpoint(),
      region: LOCAL_AWS_ENV.AWS_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    })
    counted.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'QueryCommand') queries += 1
        return next(args)
      },
      { step: 'initialize' },
    )
    const client = new EventStoreClient({ tableName: tables.ledger, dynamodb: counted })
    const id = newAggregate('pages')
    const blob = 'x'.repeat(100_000)
    for (let index = 0; index < 12; index += 3) {
      await client.append(
        id,
        [0, 1, 2].map((offset) => ({ type: 'Blob', payload: { index: index + offset, blob } })),
        { expectedVersion: index },
      )
    }
    queries = 0
    const events = await client.events(id)
    expect(events.map((event) => (event.payload as { index: number }).index)).toEqual([...Array(12).keys()])
    expect(queries).toBeGreaterThan(1)
    counted.destroy()
  })

  it('pages by pageSize, and narrows by from and to', async () => {
    const id = newAggregate('range')
    await ledger.append(
      id,
      Array.from({ length: 20 }, (_, index) => ({ type: 'Credit', payload: { amount: index } })),
    )
    expect((await ledger.events(id, { pageSize: 3 })).map((event) => event.version)).toEqual(
      Array.from({ length: 20 }, (_, index) => index + 1),
    )
    expect((await ledger.events(id, { from: 5, to: 8, pageSize: 2 })).map((event) => event.version)).toEqual([
      5, 6, 7, 8,
    ])
    expect((await ledger.events(id, { from: 19 })).map((event) => event.version)).toEqual([19, 20])
    expect(await ledger.events(id, { from: 21 })).toEqual([])
  })
})

describe('EventStoreClient.aggregate', () => {
  /** Writes the snapshot the dispatch would write at `version`: the aggregate folded up to it. */
  async function snapshotAt(id: string, version: number, aggregate: unknown): Promise<void> {
    await dynamodb.send(
      new PutItemCommand({ TableName: tables.snapshots, Item: marshall({ aggregateId: id, version, aggregate }) }),
    )
  }

  it('a fold from the newest snapshot equals the full fold', async () => {
    const id = newAggregate('fold')
    const events = Array.from({ length: 35 }, (_, index) => ({
      type: index % 3 === 0 ? 'Debit' : 'Credit',
      payload: { amount: index + 1 },
    }))
    await ledger.append(id, events)
    const withoutSnapshots = new EventStoreClient({ tableName: tables.ledger, dynamodb })
    const full = await withoutSnapshots.aggregate(id, balanceOf, 0)
    expect(full).toMatchObject({ version: 35, eventsFolded: 35 })
    expect(full.fromSnapshot).toBeUndefined()
    const stored = await ledger.events(id)
    for (const at of [10, 20, 30]) {
      await snapshotAt(id, at, stored.slice(0, at).reduce(balanceOf, 0))
    }
    const fromSnapshot = await ledger.aggregate(id, balanceOf, 0)
    expect(fromSnapshot).toEqual({
      aggregateId: id,
      version: 35,
      aggregate: full.aggregate,
      fromSnapshot: 30,
      eventsFolded: 5,
    })
  })

  it('starts from the snapshot it reads (a planted one shows), and from initialState without one', async () => {
    const id = newAggregate('planted')
    await ledger.append(id, [
      { type: 'Credit', payload: { amount: 5 } },
      { type: 'Credit', payload: { amount: 7 } },
    ])
    expect((await ledger.aggregate(id, balanceOf, 100)).aggregate).toBe(112)
    await snapshotAt(id, 1, 1000)
    expect(await ledger.aggregate(id, balanceOf, 0)).toMatchObject({
      aggregate: 1007,
      fromSnapshot: 1,
      eventsFolded: 1,
    })
    expect(await ledger.aggregate(newAggregate('empty'), (state: { none: boolean }) => state, { none: true })).toEqual({
      aggregateId: expect.stringMatching(/^empty-/),
      version: 0,
      aggregate: { none: true },
      eventsFolded: 0,
    })
  })
})
