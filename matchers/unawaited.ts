/**
 * Catches a matcher the test forgot to `await`. Without the `await` the test goes on and ends without
 * the matcher's result: a failure cannot fail it, and the matcher goes on polling into the next test,
 * reading that test's calls and failing there as an unhandled rejection. Vitest 5 and Jest 30 say
 * nothing about an async matcher of `expect.extend` that was not awaited (Vitest warns only for
 * `.resolves`, `.rejects` and `expect.poll`).
 *
 * So each matcher's result is a promise that knows who consumed it. The runner chains on it at once
 * (`result.then(...)`, synchronously, in `expect(x).toHaveCalled()`) and hands the user the last
 * promise of that chain; a promise of that chain that nobody ever calls `then` on (`await`,
 * `Promise.all`, `return`, `.rejects` all do) is one the test dropped. After each test, the runner
 * entries' `afterEach` fails the test for such a matcher, and stops it if it is still polling, so it
 * never reads the next test's calls.
 */
import { atUserLine, callSite } from '../src/errors.js'
import type { MatcherContext, MatcherResult } from './context.js'

/** One matcher call of a test, from `expect(...)` to the end of that test. */
interface MatcherCall {
  /** How the call reads in the test: `expect(interceptor).not.toHaveCalled(url, options)`. */
  assertion: string
  /** The test it was made in, to tell concurrent tests apart. */
  testName: string | undefined
  /** The user's line: the frames above the matcher. */
  site: string
  /** Aborts the matcher's polling when its test ends. */
  stop: AbortController
  /** False until the runner's own chaining (synchronous, within `expect(...)`) is over. */
  chained: boolean
  /** The promises the runner created on the matcher's result while chaining, and whether someone consumed each. */
  handedOut: { consumed: boolean }[]
  settled: boolean
}

/** Calls of tests that have not ended yet. */
const openCalls = new Set<MatcherCall>()
/** Set by {@link watchForUnawaitedMatchers}: without the runner's afterEach nobody would close the calls. */
let watching = false

/** A promise that records whether `then` was ever called on it (and on what the runner chained from it). */
class MatcherPromise<T> extends Promise<T> {
  #call: MatcherCall | undefined
  #handout: { consumed: boolean } | undefined

