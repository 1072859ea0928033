/**
 * The ledger's items as the test side reads and writes them (the layout of src/runtime/ledger/schema.ts, Castore's),
 * and the checks on what a user appends: one place, so `append`, `events`, `aggregate` and the fixture agree.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'
import { isPlainObject } from '../runtime/interceptor/values.js'
import {
  AGGREGATE_ID_ATTRIBUTE,
  EVENT_STORE_ID_ATTRIBUTE,
  type LedgerEvent,
  METADATA_ATTRIBUTE,
  PAYLOAD_ATTRIBUTE,
  TIMESTAMP_ATTRIBUTE,
  TYPE_ATTRIBUTE,
  VERSION_ATTRIBUTE,
} from '../runtime/ledger/schema.js'

/**
 * The attribute of a snapshot item (snapshot table, keyed `aggregateId` / `version`) that holds the aggregate as of
 * that version: the name `LedgerEventDetail` gives it.
 */
export const SNAPSHOT_AGGREGATE_ATTRIBUTE = 'aggregate'

/** TransactWriteItems takes at most 100 items: the most events one atomic append can hold. */
export const MAX_EVENTS_PER_APPEND = 100

/** DynamoDB's partition key limit is 2,048 bytes. */
const MAX_AGGREGATE_ID_BYTES = 2048

/** One event to append: its type, and what it carries. The version is the ledger's to give. */
export interface NewEvent<Payload = unknown, Metadata = unknown> {
  /** The event type (the EventBridge detail-type the dispatch publishes it with): `Credit`. */
  readonly type: string
  /** What happened. @default none */
  readonly payload?: Payload
  /** About the event (who, why). @default none */
  readonly metadata?: Metadata
  /** When it happened, ISO 8601. @default now */
  readonly timestamp?: string
}

const EVENT_KEYS: readonly string[] = ['type', 'payload', 'metadata', 'timestamp']

/**
 * Why `aggregateId` cannot be an aggregate id, or undefined when it can: a non-empty string of at most 2,048 bytes.
 */
export function aggregateIdProblem(aggregateId: unknown): string | undefined {
  if (typeof aggregateId !== 'string' || aggregateId === '') return 'a non-empty string'
  if (Buffer.byteLength(aggregateId) > MAX_AGGREGATE_ID_BYTES) return 'at most 2,048 bytes (a DynamoDB partition key)'
  return undefined
}

/**
 * Checks one event to append; `fail` names the argument (`event`, `events[2].type`).
 */
export function checkNewEvent(
  event: unknown,
  argument: string,
  fail: (argument: string, expectation: string, received: unknown) => never,
): NewEvent {
  if (!isPlainObject(event)) fail(argument, "an event such as { type: 'Credit', payload: { amount: 50 } }", event)
  const record = event as Record<string, unknown>
  for (const key of Object.keys(record)) {
    if (!EVENT_KEYS.includes(key)) fail(`${argument}.${key}`, `absent (an event has ${EVENT_KEYS.join(', ')})`, key)
  }
  const { type, timestamp } = record
  if (typeof type !== 'string' || type.trim() === '') fail(`${argument}.type`, 'a non-empty string', type)
  if ((type as string).length > 128) {
    fail(`${argument}.type`, 'at most 128 characters (it is the EventBridge detail-type)', type)
  }
  if (timestamp !== undefined && (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp)))) {
    fail(`${argument}.timestamp`, 'an ISO 8601 date string such as 2026-01-31T12:00:00.000Z', timestamp)
  }
  return event as unknown as NewEvent
}

/** The ledger item of `event` at `version` (with `eventStoreId` on version 1 when one is given, as Castore does). */
export function ledgerItem(
  aggregateId: string,
  version: number,
  event: NewEvent,
  timestamp: string,
  eventStoreId: string | undefined,
): Record<string, AttributeValue> {
  const item: Record<string, unknown> = {
    [AGGREGATE_ID_ATTRIBUTE]: aggregateId,
    [VERSION_ATTRIBUTE]: version,
    [TYPE_ATTRIBUTE]: event.type,
    [TIMESTAMP_ATTRIBUTE]: event.timestamp ?? timestamp,
  }
  if (event.payload !== undefined) item[PAYLOAD_ATTRIBUTE] = event.payload
  if (event.metadata !== undefined) item[METADATA_ATTRIBUTE] = event.metadata
  if (version === 1 && eventStoreId !== undefined) item[EVENT_STORE_ID_ATTRIBUTE] = eventStoreId
  return marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false })
}

/** A ledger item as a {@link LedgerEvent} (Castore's `eventStoreId` left out: it is the store's, not the event's). */
export function ledgerEvent(item: Record<string, AttributeValue>): LedgerEvent {
  const record = unmarshall(item) as Record<string, unknown>
  const event: Record<string, unknown> = {
    aggregateId: record[AGGREGATE_ID_ATTRIBUTE],
    version: Number(record[VERSION_ATTRIBUTE]),
    type: record[TYPE_ATTRIBUTE],
    timestamp: record[TIMESTAMP_ATTRIBUTE],
  }
  if (record[PAYLOAD_ATTRIBUTE] !== undefined) event.payload = record[PAYLOAD_ATTRIBUTE]
  if (record[METADATA_ATTRIBUTE] !== undefined) event.metadata = record[METADATA_ATTRIBUTE]
  return event as unknown as LedgerEvent
}

/** The key of an item of the ledger or the snapshot table. */
export function versionKey(aggregateId: string, version: number): Record<string, AttributeValue> {
  return { [AGGREGATE_ID_ATTRIBUTE]: { S: aggregateId }, [VERSION_ATTRIBUTE]: { N: String(version) } }
}
