import { describe, expect, it } from 'vitest'
import type { MatcherContext, MatcherResult } from '../../matchers/context.js'
import { closeMatcherCalls, UnawaitedMatcherError, whenAwaited } from '../../matchers/unawaited.js'

// The check in-process, on matcher calls of made-up tests: the runner's own afterEach (from the setup
// entry) closes only this test's calls, so these are closed here, by name. Real runs of both runners
// are in runner-runs.test.ts.
function matcherCall(testName: string) {
  const context = { isNot: false, currentTestName: testName } as MatcherContext
  const probe: { signal?: AbortSignal; finish?: (result: MatcherResult) => void } = {}
  const result = whenAwaited(context, 'expect(x).toDoIt()', matcherCall, (signal) => {
    probe.signal = signal
    return new Promise<MatcherResult>((resolve) => {
      probe.finish = resolve
    })
  })
  return { result, probe }
}

/** Lets the promise jobs queued so far run. */
const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('closing the matcher calls of a test that ended', () => {
  it('fails for a dropped matcher still running, and stops it', async () => {
    const { probe } = matcherCall('made-up: dropped')
    await settle()
    expect(() => closeMatcherCalls('made-up: dropped')).toThrow(
      new UnawaitedMatcherError(
        [
          'expect(x).toDoIt() was not awaited. This matcher is asynchronous and must be awaited.',
          'It was still polling when the test ended (it is stopped now): its result could not fail the test, and it would have read the next test’s calls.',
          '',
          '  await expect(x).toDoIt()',
        ].join('\n'),
      ),
    )
    expect(probe.signal?.aborted).toBe(true)
  })

  it('leaves an awaited matcher still running (its test timed out) alone: it keeps its own result', async () => {
    const { result, probe } = matcherCall('made-up: awaited')
    const awaiting = (async () => await result)()
    await settle()
    expect(() => closeMatcherCalls('made-up: awaited')).not.toThrow()
    expect(probe.signal?.aborted).toBe(false)
    probe.finish?.({ pass: false, message: () => 'failed at the end of its window' })
    await expect(awaiting).resolves.toMatchObject({ pass: false })
  })

  it('leaves the calls of another test (a concurrent one) open', async () => {
    const { probe } = matcherCall('made-up: other')
    await settle()
    expect(() => closeMatcherCalls('made-up: this one')).not.toThrow()
    expect(probe.signal?.aborted).toBe(false)
    expect(() => closeMatcherCalls('made-up: other')).toThrow(UnawaitedMatcherError)
  })

  it('after all tests of a file, closes every call left (a matcher dropped in beforeAll or afterAll)', async () => {
    const { probe } = matcherCall('made-up: in a hook')
    await settle()
    expect(() => closeMatcherCalls(undefined)).toThrow(UnawaitedMatcherError)
    expect(probe.signal?.aborted).toBe(true)
  })
})
