/**
 * The first import of `stakeout/jest`: outside Jest it throws a hint on how to configure it, before
 * `@jest/globals` throws its own, less specific, error.
 * @internal
 */
import { StakeoutError } from './errors.js'

/**
 * Throws a {@link StakeoutError} saying how to set up `stakeout/jest` unless this process runs Jest tests.
 *
 * @example
 * assertInsideJest()
 */
export function assertInsideJest(): void {
  // Jest sets JEST_WORKER_ID in every process that runs tests, in band too.
  if (process.env.JEST_WORKER_ID !== undefined) return
  throw new StakeoutError(
    [
      'stakeout/jest was loaded outside Jest. It registers matchers and hooks in each test file, so list',
      "it in your Jest config's setupFilesAfterEnv (setupFiles run before Jest's test framework is installed):",
      '',
      "  setupFilesAfterEnv: ['stakeout/jest']",
      '',
      "Under Vitest, use setupFiles: ['stakeout/vitest'] instead.",
    ].join('\n'),
  )
}

// On import: modules are evaluated in import order, so this runs before @jest/globals is evaluated.
assertInsideJest()
