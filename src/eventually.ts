import { performance } from 'node:perf_hooks'
import { clearTimeout, setTimeout } from 'node:timers'
import { inspect } from 'node:util'
import { checkPollSetting, type PollDefaults, pollDefaults } from './config.js'
import { ArgumentError, atUserLine, callSite, describeError, failArgument, StakeoutError } from './errors.js'

/** Per-call polling options. Numbers are milliseconds; what you leave out comes from {@link pollDefaults}. */
export interface EventuallyOptions {
  /**
   * How long to keep polling. When the window closes without a match, one last look is taken then, so what
   * arrived during the last wait is seen; that look is aborted after `maxInterval` (at most `timeout`) ms.
   * @default pollDefaults().timeout (3000)
   */
  timeout?: number | undefined
  /** The wait before the second attempt. @default pollDefaults().interval (250) */
  interval?: number | undefined
  /** Each wait is the previous one times this factor, ≥ 1. @default pollDefaults().backoff (1.5) */
  backoff?: number | undefined
  /**
   * No wait grows beyond this; at least `interval` (an `interval` above the configured one raises it).
   * @default pollDefaults().maxInterval (2000)
   */
  maxInterval?: number | undefined
  /**
   * For `.not`: the predicate is expected never to hold. Polling still ends at the first attempt where it
   * holds (that is already a failure) and otherwise runs the whole window, up to the last look at its end.
   * `eventually` then succeeds when the predicate never held and throws {@link EventuallyMatchedError} when it did.
   * @default false
   */
  negate?: boolean | undefined
  /** Cancels the polling: the probe's signal aborts too, and the call rejects with `signal.reason`. */
  signal?: AbortSignal | undefined
  /** What is being waited for, in the user's words; quoted in failure messages. */
  description?: string | undefined
}

/** What a poll saw: whether the predicate held, how often and how long it looked, and the last observation. */
export interface PollOutcome<T> {
  /** The predicate held at some attempt (polling stopped there). */
  matched: boolean
  /** How many times the probe was called. Always ≥ 1 unless the caller's signal was already aborted. */
  attempts: number
  /** From the call to the end of polling, in milliseconds. */
  elapsedMs: number
  /** The most recent value the probe returned (set when `hasValue`). */
  last?: T
  /** The probe returned a value at least once. */
  hasValue: boolean
  /** What the latest completed attempt threw (from the probe or the predicate); absent when it did not throw. */
  lastError?: unknown
  /** The window closed without a match. */
  timedOut: boolean
  /**
   * The last look, taken at the end of the window, outran its own deadline (maxInterval): its signal was
   * aborted and its result ignored, so the end of the window was not seen. (A look cut off by the window
   * closing is followed by that last look, and does not count.)
   */
  interrupted: boolean
  /** The settings this poll ran with, after defaults. */
  settings: PollDefaults
  /** The `description` option, if one was given. */
  description?: string
}

/**
 * A probe. It receives a signal that aborts when the polling window closes or the caller's `signal`
 * aborts: pass it on (`client.send(command, { abortSignal: signal })`) so a slow call is cancelled.
 */
export type Probe<T> = (signal: AbortSignal) => T | Promise<T>

/** Thrown by {@link eventually} when the window closed before the predicate held. */
export class EventuallyTimeoutError<T = unknown> extends StakeoutError {
  override name = 'EventuallyTimeoutError'
  /** Everything the poll saw, for a caller that wants to report it differently. */
  readonly outcome: PollOutcome<T>

  constructor(message: string, outcome: PollOutcome<T>) {
    super(message)
    this.outcome = outcome
  }
}

/** Thrown by {@link eventually} with `negate: true` when the predicate held during the window. */
export class EventuallyMatchedError<T = unknown> extends StakeoutError {
  override name = 'EventuallyMatchedError'
  /** Everything the poll saw; `outcome.last` is the value the predicate held for. */
  readonly outcome: PollOutcome<T>

  constructor(message: string, outcome: PollOutcome<T>) {
    super(message)
    this.outcome = outcome
  }
}

