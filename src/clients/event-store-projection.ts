/**
 * A projection of one aggregate (what `EventStoreClient.projection` returns and `toEventuallyProject` polls), and
 * where an event that never reached it stopped: never appended, parked in the dispatch's on-failure queue, or in
 * the projector's dead-letter queue.
 */
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb'
import { unmarshall } from '@aws-sdk/util-dynamodb'
import { AGGREGATE_ID_ATTRIBUTE, type LedgerEvent, VERSION_ATTRIBUTE } from '../runtime/ledger/schema.js'
import { ledgerEvent, versionKey } from './event-store-items.js'
import { findInDeadLetterQueue, findInOnFailureQueue, type Parked } from './event-store-queues.js'
import type { LazyClients } from './event-store-sdk-clients.js'

/** Marks a projection handle, so `toEventuallyProject` knows what it received (ESM and CommonJS builds share it). */
export const PROJECTION: unique symbol = Symbol.for('stakeout.projection') as never

/** What a projection holds for its aggregate: the version it is at, and the rest of its item. */
export interface ProjectionState<State = Record<string, unknown>> {
  /** The version of the last event the projector wrote. */
  readonly version: number
  /** The item without its `aggregateId` and `version`: what the projector's `project()` returned. */
  readonly state: State
}

/** Where an event that did not reach a projection is, as far as the target can tell. */
export type EventWhereabouts =
  /** No event at that version in the ledger: it was never appended. `lastVersion`: the aggregate's last (0: none). */
  | { readonly where: 'not-appended'; readonly lastVersion: number }
  /** In the ledger, and the dispatch gave up on it: its place in the stream is parked in the on-failure queue. */
  | { readonly where: 'on-failure-queue'; readonly event: LedgerEvent; readonly parked: Parked }
  /** In the ledger, published, and the projector's delivery or invocation failed: in its dead-letter queue. */
  | { readonly where: 'dead-letter-queue'; readonly event: LedgerEvent; readonly parked: Parked }
  /** In the ledger, of a type the projector does not listen to: its rule never sends it. */
  | { readonly where: 'not-listened'; readonly event: LedgerEvent; readonly eventTypes: readonly string[] }
  /** In the ledger, parked nowhere the target can see: still on its way, or filtered out. `unchecked`: what could not be looked at, and why. */
  | { readonly where: 'ledger'; readonly event: LedgerEvent; readonly unchecked: readonly string[] }

/** A projection of one aggregate, by projector. */
export interface Projection<State = Record<string, unknown>> {
  readonly [PROJECTION]: true
  /** The projector's name. */
  readonly name: string
  readonly aggregateId: string
  /** The projection table. */
  readonly tableName: string
  /** How messages name it: `projection Balance of aggregate "acct-1"`. */
  readonly description: string
  /** The projection as stored now (a consistent read), or `undefined` when the projector wrote none yet. */
  get(options?: { abortSignal?: AbortSignal }): Promise<ProjectionState<State> | undefined>
  /** Where the event at `version` of the aggregate is (for failure messages). */
  whereIs(version: number, options?: { abortSignal?: AbortSignal }): Promise<EventWhereabouts>
}

/** What a handle needs to know of its ledger. @internal */
export interface ProjectionTarget {
  readonly name: string
  readonly aggregateId: string
  readonly tableName: string
  readonly deadLetterQueueUrl: string | undefined
  readonly eventTypes: readonly string[] | undefined
  readonly onFailureQueueUrl: string | undefined
  readonly ledgerTableName: string
}

/**
 * Whether `value` is a projection handle (what `toEventuallyProject` receives).
 *
 * @example
 * isProjection(ledger.projection('Balance', { aggregateId })) // true
 */
export function isProjection(value: unknown): value is Projection {
  return typeof value === 'object' && value !== null && (value as { [PROJECTION]?: unknown })[PROJECTION] === true
}

