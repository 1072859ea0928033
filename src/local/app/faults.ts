import { randomInt } from 'node:crypto'
import { failArgument } from '../../errors.js'
import type { LocalFaults } from './types.js'

/** The faults of a run, checked, with the one seeded generator every fault choice draws from. */
export interface RunFaults {
  /** The seed (given, or drawn at start and logged). */
  readonly seed: number
  /** A number in [0, 1), from the seeded generator: the same seed gives the same sequence. */
  readonly random: () => number
  readonly eventBridge: {
    readonly duplicate: number
    readonly reorder: boolean
    readonly delayMs: readonly [number, number]
  }
  readonly eventSources: { readonly fail: number }
  /** Whether any fault is on (a run without faults logs nothing about them). */
  readonly any: boolean
}

/**
 * Checks `startLocal`'s `faults` option and sets up its generator.
 *
 * @throws {ArgumentError} naming the option that is not what it must be (a share outside 0 to 1, a bad range...)
 */
export function checkFaults(faults: LocalFaults | undefined, boundary: Function): RunFaults {
  const fail = (argument: string, expectation: string, received: unknown): never =>
    failArgument(boundary, 'startLocal', argument, expectation, received)
  if (faults !== undefined && (faults === null || typeof faults !== 'object' || Array.isArray(faults))) {
    fail('options.faults', 'an object like { eventBridge: { duplicate: 0.3 } }', faults)
  }
  const { seed, eventBridge = {}, eventSources = {} } = faults ?? {}
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff)) {
    fail('options.faults.seed', 'an integer from 0 to 4294967295', seed)
  }
  const share = (value: unknown, argument: string): number => {
    if (value === undefined) return 0
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) fail(argument, 'a share from 0 to 1', value)
    return value as number
  }
  if (typeof eventBridge !== 'object' || eventBridge === null)
    fail('options.faults.eventBridge', 'an object', eventBridge)
  if (typeof eventSources !== 'object' || eventSources === null) {
    fail('options.faults.eventSources', 'an object', eventSources)
  }
  const duplicate = share(eventBridge.duplicate, 'options.faults.eventBridge.duplicate')
  const reorder = eventBridge.reorder ?? false
  if (typeof reorder !== 'boolean') fail('options.faults.eventBridge.reorder', 'a boolean', reorder)
  const delayMs = delayRange(eventBridge.delayMs, fail)
  const failShare = share(eventSources.fail, 'options.faults.eventSources.fail')
  const chosenSeed = seed ?? randomInt(0, 0xffff_ffff)
  return {
    seed: chosenSeed,
    random: mulberry32(chosenSeed),
    eventBridge: { duplicate, reorder, delayMs },
    eventSources: { fail: failShare },
    any: duplicate > 0 || reorder || delayMs[1] > 0 || failShare > 0,
  }
}

const MAX_DELAY_MS = 60_000

function delayRange(
  value: unknown,
  fail: (argument: string, expectation: string, received: unknown) => never,
): readonly [number, number] {
  const argument = 'options.faults.eventBridge.delayMs'
  const expectation = `a number of ms or a range [min, max], from 0 to ${MAX_DELAY_MS}`
  const inRange = (ms: unknown): ms is number =>
    typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 && ms <= MAX_DELAY_MS
  if (value === undefined) return [0, 0]
  if (inRange(value)) return [value, value]
  if (Array.isArray(value) && value.length === 2 && inRange(value[0]) && inRange(value[1]) && value[0] <= value[1]) {
    return [value[0], value[1]]
  }
  return fail(argument, expectation, value)
}

/** A small, well-known seeded generator (Tommy Ettinger's mulberry32): reproducible, not cryptographic. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
