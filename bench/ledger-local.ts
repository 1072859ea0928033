/**
 * Benchmark of the event ledger on the local target, run by `npm run bench` (or alone: `npm run bench:ledger-local`);
 * writes its own section of BENCHMARKS.md between the markers below.
 *
 * The bank (examples/bank/cdk.json) is brought up with `startLocal`; events are appended with `EventStoreClient`
 * (what `useEventStore` does), and the Balance projection is read back until it holds the event's version:
 *
 * - append-to-projection latency: one event at a time, each to a fresh account, from the append's answer to the
 *   first read that sees the projection at its version (reads every 2 ms). The path: DynamoDB Local's stream →
 *   the local event source mapping → the dispatch function → the local EventBridge → the projector function →
 *   its table. Baseline in the same run: a PutItem then a GetItem of the same item on the same DynamoDB Local,
 *   the floor of any path through it.
 * - sustained throughput: ACCOUNTS accounts × EVENTS_PER_ACCOUNT events, appended concurrently (each account's
 *   in order), timed until every projection holds its last version.
 */
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import {
  CreateTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb'
import { EventStoreClient } from '../src/clients/event-store-client.js'
import { startLocal } from '../src/local/index.js'
import { median, ms, percentile, writeSection } from './report.js'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const LATENCY_EVENTS = Number(process.env.BENCH_LEDGER_EVENTS ?? 60)
const WARMUP = 5
const ACCOUNTS = Number(process.env.BENCH_LEDGER_ACCOUNTS ?? 20)
const EVENTS_PER_ACCOUNT = Number(process.env.BENCH_LEDGER_EVENTS_PER_ACCOUNT ?? 25)
const READ_EVERY_MS = 2
const DEADLINE_MS = 60_000

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds))

async function main(): Promise<void> {
  const app = await startLocal({ app: 'node --import tsx app.ts', cwd: `${REPO}examples/bank` })
  try {
    const resources = app.resources
    const ledger = new EventStoreClient({
      tableName: resources.resolve('Ledger/Table').physicalId ?? '',
      projections: { Balance: resources.resolve('Ledger/Projectors/Balance/Table').physicalId ?? '' },
      dynamodb: resources.clientSettings('dynamodb'),
    })
    const run = `bench-${Date.now().toString(36)}`

    /** Appends one credit, then reads the Balance projection until it is at the version: ms from append to seen. */
    const appendAndSee = async (accountId: string): Promise<number> => {
      const { version } = await ledger.append(accountId, { type: 'Credit', payload: { amount: 1 } })
      const appended = performance.now()
      const balance = ledger.projection('Balance', { aggregateId: accountId })
      while (performance.now() - appended < DEADLINE_MS) {
        const seen = await balance.get()
        if (seen !== undefined && seen.version >= version) return performance.now() - appended
        await sleep(READ_EVERY_MS)
      }
      throw new Error(`the Balance projection of ${accountId} did not reach v${version} in ${DEADLINE_MS} ms`)
    }

    for (let i = 0; i < WARMUP; i++) await appendAndSee(`${run}-warmup-${i}`)
    const latencies: number[] = []
    for (let i = 0; i < LATENCY_EVENTS; i++) latencies.push(await appendAndSee(`${run}-latency-${i}`))

    const floor = await dynamodbRoundTrip(resources.clientSettings('dynamodb'))

    const started = performance.now()
    await Promise.all(
      Array.from({ length: ACCOUNTS }, async (_, account) => {
        const accountId = `${run}-throughput-${account}`
        for (let i = 0; i < EVENTS_PER_ACCOUNT; i++) {
          await ledger.append(accountId, { type: 'Credit', payload: { amount: 1 } })
        }
        const balance = ledger.projection('Balance', { aggregateId: accountId })
        while ((await balance.get())?.version !== EVENTS_PER_ACCOUNT) {
          if (performance.now() - started > DEADLINE_MS * 5) throw new Error(`${accountId} never projected`)
          await sleep(10)
        }
      }),
    )
    const elapsed = performance.now() - started
    const events = ACCOUNTS * EVENTS_PER_ACCOUNT
    ledger.destroy()

    await writeSection(
      'bench/ledger-local.ts',
      `## The event ledger on the local target (bench/ledger-local.ts)

Measured on ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, Node.js ${process.version}, the bank
(examples/bank) brought up with \`startLocal\`.

### Append to projection (${LATENCY_EVENTS} events, one at a time, each to a fresh account, after ${WARMUP} warm-ups)

| | p50 | p95 | max |
|---|---|---|---|
| append → Balance projection at the event's version | ${ms(percentile(latencies, 50))} | ${ms(percentile(latencies, 95))} | ${ms(Math.max(...latencies))} |
| baseline: PutItem then GetItem on the same DynamoDB Local | ${ms(percentile(floor, 50))} | ${ms(percentile(floor, 95))} | ${ms(Math.max(...floor))} |

p50 is ${(percentile(latencies, 50) / percentile(floor, 50)).toFixed(0)}× the baseline (goal: p50 ≤ 150 ms). The path
is the stream, the local event source mapping, the dispatch, the local bus, the projector and its table.

### Sustained (${ACCOUNTS} accounts × ${EVENTS_PER_ACCOUNT} events appended concurrently)

${events} events projected in ${(elapsed / 1000).toFixed(2)} s: **${(events / (elapsed / 1000)).toFixed(0)} events/s** on
this machine (median append-to-projection above: ${ms(median(latencies))}).`,
    )
  } finally {
    await app.stop()
  }
}

/** The floor: PutItem then GetItem of one item, `LATENCY_EVENTS` times, on a table of its own (no stream). */
async function dynamodbRoundTrip(settings: DynamoDBClientConfig): Promise<number[]> {
  const client = new DynamoDBClient(settings)
  const table = 'bench-floor'
  await client.send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: [{ AttributeName: 'aggregateId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'aggregateId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  )
  const times: number[] = []
  for (let i = 0; i < LATENCY_EVENTS; i++) {
    const key = { aggregateId: { S: `bench-floor-${i}` } }
    const started = performance.now()
    await client.send(new PutItemCommand({ TableName: table, Item: { ...key, type: { S: 'Floor' } } }))
    await client.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))
    times.push(performance.now() - started)
  }
  client.destroy()
  return times
}

await main()
