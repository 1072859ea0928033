/**
 * defineProjector in this process against DynamoDB Local: the conditional put (written, duplicate, older), what it
 * refuses, and the property the ledger rests on: any delivery order of state-carried events, with duplicates, leaves
 * the projection a sequential fold gives.
 */
import { randomUUID } from 'node:crypto'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import fc from 'fast-check'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import { defineProjector, type LedgerBusEvent } from '../../../src/runtime/ledger/define-projector.js'
import type { LedgerEvent } from '../../../src/runtime/ledger/schema.js'
import { localDynamoDB } from '../../support/dynamodb.js'
import { createLedgerTables, type LedgerTables, ledgerEnvironment, projectionOf } from './fixtures/ledger.js'

type Account = { balance: number; history: number[] }

let dynamodb: DynamoDBClient
let tables: LedgerTables
let aggregateId: string
const saved = { ...process.env }

beforeAll(async () => {
  dynamodb = localDynamoDB()
  tables = await createLedgerTables(dynamodb)
  Object.assign(process.env, ledgerEnvironment(tables))
})

afterAll(() => {
  process.env = saved
  dynamodb?.destroy()
})

beforeEach(() => {
  aggregateId = `account-${randomUUID()}`
})

afterEach(() => {
  vi.restoreAllMocks()
})

/** The bus event the dispatch publishes for `aggregate` as of `version`. */
function busEvent(version: number, aggregate: Account, type = 'Credit', id = aggregateId): LedgerBusEvent<Account> {
  const lastEvent: LedgerEvent = {
    aggregateId: id,
    version,
    type,
    payload: { amount: version },
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, version)).toISOString(),
  }
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': type,
    source: 'stakeout.ledger',
    account: '000000000000',
    time: lastEvent.timestamp,
    region: 'us-east-1',
    resources: [],
    detail: { aggregateId: id, version, aggregate, lastEvent },
  } as LedgerBusEvent<Account>
}

const project = (account: Account, lastEvent: LedgerEvent) => ({
  balance: account.balance,
  updatedAt: lastEvent.timestamp,
})
const projector = () => defineProjector<Account>({ project, clients: { dynamodb } })

