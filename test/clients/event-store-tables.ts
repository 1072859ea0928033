import { randomUUID } from 'node:crypto'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { localDynamoDB } from '../support/dynamodb.js'
import { createProjectionTable, createVersionedTable } from '../support/ledger-tables.js'

/**
 * Tables with the key schemas EventLedger gives them (construct/event-ledger.ts, ledger-projector.ts), made fresh on
 * the run's DynamoDB Local: the ledger (`aggregateId` S / `version` N, a stream of new images), the snapshot table
 * (the same keys) and a projection table (`aggregateId` alone).
 */
export async function createLedgerTables(
  dynamodb: DynamoDBClient = localDynamoDB(),
  projections: readonly string[] = ['Balance'],
): Promise<{ ledger: string; snapshots: string; projections: Record<string, string>; streamArn: string }> {
  const id = randomUUID().slice(0, 8)
  const ledger = `ledger-${id}`
  const snapshots = `snapshots-${id}`
  const created = await createVersionedTable(dynamodb, ledger, { stream: true })
  await createVersionedTable(dynamodb, snapshots)
  const tables: Record<string, string> = {}
  for (const name of projections) {
    tables[name] = `${name.toLowerCase()}-${id}`
    await createProjectionTable(dynamodb, tables[name])
  }
  return { ledger, snapshots, projections: tables, streamArn: created.TableDescription?.LatestStreamArn ?? '' }
}
