/**
 * stakeout/jest/global-setup: Jest's `globalSetup`, with `stakeout/jest/global-teardown` as its `globalTeardown`.
 * It does what `stakeout/vitest/global-setup` does: once per run, before any test file, it reads the deployed stack
 * of `STAKEOUT_STACK`, or else brings the app of `STAKEOUT_APP` (or of the `cdk.json` at Jest's `rootDir`) up on
 * this machine, printing one line per step, and sets `STAKEOUT_LOCAL_APP` for the test workers. The teardown stops
 * it. A failure to start fails the run once, before any test.
 *
 * @example
 * // jest.config.cjs
 * module.exports = {
 *   setupFilesAfterEnv: ['stakeout/jest'],
 *   globalSetup: 'stakeout/jest/global-setup',
 *   globalTeardown: 'stakeout/jest/global-teardown',
 * }
 * @packageDocumentation
 */
import { type RunTarget, startRunTarget } from './run-target/index.js'

/** What Jest hands a global setup (its global and project configs): only `rootDir` is read. */
export interface JestGlobalSetupConfig {
  readonly rootDir?: string
}

// The teardown runs in the same process as the setup, but Jest may load the two files as separate modules.
const TARGETS = Symbol.for('stakeout.jest.runTargets')
const registry = globalThis as { [TARGETS]?: RunTarget[] }
registry[TARGETS] ??= []
const targets = registry[TARGETS]

/**
 * Jest's global setup hook: brings the run's target up (see the module's description).
 *
 * @param globalConfig Jest's global config
 * @param projectConfig the project's config: its `rootDir` is where `cdk.json` is looked for
 * @throws {StakeoutError} the stack could not be read, or the local app could not be brought up
 * @example
 * // npx jest   → the app of ./cdk.json, on this machine
 * await globalSetup({ rootDir: process.cwd() })
 */
export default async function globalSetup(
  globalConfig?: JestGlobalSetupConfig,
  projectConfig?: JestGlobalSetupConfig,
): Promise<void> {
  const root = projectConfig?.rootDir ?? globalConfig?.rootDir ?? process.cwd()
  targets.push(await startRunTarget({ root }))
}

/**
 * Jest's global teardown hook: stops what {@link globalSetup} brought up in this process.
 *
 * @example
 * await globalTeardown()
 */
export async function globalTeardown(): Promise<void> {
  const stopping = targets.splice(0)
  const outcomes = await Promise.allSettled(stopping.map((target) => target.stop()))
  const failed = outcomes.find((outcome) => outcome.status === 'rejected')
  if (failed) throw failed.reason
}