describe('defineProjector', () => {
  it('writes the projection, then answers a duplicate and an older delivery as no-ops, each logged in one line', async () => {
    const handler = projector()
    const notices = vi.spyOn(console, 'log').mockImplementation(() => {})

    await expect(handler(busEvent(2, { balance: 20, history: [] }))).resolves.toEqual({
      aggregateId,
      version: 2,
      outcome: 'written',
    })
    await expect(handler(busEvent(2, { balance: 20, history: [] }))).resolves.toEqual({
      aggregateId,
      version: 2,
      outcome: 'duplicate',
      storedVersion: 2,
    })
    await expect(handler(busEvent(1, { balance: 10, history: [] }))).resolves.toEqual({
      aggregateId,
      version: 1,
      outcome: 'older',
      storedVersion: 2,
    })

    expect(await projectionOf(dynamodb, tables.projectionTable, aggregateId)).toEqual({
      aggregateId,
      version: 2,
      balance: 20,
      updatedAt: '2026-01-01T00:00:02.000Z',
    })
    expect(notices.mock.calls.map(([line]) => line)).toEqual([
      `[stakeout] defineProjector (Balance): ${aggregateId} version 2 not written: the projection is at that version already (a duplicate delivery)`,
      `[stakeout] defineProjector (Balance): ${aggregateId} version 1 not written: the projection is at version 2 already (an older delivery, out of order)`,
    ])
  })

  it('leaves the newest version when deliveries race: 10 versions, each twice, all at once', async () => {
    const handler = projector()
    vi.spyOn(console, 'log').mockImplementation(() => {})
    const versions = [
      ...Array.from({ length: 10 }, (_, at) => at + 1),
      ...Array.from({ length: 10 }, (_, at) => 10 - at),
    ]
    const results = await Promise.all(
      versions.map((version) => handler(busEvent(version, { balance: version * 10, history: [] }))),
    )

    expect(await projectionOf(dynamodb, tables.projectionTable, aggregateId)).toMatchObject({
      version: 10,
      balance: 100,
    })
    expect(results.filter((result) => result.version === 10 && result.outcome === 'written')).toHaveLength(1)
    for (const result of results) {
      if (result.outcome !== 'written') expect(result.storedVersion).toBeGreaterThanOrEqual(result.version)
    }
  })

  it('projects a replay like any other event, and a replay rebuilds a deleted projection', async () => {
    const handler = projector()
    const replay = { ...busEvent(5, { balance: 50, history: [] }), 'detail-type': 'stakeout.replay' }
    await expect(handler(replay)).resolves.toMatchObject({ outcome: 'written', version: 5 })
    expect(await projectionOf(dynamodb, tables.projectionTable, aggregateId)).toMatchObject({ version: 5, balance: 50 })
  })

  it.each([
    [() => null, "project must return an object (the projection item's attributes), received null"],
    [() => [1], "project must return an object (the projection item's attributes), received an array"],
    [() => 42, 'received number'],
    [() => ({ version: 9 }), 'project returned version 9 for'],
    [() => ({ aggregateId: 'someone-else' }), 'project returned aggregateId "someone-else" for'],
    [() => ({ when: new Date() }), 'is not storable in DynamoDB'],
  ])('refuses a project result that is not a projection of this event (%s)', async (bad, message) => {
    const handler = defineProjector({ project: bad as never, clients: { dynamodb } })
    await expect(handler(busEvent(1, { balance: 1, history: [] }))).rejects.toThrow(message)
    expect(await projectionOf(dynamodb, tables.projectionTable, aggregateId)).toBeUndefined()
  })

  it('accepts a project result that repeats aggregateId and version', async () => {
    const handler = defineProjector<Account>({
      project: (account, lastEvent) => ({
        aggregateId: lastEvent.aggregateId,
        version: lastEvent.version,
        balance: account.balance,
      }),
      clients: { dynamodb },
    })
    await expect(handler(busEvent(1, { balance: 1, history: [] }))).resolves.toMatchObject({ outcome: 'written' })
  })

  it('refuses an event that is not one of the ledger bus events, naming what is wrong', async () => {
    const handler = projector()
    const good = busEvent(1, { balance: 1, history: [] })
    await expect(handler({ ...good, source: 'my.app' })).rejects.toThrow(
      'defineProjector: the event is not one of the ledger\'s bus events: its source is "my.app", not "stakeout.ledger"',
    )
    await expect(handler({ ...good, detail: { ...good.detail, version: 0 } })).rejects.toThrow(
      'detail.version must be a whole number from 1, received 0',
    )
    await expect(handler(null as never)).rejects.toThrow('received null')
  })

  it('refuses bad options at definition time', () => {
    expect(() => defineProjector({} as never)).toThrow(ArgumentError)
    expect(() => defineProjector({} as never)).toThrow(
      'defineProjector: options.project must be a function (aggregate, lastEvent) => projection, received undefined',
    )
    expect(() => defineProjector({ project, table: 'x' } as never)).toThrow('options.table must be project or clients')
  })
})

describe('defineProjector: any delivery order, with duplicates, leaves the sequential fold', () => {
  it('holds for 1,000 histories delivered in random orders with duplicates (DynamoDB Local, one aggregate per run)', async () => {
    const handler = projector()
    vi.spyOn(console, 'log').mockImplementation(() => {})
    const history = fc.array(fc.integer({ min: -50, max: 100 }), { minLength: 1, maxLength: 6 }).chain((amounts) =>
      fc.record({
        amounts: fc.constant(amounts),
        // Every version delivered at least once, some again, in any order.
        deliveries: fc.array(fc.integer({ min: 1, max: amounts.length }), { maxLength: 4 }).chain((extra) =>
          fc.shuffledSubarray([...amounts.map((_, at) => at + 1), ...extra], {
            minLength: amounts.length + extra.length,
          }),
        ),
      }),
    )

    await fc.assert(
      fc.asyncProperty(history, async ({ amounts, deliveries }) => {
        const id = `prop-${randomUUID()}`
        // The state-carried events: the aggregate as a sequential fold leaves it at each version.
        const states: Account[] = []
        amounts.reduce<Account>(
          (account, amount) => {
            const next = { balance: account.balance + amount, history: [...account.history, amount] }
            states.push(next)
            return next
          },
          { balance: 0, history: [] },
        )

        let highest = 0
        for (const version of deliveries) {
          const result = await handler(busEvent(version, states[version - 1]!, 'Credit', id))
          const expected = version > highest ? 'written' : version === highest ? 'duplicate' : 'older'
          if (result.outcome !== expected)
            throw new Error(`delivery of version ${version} after ${highest}: ${result.outcome}, expected ${expected}`)
          highest = Math.max(highest, version)
        }

        const last = amounts.length
        const folded = busEvent(last, states[last - 1]!, 'Credit', id).detail
        expect(await projectionOf(dynamodb, tables.projectionTable, id)).toEqual({
          aggregateId: id,
          version: last,
          ...project(folded.aggregate, folded.lastEvent),
        })
      }),
      { numRuns: 1_000 },
    )
  }, 60_000)
})
