/**
 * Measures the local stream event source (not a test: `npx tsx test/local/services/streams/measure-latency.ts`):
 * the time from a PutItem's start to the function's invocation, for writes spaced 0 to 400 ms apart (so some land on
 * a poller backed off while idle), and the CPU an idle mapping costs this process and DynamoDB Local. The numbers go
 * in the README's stream event source section.
 */
import { readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams'
import { startDynamoDBLocal } from '../../../../src/local/dynamodb-local.js'
import { StreamPoller } from '../../../../src/local/services/streams/stream-poller.js'
import { testQueues } from '../../../support/queues.js'
import { createStreamTable, settingsFor } from './support.js'

const WRITES = 300
const config = (endpoint: string) => ({
  endpoint,
  region: 'eu-west-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
})

const dynamodbLocal = await startDynamoDBLocal()
const dynamodb = new DynamoDBClient(config(dynamodbLocal.endpoint))
const streams = new DynamoDBStreamsClient(config(dynamodbLocal.endpoint))
try {
  const { table, streamArn } = await createStreamTable(dynamodb)
  const started = new Map<string, number>()
  const latencies: number[] = []
  const poller = new StreamPoller({
    settings: settingsFor(streamArn, { startingPosition: 'LATEST' }),
    region: 'eu-west-1',
    client: streams,
    queues: testQueues([]),
    log: console.log,
    faults: { fail: 0, random: Math.random },
    invoke: async (event) => {
      const now = performance.now()
      for (const record of (event as { Records: { dynamodb: { Keys: { id: { S: string } } } }[] }).Records) {
        const at = started.get(record.dynamodb.Keys.id.S)
        if (at !== undefined) latencies.push(now - at)
      }
      return { result: null, logs: '', durationMs: 0, requestId: 'r' }
    },
  })
  await poller.start()
  for (let index = 0; index < WRITES; index++) {
    await sleep(Math.random() * 400)
    const id = `item-${index}`
    started.set(id, performance.now())
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: { id: { S: id } } }))
  }
  await sleep(500)
  latencies.sort((a, b) => a - b)
  const at = (share: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * share))]?.toFixed(1)
  console.log(
    `append to invocation over ${latencies.length} writes: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms`,
  )

  const javaTicks = async () => {
    const stat = await readFile(`/proc/${dynamodbLocal.pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[11]) + Number(fields[12])
  }
  const cpuBefore = process.cpuUsage()
  const javaBefore = await javaTicks()
  await sleep(10_000)
  const cpu = process.cpuUsage(cpuBefore)
  const javaAfter = await javaTicks()
  console.log(
    `idle for 10 s with one mapping: this process ${((cpu.user + cpu.system) / 1000 / 100).toFixed(1)} % of a core, ` +
      `DynamoDB Local ${(javaAfter - javaBefore) / 10} % of a core (100 ticks a second)`,
  )
  await poller.stop()
} finally {
  dynamodb.destroy()
  streams.destroy()
  await dynamodbLocal.stop()
}
