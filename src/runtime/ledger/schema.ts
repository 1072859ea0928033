/**
 * The event ledger's layout: the one contract between the construct (`EventLedger`, deploy time), the
 * Lambda side (`dispatchAggregate`, `defineProjector`) and the test side (`EventStoreClient`).
 *
 * Ledger items are laid out as Castore's `DynamoDBSingleTableEventStorageAdapter` writes them (read from
 * castore-dev/castore, packages/event-storage-adapter-dynamodb/src/constants.ts and singleTableAdapter.ts,
 * commit fd79dfc), so a Castore event store can share the ledger both ways:
 *
 * | attribute      | type | what                                                                   |
 * |----------------|------|------------------------------------------------------------------------|
 * | `aggregateId`  | S    | partition key; Castore writes `<eventStoreId>#<aggregateId>`           |
 * | `version`      | N    | sort key, 1, 2, 3... per aggregate; appends are conditional on it      |
 * | `type`         | S    | the event type (the EventBridge detail-type the dispatch publishes)   |
 * | `payload`      | any  | optional                                                               |
 * | `metadata`     | any  | optional                                                               |
 * | `timestamp`    | S    | ISO 8601                                                               |
 * | `eventStoreId` | S    | on version 1 only (Castore): the `initialEvents` index's partition key |
 *
 * Snapshots live in a table of their own keyed `aggregateId` / `version` (the aggregate as of that
 * version), never in the ledger: a snapshot item in the ledger would reach the dispatch through the stream
 * and Castore's `getEvents` (a Query on the whole partition) as an event.
 *
 * Projection tables are keyed by `aggregateId` alone.
 */

/** Partition key of the ledger, the snapshot table and every projection table (string). */
export const AGGREGATE_ID_ATTRIBUTE = 'aggregateId'
/** Sort key of the ledger and the snapshot table (number). */
export const VERSION_ATTRIBUTE = 'version'
/** The event type of a ledger item. */
export const TYPE_ATTRIBUTE = 'type'
/** The event's payload (optional). */
export const PAYLOAD_ATTRIBUTE = 'payload'
/** The event's metadata (optional). */
export const METADATA_ATTRIBUTE = 'metadata'
/** When the event happened (ISO 8601 string). */
export const TIMESTAMP_ATTRIBUTE = 'timestamp'
/** Castore's event store id, written on initial events (version 1) only. */
export const EVENT_STORE_ID_ATTRIBUTE = 'eventStoreId'
/** Castore's index of initial events (`listAggregateIds`): `eventStoreId` / `timestamp`, keys only. */
export const INITIAL_EVENTS_INDEX = 'initialEvents'

/**
 * The EventBridge detail-type of a replay: the dispatch publishes the current aggregate with it, every
 * projector's rule matches it besides the projector's own event types, and the reducer never folds it.
 */
export const REPLAY_DETAIL_TYPE = 'stakeout.replay'

/** The EventBridge `source` of every event the dispatch publishes; projector rules match it. */
export const LEDGER_EVENT_SOURCE = 'stakeout.ledger'

/** Environment variables `EventLedger` sets on its functions (and the local target sets locally). */
export const LEDGER_ENV = {
  /** Dispatch: the ledger table's name. */
  ledgerTable: 'STAKEOUT_LEDGER_TABLE',
  /** Dispatch: the snapshot table's name. */
  snapshotTable: 'STAKEOUT_SNAPSHOT_TABLE',
  /** Dispatch: the event bus's name, for PutEvents. */
  eventBus: 'STAKEOUT_EVENT_BUS',
  /** Projector: its projection table's name. */
  projectionTable: 'STAKEOUT_PROJECTION_TABLE',
  /** Projector: its name, as given to `addProjector`. */
  projectorName: 'STAKEOUT_PROJECTOR_NAME',
} as const
