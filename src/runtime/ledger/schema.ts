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

/** The snapshot table's attribute holding the aggregate as of the item's `version` (a DynamoDB map of JSON data). */
export const SNAPSHOT_AGGREGATE_ATTRIBUTE = 'aggregate'

/**
 * EventBridge's limit on one PutEvents entry: 256 KB, counted as the EventBridge user guide's "Calculating PutEvents
 * event entry size" says (the UTF-8 bytes of `Source`, `DetailType`, `Detail` and each of `Resources`, and 14 for a
 * `Time`).
 */
export const MAX_EVENT_ENTRY_BYTES = 256 * 1024

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

/** One event of the ledger, as the dispatch reads it and publishes it as `lastEvent`. */
export interface LedgerEvent<Payload = unknown, Metadata = unknown> {
  readonly aggregateId: string
  readonly version: number
  readonly type: string
  readonly payload?: Payload
  readonly metadata?: Metadata
  /** ISO 8601. */
  readonly timestamp: string
}

/**
 * The `detail` of every event the dispatch publishes (source {@link LEDGER_EVENT_SOURCE}, detail-type the event's
 * type, or {@link REPLAY_DETAIL_TYPE} for a replay): the aggregate as of `version`, folded by the user's reducer,
 * and the event that brought it there. State-carried: a projector needs nothing else, in any order.
 */
export interface LedgerEventDetail<Aggregate = unknown, Payload = unknown, Metadata = unknown> {
  readonly aggregateId: string
  /** The aggregate's version: that of `lastEvent`. */
  readonly version: number
  readonly aggregate: Aggregate
  readonly lastEvent: LedgerEvent<Payload, Metadata>
}

/**
 * The event a replay invokes the dispatch with (synchronously): `{ [REPLAY_REQUEST_KEY]: { aggregateIds } }`. The
 * dispatch folds each aggregate and publishes it with {@link REPLAY_DETAIL_TYPE}, and answers a
 * {@link ReplayResult}.
 */
export const REPLAY_REQUEST_KEY = 'stakeoutReplay'

/** What the dispatch answers a replay request. */
export interface ReplayResult {
  /** The aggregates published, each at its current version. */
  readonly replayed: ReadonlyArray<{ readonly aggregateId: string; readonly version: number }>
  /** The aggregate ids the ledger holds no event of (nothing published for them). */
  readonly missing: readonly string[]
}

/** What a projector's invocation answers (and logs, one line): what it did with the event. */
export interface ProjectorResult {
  readonly aggregateId: string
  readonly version: number
  /**
   * `written`: the projection is now at `version`; `duplicate`: it was already at `version` (a no-op);
   * `older`: it was at a later version (`storedVersion`), so this out-of-order delivery is a no-op.
   */
  readonly outcome: 'written' | 'duplicate' | 'older'
  readonly storedVersion?: number
}
