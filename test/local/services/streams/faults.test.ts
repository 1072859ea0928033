import { DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocal } from '../../../../src/local/app/start-local.js'
import type { LocalApp } from '../../../../src/local/app/types.js'
import { waitUntil } from './support.js'
import { synthesizeStreamsApp } from './support-app.js'

let app: LocalApp
let dynamodb: DynamoDBClient
const lines: string[] = []

// Seed 7's first two draws are 0.01 and 0.06: with fail 0.5 the first two invocations are reported failed.
beforeAll(async () => {
  app = await startLocal({
    app: await synthesizeStreamsApp(),
    log: (line) => lines.push(line),
    faults: { seed: 7, eventSources: { fail: 0.5 } },
  })
  dynamodb = new DynamoDBClient({ ...app.resources.clientSettings('dynamodb'), maxAttempts: 1 })
}, 180_000)

afterAll(async () => {
  dynamodb?.destroy()
  await app?.stop()
})

const tableName = (id: string) => app.resources.resolve(id, { type: 'AWS::DynamoDB::Table' }).physicalId

describe('startLocal: the eventSources.fail fault', () => {
  it('reports invocations failed after the function ran: its effects stay and it sees the batch again', async () => {
    await dynamodb.send(new PutItemCommand({ TableName: tableName('Events'), Item: { id: { S: 'first' } } }))
    const deliveries = async () => {
      const out = await dynamodb.send(new ScanCommand({ TableName: tableName('Audit'), ConsistentRead: true }))
      return new Map((out.Items ?? []).map((item) => [item.id?.S, Number(item.deliveries?.N)]))
    }
    let seen = new Map<string | undefined, number>()
    await waitUntil('the third delivery of the first event', async () => {
      seen = await deliveries()
      return (seen.get('first') ?? 0) >= 3
    })
    // Two injected failures, then the success that lets the mapping move on: three runs, each one's write kept.
    expect(seen.get('first')).toBe(3)
    const faultLines = lines.filter((line) => line.includes(': fault: invocation'))
    expect(faultLines).toEqual([
      expect.stringMatching(
        /^event source StreamsStack\/Auditor\/DynamoDBEventSource\S*: fault: invocation \S+ of Auditor\S* reported failed after it ran \(1 record from \d+, shard shardId-\S+\)$/,
      ),
      expect.stringMatching(/fault: invocation/),
    ])
    expect(lines).toContainEqual('faults: on, seed 7 (pass faults.seed to get the same faults again)')
  })
})
