/**
 * stakeout: clients, fixtures, the polling engine, errors and types. One side effect, inside a test
 * runner only: when the runner entry has not registered the matchers, stand-ins that say which setup
 * file to add (matchers/setup-hint.ts).
 * @packageDocumentation
 */
import { matchers } from '../matchers/index.js'
import { hintMissingSetup } from '../matchers/setup-hint.js'

hintMissingSetup(Object.keys(matchers))

export type { CallExpectation, LoggedExecutionExpectation, ProjectionExpectation } from '../matchers/index.js'
export {
  type AppendOptions,
  type AppendResult,
  EventStoreClient,
  type EventStoreClientOptions,
  type EventsOptions,
  type FoldedAggregate,
  type NewEvent,
  type ProjectionTableOptions,
  type Reducer,
} from './clients/event-store-client.js'
export {
  type EventWhereabouts,
  isProjection,
  PROJECTION,
  type Projection,
  type ProjectionState,
} from './clients/event-store-projection.js'
export type { Parked } from './clients/event-store-queues.js'
export {
  FunctionClient,
  type FunctionClientOptions,
  type FunctionError,
  type FunctionInvocation,
  type FunctionInvokeOptions,
} from './clients/function-client.js'
export {
  type CallFilter,
  type CallsOptions,
  HttpInterceptorClient,
  type HttpInterceptorClientOptions,
  INTERCEPTOR,
  type InterceptedCall,
  type Interceptor,
  type InterceptorConfig,
  type InterceptorRule,
  isInterceptor,
  type Mock,
  type PassThroughOptions,
  type PollInterceptedCallsOptions,
} from './clients/http-interceptor-client.js'
export {
  type PeekOptions,
  QueueClient,
  type QueueClientOptions,
  type QueueMessage,
  type ReceiveOptions,
} from './clients/queue-client.js'
export type { StateMachineClientOptions } from './clients/state-machine/client-options.js'
export type { ExecutionReading, ExecutionStatus } from './clients/state-machine/execution-events.js'
export { readExecution } from './clients/state-machine/execution-events.js'
export {
  type ExecutionLog,
  isExecution,
  isStateMachine,
  STATE_MACHINE,
  STATE_MACHINE_EXECUTION,
  type StartExecutionOptions,
  type StateMachine,
  type StateMachineDescription,
  type StateMachineExecution,
} from './clients/state-machine/handles.js'
export type {
  ExpressLogEvent,
  LoggedEventDetails,
  LoggedPayload,
  SkippedLogMessage,
} from './clients/state-machine/log-events.js'
export { parseExpressLogEvents } from './clients/state-machine/log-events.js'
export type { LogLevel, StateMachineLogging } from './clients/state-machine/logging.js'
export { StateMachineClient } from './clients/state-machine/state-machine-client.js'
export { configure, type PollDefaults, pollDefaults, resetConfiguration } from './config.js'
export { ArgumentError, StakeoutError, VersionConflictError } from './errors.js'
export {
  EventuallyMatchedError,
  type EventuallyOptions,
  EventuallyTimeoutError,
  eventually,
  formatObserved,
  formatPollLine,
  observe,
  type PollOutcome,
  type Probe,
} from './eventually.js'
export {
  type EventStoreFixture,
  type LazyEventStoreTarget,
  resolveEventStore,
  useEventStore,
} from './fixtures/use-event-store.js'
export {
  type FunctionFixture,
  type LazyFunctionTarget,
  resolveFunction,
  useFunction,
} from './fixtures/use-function.js'
export {
  type InterceptorFixture,
  type InterceptorTarget,
  type LazyInterceptorTarget,
  resolveInterceptor,
  type UseInterceptorOptions,
  useInterceptor,
} from './fixtures/use-interceptor.js'
export {
  type LazyStateMachineTarget,
  resolveStateMachine,
  type StateMachineFixture,
  useStateMachine,
} from './fixtures/use-state-machine.js'
export type {
  MockResponse,
  RecordedCall,
  RequestMatcher,
  RequestSnapshot,
  TextMatcher,
} from './runtime/interceptor/schema.js'
export type {
  LedgerEvent,
  LedgerEventDetail,
  ProjectorResult,
  ReplayResult,
} from './runtime/ledger/schema.js'
export {
  AmbiguousResourceError,
  type AwsService,
  type ClientSettings,
  type CloudAssemblyOptions,
  type DeployedStackOptions,
  LOCAL_APP_ENV,
  loadCloudAssembly,
  loadDeployedStack,
  type ResolveOptions,
  resolveTarget,
  type StackDescription,
  type StackResource,
  StackResources,
  type TargetOptions,
  UnknownResourceError,
} from './target/index.js'
