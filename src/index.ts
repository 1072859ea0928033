/**
 * stakeout: clients, fixtures, the polling engine, errors and types. One side effect, inside a test
 * runner only: when the runner entry has not registered the matchers, stand-ins that say which setup
 * file to add (matchers/setup-hint.ts).
 * @packageDocumentation
 */
import { matchers } from '../matchers/index.js'
import { hintMissingSetup } from '../matchers/setup-hint.js'

hintMissingSetup(Object.keys(matchers))

export type { CallExpectation, LoggedExecutionExpectation } from '../matchers/index.js'
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
export type { ExecutionReading, ExecutionStatus } from './clients/state-machine/execution-events.js'
export { readExecution } from './clients/state-machine/execution-events.js'
export type {
  ExpressLogEvent,
  LoggedEventDetails,
  LoggedPayload,
  SkippedLogMessage,
} from './clients/state-machine/log-events.js'
export { parseExpressLogEvents } from './clients/state-machine/log-events.js'
export type { LogLevel, StateMachineLogging } from './clients/state-machine/logging.js'
export {
  type ExecutionLog,
  isExecution,
  isStateMachine,
  STATE_MACHINE,
  STATE_MACHINE_EXECUTION,
  type StartExecutionOptions,
  type StateMachine,
  StateMachineClient,
  type StateMachineClientOptions,
  type StateMachineDescription,
  type StateMachineExecution,
} from './clients/state-machine/state-machine-client.js'
export { configure, type PollDefaults, pollDefaults, resetConfiguration } from './config.js'
export { ArgumentError, StakeoutError } from './errors.js'
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
