/**
 * stakeout/jest: list it in Jest's `setupFilesAfterEnv`. It registers stakeout's matchers with Jest's
 * `expect`, hands the fixtures (`useInterceptor`, …) Jest's hooks, and adds the matchers' types.
 *
 * @example
 * // jest.config.js
 * module.exports = { setupFilesAfterEnv: ['stakeout/jest'] }
 * @packageDocumentation
 */
// biome-ignore-all assist/source/organizeImports: jest-guard must be evaluated before @jest/globals.
import { assertInsideJest } from './jest-guard.js'
// A namespace import: named imports of a CommonJS module are checked when an ES module is linked,
// before jest-guard could run, and outside Jest @jest/globals has none.
import * as jest from '@jest/globals'
import { matchers, type StakeoutMatchers } from '../matchers/index.js'
import { noteMatchersRegistered } from '../matchers/setup-hint.js'
import { watchForUnawaitedMatchers } from '../matchers/unawaited.js'
import { registerRunner } from './fixtures/runner.js'

// Already checked on import; used here so that bundlers keep the import (package.json's
// `sideEffects` lets them drop imports of source modules whose bindings go unused).
assertInsideJest()
const { afterAll, afterEach, beforeAll, beforeEach, expect } = jest
expect.extend(matchers)
noteMatchersRegistered()
watchForUnawaitedMatchers({ afterEach, afterAll }, () => expect.getState().currentTestName)
/** Jest 30 names the running test (async-context aware) in expect's state; concurrent tests get no *Each hooks. */
type JestTestState = { currentTestIdentity?: () => { concurrent?: boolean } | undefined }
const inConcurrentTest = () => (expect.getState() as JestTestState).currentTestIdentity?.()?.concurrent === true
registerRunner({ name: 'jest', beforeEach, afterEach, beforeAll, afterAll, inConcurrentTest })

declare module 'expect' {
  interface Matchers<R extends void | Promise<void>, T = unknown> extends StakeoutMatchers<R, T> {}
}
