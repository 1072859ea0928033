import * as construct from 'stakeout/construct'
import * as runtime from 'stakeout/runtime'
import { describe, expect, it } from 'vitest'

// What a user can import is what API.md and the README document; internals stay in their modules.
describe('the deploy-side and Lambda-side entries export their public API only', () => {
  it('stakeout/construct: the constructs, the aspects, the production check and the replay detail-type', () => {
    expect(Object.keys(construct).sort()).toEqual([
      'CDK_FRAMEWORK_FUNCTIONS',
      'EventLedger',
      'ExecutionLogsAspect',
      'HttpInterceptor',
      'HttpInterceptorAspect',
      'PRODUCTION_CONTEXT_KEY',
      'Projector',
      'REPLAY_DETAIL_TYPE',
      'applyHttpInterceptor',
      'isProductionStack',
      'productionReason',
      'requireExecutionLogs',
    ])
  })

  it('stakeout/runtime: the ledger helpers, and nothing of the interceptor (its layer loads it; functions never import it)', () => {
    expect(Object.keys(runtime).sort()).toEqual([
      'LEDGER_EVENT_SOURCE',
      'REPLAY_DETAIL_TYPE',
      'REPLAY_REQUEST_KEY',
      'defineProjector',
      'dispatchAggregate',
    ])
  })
})
