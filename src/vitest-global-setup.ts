/**
 * stakeout/vitest/global-setup: list it in Vitest's `globalSetup`. When `STAKEOUT_STACK` names a
 * deployed stack, it reads that stack once, before any test file runs, so a wrong stack name, region
 * or credentials fail the run once with one clear error instead of in every test. It provides
 * nothing to the tests: each worker reads the stack again when a fixture first needs it.
 *
 * @example
 * // vitest.config.ts
 * export default defineConfig({
 *   test: { setupFiles: ['stakeout/vitest'], globalSetup: ['stakeout/vitest/global-setup'] },
 * })
 * @packageDocumentation
 */
import { resolveTarget, STACK_ENV } from './target/index.js'

/**
 * Vitest's global setup hook: reads the stack named by `STAKEOUT_STACK`, and does nothing when no
 * stack is named.
 *
 * @throws {StakeoutError} the stack does not exist or could not be read (the message names it and the region)
 * @example
 * // STAKEOUT_STACK=MyStack npx vitest run
 * await setup()
 */
export default async function setup(): Promise<void> {
  if (!process.env[STACK_ENV]) return
  await resolveTarget()
}
