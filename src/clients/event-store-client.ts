import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb'
import { InvokeCommand } from '@aws-sdk/client-lambda'
import { unmarshall } from '@aws-sdk/util-dynamodb'
import { atUserLine, failArgument, StakeoutError, VersionConflictError } from '../errors.js'
import { queryAll } from '../runtime/interceptor/table-io.js'
import { isPlainObject } from '../runtime/interceptor/values.js'
import {
  AGGREGATE_ID_ATTRIBUTE,
  type LedgerEvent,
  REPLAY_REQUEST_KEY,
  type ReplayResult,
  VERSION_ATTRIBUTE,
} from '../runtime/ledger/schema.js'
import { sendWithSdk } from './dynamodb-client.js'
import {
  aggregateIdProblem,
  checkNewEvent,
  ledgerEvent,
  ledgerItem,
  MAX_EVENTS_PER_APPEND,
  type NewEvent,
  SNAPSHOT_AGGREGATE_ATTRIBUTE,
} from './event-store-items.js'
import {
  type EventStoreClientOptions,
  type ProjectionTableOptions,
  readEventStoreOptions,
} from './event-store-options.js'
import { type Projection, ProjectionHandle, type ProjectionTarget } from './event-store-projection.js'
import { LazyClients } from './event-store-sdk-clients.js'

export type { NewEvent } from './event-store-items.js'
export type { EventStoreClientOptions, ProjectionTableOptions } from './event-store-options.js'

/** Options of {@link EventStoreClient.append}. */
export interface AppendOptions {
  /**
   * The aggregate's version the append expects it to be at now (0: a new aggregate): its events get versions
   * `expectedVersion + 1`, `+ 2`... When another append got there first, it throws {@link VersionConflictError}.
   * @default the aggregate's last version, read (consistently) before writing
   */
  readonly expectedVersion?: number
}

/** What {@link EventStoreClient.append} wrote. */
export interface AppendResult {
  readonly aggregateId: string
  /** The aggregate's version now: that of the last event written. */
  readonly version: number
  /** The events as stored, in order. */
  readonly events: readonly LedgerEvent[]
}

/** Options of {@link EventStoreClient.events}. */
export interface EventsOptions {
  /** The first version to read. @default 1 */
  readonly from?: number
  /** The last version to read. @default the last one */
  readonly to?: number
  /** Items per Query request (DynamoDB also ends a page at 1 MB). @default none (1 MB pages) */
  readonly pageSize?: number
  readonly abortSignal?: AbortSignal
}

/** A reducer, as `dispatchAggregate` takes it: the aggregate after one more event. */
export type Reducer<Aggregate, Event extends LedgerEvent = LedgerEvent> = (
  aggregate: Aggregate,
  event: Event,
) => Aggregate

/** What {@link EventStoreClient.aggregate} folded. */
export interface FoldedAggregate<Aggregate> {
  readonly aggregateId: string
  /** The version folded up to (0: no events). */
  readonly version: number
  readonly aggregate: Aggregate
  /** The version of the snapshot the fold started from, if any. */
  readonly fromSnapshot?: number
  /** How many events were folded (after the snapshot). */
  readonly eventsFolded: number
}

/**
 * The event ledger from a test (or a script): appends with optimistic concurrency, reads an aggregate's events and
 * folds them (from the newest snapshot), replays aggregates through the dispatch, and reads projections for
 * `toEventuallyProject`. Items are laid out as `EventLedger` (and Castore) lay them out. In Vitest or Jest,
 * `useEventStore()` builds one for a ledger of the target stack and cleans up after each test.
 *
 * @example
 * const ledger = new EventStoreClient({ tableName: 'bank-LedgerTable-x1y2', projections: { Balance: 'bank-Balance-a1b2' } })
 * await ledger.append('acct-1', { type: 'Credit', payload: { amount: 50 } })
 * await ledger.append('acct-1', { type: 'Debit', payload: { amount: 20 } }, { expectedVersion: 1 })
 * const { aggregate } = await ledger.aggregate('acct-1', (balance, event) => balance + Number((event.payload as { amount: number }).amount), 0)
 * ledger.destroy()
 */
