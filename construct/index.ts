/**
 * stakeout/construct: CDK constructs and aspects that make a stack testable. Only the public API is
 * exported; the modules' other exports (policy ids, paths inside the layer, helpers the aspect uses)
 * are internals that may change.
 * @packageDocumentation
 */

/** The detail-type of a replay, which every projector's rule matches. */
export { REPLAY_DETAIL_TYPE } from '../src/runtime/ledger/schema.js'
/** The aspect that attaches the interceptor to every Node.js function below a scope, and its options. */
export {
  type ApplyHttpInterceptorOptions,
  applyHttpInterceptor,
  type FunctionSelector,
  HttpInterceptorAspect,
} from './apply-http-interceptor.js'
/** The event ledger: its table, dispatch, bus and projectors, and what handlers may do on it. */
export { type DispatchOptions, EventLedger, type EventLedgerProps } from './event-ledger.js'
/** The custom-resource handlers CDK adds to a stack, which the aspect leaves alone unless asked. */
export { CDK_FRAMEWORK_FUNCTIONS, type FrameworkFunction } from './framework-functions.js'
/** The interceptor's table and layer, and what the test runner may do on the table. */
export { HttpInterceptor, type HttpInterceptorProps } from './http-interceptor.js'
export type { LedgerFunctionOptions } from './ledger-function.js'
export { Projector, type ProjectorOptions } from './ledger-projector.js'
/** What makes a stack production (where the interceptor refuses to go), and how to ask. */
export { isProductionStack, PRODUCTION_CONTEXT_KEY, productionReason } from './production.js'
/** The aspect that makes Express state machines log what their runs do (level ALL, execution data, a log group). */
export {
  ExecutionLogsAspect,
  type ExecutionLogsMode,
  type RequireExecutionLogsOptions,
  requireExecutionLogs,
} from './require-execution-logs.js'
