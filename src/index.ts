/**
 * stakeout: clients, fixtures, the polling engine, errors and types. No side effects.
 * @packageDocumentation
 */
export * from './errors.js'
export * from './config.js'
export * from './eventually.js'
export * from './clients/http-interceptor-client.js'
export * from './fixtures/use-interceptor.js'
export type { MockResponse, RecordedCall, RequestMatcher, TextMatcher } from './runtime/interceptor/schema.js'