export class EventStoreClient {
  /** The ledger table. */
  readonly tableName: string
  /** The snapshot table, if known. */
  readonly snapshotTableName: string | undefined
  /** Castore's event store id, if given. */
  readonly eventStoreId: string | undefined
  /** The dispatch function, if known. */
  readonly dispatchFunctionName: string | undefined
  /** The dispatch's on-failure queue URL, if known. */
  readonly onFailureQueueUrl: string | undefined
  /** The projection tables by projector name. */
  readonly projections: Readonly<Record<string, ProjectionTableOptions>>
  /** @internal The clients, made lazily (a ledger without replay never makes a Lambda client). */
  readonly #clients: LazyClients

  /**
   * @param options the ledger and how to reach it (see {@link EventStoreClientOptions})
   * @throws {ArgumentError} an option is missing or malformed (named in the message)
   */
  constructor(options: EventStoreClientOptions) {
    this.projections = readEventStoreOptions(options, EventStoreClient)
    this.tableName = options.tableName
    this.snapshotTableName = options.snapshotTableName
    this.eventStoreId = options.eventStoreId
    this.dispatchFunctionName = options.dispatchFunctionName
    this.onFailureQueueUrl = options.onFailureQueueUrl
    this.#clients = new LazyClients(options)
  }

  /** @internal The DynamoDB client (for the fixture's cleanup and the projection handles). */
  get dynamodb(): DynamoDBClient {
    return this.#clients.dynamodb()
  }

