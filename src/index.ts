/**
 * stakeout: clients, fixtures, the polling engine, errors and types. No side effects.
 * @packageDocumentation
 */

export * from './clients/http-interceptor-client.js'
export * from './config.js'
export * from './errors.js'
export * from './eventually.js'
export * from './fixtures/use-interceptor.js'
export type { MockResponse, RecordedCall, RequestMatcher, TextMatcher } from './runtime/interceptor/schema.js'
export {
  AmbiguousResourceError,
  type CloudAssemblyOptions,
  type DeployedStackOptions,
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
