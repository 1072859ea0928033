import { randomUUID } from 'node:crypto'
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { localDynamoDB } from '../support/dynamodb.js'

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
  const versioned = (name: string, stream: boolean) =>
    dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'aggregateId', AttributeType: 'S' },
          { AttributeName: 'version', AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: 'aggregateId', KeyType: 'HASH' },
          { AttributeName: 'version', KeyType: 'RANGE' },
        ],
        ...(stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } } : {}),
      }),
    )
  const ledger = `ledger-${id}`
  const snapshots = `snapshots-${id}`
  const created = await versioned(ledger, true)
  await versioned(snapshots, false)
  const tables: Record<string, string> = {}
  for (const name of projections) {
    tables[name] = `${name.toLowerCase()}-${id}`
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tables[name],
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'aggregateId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'aggregateId', KeyType: 'HASH' }],
      }),
    )
  }
  return { ledger, snapshots, projections: tables, streamArn: created.TableDescription?.LatestStreamArn ?? '' }
}
