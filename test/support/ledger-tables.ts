import { CreateTableCommand, type CreateTableCommandOutput, type DynamoDBClient } from '@aws-sdk/client-dynamodb'

/**
 * Creates a table keyed as EventLedger keys the ledger and its snapshot table (construct/event-ledger.ts):
 * `aggregateId` (S) hash and `version` (N) range, on demand; with `stream`, a stream of new images as the ledger has.
 *
 * @example
 * const created = await createVersionedTable(dynamodb, `ledger-${id}`, { stream: true })
 * const streamArn = created.TableDescription?.LatestStreamArn
 */
export function createVersionedTable(
  dynamodb: DynamoDBClient,
  name: string,
  options: { stream?: boolean } = {},
): Promise<CreateTableCommandOutput> {
  return dynamodb.send(
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
      ...(options.stream === true ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } } : {}),
    }),
  )
}

/**
 * Creates a table keyed as EventLedger keys a projection (construct/ledger-projector.ts): `aggregateId` (S) alone.
 *
 * @example
 * await createProjectionTable(dynamodb, `balance-${id}`)
 */
export function createProjectionTable(dynamodb: DynamoDBClient, name: string): Promise<CreateTableCommandOutput> {
  return dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'aggregateId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'aggregateId', KeyType: 'HASH' }],
    }),
  )
}