  static adopt<T>(promise: MatcherPromise<T>, call: MatcherCall): void {
    promise.#call = call
    if (call.chained) return
    promise.#handout = { consumed: false }
    call.handedOut.push(promise.#handout)
    // A dropped matcher that fails would reject with nobody listening: an unhandled rejection blamed on
    // whatever test runs then. The afterEach reports it instead, on the test that dropped it.
    Promise.prototype.then.call(promise, undefined, () => {})
  }

  // biome-ignore lint/suspicious/noThenProperty: a Promise subclass overrides then to see who consumes it.
  override then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    if (this.#handout !== undefined) this.#handout.consumed = true
    const next = super.then(onFulfilled, onRejected) as MatcherPromise<A | B>
    if (this.#call !== undefined) MatcherPromise.adopt(next, this.#call)
    return next
  }
}

/**
 * Runs a matcher body so that a forgotten `await` on it fails its test (see the module comment): the
 * body gets a signal that aborts when the test ends, and a body stopped that way passes quietly (its
 * test has already been failed for it). Without {@link watchForUnawaitedMatchers} (matchers registered
 * by hand), it just runs the body.
 *
 * @param assertion how the call reads, for the message: `expect(interceptor).toHaveCalled(url)`
 * @param boundary the matcher: the stack kept for the message starts at its caller, the user's line
 * @example
 * return whenAwaited(this, 'expect(interceptor).toHaveCalled(url)', toHaveCalled, (signal) => poll(signal))
 */
export function whenAwaited(
  context: MatcherContext,
  assertion: string,
  boundary: Function,
  body: (signal: AbortSignal) => Promise<MatcherResult>,
): Promise<MatcherResult> {
  const stop = new AbortController()
  if (!watching) return body(stop.signal)
  const call: MatcherCall = {
    assertion,
    testName: context.currentTestName,
    site: callSite(boundary),
    stop,
    chained: false,
    handedOut: [],
    settled: false,
  }
  openCalls.add(call)
  const stopped: MatcherResult = {
    // What the runner takes for a pass (it flips pass under .not): the test was failed for it already.
    pass: context.isNot !== true,
    message: () => `${assertion} was stopped: its test ended before it finished`,
  }
  const result = body(stop.signal).then(
    (value) => {
      call.settled = true
      return value
    },
    (error: unknown) => {
      call.settled = true
      if (stop.signal.aborted && error === stop.signal.reason) return stopped
      throw error
    },
  )
  const root = new MatcherPromise<MatcherResult>((resolve) => resolve(result))
  MatcherPromise.adopt(root, call)
  // Runs after the runner's synchronous chaining, before any await of the test's can call then: a
  // native promise job, which fake timers (Jest's fake queueMicrotask too) cannot hold back.
  void Promise.resolve().then(() => {
    call.chained = true
  })
  return root
}

/** Thrown in the runner's afterEach for a matcher the test did not await. */
export class UnawaitedMatcherError extends Error {
  override name = 'UnawaitedMatcherError'
}

/**
 * Closes the matcher calls of the test that just ended: throws an {@link UnawaitedMatcherError}
 * (failing that test) for the ones the test did not await, and stops those of them still polling.
 *
 * @param testName the test that ended (`expect.getState().currentTestName`); calls of other tests
 *   (running concurrently) are left open. `undefined` closes every call (after all tests of a file).
 * @example
 * afterEach(() => closeMatcherCalls(expect.getState().currentTestName))
 */
export function closeMatcherCalls(testName: string | undefined): void {
  const dropped: MatcherCall[] = []
  for (const call of openCalls) {
    if (testName !== undefined && call.testName !== undefined && call.testName !== testName) continue
    openCalls.delete(call)
    if (!call.handedOut.some((promise) => !promise.consumed)) continue
    dropped.push(call)
    // Only a dropped matcher is stopped: one that is awaited and still running (its test timed out, or
    // a concurrent test's) must keep its result, never pass early.
    if (!call.settled) call.stop.abort(new Error(`${call.assertion}: its test ended`))
  }
  const first = dropped[0]
  if (first === undefined) return
  const consequence = first.settled
    ? 'It finished, but its result went nowhere: a failure could not fail the test.'
    : 'It was still polling when the test ended (it is stopped now): its result could not fail the test, and it would have read the next test’s calls.'
  const error = new UnawaitedMatcherError(
    [
      `${first.assertion} was not awaited. This matcher is asynchronous and must be awaited.`,
      consequence,
      '',
      `  await ${first.assertion}`,
      ...(dropped.length > 1
        ? ['', `(${dropped.length - 1} more matcher calls of this test were not awaited either.)`]
        : []),
    ].join('\n'),
  )
  throw atUserLine(error, first.site)
}

/**
 * Turns the check on and registers it after each test, and once after all of a file's tests (for a
 * matcher dropped in a `beforeAll` or `afterAll`, which no test's afterEach closes), with the runner's
 * hooks. Called by `stakeout/vitest` and `stakeout/jest`.
 *
 * @param hooks the runner's afterEach and afterAll
 * @param currentTestName reads the name of the test running (`expect.getState().currentTestName`)
 * @example
 * watchForUnawaitedMatchers({ afterEach, afterAll }, () => expect.getState().currentTestName)
 */
export function watchForUnawaitedMatchers(
  hooks: { afterEach: (body: () => void) => unknown; afterAll: (body: () => void) => unknown },
  currentTestName: () => string | undefined,
): void {
  watching = true
  hooks.afterEach(() => closeMatcherCalls(currentTestName()))
  hooks.afterAll(() => closeMatcherCalls(undefined))
}