/**
 * Polls `probe` until `predicate` holds for what it returns, and reports what it saw. Never throws on a
 * timeout (look at `outcome.matched`): it is the engine the matchers build their messages on.
 * A probe that throws is an attempt that did not match. Rejects only on bad arguments, a predicate that
 * does not return a boolean, or the caller's `signal` aborting (with its reason).
 *
 * @example
 * const outcome = await observe(
 *   (signal) => interceptor.calls({ signal }),
 *   (calls) => calls.some((call) => call.url.startsWith('https://api-1/')),
 *   { timeout: 10_000 },
 * )
 * if (!outcome.matched) console.log(formatPollLine(outcome), outcome.last)
 */
export async function observe<T>(
  probe: Probe<T>,
  predicate: (value: T) => boolean,
  options: EventuallyOptions = {},
): Promise<PollOutcome<T>> {
  const settings = checkArguments(observe, 'observe', probe, predicate, options, false)
  return poll(probe, predicate, options, settings, 'observe')
}

/**
 * Waits until `predicate` holds for what `probe` returns (by default: until `probe` stops throwing),
 * polling with a growing interval. Resolves with the {@link PollOutcome}; when the window closes first,
 * throws an {@link EventuallyTimeoutError} that says what was last observed, the last error and how it
 * polled, with a stack that points at your line.
 *
 * @example
 * // until the projection catches up
 * const { last: balance } = await eventually(
 *   () => ledger.projection('Balance', { aggregateId }).get(),
 *   (item) => item?.version === 3,
 *   { timeout: 10_000, description: 'the Balance projection at version 3' },
 * )
 *
 * @example
 * // until the probe stops throwing: assertions work as probes
 * await eventually(async () => {
 *   expect(await api.calls()).toHaveLength(2)
 * })
 */
export async function eventually<T>(
  probe: Probe<T>,
  predicate?: (value: T) => boolean,
  options: EventuallyOptions = {},
): Promise<PollOutcome<T>> {
  // Captured before the first await, while the caller's frame is still on the stack.
  const site = callSite(eventually)
  const settings = checkArguments(eventually, 'eventually', probe, predicate, options, true)
  const outcome = await poll(probe, predicate ?? probeReturned, options, settings, 'eventually')
  const failed = options.negate ? outcome.matched : !outcome.matched
  if (!failed) return outcome
  const error = options.negate
    ? new EventuallyMatchedError(describeUnexpectedMatch(outcome), outcome)
    : new EventuallyTimeoutError(describeTimeout(outcome), outcome)
  throw atUserLine(error, site)
}

/**
 * The one line every polling failure message ends with.
 *
 * @example
 * formatPollLine(outcome) // 'Polled 14 times over 5.0 s (interval 250 ms, backoff 1.5)'
 */
export function formatPollLine(outcome: Pick<PollOutcome<unknown>, 'attempts' | 'elapsedMs' | 'settings'>): string {
  const { attempts, elapsedMs, settings } = outcome
  const times = attempts === 1 ? 'time' : 'times'
  const seconds = (elapsedMs / 1000).toFixed(1)
  return `Polled ${attempts} ${times} over ${seconds} s (interval ${settings.interval} ms, backoff ${settings.backoff})`
}

/** `value` for a failure message: util.inspect to depth 4, cut to a length a terminal can show. */
export function formatObserved(value: unknown): string {
  return truncate(inspect(value, { depth: 4, maxArrayLength: 50, maxStringLength: 500, breakLength: 100 }))
}

function truncate(text: string, limit = 2000): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length - limit} more characters)`
}

function probeReturned(): boolean {
  return true
}

// The runtime's own clock and timers, kept at load: a test that installs fake timers
// (vi.useFakeTimers(), jest.useFakeTimers()) replaces the globals, and a poll on them would never wake
// (as Vitest's expect.poll, which keeps its own). node:timers is not replaced by either runner, so its
// timers stay real even when fakes were installed before this module loaded.
const now = performance.now.bind(performance)

/** Resolves after `ms` on a real timer; rejects with `signal.reason` when `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Marks an attempt whose value did not match (or whose probe threw), so the next one is scheduled. */
class Miss extends Error {
  override name = 'Miss'
}

