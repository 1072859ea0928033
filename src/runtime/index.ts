/**
 * stakeout/runtime: code that runs inside Lambda. Small: no CDK, no test runner.
 * @packageDocumentation
 */
export { matchRequest, matchesUrl } from './interceptor/matching.js'
export type { MockResponse, RecordedCall, RequestMatcher, RequestSnapshot } from './interceptor/schema.js'
