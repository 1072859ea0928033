import { isDeepStrictEqual } from 'node:util'
import { failArgument, StakeoutError } from '../../errors.js'
import { defaultDynamoDB, defaultEventBridge, type LedgerClients, lazily, requireVariable } from './environment.js'
import type { FoldSettings, Reducer } from './fold.js'
import { isReplayRequest, type ReplayRequest, replay } from './replay.js'
import { LEDGER_ENV, type ReplayResult } from './schema.js'
import { type BatchReport, dispatchBatch, type LedgerStreamEvent, type StreamBatchResponse } from './stream-batch.js'

/**
 * Options of {@link dispatchAggregate}.
 *
 * @example
 * const options: DispatchAggregateOptions<{ balance: number }, { amount: number }> = {
 *   initialState: { balance: 0 },
 *   reducer: (account, event) => ({ balance: account.balance + (event.payload?.amount ?? 0) }),
 *   snapshotEvery: 100,
 * }
 */
export interface DispatchAggregateOptions<Aggregate, Payload = unknown, Metadata = unknown> {
  /**
   * The aggregate after one more event: `(aggregate, event) => aggregate`, synchronous. It folds the ledger's events
   * only (never a replay). The aggregate must be JSON data: it is published as JSON and snapshots store it so.
   */
  readonly reducer: Reducer<Aggregate, Payload, Metadata>
  /** The aggregate before its first event (JSON data; each fold starts from a fresh copy). */
  readonly initialState: Aggregate
  /**
   * Stores the aggregate in the snapshot table every this many versions (at versions `snapshotEvery`,
   * `2 * snapshotEvery`...), so a fold reads at most the newest snapshot and the events after it: about
   * `snapshotEvery` items, however long the aggregate's history. Snapshots hold the reducer's output: after changing
   * the reducer, empty the snapshot table (and replay).
   * @default no snapshots: every fold reads the aggregate's whole history
   */
  readonly snapshotEvery?: number
  /** The AWS SDK clients, for tests; see {@link LedgerClients}. @default the SDK's defaults */
  readonly clients?: LedgerClients
}

/**
 * The dispatch handler: called by Lambda with a batch of the ledger's stream records (answers the partial batch
 * response), or invoked synchronously with a replay request (answers a {@link ReplayResult}).
 *
 * @example
 * const { batchItemFailures } = await handler({ Records: streamRecords })
 * const { replayed, missing } = await handler({ stakeoutReplay: { aggregateIds: ['account-1'] } })
 */
export interface DispatchHandler {
  (event: LedgerStreamEvent, context?: unknown): Promise<StreamBatchResponse>
  (event: ReplayRequest, context?: unknown): Promise<ReplayResult>
}

const KNOWN_OPTIONS = new Set(['reducer', 'initialState', 'snapshotEvery', 'clients'])

/**
 * The ledger's dispatch: a Lambda handler for the `EventLedger`'s stream that, for each appended event, folds its
 * aggregate (from the newest snapshot plus the events after it, consistent reads) and publishes `{ aggregateId,
 * version, aggregate, lastEvent }` (a `LedgerEventDetail`) to the ledger's bus, source `stakeout.ledger`, detail-type
 * the event's type. Records are folded in version order per aggregate, whatever their order in the batch; PutEvents
 * goes out 10 entries a call and every entry's result is checked. A record that cannot be published (its entry
 * refused, over EventBridge's 256 KB, a gap in the ledger, a reducer that throws) is reported as a batch item failure
 * with every later record of its aggregate, and logged in one line: Lambda retries it, and after the mapping's
 * retries parks it in the ledger's on-failure queue. Never dropped.
 *
 * Invoked with `{ stakeoutReplay: { aggregateIds } }`, it publishes each aggregate as of its current version with
 * the detail-type `stakeout.replay` instead, and answers `{ replayed, missing }`.
 *
 * Reads `STAKEOUT_LEDGER_TABLE`, `STAKEOUT_SNAPSHOT_TABLE` and `STAKEOUT_EVENT_BUS`, which `EventLedger` sets.
 *
 * @throws {ArgumentError} an option is not what it must be (at definition, so the function fails its INIT)
 * @example
 * // src/dispatch.ts
 * import { dispatchAggregate } from 'stakeout/runtime'
 *
 * type Account = { balance: number }
 * export const handler = dispatchAggregate<Account, { amount: number }>({
 *   initialState: { balance: 0 },
 *   reducer: (account, event) =>
 *     event.type === 'Credit' ? { balance: account.balance + event.payload!.amount }
 *     : event.type === 'Debit' ? { balance: account.balance - event.payload!.amount }
 *     : account,
 *   snapshotEvery: 100,
 * })
 */