async function poll<T>(
  probe: Probe<T>,
  predicate: (value: T) => boolean,
  options: EventuallyOptions,
  settings: PollDefaults,
  callee: string,
): Promise<PollOutcome<T>> {
  const startedAt = now()
  const deadlineAt = startedAt + settings.timeout
  const deadline = new AbortController()
  const closeWindow = () =>
    deadline.abort(new DOMException(`${callee}: the ${settings.timeout} ms polling window closed`, 'TimeoutError'))
  const timer = setTimeout(closeWindow, settings.timeout)
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal

  let attempts = 0
  let matched = false
  let interrupted = false
  let hasValue = false
  let last: T | undefined
  let lastError: unknown
  let failedAttempt = false

  /** One look: `lookSignal` aborts it; `cutOff` tells a cut-off look from the caller's cancellation. */
  const look = async (lookSignal: AbortSignal, cutOff: AbortSignal): Promise<void> => {
    attempts += 1
    let value: T
    try {
      value = await untilAborted(() => probe(lookSignal), lookSignal)
    } catch (error) {
      if (lookSignal.aborted) {
        interrupted = cutOff.aborted
        throw lookSignal.reason
      }
      lastError = error
      failedAttempt = true
      throw new Miss()
    }
    hasValue = true
    last = value
    let held: unknown
    try {
      held = predicate(value)
    } catch (error) {
      lastError = error
      failedAttempt = true
      throw new Miss()
    }
    if (typeof held !== 'boolean') {
      throw new ArgumentError(
        callee,
        'predicate',
        'a function returning a boolean (true when the value is what you wait for)',
        held,
      )
    }
    failedAttempt = false
    lastError = undefined
    if (!held) throw new Miss()
    matched = true
  }

  const attempt = async (): Promise<void> => {
    // A wait cut short by the deadline can end a fraction of a millisecond before our own deadline timer
    // fires (libuv's clock is coarse); a probe started then would only be aborted at once.
    if (attempts > 0 && deadlineAt - now() < 1) closeWindow()
    signal.throwIfAborted()
    await look(signal, deadline.signal)
  }

  // Each wait grows by `backoff` up to `maxInterval`, and is cut to the time left in the window.
  // (A hand-written loop rather than p-retry: p-retry waits on the global setTimeout, which fake timers
  // replace, and takes no timer of ours.) A 0 ms wait would let a synchronous probe spin without ever
  // letting the deadline timer fire: each wait is at least 1 ms.
  const firstWait = Math.max(1, settings.interval)
  const longestWait = Math.max(1, Math.ceil(settings.maxInterval))
  try {
    for (let retry = 0; ; retry++) {
      try {
        await attempt()
        break
      } catch (error) {
        if (!(error instanceof Miss)) throw error
      }
      const left = deadlineAt - now()
      if (left <= 0) break
      await sleep(Math.min(Math.round(firstWait * settings.backoff ** retry), longestWait, left), signal)
    }
  } catch (error) {
    if (options.signal?.aborted && error === options.signal.reason) throw error
    if (error !== deadline.signal.reason) throw error
  } finally {
    clearTimeout(timer)
  }

  // The looks so far began before the deadline, the last one up to a whole wait (maxInterval) before it:
  // what arrived since would go unseen, a late call passing `.not` and failing a positive wait. So one more
  // look is taken now, at the end of the window, also when a slow look was cut off by the deadline (on a
  // loaded machine a short window can close on its only look). It has its own deadline, maxInterval
  // (not the window: a 300 ms window on a slow store must still get an answer), so a hung probe cannot
  // hold the poll for long.
  if (!matched) {
    // Timers run on libuv's cached, whole-millisecond clock, so the deadline (and any wait) can end a
    // fraction of a millisecond early: the last look must not start before the window's end.
    for (let early = deadlineAt - now(); early > 0; early = deadlineAt - now()) {
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(early)))
    }
    const budget = settings.maxInterval
    const lastLook = new AbortController()
    const lastLookTimer = setTimeout(
      () =>
        lastLook.abort(
          new DOMException(
            `${callee}: the last look, at the end of the window, took over ${budget} ms`,
            'TimeoutError',
          ),
        ),
      budget,
    )
    const lookSignal = options.signal ? AbortSignal.any([options.signal, lastLook.signal]) : lastLook.signal
    try {
      await look(lookSignal, lastLook.signal)
      // The end of the window was seen after all.
      interrupted = false
    } catch (error) {
      if (error instanceof Miss) interrupted = false
      if (options.signal?.aborted && error === options.signal.reason) throw error
      if (!(error instanceof Miss) && error !== lastLook.signal.reason) throw error
    } finally {
      clearTimeout(lastLookTimer)
    }
  }

  const outcome: PollOutcome<T> = {
    matched,
    attempts,
    elapsedMs: now() - startedAt,
    hasValue,
    timedOut: !matched,
    interrupted,
    settings,
  }
  if (hasValue) outcome.last = last as T
  if (failedAttempt) outcome.lastError = lastError
  if (options.description !== undefined) outcome.description = options.description
  return outcome
}

