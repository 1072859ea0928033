/**
 * A test file that uses stakeout's matchers without the runner setup (`stakeout/vitest` in Vitest's
 * setupFiles, `stakeout/jest` in Jest's setupFilesAfterEnv) gets Vitest's `Invalid Chai property:
 * toHaveCalled` or Jest's `expect(...).toHaveCalled is not a function`: nothing says what to add.
 * So when the main entry loads inside a runner whose matchers are not registered, it registers
 * stand-ins that throw a {@link StakeoutError} saying what to add, as `useInterceptor` does. The
 * setup entry, loaded before the test file or after (it comes last in no runner, but a user's own
 * setup file may import `stakeout` first), replaces them with the real matchers.
 */
import { atUserLine, StakeoutError } from '../src/errors.js'

/** Set on globalThis by the runner entries once the matchers are registered (ESM and CommonJS builds share it). */
const REGISTERED: unique symbol = Symbol.for('stakeout.matchers.registered') as never
/** Vitest's global `expect` (vitest/dist: `GLOBAL_EXPECT`). */
const VITEST_EXPECT = Symbol.for('expect-global')
/** The matchers Jest's `expect(...)` builds its methods from, on each call (expect/build: `JEST_MATCHERS_OBJECT`). */
const JEST_MATCHERS = Symbol.for('$$jest-matchers-object')

type Globals = {
  [REGISTERED]?: true
  [VITEST_EXPECT]?: { extend(matchers: Record<string, Function>): void }
  [JEST_MATCHERS]?: { matchers?: Record<string, Function> }
  __vitest_worker__?: unknown
}

/**
 * Notes that stakeout's matchers are registered with the runner. Called by `stakeout/vitest` and
 * `stakeout/jest` right after `expect.extend`.
 *
 * @example
 * expect.extend(matchers)
 * noteMatchersRegistered()
 */
export function noteMatchersRegistered(): void {
  ;(globalThis as Globals)[REGISTERED] = true
}

/**
 * Inside Vitest or Jest, and unless the runner entry registered the matchers already, registers a
 * stand-in for each name in `names` that throws a {@link StakeoutError} saying which setup file to add.
 * Does nothing outside a runner.
 *
 * @example
 * hintMissingSetup(['toHaveCalled'])
 */
export function hintMissingSetup(names: readonly string[]): void {
  const globals = globalThis as Globals
  if (globals[REGISTERED] === true) return
  const standIns = (setup: string) =>
    Object.fromEntries(
      names.map((name) => {
        const standIn = () => {
          const error = new StakeoutError(
            `expect(...).${name}() is a stakeout matcher, and stakeout's matchers are not registered in this test file: ${setup}`,
          )
          throw atUserLine(error, standIn)
        }
        return [name, standIn]
      }),
    )
  const vitest = globals[VITEST_EXPECT]
  if (globals.__vitest_worker__ !== undefined && typeof vitest?.extend === 'function') {
    vitest.extend(
      standIns(
        "add 'stakeout/vitest' to test.setupFiles in vitest.config:\n\n  test: { setupFiles: ['stakeout/vitest'], globalSetup: ['stakeout/vitest/global-setup'] }",
      ),
    )
    return
  }
  const jest = globals[JEST_MATCHERS]?.matchers
  if (process.env.JEST_WORKER_ID !== undefined && jest !== undefined) {
    const hints = standIns(
      "add 'stakeout/jest' to setupFilesAfterEnv in jest.config:\n\n  setupFilesAfterEnv: ['stakeout/jest']",
    )
    // Jest's expect(...) reads this object on each call; expect.extend would do the same with more wrapping.
    for (const [name, standIn] of Object.entries(hints)) if (jest[name] === undefined) jest[name] = standIn
  }
}
