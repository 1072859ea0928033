import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { registerRunner } from '../../src/fixtures/runner.js'

/** The four hooks a runner gives the fixtures. */
export type HookName = 'beforeAll' | 'beforeEach' | 'afterEach' | 'afterAll'

/**
 * Registers a runner whose hooks are only collected, so a test can run them in the order (or at the same time) it
 * wants; {@link restoreVitestHooks} puts Vitest's back.
 *
 * @example
 * const hooks = collectHooks()
 * try {
 *   const fn = useFunction(target('echo'))
 *   for (const hook of hooks.beforeAll) await hook()
 * } finally {
 *   restoreVitestHooks()
 * }
 */
export function collectHooks(): Record<HookName, Array<() => Promise<void>>> {
  const hooks: Record<HookName, Array<() => Promise<void>>> = {
    beforeAll: [],
    beforeEach: [],
    afterEach: [],
    afterAll: [],
  }
  const collect = (name: HookName) => (fn: () => Promise<void>) => hooks[name].push(fn)
  registerRunner({
    name: 'vitest',
    beforeAll: collect('beforeAll'),
    beforeEach: collect('beforeEach'),
    afterEach: collect('afterEach'),
    afterAll: collect('afterAll'),
  } as never)
  return hooks
}

/** Registers Vitest's own hooks again, as stakeout/vitest does. */
export function restoreVitestHooks(): void {
  registerRunner({ name: 'vitest', beforeEach, afterEach, beforeAll, afterAll })
}
