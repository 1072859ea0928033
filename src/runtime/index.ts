/**
 * stakeout/runtime: code that runs inside Lambda. Small: no CDK, no test runner.
 * @packageDocumentation
 */
export { matchesUrl, matchRequest } from './interceptor/matching.js'
export type { MockResponse, RecordedCall, RequestMatcher, RequestSnapshot } from './interceptor/schema.js'
