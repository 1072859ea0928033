/**
 * stakeout/vitest: list it in Vitest's `setupFiles`. It registers stakeout's matchers with Vitest's
 * `expect`, hands the fixtures (`useInterceptor`, …) Vitest's hooks, and adds the matchers' types.
 *
 * @example
 * // vitest.config.ts
 * export default defineConfig({
 *   test: { setupFiles: ['stakeout/vitest'], globalSetup: ['stakeout/vitest/global-setup'] },
 * })
 * @packageDocumentation
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest'
import { matchers, type StakeoutMatchers } from '../matchers/index.js'
import { noteMatchersRegistered } from '../matchers/setup-hint.js'
import { watchForUnawaitedMatchers } from '../matchers/unawaited.js'
import { StakeoutError } from './errors.js'
import { registerRunner } from './fixtures/runner.js'

// Vitest gives every test worker this state; without it `expect` is not bound to a test file and
// the hooks throw Vitest's own, less specific, error.
if ((globalThis as { __vitest_worker__?: unknown }).__vitest_worker__ === undefined) {
  throw new StakeoutError(
    [
      'stakeout/vitest was loaded outside a Vitest test file. It registers matchers and hooks in each test',
      "worker, so list it in your Vitest config's setupFiles (not globalSetup, not the config itself):",
      '',
      "  test: { setupFiles: ['stakeout/vitest'], globalSetup: ['stakeout/vitest/global-setup'] }",
      '',
      "Under Jest, use setupFilesAfterEnv: ['stakeout/jest'] instead.",
    ].join('\n'),
  )
}

expect.extend(matchers)
noteMatchersRegistered()
watchForUnawaitedMatchers({ afterEach, afterAll }, () => expect.getState().currentTestName)
registerRunner({ name: 'vitest', beforeEach, afterEach, beforeAll, afterAll })

declare module 'vitest' {
  interface Matchers<R extends void | Promise<void> = void | Promise<void>, T = unknown>
    extends StakeoutMatchers<R, T> {}
}
