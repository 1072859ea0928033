import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { configure, pollDefaults, resetConfiguration } from '../src/config.js'
import { ArgumentError, StakeoutError } from '../src/errors.js'
import {
  EventuallyMatchedError,
  EventuallyTimeoutError,
  eventually,
  formatObserved,
  formatPollLine,
  observe,
  type PollOutcome,
} from '../src/eventually.js'

// Real timers and real async probes throughout; windows are short so the file stays fast.
const quick = { timeout: 150, interval: 10, backoff: 1, maxInterval: 10 }

/** A probe that returns the given results in turn (a thrown Error for an Error entry), then the last one forever. */
function sequence<T>(results: (T | Error)[]) {
  const calls: AbortSignal[] = []
  const probe = async (signal: AbortSignal): Promise<T> => {
    calls.push(signal)
    await Promise.resolve()
    const result = results[Math.min(calls.length, results.length) - 1] as T | Error
    if (result instanceof Error) throw result
    return result
  }
  return { probe, calls }
}

afterEach(() => resetConfiguration())

describe('observe', () => {
  it('matches on the first attempt without waiting', async () => {
    const { probe, calls } = sequence([{ status: 'SHIPPED' }])
    const outcome = await observe(probe, (order) => order.status === 'SHIPPED', quick)
    expect(outcome).toMatchObject({
      matched: true,
      attempts: 1,
      hasValue: true,
      last: { status: 'SHIPPED' },
      timedOut: false,
      interrupted: false,
    })
    expect(outcome).not.toHaveProperty('lastError')
    expect(calls).toHaveLength(1)
  })

  it('keeps polling until a later attempt matches, and stops there', async () => {
    const { probe, calls } = sequence(['PENDING', 'PENDING', 'SHIPPED', 'DELIVERED'])
    const outcome = await observe(probe, (status) => status === 'SHIPPED', quick)
    expect(outcome).toMatchObject({ matched: true, attempts: 3, last: 'SHIPPED', timedOut: false })
    expect(calls).toHaveLength(3)
  })

  it('returns matched false after the whole window when the predicate never holds', async () => {
    const { probe, calls } = sequence(['PENDING'])
    const outcome = await observe(probe, (status) => status === 'SHIPPED', quick)
    expect(outcome).toMatchObject({ matched: false, timedOut: true, hasValue: true, last: 'PENDING' })
    expect(outcome.attempts).toBeGreaterThan(2)
    expect(outcome.attempts).toBe(calls.length)
    // The deadline timer ends the poll, so it cannot end before the window (1 ms for libuv's coarse clock).
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(quick.timeout - 1)
    expect(outcome.settings).toEqual(quick)
  })

  it('makes at least one attempt, even with a tiny timeout', async () => {
    let calls = 0
    const outcome = await observe(
      () => {
        calls += 1
        return 'PENDING'
      },
      (status) => status === 'SHIPPED',
      { timeout: 0.5 },
    )
    expect(calls).toBeGreaterThanOrEqual(1)
    expect(outcome).toMatchObject({ matched: false, hasValue: true, last: 'PENDING', attempts: calls })
  })

  it('counts a throwing probe as a miss and keeps what it threw as lastError', async () => {
    const notYet = new Error('ResourceNotFoundException: table is being created')
    const { probe } = sequence<string>([notYet])
    const outcome = await observe(probe, () => true, quick)
    expect(outcome).toMatchObject({ matched: false, hasValue: false, timedOut: true })
    expect(outcome.lastError).toBe(notYet)
    expect(outcome.attempts).toBeGreaterThan(1)
  })

  it('retries a probe that throws a TypeError (p-retry alone would give up on it)', async () => {
    const broken = new TypeError("Cannot read properties of undefined (reading 'Items')")
    const { probe } = sequence<number>([broken, broken, 7])
    const outcome = await observe(probe, (n) => n === 7, quick)
    expect(outcome).toMatchObject({ matched: true, attempts: 3, last: 7 })
    expect(outcome).not.toHaveProperty('lastError')
  })

  it('forgets the last error once a later attempt returns a value, but keeps the value', async () => {
    const { probe } = sequence<string>([new Error('throttled'), 'PENDING'])
    const outcome = await observe(probe, (status) => status === 'SHIPPED', quick)
    expect(outcome).toMatchObject({ matched: false, hasValue: true, last: 'PENDING' })
    expect(outcome).not.toHaveProperty('lastError')
  })

  it('counts a predicate that throws as a miss and keeps its error', async () => {
    const outcome = await observe(
      () => 'PENDING',
      () => {
        throw new Error('expected SHIPPED')
      },
      quick,
    )
    expect(outcome).toMatchObject({ matched: false, hasValue: true, last: 'PENDING' })
    expect(outcome.lastError).toEqual(new Error('expected SHIPPED'))
  })

  it('rejects a predicate that returns something other than a boolean', async () => {
    const asyncPredicate = async () => true
    await expect(observe(() => 1, asyncPredicate as unknown as () => boolean, quick)).rejects.toThrow(
      'observe: predicate must be a function returning a boolean (true when the value is what you wait for), received object Promise { true }',
    )
  })

  describe('negate (for .not)', () => {
    it('polls the whole window when the predicate never holds', async () => {
      const { probe, calls } = sequence([0])
      const outcome = await observe(probe, (n) => n > 0, { ...quick, negate: true })
      expect(outcome).toMatchObject({ matched: false, timedOut: true })
      expect(outcome.elapsedMs).toBeGreaterThanOrEqual(quick.timeout - 1)
      // Not at the first miss: it kept looking.
      expect(calls.length).toBeGreaterThan(3)
    })

    it('stops at the first attempt where the predicate holds', async () => {
      const { probe, calls } = sequence([0, 0, 1, 0])
      const outcome = await observe(probe, (n) => n > 0, { timeout: 5000, interval: 10, negate: true })
      expect(outcome).toMatchObject({ matched: true, attempts: 3, last: 1, timedOut: false })
      expect(calls).toHaveLength(3)
      expect(outcome.elapsedMs).toBeLessThan(5000)
    })
  })

  describe('the end of the window', () => {
    /** A probe whose value changes only once the window has closed: what arrives during the last wait. */
    function arrivesAtTheEnd(timeout: number) {
      const startedAt = performance.now()
      return () => (performance.now() - startedAt >= timeout ? 'SHIPPED' : 'PENDING')
    }

    it('takes a last look when the window closes, so a value that arrived during the last wait is seen', async () => {
      // Looks at 0, 200 and 400 ms; the last wait (cut to 100 ms) ends with the window.
      const settings = { timeout: 500, interval: 200, backoff: 1, maxInterval: 200 }
      const outcome = await observe(arrivesAtTheEnd(settings.timeout), (status) => status === 'SHIPPED', settings)
      expect(outcome).toMatchObject({ matched: true, last: 'SHIPPED', timedOut: false, interrupted: false })
    })

    it('under negate, sees a match that arrived during the last wait (the whole window is watched)', async () => {
      const settings = { timeout: 500, interval: 200, backoff: 1, maxInterval: 200, negate: true }
      const outcome = await observe(arrivesAtTheEnd(settings.timeout), (status) => status === 'SHIPPED', settings)
      expect(outcome).toMatchObject({ matched: true, last: 'SHIPPED' })
    })

    it('aborts a last look that hangs, keeping what the earlier looks saw', async () => {
      let looks = 0
      let lastSignal: AbortSignal | undefined
      const outcome = await observe(
        (signal) => {
          looks += 1
          lastSignal = signal
          // Answers while the window is open; the look at its end never answers.
          return looks === 1 ? 'PENDING' : new Promise<string>(() => {})
        },
        (status) => status === 'SHIPPED',
        { timeout: 100, interval: 1000 },
      )
      expect(outcome).toMatchObject({ matched: false, hasValue: true, last: 'PENDING', interrupted: true })
      // The first look answered; every later one (one cut off as the window closed, if the cut-short wait ended
      // a hair early, then the last look) hung.
      expect(outcome.attempts).toBeGreaterThanOrEqual(2)
      expect(lastSignal?.aborted).toBe(true)
      expect(outcome).not.toHaveProperty('lastError')
    })
  })

  describe('abort', () => {
    it('aborts the probe signal when the window closes and returns without waiting for the probe', async () => {
      let seen: AbortSignal | undefined
      let settledLate = false
      // Like an AWS SDK call given abortSignal: it never answers, but rejects when aborted.
      const hangingCall = (signal: AbortSignal) => {
        seen = signal
        return new Promise<string>((_, reject) => {
          signal.addEventListener('abort', () => {
            settledLate = true
            reject(signal.reason)
          })
        })
      }
      // The look in the window is cut off when it closes; the last look at its end, by its own deadline (maxInterval).
      const outcome = await observe(hangingCall, () => true, { timeout: 100, interval: 50, maxInterval: 100 })
      expect(seen?.aborted).toBe(true)
      expect(seen?.reason).toMatchObject({ name: 'TimeoutError' })
      expect(settledLate).toBe(true)
      expect(outcome).toMatchObject({ matched: false, timedOut: true, attempts: 2, hasValue: false, interrupted: true })
      // The aborted call's rejection is the engine's doing, not an observation.
      expect(outcome).not.toHaveProperty('lastError')
      expect(outcome.elapsedMs).toBeLessThan(5000)
    })

    it('does not wait for a probe that ignores its signal', async () => {
      const outcome = await observe(
        () => new Promise<string>(() => {}),
        () => true,
        { timeout: 100, interval: 50, maxInterval: 100 },
      )
      expect(outcome).toMatchObject({ matched: false, attempts: 2, interrupted: true })
      expect(outcome.elapsedMs).toBeLessThan(5000)
    })

    it("stops early when the caller's signal aborts, rejecting with its reason", async () => {
      const controller = new AbortController()
      const cancelled = new Error('test cancelled')
      const { probe, calls } = sequence(['PENDING'])
      const polling = observe(probe, (status) => status === 'SHIPPED', {
        timeout: 10_000,
        interval: 10,
        backoff: 1,
        signal: controller.signal,
      })
      setTimeout(() => controller.abort(cancelled), 50)
      await expect(polling).rejects.toBe(cancelled)
      const attemptsAtAbort = calls.length
      expect(attemptsAtAbort).toBeGreaterThan(0)
      expect(calls.at(-1)?.aborted).toBe(true)
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(calls.length).toBe(attemptsAtAbort)
    })

    it('never calls the probe when the signal is already aborted', async () => {
      const { probe, calls } = sequence([1])
      const reason = new Error('already cancelled')
      await expect(observe(probe, () => true, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
      expect(calls).toHaveLength(0)
    })
  })

  it('grows the wait by backoff up to maxInterval', async () => {
    const startedAt: number[] = []
    await observe(
      () => {
        startedAt.push(performance.now())
        return false
      },
      (done) => done,
      { timeout: 700, interval: 10, backoff: 5, maxInterval: 200 },
    )
    // The last look is taken when the window closes, after a wait cut short: its gap says nothing here.
    const gaps = startedAt.slice(1, -1).map((at, i) => at - (startedAt[i] as number))
    // Scheduled waits: 10, 50, then 200 (capped; uncapped 250, 1250) until the window closes.
    expect(gaps.length).toBeGreaterThanOrEqual(4)
    const scheduled = [10, 50, 200, 200]
    // Timers never fire early (beyond libuv's 1 ms clock), so each gap is at least its wait: the waits grew.
    scheduled.forEach((wait, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(wait - 1.5)
    })
    // Uncapped, the fourth wait would be 1250 ms: a gap that short was capped, however loaded the machine.
    expect(gaps[3]).toBeLessThan(1000)
  })

  it('waits the interval it was given, even above the configured maxInterval (which it raises)', async () => {
    configure({ interval: 10, maxInterval: 50 })
    const outcome = await observe(
      () => 'PENDING',
      (status) => status === 'SHIPPED',
      { timeout: 300, interval: 200, backoff: 1 },
    )
    expect(outcome.settings).toEqual({ timeout: 300, interval: 200, backoff: 1, maxInterval: 200 })
    // Looks at 0 and 200 ms and at the end of the window (a timer firing a little early may add one just before
    // it); capped at 50 ms it would have looked 7 times.
    expect(outcome.attempts).toBeLessThanOrEqual(4)
  })

  it('refuses a maxInterval below the interval', async () => {
    await expect(
      observe(
        () => 1,
        () => true,
        { interval: 500, maxInterval: 100 },
      ),
    ).rejects.toThrow('observe: options.maxInterval must be at least the interval (500 ms), received number 100')
    expect(() => configure({ maxInterval: 100 })).toThrow(
      'configure: maxInterval must be at least the interval (250 ms), received number 100',
    )
    configure({ interval: 5000 })
    expect(pollDefaults()).toMatchObject({ interval: 5000, maxInterval: 5000 })
  })

  it('validates its arguments, naming the one that is wrong', async () => {
    await expect(observe('calls' as never, () => true)).rejects.toThrow(
      "observe: probe must be a function that reads the current value, received string 'calls'",
    )
    await expect(observe(() => 1, undefined as never)).rejects.toThrow(
      'observe: predicate must be a function from the probed value to a boolean, received undefined',
    )
    await expect(
      observe(
        () => 1,
        () => true,
        { interval: 0 },
      ),
    ).rejects.toThrow('observe: options.interval must be a positive number of milliseconds, received number 0')
  })
})

describe('eventually', () => {
  it('resolves with the outcome once the probe stops throwing (the default predicate)', async () => {
    const { probe } = sequence<string>([new Error('not yet'), new Error('not yet'), 'ready'])
    const outcome = await eventually(probe, undefined, quick)
    expect(outcome).toMatchObject({ matched: true, attempts: 3, last: 'ready' })
  })

  it('throws EventuallyTimeoutError with the outcome and a message saying what it last saw', async () => {
    const { probe } = sequence([{ orderId: 'o-1', status: 'PENDING' }])
    const error: unknown = await eventually(probe, (order) => order.status === 'SHIPPED', {
      ...quick,
      description: 'order o-1 to ship',
    }).catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(EventuallyTimeoutError)
    expect(error).toBeInstanceOf(StakeoutError)
    const { outcome, message } = error as EventuallyTimeoutError<{ status: string }>
    expect(outcome).toMatchObject({ matched: false, timedOut: true, last: { orderId: 'o-1', status: 'PENDING' } })
    expect(outcome.attempts).toBeGreaterThan(2)
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(quick.timeout - 1)
    const lines = message.split('\n')
    expect(lines.slice(0, 2)).toEqual([
      'eventually: timed out after 150 ms waiting for order o-1 to ship',
      "Last observed: { orderId: 'o-1', status: 'PENDING' }",
    ])
    expect(lines).toHaveLength(3)
    expect(lines[2]).toBe(formatPollLine(outcome))
    expect(lines[2]).toMatch(/^Polled \d+ times over 0\.\d s \(interval 10 ms, backoff 1\)$/)
  })

  it('reports the last error and a probe that never returned a value', async () => {
    const { probe } = sequence<string>([Object.assign(new Error('Requested resource not found'), { code: 'E404' })])
    const error = (await eventually(probe, undefined, { timeout: 50, interval: 10 }).catch(
      (thrown: unknown) => thrown,
    )) as EventuallyTimeoutError
    expect(error.message.split('\n').slice(0, 3)).toEqual([
      'eventually: timed out after 50 ms',
      'Last observed: nothing (the probe never returned a value)',
      'Last error: Error [E404]: Requested resource not found',
    ])
  })

  it('says when the last look at the end of the window did not answer', async () => {
    const error = (await eventually(() => new Promise(() => {}), undefined, {
      timeout: 50,
      interval: 20,
      maxInterval: 60,
    }).catch((thrown: unknown) => thrown)) as EventuallyTimeoutError
    expect(error.message).toContain(
      'Attempt 2, the last look at the end of the window, did not answer within 60 ms (maxInterval): it was aborted.',
    )
    expect(error.outcome).toMatchObject({ attempts: 2, interrupted: true })
  })

  it('takes the last look even when the window closed on a slow look, and uses its answer', async () => {
    let calls = 0
    // The first look outlives the 50 ms window; the last look answers at once.
    const probe = (signal: AbortSignal) =>
      ++calls === 1
        ? new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
        : 'arrived'
    const outcome = await observe(probe, (value) => value === 'arrived', {
      timeout: 50,
      interval: 20,
      maxInterval: 500,
    })
    expect(outcome).toMatchObject({ matched: true, attempts: 2, interrupted: false, last: 'arrived' })
  })

  it('cuts what it shows of a large observation', async () => {
    const huge = Array.from({ length: 40 }, (_, i) => ({ id: i, body: 'x'.repeat(100) }))
    const error = (await eventually(
      () => huge,
      () => false,
      { timeout: 30 },
    ).catch((thrown: unknown) => thrown)) as EventuallyTimeoutError
    expect(error.message).toMatch(/… \(\d+ more characters\)\nPolled/)
    expect(error.message.length).toBeLessThan(2300)
  })

  it("points the thrown error's stack at the caller's line", async () => {
    const error = (await eventually(
      () => 1,
      (n) => n === 2,
      { timeout: 20 },
    ).catch((thrown: unknown) => thrown)) as Error
    const stackLines = (error.stack ?? '').split('\n')
    expect(stackLines[0]).toBe('EventuallyTimeoutError: eventually: timed out after 20 ms')
    const firstFrame = stackLines.find((line) => line.trimStart().startsWith('at '))
    expect(firstFrame).toContain('eventually.test.ts')
    expect(error.stack).not.toContain('src/eventually.ts')
  })

  describe('negate', () => {
    it('resolves after the whole window when the predicate never held', async () => {
      const { probe, calls } = sequence([0])
      const outcome = await eventually(probe, (n) => n > 0, { ...quick, negate: true })
      expect(outcome).toMatchObject({ matched: false, timedOut: true })
      expect(calls.length).toBeGreaterThan(3)
    })

    it('throws EventuallyMatchedError at the attempt where it held', async () => {
      const { probe } = sequence([0, 0, 1])
      const error = (await eventually(probe, (n) => n > 0, {
        timeout: 5000,
        interval: 10,
        negate: true,
        description: 'a refund',
      }).catch((thrown: unknown) => thrown)) as EventuallyMatchedError<number>
      expect(error).toBeInstanceOf(EventuallyMatchedError)
      expect(error.outcome).toMatchObject({ matched: true, attempts: 3, last: 1 })
      expect(error.message.split('\n').slice(0, 2)).toEqual([
        'eventually: expected a refund never to hold, but it held on attempt 3',
        'Observed: 1',
      ])
    })
  })

  it('validates options, naming the option and what it must be', async () => {
    const error = await eventually(() => 1, undefined, { timeout: '5s' as never }).catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(ArgumentError)
    expect((error as Error).message).toBe(
      "eventually: options.timeout must be a positive number of milliseconds, received string '5s'",
    )
    expect((error as ArgumentError).argument).toBe('options.timeout')
    await expect(eventually(() => 1, undefined, { backoff: 0.5 })).rejects.toThrow(
      'eventually: options.backoff must be a finite number ≥ 1, received number 0.5',
    )
    await expect(eventually(() => 1, undefined, { maxInterval: Number.NaN })).rejects.toThrow(
      'eventually: options.maxInterval must be a positive number of milliseconds, received number NaN',
    )
    await expect(eventually(() => 1, undefined, { timeout: 2 ** 31 })).rejects.toThrow(
      'eventually: options.timeout must be a positive number of milliseconds up to 2147483647, received number 2147483648',
    )
    await expect(eventually(() => 1, undefined, { negate: 'yes' as never })).rejects.toThrow(
      "eventually: options.negate must be a boolean, received string 'yes'",
    )
    await expect(eventually(() => 1, undefined, { signal: {} as never })).rejects.toThrow(
      'eventually: options.signal must be an AbortSignal, received object {}',
    )
    await expect(eventually(() => 1, undefined, null as never)).rejects.toThrow(
      'eventually: options must be an object, received null',
    )
  })

  it("points a bad argument's stack at the caller's line", async () => {
    const error = (await eventually(() => 1, undefined, { interval: -1 }).catch((thrown: unknown) => thrown)) as Error
    const firstFrame = (error.stack ?? '').split('\n').find((line) => line.trimStart().startsWith('at '))
    expect(firstFrame).toContain('eventually.test.ts')
  })
})

describe('formatPollLine', () => {
  const settings = { timeout: 5000, interval: 250, backoff: 1.5, maxInterval: 2000 }

  it('says how many polls over how long, with the interval and backoff', () => {
    expect(formatPollLine({ attempts: 14, elapsedMs: 5000, settings })).toBe(
      'Polled 14 times over 5.0 s (interval 250 ms, backoff 1.5)',
    )
    expect(formatPollLine({ attempts: 1, elapsedMs: 1234, settings: { ...settings, backoff: 1 } })).toBe(
      'Polled 1 time over 1.2 s (interval 250 ms, backoff 1)',
    )
  })
})

describe('formatObserved', () => {
  it('inspects four levels deep', () => {
    const shown = formatObserved({ a: { b: { c: { d: { e: { f: 1 } } } } } })
    expect(shown).toContain('d: { e: [Object] }')
    expect(shown).not.toContain('f: 1')
  })
})

describe('property: observe matches exactly when some attempt it made saw a match', () => {
  type Step = { kind: 'value'; value: number } | { kind: 'throw' }
  const step = fc.oneof(
    fc.record({ kind: fc.constant('value' as const), value: fc.integer({ min: 0, max: 3 }) }),
    fc.constant({ kind: 'throw' as const }),
  )

  it('holds for any sequence of probe results', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 6 }), async (steps: Step[]) => {
        const seen: Step[] = []
        const probe = async () => {
          // Past the scripted steps the probe keeps answering 0, which never matches.
          const current = steps[seen.length] ?? { kind: 'value', value: 0 }
          seen.push(current)
          await Promise.resolve()
          if (current.kind === 'throw') throw new Error(`attempt ${seen.length}`)
          return current.value
        }
        const isThree = (n: number) => n === 3
        const outcome: PollOutcome<number> = await observe(probe, isThree, {
          timeout: 40,
          interval: 1,
          backoff: 1,
          maxInterval: 1,
        })
        const firstMatch = steps.findIndex((s) => s.kind === 'value' && isThree(s.value))
        expect(outcome.attempts).toBe(seen.length)
        expect(outcome.matched).toBe(seen.some((s) => s.kind === 'value' && isThree(s.value)))
        if (firstMatch >= 0 && outcome.matched) expect(outcome.attempts).toBe(firstMatch + 1)
        const lastSeen = seen.at(-1)
        if (lastSeen?.kind === 'throw') expect(outcome.lastError).toEqual(new Error(`attempt ${seen.length}`))
        else expect(outcome).not.toHaveProperty('lastError')
        const lastValue = seen.findLast((s) => s.kind === 'value')
        expect(outcome.hasValue).toBe(lastValue !== undefined)
        if (lastValue?.kind === 'value') expect(outcome.last).toBe(lastValue.value)
      }),
      { numRuns: 30 },
    )
  })
})

describe('under fake timers (vi.useFakeTimers)', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  // The test's fake clock never moves unless the test advances it: a poll on the global timers (or on
  // p-retry's) would wait forever. The engine keeps the real ones.
  it('polls on real timers: a probe that holds on its third attempt is seen, and a window still closes', async () => {
    vi.useFakeTimers()
    const { probe, calls } = sequence([false, false, true])
    const outcome = await eventually(probe, (value) => value, { timeout: 2000, interval: 10, backoff: 1 })
    expect(outcome.matched).toBe(true)
    expect(calls).toHaveLength(3)

    const never = await observe(
      () => false,
      (value) => value,
      { timeout: 100, interval: 10, backoff: 1 },
    )
    expect(never).toMatchObject({ matched: false, timedOut: true })
    expect(never.attempts).toBeGreaterThan(1)
  })
})
