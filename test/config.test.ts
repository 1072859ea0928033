import { afterEach, describe, expect, it } from 'vitest'
import { configure, pollDefaults, resetConfiguration } from '../src/config.js'
import { ArgumentError } from '../src/errors.js'
import { observe } from '../src/eventually.js'

const builtIn = { timeout: 3000, interval: 250, backoff: 1.5, maxInterval: 2000 }

afterEach(() => resetConfiguration())

describe('configure', () => {
  it("starts from stakeout's own defaults", () => {
    expect(pollDefaults()).toEqual(builtIn)
  })

  it('changes only the defaults it is given, and resetConfiguration restores them', () => {
    configure({ timeout: 20_000, interval: 500 })
    expect(pollDefaults()).toEqual({ ...builtIn, timeout: 20_000, interval: 500 })
    configure({ backoff: 1 })
    expect(pollDefaults()).toEqual({ timeout: 20_000, interval: 500, backoff: 1, maxInterval: 2000 })
    resetConfiguration()
    expect(pollDefaults()).toEqual(builtIn)
  })

  it('is what a poll without options runs with; per-call options still win', async () => {
    configure({ timeout: 60, interval: 5, backoff: 1, maxInterval: 5 })
    const outcome = await observe(
      () => 'PENDING',
      (status) => status === 'SHIPPED',
    )
    expect(outcome.settings).toEqual({ timeout: 60, interval: 5, backoff: 1, maxInterval: 5 })
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(59)
    expect(outcome.attempts).toBeGreaterThan(2)

    const overridden = await observe(
      () => 'PENDING',
      () => false,
      { timeout: 30 },
    )
    expect(overridden.settings).toEqual({ timeout: 30, interval: 5, backoff: 1, maxInterval: 5 })
  })

  it('lives on globalThis under a registered symbol, so every copy of stakeout in the process shares it', () => {
    configure({ timeout: 1234 })
    const shared = (globalThis as Record<symbol, unknown>)[Symbol.for('stakeout.config')]
    expect(shared).toEqual({ ...builtIn, timeout: 1234 })
    // A second copy of the module (the CJS build, another Vitest module graph) reads the same key.
    ;(globalThis as Record<symbol, unknown>)[Symbol.for('stakeout.config')] = { ...builtIn, interval: 42 }
    expect(pollDefaults().interval).toBe(42)
  })

  it('hands out copies, so changing one does not change the defaults', () => {
    const defaults = pollDefaults()
    defaults.timeout = 1
    expect(pollDefaults().timeout).toBe(3000)
  })

  it('rejects a bad value, naming the setting and what it must be, and keeps the old defaults', () => {
    configure({ interval: 100 })
    expect(() => configure({ timeout: '5s' as never })).toThrow(
      new ArgumentError('configure', 'timeout', 'a positive number of milliseconds', '5s'),
    )
    expect(() => configure({ timeout: '5s' as never })).toThrow(
      "configure: timeout must be a positive number of milliseconds, received string '5s'",
    )
    expect(() => configure({ interval: -1 })).toThrow(
      'configure: interval must be a positive number of milliseconds, received number -1',
    )
    expect(() => configure({ maxInterval: Number.POSITIVE_INFINITY })).toThrow(
      'configure: maxInterval must be a positive number of milliseconds, received number Infinity',
    )
    expect(() => configure({ backoff: 0.9 })).toThrow(
      'configure: backoff must be a finite number ≥ 1, received number 0.9',
    )
    expect(() => configure({ timeout: 10, backoff: 0 })).toThrow(ArgumentError)
    expect(pollDefaults()).toEqual({ ...builtIn, interval: 100 })
  })

  it('rejects an unknown option (a typo would otherwise be ignored silently) and a non-object', () => {
    expect(() => configure({ timout: 100 } as never)).toThrow(
      'configure: options must be an object of only timeout, interval, backoff, maxInterval (unknown option "timout"), received object { timout: 100 }',
    )
    expect(() => configure(5000 as never)).toThrow(
      'configure: options must be an object of timeout, interval, backoff and maxInterval, received number 5000',
    )
  })

  it("points a bad argument's stack at the caller's line", () => {
    let error: unknown
    try {
      configure({ interval: 0 })
    } catch (thrown) {
      error = thrown
    }
    const firstFrame = ((error as Error).stack ?? '').split('\n').find((line) => line.trimStart().startsWith('at '))
    expect(firstFrame).toContain('config.test.ts')
  })
})