export function dispatchAggregate<Aggregate, Payload = unknown, Metadata = unknown>(
  options: DispatchAggregateOptions<Aggregate, Payload, Metadata>,
): DispatchHandler {
  const dispatch = createDispatch(options, dispatchAggregate)
  const handler = async (event: unknown) =>
    isReplayRequest(event)
      ? dispatch.replay(event)
      : { batchItemFailures: (await dispatch.batch(event)).batchItemFailures }
  return handler as DispatchHandler
}

/**
 * The dispatch behind {@link dispatchAggregate}, with each record's account (outcome, items read): tests and the bench.
 * Not exported by `stakeout/runtime`.
 *
 * @example
 * const report = await createDispatch({ reducer, initialState, snapshotEvery: 100 }).batch({ Records })
 * report.records[0]?.itemsRead
 */
export interface Dispatch {
  batch(event: unknown): Promise<BatchReport>
  replay(request: ReplayRequest): Promise<ReplayResult>
}

/** Checks the options and builds the dispatch; `boundary` is the function the user called (for the error's stack). */
export function createDispatch<Aggregate, Payload, Metadata>(
  options: DispatchAggregateOptions<Aggregate, Payload, Metadata>,
  boundary: Function = createDispatch,
): Dispatch {
  const fail = (argument: string, expectation: string, received: unknown): never =>
    failArgument(boundary, 'dispatchAggregate', argument, expectation, received)
  if (options === null || typeof options !== 'object')
    fail('options', 'an object: { reducer, initialState, snapshotEvery? }', options)
  const unknown = Object.keys(options).filter((key) => !KNOWN_OPTIONS.has(key))
  if (unknown.length > 0)
    fail(
      `options.${unknown[0]}`,
      `one of ${[...KNOWN_OPTIONS].join(', ')} (an unknown option)`,
      (options as unknown as Record<string, unknown>)[unknown[0]!],
    )
  const { reducer, initialState, snapshotEvery, clients } = options
  if (typeof reducer !== 'function') fail('options.reducer', 'a function (aggregate, event) => aggregate', reducer)
  const initialJson = jsonOf(initialState)
  if (initialJson === undefined || !isDeepStrictEqual(JSON.parse(initialJson), initialState)) {
    fail('options.initialState', 'JSON data (it is published as JSON and snapshots store it so)', initialState)
  }
  if (snapshotEvery !== undefined && (!Number.isSafeInteger(snapshotEvery) || snapshotEvery < 1)) {
    fail('options.snapshotEvery', 'a whole number of versions, 1 or more (or left out: no snapshots)', snapshotEvery)
  }
  checkClients(clients, fail)

  const dynamodb = lazily(clients?.dynamodb, defaultDynamoDB)
  const eventBridge = lazily(clients?.eventBridge, defaultEventBridge)
  const settings = (): FoldSettings<Aggregate> => ({
    reducer: reducer as unknown as Reducer<Aggregate>,
    initialJson: initialJson!,
    snapshotEvery,
    dynamodb: dynamodb(),
    ledgerTable: requireVariable('dispatchAggregate', LEDGER_ENV.ledgerTable),
    snapshotTable:
      snapshotEvery === undefined ? undefined : requireVariable('dispatchAggregate', LEDGER_ENV.snapshotTable),
  })
  const bus = () => requireVariable('dispatchAggregate', LEDGER_ENV.eventBus)
  return {
    async batch(event) {
      if (typeof event !== 'object' || event === null || !Array.isArray((event as { Records?: unknown }).Records)) {
        throw new StakeoutError(
          'dispatchAggregate: the event is neither a batch of DynamoDB stream records ({ Records: [...] }) nor a ' +
            'replay request ({ stakeoutReplay: { aggregateIds: [...] } })',
        )
      }
      return dispatchBatch(event as LedgerStreamEvent, settings(), eventBridge(), bus())
    },
    replay: (request) => replay(request, settings(), eventBridge(), bus()),
  }
}

function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value)
  } catch {
    return undefined
  }
}

/**
 * Checks a `clients` option: each client given must be an AWS SDK client (it has `send`).
 *
 * @example
 * checkClients(options.clients, fail) // fail('options.clients.dynamodb', 'an AWS SDK v3 client (with send)', {})
 */
export function checkClients(
  clients: unknown,
  fail: (argument: string, expectation: string, received: unknown) => never,
): void {
  if (clients === undefined) return
  if (clients === null || typeof clients !== 'object') fail('options.clients', 'an object of AWS SDK clients', clients)
  for (const [name, client] of Object.entries(clients as Record<string, unknown>)) {
    if (name !== 'dynamodb' && name !== 'eventBridge')
      fail(`options.clients.${name}`, 'dynamodb or eventBridge', client)
    if (typeof (client as { send?: unknown } | null)?.send !== 'function') {
      fail(`options.clients.${name}`, 'an AWS SDK v3 client (with send)', client)
    }
  }
}
