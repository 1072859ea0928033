/**
 * Folding one aggregate: from its newest snapshot (or the initial state) through the ledger's events, in version
 * order, with the user's reducer; every gap in the versions, every reducer failure, every read failure stops the
 * fold at the version it concerns, so the dispatch fails that record and the later ones, never publishing a state
 * built from a partial history.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { type AggregateState, type ReadCount, readEvents, readSnapshot, writeSnapshot } from './ledger-io.js'
import { describeError, logFailure } from './log.js'
import type { LedgerEvent } from './schema.js'

/**
 * The user's reducer: the aggregate after one more event. Synchronous; it may mutate and return its argument.
 *
 * @example
 * const reducer: Reducer<{ balance: number }, { amount: number }> = (account, event) =>
 *   event.type === 'Credit' ? { balance: account.balance + event.payload!.amount } : account
 */
export type Reducer<Aggregate, Payload = unknown, Metadata = unknown> = (
  aggregate: Aggregate,
  event: LedgerEvent<Payload, Metadata>,
) => Aggregate

/** What a fold needs to know. */
export interface FoldSettings<Aggregate> {
  readonly reducer: Reducer<Aggregate>
  /** The initial state's JSON text: each fold starts from a fresh parse, so a reducer that mutates cannot taint it. */
  readonly initialJson: string
  readonly snapshotEvery: number | undefined
  readonly dynamodb: DynamoDBClient
  readonly ledgerTable: string
  readonly snapshotTable: string | undefined
}

/** A fold stopped at `version`: that version (and every later one) could not be folded, for `reason`. */
export class FoldStopped extends Error {
  override name = 'FoldStopped'
  constructor(
    readonly version: number,
    readonly reason: string,
  ) {
    super(reason)
  }
}

/** One aggregate being folded: its state so far, what the reads cost, the snapshot it owes the table. */
export class AggregateFold<Aggregate> {
  state: AggregateState<Aggregate> | undefined
  /** The event that brought the aggregate to `state.version` (none at version 0). */
  lastEvent: LedgerEvent | undefined
  readonly count: ReadCount = { items: 0 }
  #snapshotFrom = 0
  #pendingSnapshot: { version: number; json: string } | undefined

  constructor(
    readonly settings: FoldSettings<Aggregate>,
    readonly aggregateId: string,
  ) {}

  /**
   * Starts from the newest snapshot at or below `atMost` (any, without) when it is newer than the state so far, else
   * goes on from the state so far, else from the initial state.
   */
  async start(atMost: number | undefined): Promise<void> {
    const { snapshotTable, snapshotEvery, dynamodb } = this.settings
    if (snapshotTable !== undefined && snapshotEvery !== undefined) {
      let snapshot: AggregateState<Aggregate> | undefined
      try {
        snapshot = await readSnapshot<Aggregate>(dynamodb, snapshotTable, this.aggregateId, atMost, this.count)
      } catch (error) {
        throw new FoldStopped((this.state?.version ?? 0) + 1, `reading its snapshot failed: ${describeError(error)}`)
      }
      if (snapshot !== undefined && snapshot.version > (this.state?.version ?? 0)) {
        this.state = snapshot
        this.lastEvent = undefined
        this.#snapshotFrom = Math.max(this.#snapshotFrom, snapshot.version)
      }
    }
    this.state ??= { version: 0, aggregate: JSON.parse(this.settings.initialJson) as Aggregate }
  }

  /**
   * Folds the events after the state so far, up to `upTo` (or the last), calling `reached` after each with the state
   * it brought. Throws {@link FoldStopped} at the version that could not be folded.
   */
  async foldTo(upTo: number | undefined, reached: (event: LedgerEvent, aggregate: Aggregate) => void): Promise<void> {
    if (this.state === undefined) await this.start(upTo)
    const { reducer, dynamodb, ledgerTable, snapshotEvery } = this.settings
    const apply = (event: LedgerEvent) => {
      const state = this.state!
      const expected = state.version + 1
      if (event.version !== expected) {
        throw new FoldStopped(
          expected,
          `the ledger holds no version ${expected} of ${this.aggregateId} (consistent read; the next is ${event.version})`,
        )
      }
      let next: Aggregate
      try {
        next = reducer(state.aggregate, event)
      } catch (error) {
        throw new FoldStopped(event.version, `the reducer threw on ${event.type}: ${describeError(error)}`)
      }
      if (next === undefined || typeof (next as { then?: unknown } | null)?.then === 'function') {
        throw new FoldStopped(
          event.version,
          `the reducer returned ${next === undefined ? 'undefined' : 'a promise'} on ${event.type}: it must return the ` +
            'next aggregate, synchronously',
        )
      }
      this.state = { version: event.version, aggregate: next }
      this.lastEvent = event
      if (snapshotEvery !== undefined && event.version % snapshotEvery === 0 && event.version > this.#snapshotFrom) {
        this.#pendingSnapshot = { version: event.version, json: toJson(next, this.aggregateId, event.version) }
      }
      reached(event, next)
    }
    try {
      await readEvents(dynamodb, ledgerTable, this.aggregateId, this.state!.version, upTo, this.count, apply)
    } catch (error) {
      if (error instanceof FoldStopped) throw error
      throw new FoldStopped(this.state!.version + 1, `reading the ledger failed: ${describeError(error)}`)
    }
    if (upTo !== undefined && this.state!.version < upTo) {
      throw new FoldStopped(
        this.state!.version + 1,
        `the ledger holds no version ${this.state!.version + 1} of ${this.aggregateId} (consistent read)`,
      )
    }
  }

  /**
   * Stores the newest snapshot the fold passed, if newer than the one it started from. A snapshot only saves reads,
   * so a failed write costs the next fold more reads and is logged, not thrown.
   */
  async saveSnapshot(): Promise<void> {
    const pending = this.#pendingSnapshot
    const { snapshotTable, dynamodb } = this.settings
    if (pending === undefined || snapshotTable === undefined) return
    this.#pendingSnapshot = undefined
    try {
      await writeSnapshot(dynamodb, snapshotTable, this.aggregateId, pending.version, pending.json)
      this.#snapshotFrom = pending.version
    } catch (error) {
      logFailure(
        `dispatchAggregate: could not store the snapshot of ${this.aggregateId} at version ${pending.version} ` +
          `(${describeError(error)}); the next folds of it read from an older snapshot`,
      )
    }
  }
}

/** The aggregate's JSON text; an aggregate that is not JSON data stops the fold at `version`. */
export function toJson(aggregate: unknown, aggregateId: string, version: number): string {
  let json: string | undefined
  try {
    json = JSON.stringify(aggregate)
  } catch (error) {
    throw new FoldStopped(version, `the aggregate is not JSON data: ${describeError(error)}`)
  }
  if (json === undefined) throw new FoldStopped(version, `the aggregate of ${aggregateId} is not JSON data`)
  return json
}
