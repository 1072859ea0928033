/**
 * stakeout/runtime: code that runs inside Lambda. Small: no CDK, no test runner. Its public API is the event
 * ledger's: `dispatchAggregate` (the dispatch on the ledger's stream) and `defineProjector` (a projector on its bus),
 * with the ledger's contract types. The interceptor's own Lambda code is loaded by its layer, not imported by
 * functions, so nothing of it is exported here.
 * @packageDocumentation
 */

export {
  type DefineProjectorOptions,
  defineProjector,
  type LedgerBusEvent,
  type ProjectorHandler,
} from './ledger/define-projector.js'
export {
  type DispatchAggregateOptions,
  type DispatchHandler,
  dispatchAggregate,
} from './ledger/dispatch-aggregate.js'
export type { LedgerClients } from './ledger/environment.js'
export type { Reducer } from './ledger/fold.js'
export type { ReplayRequest } from './ledger/replay.js'
export {
  LEDGER_EVENT_SOURCE,
  type LedgerEvent,
  type LedgerEventDetail,
  type ProjectorResult,
  REPLAY_DETAIL_TYPE,
  REPLAY_REQUEST_KEY,
  type ReplayResult,
} from './ledger/schema.js'
export type { LedgerStreamEvent, LedgerStreamRecord, StreamBatchResponse } from './ledger/stream-batch.js'