/** @internal Made by `EventStoreClient.projection`. */
export class ProjectionHandle<State> implements Projection<State> {
  readonly [PROJECTION] = true as const
  readonly #target: ProjectionTarget
  readonly #clients: LazyClients

  constructor(target: ProjectionTarget, clients: LazyClients) {
    this.#target = target
    this.#clients = clients
  }

  get name(): string {
    return this.#target.name
  }

  get aggregateId(): string {
    return this.#target.aggregateId
  }

  get tableName(): string {
    return this.#target.tableName
  }

  get description(): string {
    return `projection ${this.#target.name} of aggregate ${JSON.stringify(this.#target.aggregateId)}`
  }

  async get(options: { abortSignal?: AbortSignal } = {}): Promise<ProjectionState<State> | undefined> {
    const { Item } = await this.#clients.dynamodb().send(
      new GetItemCommand({
        TableName: this.#target.tableName,
        Key: { [AGGREGATE_ID_ATTRIBUTE]: { S: this.#target.aggregateId } },
        ConsistentRead: true,
      }),
      options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal },
    )
    if (Item === undefined) return undefined
    const { [AGGREGATE_ID_ATTRIBUTE]: _id, [VERSION_ATTRIBUTE]: version, ...state } = unmarshall(Item)
    return { version: Number(version), state: state as State }
  }

  async whereIs(version: number, options: { abortSignal?: AbortSignal } = {}): Promise<EventWhereabouts> {
    const signal = options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal }
    const { aggregateId, ledgerTableName, onFailureQueueUrl, deadLetterQueueUrl } = this.#target
    const dynamodb = this.#clients.dynamodb()
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: ledgerTableName, Key: versionKey(aggregateId, version), ConsistentRead: true }),
      signal,
    )
    if (Item === undefined) {
      return { where: 'not-appended', lastVersion: await this.#lastVersion(options.abortSignal) }
    }
    const event = ledgerEvent(Item)
    const unchecked: string[] = []
    const look = async (what: string, url: string | undefined, find: typeof findInOnFailureQueue) => {
      if (url === undefined) {
        unchecked.push(`${what} (not known to the client)`)
        return undefined
      }
      return find(this.#clients, url, event, options.abortSignal).catch((error: unknown) => {
        unchecked.push(`${what} (${errorText(error)})`)
        return undefined
      })
    }
    const onFailure = await look('the on-failure queue', onFailureQueueUrl, findInOnFailureQueue)
    if (onFailure?.by === 'stream records') return { where: 'on-failure-queue', event, parked: onFailure }
    // What the dead-letter queue holds names the event itself: surer than a batch placed by its arrival times.
    const deadLetter = await look("the projector's dead-letter queue", deadLetterQueueUrl, findInDeadLetterQueue)
    if (deadLetter !== undefined) return { where: 'dead-letter-queue', event, parked: deadLetter }
    const { eventTypes } = this.#target
    if (eventTypes !== undefined && !eventTypes.includes(event.type))
      return { where: 'not-listened', event, eventTypes }
    if (onFailure !== undefined) return { where: 'on-failure-queue', event, parked: onFailure }
    return { where: 'ledger', event, unchecked }
  }

  async #lastVersion(abortSignal: AbortSignal | undefined): Promise<number> {
    const { Items } = await this.#clients.dynamodb().send(
      new QueryCommand({
        TableName: this.#target.ledgerTableName,
        KeyConditionExpression: '#id = :id',
        ExpressionAttributeNames: { '#id': AGGREGATE_ID_ATTRIBUTE, '#v': VERSION_ATTRIBUTE },
        ExpressionAttributeValues: { ':id': { S: this.#target.aggregateId } },
        ProjectionExpression: '#v',
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
      abortSignal === undefined ? {} : { abortSignal },
    )
    const last = Items?.[0]?.[VERSION_ATTRIBUTE]?.N
    return last === undefined ? 0 : Number(last)
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
