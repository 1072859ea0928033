/**
 * The dispatch's reads and writes: an aggregate's events from the ledger (consistent, paginated Query on the version
 * range) and its snapshots (the newest at or below a version; a new one). Each read counts the items it returned, so a
 * fold can say what it cost.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb'
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'
import {
  AGGREGATE_ID_ATTRIBUTE,
  type LedgerEvent,
  METADATA_ATTRIBUTE,
  PAYLOAD_ATTRIBUTE,
  SNAPSHOT_AGGREGATE_ATTRIBUTE,
  TIMESTAMP_ATTRIBUTE,
  TYPE_ATTRIBUTE,
  VERSION_ATTRIBUTE,
} from './schema.js'

/** Counts the items the reads returned. */
export interface ReadCount {
  items: number
}

/** The aggregate as of a version. */
export interface AggregateState<Aggregate> {
  readonly version: number
  readonly aggregate: Aggregate
}

const NAMES = { '#id': AGGREGATE_ID_ATTRIBUTE, '#version': VERSION_ATTRIBUTE }

/**
 * The events of `aggregateId` after version `after`, up to `upTo` (or all), oldest first, handed to `each` page by
 * page: a fold of 10,000 events never holds them all.
 */
export async function readEvents(
  client: DynamoDBClient,
  tableName: string,
  aggregateId: string,
  after: number,
  upTo: number | undefined,
  count: ReadCount,
  each: (event: LedgerEvent) => void,
): Promise<void> {
  let startKey: Record<string, AttributeValue> | undefined
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        ConsistentRead: true,
        KeyConditionExpression:
          upTo === undefined ? '#id = :id AND #version > :after' : '#id = :id AND #version BETWEEN :from AND :upTo',
        ExpressionAttributeNames: NAMES,
        ExpressionAttributeValues: marshall(
          upTo === undefined
            ? { ':id': aggregateId, ':after': after }
            : { ':id': aggregateId, ':from': after + 1, ':upTo': upTo },
        ),
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    )
    const items = page.Items ?? []
    count.items += items.length
    for (const item of items) each(toLedgerEvent(unmarshall(item)))
    startKey = page.LastEvaluatedKey
  } while (startKey !== undefined)
}

/** One event of the ledger (consistent read), or `undefined`. */
export async function readEvent(
  client: DynamoDBClient,
  tableName: string,
  aggregateId: string,
  version: number,
  count: ReadCount,
): Promise<LedgerEvent | undefined> {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: tableName,
      ConsistentRead: true,
      Key: marshall({ [AGGREGATE_ID_ATTRIBUTE]: aggregateId, [VERSION_ATTRIBUTE]: version }),
    }),
  )
  if (Item === undefined) return undefined
  count.items += 1
  return toLedgerEvent(unmarshall(Item))
}

/** The newest snapshot of `aggregateId` at or below `atMost` (or the newest of all), or `undefined`. */
export async function readSnapshot<Aggregate>(
  client: DynamoDBClient,
  tableName: string,
  aggregateId: string,
  atMost: number | undefined,
  count: ReadCount,
): Promise<AggregateState<Aggregate> | undefined> {
  const { Items = [] } = await client.send(
    new QueryCommand({
      TableName: tableName,
      ConsistentRead: true,
      KeyConditionExpression: atMost === undefined ? '#id = :id' : '#id = :id AND #version <= :atMost',
      ExpressionAttributeNames: atMost === undefined ? { '#id': AGGREGATE_ID_ATTRIBUTE } : NAMES,
      ExpressionAttributeValues: marshall(
        atMost === undefined ? { ':id': aggregateId } : { ':id': aggregateId, ':atMost': atMost },
      ),
      ScanIndexForward: false,
      Limit: 1,
    }),
  )
  const [item] = Items
  if (item === undefined) return undefined
  count.items += 1
  const snapshot = unmarshall(item)
  const version = snapshot[VERSION_ATTRIBUTE]
  if (!Number.isInteger(version) || version < 1 || !(SNAPSHOT_AGGREGATE_ATTRIBUTE in snapshot)) {
    throw new Error(`the snapshot table holds an item of ${aggregateId} that is not a snapshot (version ${version})`)
  }
  return { version, aggregate: snapshot[SNAPSHOT_AGGREGATE_ATTRIBUTE] as Aggregate }
}

/** Stores the aggregate (`json`, its JSON text) as of `version`. */
export async function writeSnapshot(
  client: DynamoDBClient,
  tableName: string,
  aggregateId: string,
  version: number,
  json: string,
): Promise<void> {
  await client.send(
    new PutItemCommand({
      TableName: tableName,
      Item: marshall(
        {
          [AGGREGATE_ID_ATTRIBUTE]: aggregateId,
          [VERSION_ATTRIBUTE]: version,
          [SNAPSHOT_AGGREGATE_ATTRIBUTE]: JSON.parse(json),
        },
        { removeUndefinedValues: true },
      ),
    }),
  )
}

/** A ledger item as the event it holds; one that is not an event is refused, naming what is wrong. */
export function toLedgerEvent(item: Record<string, unknown>): LedgerEvent {
  const aggregateId = item[AGGREGATE_ID_ATTRIBUTE]
  const version = item[VERSION_ATTRIBUTE]
  const type = item[TYPE_ATTRIBUTE]
  const timestamp = item[TIMESTAMP_ATTRIBUTE]
  const where = `ledger item ${String(aggregateId)} version ${String(version)}`
  if (typeof aggregateId !== 'string' || aggregateId === '') throw new Error(`${where}: aggregateId must be a string`)
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new Error(`${where}: version must be a whole number from 1`)
  }
  if (typeof type !== 'string' || type === '') throw new Error(`${where}: type must be a non-empty string`)
  if (typeof timestamp !== 'string') throw new Error(`${where}: timestamp must be an ISO 8601 string`)
  return {
    aggregateId,
    version,
    type,
    ...(item[PAYLOAD_ATTRIBUTE] === undefined ? {} : { payload: item[PAYLOAD_ATTRIBUTE] }),
    ...(item[METADATA_ATTRIBUTE] === undefined ? {} : { metadata: item[METADATA_ATTRIBUTE] }),
    timestamp,
  }
}