/**
 * Runs `work`, settling with it or, if `signal` aborts first, rejecting at once. A hung probe must not
 * hold the poll past its deadline; its late settlement is caught here and ignored.
 */
function untilAborted<T>(work: () => T | Promise<T>, signal: AbortSignal): Promise<T> {
  // An aborted signal fires no more 'abort' events: a probe started on one could never be cut off.
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    new Promise<T>((run) => run(work()))
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort))
  })
}

function checkArguments(
  boundary: Function,
  callee: string,
  probe: unknown,
  predicate: unknown,
  options: EventuallyOptions,
  predicateOptional: boolean,
): PollDefaults {
  if (typeof probe !== 'function') {
    failArgument(boundary, callee, 'probe', 'a function that reads the current value', probe)
  }
  if (typeof predicate !== 'function' && !(predicateOptional && predicate === undefined)) {
    failArgument(
      boundary,
      callee,
      'predicate',
      `a function from the probed value to a boolean${predicateOptional ? ', or undefined' : ''}`,
      predicate,
    )
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    failArgument(boundary, callee, 'options', 'an object', options)
  }
  const settings = pollDefaults()
  for (const key of Object.keys(settings) as (keyof PollDefaults)[]) {
    const value = options[key]
    if (value === undefined) continue
    const problem = checkPollSetting(key, value)
    if (problem) failArgument(boundary, callee, `options.${key}`, problem, value)
    settings[key] = value
  }
  if (settings.interval > settings.maxInterval) {
    // The cap would cut every wait to it while messages show the interval: a given interval wins over the
    // configured cap, and a cap given below the interval is a contradiction.
    if (options.maxInterval !== undefined) {
      failArgument(
        boundary,
        callee,
        'options.maxInterval',
        `at least the interval (${settings.interval} ms)`,
        options.maxInterval,
      )
    }
    settings.maxInterval = settings.interval
  }
  if (options.negate !== undefined && typeof options.negate !== 'boolean') {
    failArgument(boundary, callee, 'options.negate', 'a boolean', options.negate)
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    failArgument(boundary, callee, 'options.signal', 'an AbortSignal', options.signal)
  }
  if (options.description !== undefined && typeof options.description !== 'string') {
    failArgument(boundary, callee, 'options.description', 'a string', options.description)
  }
  return settings
}

function describeTimeout(outcome: PollOutcome<unknown>): string {
  const waitingFor = outcome.description ? ` waiting for ${outcome.description}` : ''
  const lines = [`eventually: timed out after ${formatDuration(outcome.settings.timeout)}${waitingFor}`]
  lines.push(
    outcome.hasValue
      ? `Last observed: ${formatObserved(outcome.last)}`
      : 'Last observed: nothing (the probe never returned a value)',
  )
  if ('lastError' in outcome) lines.push(`Last error: ${describeError(outcome.lastError)}`)
  if (outcome.interrupted) {
    lines.push(
      `Attempt ${outcome.attempts}, the last look at the end of the window, did not answer within ${formatDuration(outcome.settings.maxInterval)} (maxInterval): it was aborted.`,
    )
  }
  lines.push(formatPollLine(outcome))
  return lines.join('\n')
}

function describeUnexpectedMatch(outcome: PollOutcome<unknown>): string {
  const what = outcome.description ?? 'the predicate'
  return [
    `eventually: expected ${what} never to hold, but it held on attempt ${outcome.attempts}`,
    `Observed: ${formatObserved(outcome.last)}`,
    formatPollLine(outcome),
  ].join('\n')
}

/** `150 ms`, `5 s`, `7.5 s`: a setting as the user would write it. */
function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`
}
