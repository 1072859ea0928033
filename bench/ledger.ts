/**
 * Benchmark of the ledger's dispatch (`dispatchAggregate`), run by `npm run bench` after bench/local.ts; writes its
 * own section of BENCHMARKS.md, between the markers below, and leaves the rest of the file as it is.
 *
 * For aggregates of 100, 1,000 and 10,000 events, on a DynamoDB Local this bench starts, with EventBridge played by a
 * local PutEvents endpoint (startJsonService) that accepts every entry:
 *
 * - catch-up: the aggregate's whole stream dispatched in order, 100 records a batch (the EventLedger mapping's
 *   default batch size), with `snapshotEvery: 100`: ms and items read per record;
 * - the next append: one record at the aggregate's last version, as the dispatch of a new event costs once the
 *   history is there, with and without snapshots (median of BENCH_LEDGER_REPEATS dispatches): ms and items read.
 *
 * Items read are the dispatch's own count (ledger and snapshot items its Queries returned); a test checks it against
 * a count taken by a middleware on the DynamoDB client.
 */

import { cpus, loadavg } from 'node:os'
import { BatchWriteItemCommand, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb'
import { EventBridgeClient } from '@aws-sdk/client-eventbridge'
import { marshall } from '@aws-sdk/util-dynamodb'
import { startDynamoDBLocal } from '../src/local/dynamodb-local.js'
import { startJsonService } from '../src/local/services/json-protocol.js'
import { createDispatch } from '../src/runtime/ledger/dispatch-aggregate.js'
import { LEDGER_ENV, type LedgerEvent } from '../src/runtime/ledger/schema.js'
import type { LedgerStreamRecord } from '../src/runtime/ledger/stream-batch.js'
import { createVersionedTable } from '../test/support/ledger-tables.js'
import { median, ms, writeSection } from './report.js'

const SIZES = (process.env.BENCH_LEDGER_SIZES ?? '100,1000,10000').split(',').map(Number)
const SNAPSHOT_EVERY = 100
const BATCH_SIZE = 100
const REPEATS = Number(process.env.BENCH_LEDGER_REPEATS ?? 5)
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' }

type Account = { balance: number; transactions: number }
const reducer = (account: Account, event: LedgerEvent): Account => ({
  balance: account.balance + ((event.payload as { amount: number }).amount ?? 0),
  transactions: account.transactions + 1,
})

let sequence = 1
function record(event: LedgerEvent): LedgerStreamRecord {
  return {
    eventName: 'INSERT',
    dynamodb: {
      SequenceNumber: String(sequence++).padStart(21, '0'),
      Keys: marshall({ aggregateId: event.aggregateId, version: event.version }),
      NewImage: marshall(event),
    },
  }
}

async function append(dynamodb: DynamoDBClient, table: string, aggregateId: string, count: number) {
  const events: LedgerEvent[] = Array.from({ length: count }, (_, index) => ({
    aggregateId,
    version: index + 1,
    type: 'Credit',
    payload: { amount: 10, note: 'a bench credit of ten' },
    timestamp: new Date(Date.UTC(2026, 0, 1) + index).toISOString(),
  }))
  for (let at = 0; at < events.length; at += 25 * 8) {
    await Promise.all(
      Array.from({ length: 8 }, (_, call) => events.slice(at + call * 25, at + call * 25 + 25))
        .filter((chunk) => chunk.length > 0)
        .map(async (chunk) => {
          let pending: Record<string, WriteRequest[]> = {
            [table]: chunk.map((event) => ({ PutRequest: { Item: marshall(event) } })),
          }
          while ((pending[table]?.length ?? 0) > 0) {
            const out = await dynamodb.send(new BatchWriteItemCommand({ RequestItems: pending }))
            pending = out.UnprocessedItems ?? {}
          }
        }),
    )
  }
  return events
}

interface Row {
  readonly events: number
  readonly catchUp: { msPerRecord: number; readsPerRecord: number; maxReads: number }
  readonly next: Record<'with' | 'without', { ms: number; reads: number }>
}

async function main() {
  const load = loadavg()[0] ?? 0
  const local = await startDynamoDBLocal()
  let accepted = 0
  const bus = await startJsonService({
    service: 'EventBridge',
    targetPrefix: 'AWSEvents',
    jsonVersion: '1.1',
    operations: {
      PutEvents: (input) => {
        const entries = (input.Entries ?? []) as unknown[]
        accepted += entries.length
        return { FailedEntryCount: 0, Entries: entries.map((_, index) => ({ EventId: `e-${accepted}-${index}` })) }
      },
    },
  })
  const dynamodb = new DynamoDBClient({ endpoint: local.endpoint, region: 'us-east-1', credentials })
  const eventBridge = new EventBridgeClient({ endpoint: bus.endpoint, region: 'us-east-1', credentials })
  const rows: Row[] = []
  try {
    for (const size of SIZES) {
      const ledgerTable = `bench-ledger-${size}`
      const snapshotTable = `bench-snapshots-${size}`
      await Promise.all([createVersionedTable(dynamodb, ledgerTable), createVersionedTable(dynamodb, snapshotTable)])
      Object.assign(process.env, {
        [LEDGER_ENV.ledgerTable]: ledgerTable,
        [LEDGER_ENV.snapshotTable]: snapshotTable,
        [LEDGER_ENV.eventBus]: 'bench-bus',
      })
      const events = await append(dynamodb, ledgerTable, `account-${size}`, size)
      const options = { reducer, initialState: { balance: 0, transactions: 0 }, clients: { dynamodb, eventBridge } }
      const withSnapshots = createDispatch<Account, unknown, unknown>({ ...options, snapshotEvery: SNAPSHOT_EVERY })
      const without = createDispatch<Account, unknown, unknown>(options)

      let reads = 0
      let maxReads = 0
      const started = performance.now()
      for (let at = 0; at < events.length; at += BATCH_SIZE) {
        const report = await withSnapshots.batch({ Records: events.slice(at, at + BATCH_SIZE).map(record) })
        if (report.batchItemFailures.length > 0)
          throw new Error(`the catch-up failed: ${JSON.stringify(report.records)}`)
        for (const one of report.records) {
          reads += one.itemsRead
          maxReads = Math.max(maxReads, one.itemsRead)
        }
      }
      const catchUp = { msPerRecord: (performance.now() - started) / size, readsPerRecord: reads / size, maxReads }

      const next = async (dispatch: typeof without) => {
        const times: number[] = []
        let itemsRead = 0
        // One untimed dispatch first: the first of a kind pays for compiling its code path.
        await dispatch.batch({ Records: [record(events[size - 1]!)] })
        for (let run = 0; run < REPEATS; run++) {
          const begun = performance.now()
          const report = await dispatch.batch({ Records: [record(events[size - 1]!)] })
          times.push(performance.now() - begun)
          itemsRead = report.records[0]!.itemsRead
        }
        return { ms: median(times), reads: itemsRead }
      }
      rows.push({ events: size, catchUp, next: { with: await next(withSnapshots), without: await next(without) } })
      console.log(JSON.stringify(rows.at(-1)))
    }
  } finally {
    dynamodb.destroy()
    eventBridge.destroy()
    await bus.stop()
    await local.stop()
  }

  const body = `## The ledger's dispatch: \`dispatchAggregate\` (bench/ledger.ts)

Measured on ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, Node.js ${process.version}, DynamoDB Local (started by
the bench; its reads cost far more time than DynamoDB's, so compare the items read more than the milliseconds) and
a local PutEvents endpoint. One aggregate per size; events of about 150 bytes. Load average when it started:
${load.toFixed(1)} on ${cpus().length} cores (a shared machine weighs on the milliseconds, not on the items read).

### The next append: one record at the aggregate's last version (median of ${REPEATS})

| events | snapshots | items read | ms |
|---|---|---|---|
${rows
  .flatMap((row) => [
    `| ${row.events.toLocaleString('en-US')} | none | ${row.next.without.reads.toLocaleString('en-US')} | ${ms(row.next.without.ms)} |`,
    `| ${row.events.toLocaleString('en-US')} | every ${SNAPSHOT_EVERY} | ${row.next.with.reads.toLocaleString('en-US')} | ${ms(row.next.with.ms)} |`,
  ])
  .join('\n')}

Goal: with snapshots, items read bounded by \`snapshotEvery\` (+1, the snapshot) whatever the history.

### Catch-up: the whole stream in order, ${BATCH_SIZE} records a batch, \`snapshotEvery: ${SNAPSHOT_EVERY}\`

| events | ms per record | items read per record (mean) | most items read by one record |
|---|---|---|---|
${rows
  .map(
    (row) =>
      `| ${row.events.toLocaleString('en-US')} | ${ms(row.catchUp.msPerRecord)} | ${row.catchUp.readsPerRecord.toFixed(2)} | ${row.catchUp.maxReads} |`,
  )
  .join('\n')}`
  await writeSection('bench/ledger.ts', body)
}

await main()
