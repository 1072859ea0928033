/**
 * stakeout/vitest: list it in Vitest's `setupFiles`. It registers stakeout's matchers with Vitest's
 * `expect`, hands the fixtures (`useInterceptor`, …) Vitest's hooks and the project's local app (provided by
 * stakeout/vitest/global-setup), and adds the matchers' types.
 *
 * @example
 * // vitest.config.ts
 * export default defineConfig({
 *   test: { setupFiles: ['stakeout/vitest'], globalSetup: ['stakeout/vitest/global-setup'] },
 * })
 * @packageDocumentation
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, inject } from 'vitest'
import { matchers, type StakeoutMatchers } from '../matchers/index.js'
import { noteMatchersRegistered } from '../matchers/setup-hint.js'
import { watchForUnawaitedMatchers } from '../matchers/unawaited.js'
import { StakeoutError } from './errors.js'
import { registerRunner } from './fixtures/runner.js'
import { adoptProvidedLocalApp, PROVIDED_LOCAL_APP } from './run-target/provided-app.js'

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

// The project's own app, from stakeout/vitest/global-setup: before the test file's fixtures resolve it by ref.
adoptProvidedLocalApp(inject(PROVIDED_LOCAL_APP))
expect.extend(matchers)
noteMatchersRegistered()
watchForUnawaitedMatchers({ afterEach, afterAll }, () => expect.getState().currentTestName)
registerRunner({ name: 'vitest', beforeEach, afterEach, beforeAll, afterAll })

declare module 'vitest' {
  interface ProvidedContext {
    /** The manifest of the project's local app, provided by stakeout/vitest/global-setup (`''`: none). */
    [PROVIDED_LOCAL_APP]?: string
  }
  interface Matchers<R extends void | Promise<void> = void | Promise<void>, T = unknown>
    extends StakeoutMatchers<R, T> {}
}
