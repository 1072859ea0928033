/**
 * stakeout/runtime: code that runs inside Lambda. Small: no CDK, no test runner. Its public API is
 * `dispatchAggregate` and `defineProjector` (the event ledger, to come); the interceptor's own Lambda
 * code is loaded by its layer, not imported by functions, so nothing of it is exported here.
 * @packageDocumentation
 */
export {}
