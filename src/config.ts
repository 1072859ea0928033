import { failArgument } from './errors.js'

/** The polling settings every `eventually`, `observe` and polling matcher starts from. */
export interface PollDefaults {
  /**
   * How long to keep polling, in milliseconds. Below Vitest's and Jest's default test timeout (5 s) on
   * purpose: `.not` matchers wait out their whole window, and must end (with their message) before the
   * runner gives up on the test. Raise the runner's `testTimeout` when you raise this.
   * @default 3000
   */
  timeout: number
  /** The wait before the second attempt, in milliseconds. @default 250 */
  interval: number
  /** Each wait is the previous one times this factor (1 keeps it constant). @default 1.5 */
  backoff: number
  /** No wait grows beyond this, in milliseconds; at least `interval`. @default 2000 */
  maxInterval: number
}

/** stakeout's own defaults, restored by {@link resetConfiguration}. */
const builtInDefaults: Readonly<PollDefaults> = Object.freeze({
  timeout: 3000,
  interval: 250,
  backoff: 1.5,
  maxInterval: 2000,
})

// One value per process, not per module instance: the ESM and CommonJS builds and Vitest's
// per-file module graphs each load their own copy of this file, and a `configure()` in a setup file
// must reach all of them.
const configKey = Symbol.for('stakeout.config')
type ConfigHolder = { [configKey]?: PollDefaults }

/** The longest delay `setTimeout` can hold; a longer one fires at once. */
const LONGEST_TIMER_MS = 2 ** 31 - 1

/**
 * Changes the polling defaults for every later `eventually`, `observe` and polling matcher in this process.
 * Options you leave out keep their current value. Call it from a setup file (Vitest `setupFiles`,
 * Jest `setupFilesAfterEnv`); per-call options still win.
 *
 * An `interval` above `maxInterval` raises `maxInterval` to it.
 *
 * @throws {ArgumentError} when an option is not a positive finite number (`backoff` must be ≥ 1), is unknown,
 *   or is a `maxInterval` below the interval.
 * @example
 * // vitest.setup.ts: a deployed stack is slower than the local target
 * import { configure } from 'stakeout'
 * configure({ timeout: 20_000, interval: 500, maxInterval: 5_000 })
 */
export function configure(options: Partial<PollDefaults>): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    failArgument(configure, 'configure', 'options', 'an object of timeout, interval, backoff and maxInterval', options)
  }
  const known = Object.keys(builtInDefaults)
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      failArgument(
        configure,
        'configure',
        'options',
        `an object of only ${known.join(', ')} (unknown option "${key}")`,
        options,
      )
    }
  }
  const next: PollDefaults = { ...pollDefaults() }
  for (const key of known as (keyof PollDefaults)[]) {
    const value = options[key]
    if (value === undefined) continue
    const problem = checkPollSetting(key, value)
    if (problem) failArgument(configure, 'configure', key, problem, value)
    next[key] = value
  }
  if (next.interval > next.maxInterval) {
    // Waits are cut to maxInterval, so an interval above it would never be waited: it raises the cap, and a
    // cap set below the interval is a contradiction.
    if (options.maxInterval !== undefined) {
      failArgument(
        configure,
        'configure',
        'maxInterval',
        `at least the interval (${next.interval} ms)`,
        options.maxInterval,
      )
    }
    next.maxInterval = next.interval
  }
  ;(globalThis as ConfigHolder)[configKey] = next
}

/**
 * The polling defaults in force now: stakeout's own, changed by any {@link configure} call.
 *
 * @example
 * const { timeout } = pollDefaults() // 3000 unless configured
 */
export function pollDefaults(): PollDefaults {
  return { ...((globalThis as ConfigHolder)[configKey] ?? builtInDefaults) }
}

/**
 * Restores stakeout's own polling defaults (timeout 3000, interval 250, backoff 1.5, maxInterval 2000).
 * For tests that call {@link configure}.
 */
export function resetConfiguration(): void {
  delete (globalThis as ConfigHolder)[configKey]
}

/**
 * What is wrong with a polling setting, as the expectation an {@link ArgumentError} states,
 * or `undefined` when the value is acceptable. Shared by `configure` and `eventually`'s options.
 * @internal
 */
export function checkPollSetting(key: keyof PollDefaults, value: unknown): string | undefined {
  if (key === 'backoff') {
    return typeof value === 'number' && Number.isFinite(value) && value >= 1 ? undefined : 'a finite number ≥ 1'
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    return 'a positive number of milliseconds'
  }
  if (value > LONGEST_TIMER_MS) return `a positive number of milliseconds up to ${LONGEST_TIMER_MS}`
  return undefined
}