  /**
   * Appends one event, or several atomically (one TransactWriteItems: all are stored or none), to an aggregate.
   * Each event is a conditional put on its `aggregateId` / `version` key, so two appends at the same version never
   * both succeed: the loser throws a {@link VersionConflictError} naming the aggregate, the version and the version
   * now stored.
   *
   * @param aggregateId the aggregate (the ledger's partition key)
   * @param event one event `{ type, payload?, metadata?, timestamp? }`, or up to 100 of them
   * @param options `expectedVersion`: the version the aggregate must be at (0 for a new one)
   * @throws {VersionConflictError} another append stored that version first
   * @example
   * await ledger.append('acct-1', { type: 'Credit', payload: { amount: 50 } })
   * await ledger.append('acct-1', [{ type: 'Debit', payload: { amount: 20 } }, { type: 'Fee', payload: { amount: 1 } }], { expectedVersion: 1 })
   */
  async append(
    aggregateId: string,
    event: NewEvent | readonly NewEvent[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    const fail = (argument: string, expectation: string, received: unknown): never =>
      failArgument(this.append, 'EventStoreClient.append', argument, expectation, received)
    const problem = aggregateIdProblem(aggregateId)
    if (problem !== undefined) fail('aggregateId', problem, aggregateId)
    const list = Array.isArray(event) ? (event as readonly unknown[]) : [event]
    if (Array.isArray(event) && (list.length === 0 || list.length > MAX_EVENTS_PER_APPEND)) {
      fail('events', `1 to ${MAX_EVENTS_PER_APPEND} events (one atomic TransactWriteItems)`, event)
    }
    const events = list.map((each, index) =>
      checkNewEvent(each, Array.isArray(event) ? `events[${index}]` : 'event', fail),
    )
    if (!isPlainObject(options)) fail('options', 'an object like { expectedVersion: 3 }', options)
    for (const key of Object.keys(options)) {
      if (key !== 'expectedVersion') fail(`options.${key}`, 'absent (the one option is expectedVersion)', key)
    }
    const { expectedVersion } = options
    if (expectedVersion !== undefined && (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0)) {
      fail('options.expectedVersion', 'a whole number ≥ 0 (0: a new aggregate)', expectedVersion)
    }
    const current = expectedVersion ?? (await this.#lastVersion(aggregateId))
    const timestamp = new Date().toISOString()
    const items = events.map((each, index) =>
      ledgerItem(aggregateId, current + 1 + index, each, timestamp, this.eventStoreId),
    )
    const condition = `attribute_not_exists(${VERSION_ATTRIBUTE})`
    const dynamodb = this.#clients.dynamodb()
    try {
      if (items.length === 1) {
        await dynamodb.send(
          new PutItemCommand({ TableName: this.tableName, Item: items[0], ConditionExpression: condition }),
        )
      } else {
        await dynamodb.send(
          new TransactWriteItemsCommand({
            TransactItems: items.map((Item) => ({
              Put: { TableName: this.tableName, Item, ConditionExpression: condition },
            })),
          }),
        )
      }
    } catch (error) {
      if (!isConflict(error)) throw error
      const stored = await this.#lastVersion(aggregateId).catch(() => undefined)
      throw atUserLine(new VersionConflictError(aggregateId, current + 1, stored, { cause: error }), this.append)
    }
    return { aggregateId, version: current + items.length, events: items.map(ledgerEvent) }
  }

  /**
   * The aggregate's events in version order, read consistently, every page (`from` and `to` narrow the versions).
   *
   * @example
   * const events = await ledger.events('acct-1')
   * expect(events.map((event) => event.type)).toEqual(['Credit', 'Debit'])
   * await ledger.events('acct-1', { from: 2 })                 // from version 2 on
   */
  async events(aggregateId: string, options: EventsOptions = {}): Promise<LedgerEvent[]> {
    const fail = (argument: string, expectation: string, received: unknown): never =>
      failArgument(this.events, 'EventStoreClient.events', argument, expectation, received)
    const problem = aggregateIdProblem(aggregateId)
    if (problem !== undefined) fail('aggregateId', problem, aggregateId)
    if (!isPlainObject(options)) fail('options', 'an object like { from: 2, to: 5 }', options)
    for (const key of Object.keys(options)) {
      if (!['from', 'to', 'pageSize', 'abortSignal'].includes(key)) {
        fail(`options.${key}`, 'absent (one of from, to, pageSize, abortSignal)', key)
      }
    }
    const { from = 1, to, pageSize, abortSignal } = options
    if (!Number.isSafeInteger(from) || from < 1) fail('options.from', 'a version: a whole number ≥ 1', from)
    if (to !== undefined && (!Number.isSafeInteger(to) || to < from)) {
      fail('options.to', `a version ≥ options.from (${from})`, to)
    }
    if (pageSize !== undefined && (!Number.isSafeInteger(pageSize) || pageSize < 1)) {
      fail('options.pageSize', 'a whole number ≥ 1', pageSize)
    }
    return this.#read(this.tableName, aggregateId, { from, to, pageSize, abortSignal }, ledgerEvent)
  }

  /**
   * Folds the aggregate with your reducer (the one `dispatchAggregate` uses): from the newest snapshot when the
   * client knows the snapshot table, else from `initialState`, through every event after it.
   *
   * @example
   * const { version, aggregate } = await ledger.aggregate('acct-1', reducer, { balance: 0 })
   * expect(aggregate).toEqual({ balance: 30 })
   */
  async aggregate<Aggregate>(
    aggregateId: string,
    reducer: Reducer<Aggregate>,
    initialState: Aggregate,
  ): Promise<FoldedAggregate<Aggregate>> {
    const problem = aggregateIdProblem(aggregateId)
    if (problem !== undefined)
      failArgument(this.aggregate, 'EventStoreClient.aggregate', 'aggregateId', problem, aggregateId)
    if (typeof reducer !== 'function') {
      failArgument(
        this.aggregate,
        'EventStoreClient.aggregate',
        'reducer',
        'a function (aggregate, event) => aggregate',
        reducer,
      )
    }
    const snapshot = this.snapshotTableName === undefined ? undefined : await this.#newestSnapshot(aggregateId)
    let aggregate = snapshot === undefined ? initialState : (snapshot.aggregate as Aggregate)
    let version = snapshot?.version ?? 0
    const events = await this.#read(this.tableName, aggregateId, { from: version + 1 }, ledgerEvent)
    for (const event of events) {
      aggregate = reducer(aggregate, event)
      version = event.version
    }
    return {
      aggregateId,
      version,
      aggregate,
      ...(snapshot === undefined ? {} : { fromSnapshot: snapshot.version }),
      eventsFolded: events.length,
    }
  }

  /**
   * Replays aggregates: invokes the dispatch synchronously with `{ stakeoutReplay: { aggregateIds } }`, so it
   * publishes each aggregate as it is now (detail-type `stakeout.replay`) and every projector rewrites its
   * projection. Resolves with what the dispatch answered: the aggregates replayed (at their versions) and those the
   * ledger has no event of. A dispatch that fails rejects with its error message.
   *
   * @example
   * await ledger.replay(['acct-1'])    // after deleting a projection, or fixing a projector
   */
  async replay(aggregateIds: string | readonly string[]): Promise<ReplayResult> {
    const fail = (argument: string, expectation: string, received: unknown): never =>
      failArgument(this.replay, 'EventStoreClient.replay', argument, expectation, received)
    const ids = typeof aggregateIds === 'string' ? [aggregateIds] : aggregateIds
    if (!Array.isArray(ids) || ids.length === 0)
      fail('aggregateIds', 'an aggregate id or a non-empty array of them', aggregateIds)
    ids.forEach((id, index) => {
      const problem = aggregateIdProblem(id)
      if (problem !== undefined) fail(`aggregateIds[${index}]`, problem, id)
    })
    const functionName = this.dispatchFunctionName
    if (functionName === undefined) {
      throw atUserLine(
        new StakeoutError(
          'EventStoreClient.replay: the client knows no dispatch function. Give it dispatchFunctionName, or use ' +
            'useEventStore() with the EventLedger construct, which finds the dispatch.',
        ),
        this.replay,
      )
    }
    const output = await this.#clients.lambda().send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: JSON.stringify({ [REPLAY_REQUEST_KEY]: { aggregateIds: [...ids] } }),
      }),
    )
    const text = output.Payload === undefined ? '' : Buffer.from(output.Payload).toString('utf8')
    let payload: unknown
    try {
      payload = text === '' ? undefined : JSON.parse(text)
    } catch {
      payload = text
    }
    if (output.FunctionError !== undefined) {
      const { errorType, errorMessage } = (isPlainObject(payload) ? payload : {}) as Record<string, unknown>
      throw atUserLine(
        new StakeoutError(
          `EventStoreClient.replay: the dispatch ${functionName} failed (${typeof errorType === 'string' ? errorType : output.FunctionError}): ` +
            `${typeof errorMessage === 'string' ? errorMessage : text}`,
        ),
        this.replay,
      )
    }
    if (!isPlainObject(payload) || !Array.isArray(payload.replayed) || !Array.isArray(payload.missing)) {
      throw atUserLine(
        new StakeoutError(
          `EventStoreClient.replay: the dispatch ${functionName} answered ${text || 'nothing'}, not a replay result ` +
            '{ replayed, missing }: is its handler dispatchAggregate()?',
        ),
        this.replay,
      )
    }
    return payload as unknown as ReplayResult
  }

  /**
   * A projection of one aggregate, by projector name: what `toEventuallyProject` takes, and `get()` reads.
   *
   * @param name the projector's name, as `addProjector` named it
   * @param key the projection's key, `{ aggregateId }`
   * @example
   * const balance = ledger.projection('Balance', { aggregateId: 'acct-1' })
   * await expect(balance).toEventuallyProject(2, { balance: 30 })
   * const item = await balance.get()              // { version: 2, state: { balance: 30 } } or undefined
   */
  projection<State = Record<string, unknown>>(name: string, key: { aggregateId: string }): Projection<State> {
    const fail = (argument: string, expectation: string, received: unknown): never =>
      failArgument(this.projection, 'EventStoreClient.projection', argument, expectation, received)
    const known = Object.keys(this.projections)
    const target = typeof name === 'string' ? this.projections[name] : undefined
    if (target === undefined) {
      fail(
        'name',
        known.length === 0
          ? 'a projector the client knows (it was given no projections)'
          : `one of ${known.join(', ')}`,
        name,
      )
    }
    if (!isPlainObject(key)) fail('key', "the projection's key, { aggregateId }", key)
    const problem = aggregateIdProblem(key.aggregateId)
    if (problem !== undefined) fail('key.aggregateId', problem, key.aggregateId)
    const projection: ProjectionTarget = {
      name,
      aggregateId: key.aggregateId,
      tableName: (target as ProjectionTableOptions).tableName,
      deadLetterQueueUrl: (target as ProjectionTableOptions).deadLetterQueueUrl,
      eventTypes: (target as ProjectionTableOptions).eventTypes,
      onFailureQueueUrl: this.onFailureQueueUrl,
      ledgerTableName: this.tableName,
    }
    return new ProjectionHandle<State>(projection, this.#clients)
  }

  /**
   * Closes the connections of the clients this client made (clients given in the options are yours to close).
   *
   * @example
   * afterAll(() => ledger.destroy())
   */
  destroy(): void {
    this.#clients.destroy()
  }

  async #lastVersion(aggregateId: string): Promise<number> {
    const { Items } = await this.#clients.dynamodb().send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#id = :id',
        ExpressionAttributeNames: { '#id': AGGREGATE_ID_ATTRIBUTE, '#v': VERSION_ATTRIBUTE },
        ExpressionAttributeValues: { ':id': { S: aggregateId } },
        ProjectionExpression: '#v',
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    )
    const last = Items?.[0]?.[VERSION_ATTRIBUTE]?.N
    return last === undefined ? 0 : Number(last)
  }

  async #newestSnapshot(aggregateId: string): Promise<{ version: number; aggregate: unknown } | undefined> {
    const { Items } = await this.#clients.dynamodb().send(
      new QueryCommand({
        TableName: this.snapshotTableName,
        KeyConditionExpression: '#id = :id',
        ExpressionAttributeNames: { '#id': AGGREGATE_ID_ATTRIBUTE },
        ExpressionAttributeValues: { ':id': { S: aggregateId } },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    )
    const item = Items?.[0]
    if (item === undefined) return undefined
    const record = unmarshall(item)
    return { version: Number(record[VERSION_ATTRIBUTE]), aggregate: record[SNAPSHOT_AGGREGATE_ATTRIBUTE] }
  }

  async #read<T>(
    tableName: string,
    aggregateId: string,
    range: {
      from: number
      to?: number | undefined
      pageSize?: number | undefined
      abortSignal?: AbortSignal | undefined
    },
    map: (item: Parameters<typeof ledgerEvent>[0]) => T,
  ): Promise<T[]> {
    const values: Record<string, { S: string } | { N: string }> = {
      ':id': { S: aggregateId },
      ':from': { N: String(range.from) },
    }
    if (range.to !== undefined) values[':to'] = { N: String(range.to) }
    const read: T[] = []
    const items = queryAll(
      sendWithSdk(this.#clients.dynamodb()),
      {
        TableName: tableName,
        KeyConditionExpression:
          range.to === undefined ? '#id = :id AND #v >= :from' : '#id = :id AND #v BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#id': AGGREGATE_ID_ATTRIBUTE, '#v': VERSION_ATTRIBUTE },
        ExpressionAttributeValues: values,
        ConsistentRead: true,
        ...(range.pageSize === undefined ? {} : { Limit: range.pageSize }),
      },
      range.abortSignal,
    )
    for await (const item of items) read.push(map(item))
    return read
  }
}

/** A conditional put refused, or a transaction cancelled because one of its conditions failed. */
function isConflict(error: unknown): boolean {
  if (error instanceof ConditionalCheckFailedException) return true
  if (!(error instanceof TransactionCanceledException)) return false
  return (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed')
}
