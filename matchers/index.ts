/**
 * Every stakeout matcher, for `expect.extend`, and the matcher typings the Vitest and Jest entries
 * merge into their runner's `Matchers` interface.
 */

import type { Projection } from '../src/clients/event-store-projection.js'
import type { Interceptor } from '../src/clients/http-interceptor-client.js'
import type { StateMachine, StateMachineExecution } from '../src/clients/state-machine/handles.js'
import { type ProjectionExpectation, toEventuallyProject } from './to-eventually-project.js'
import { type CallExpectation, toHaveCalled } from './to-have-called.js'
import { type LoggedExecutionExpectation, toHaveLoggedExecution } from './to-have-logged-execution.js'

export type { MatcherContext, MatcherResult, MatcherUtils } from './context.js'
export type { CallExpectation, LoggedExecutionExpectation, ProjectionExpectation }
export { toEventuallyProject, toHaveCalled, toHaveLoggedExecution }

/**
 * All stakeout matchers, keyed by name: what `stakeout/vitest` and `stakeout/jest` pass to their
 * runner's `expect.extend`.
 *
 * @example
 * expect.extend(matchers)
 */
export const matchers = { toHaveCalled, toEventuallyProject, toHaveLoggedExecution }

/**
 * The typings of stakeout's matchers, for a runner's `Matchers<R, T>` (`R` is what a matcher returns
 * there, `T` the received type). A matcher exists only on the values it accepts: `toHaveCalled` on
 * an interceptor, `never` (so it does not compile) on anything else.
 *
 * @example
 * declare module 'vitest' {
 *   interface Matchers<R, T> extends StakeoutMatchers<R, T> {}
 * }
 */
export interface StakeoutMatchers<R = unknown, T = unknown> {
  /**
   * Passes when the interceptor recorded a call to `url` matching `options` (exactly `times` of them,
   * if given) before the timeout. Under `.not`, waits the whole window and fails on the first match.
   *
   * @example
   * await expect(api).toHaveCalled('https://api-1/users', { method: 'POST', body: { name: 'Ada' } })
   * await expect(api).not.toHaveCalled('https://api-2/*')
   */
  toHaveCalled: [T] extends [Interceptor] ? (url: string | RegExp, options?: CallExpectation) => Promise<R> : never
  /**
   * Passes when the projection reaches `version` (exactly) and, if given, its state matches `expected` partially.
   * Under `.not`, waits the whole window and fails as soon as it does. A failure says where the event stopped.
   *
   * @example
   * await expect(ledger.projection('Balance', { aggregateId })).toEventuallyProject(2, { balance: 30 })
   * await expect(ledger.projection('Balance', { aggregateId })).not.toEventuallyProject(3, undefined, { timeout: 1000 })
   */
  toEventuallyProject: [T] extends [Projection<unknown>]
    ? (version: number, expected?: Record<string, unknown>, options?: ProjectionExpectation) => Promise<R>
    : never
  /**
   * On an execution (what `start()` returned): passes when its terminal event is logged and matches `status`,
   * `output` (partially) and `states` (the names entered, in order). On a state machine: passes when it logs at
   * level ALL, with execution data, to a log group. Under `.not`, waits the whole window and fails on the first match.
   *
   * @example
   * await expect(statement).toHaveLoggedExecution()
   * await expect(run).toHaveLoggedExecution({ status: 'SUCCEEDED', output: { balance: 120 } })
   */
  toHaveLoggedExecution: [T] extends [StateMachineExecution]
    ? (options?: LoggedExecutionExpectation) => Promise<R>
    : [T] extends [StateMachine]
      ? (options?: Pick<LoggedExecutionExpectation, 'timeout' | 'interval'>) => Promise<R>
      : never
}
