import { describe, expect, it } from 'vitest'
import { checkFaults } from '../../../src/local/app/faults.js'

describe('checkFaults', () => {
  it('gives the same sequence for the same seed, and another for another seed', () => {
    const draw = (seed: number) => {
      const { random } = checkFaults({ seed }, checkFaults)
      return Array.from({ length: 5 }, () => random())
    }
    expect(draw(7)).toEqual(draw(7))
    expect(draw(7)).not.toEqual(draw(8))
    for (const value of draw(42)) expect(value >= 0 && value < 1).toBe(true)
  })

  it('is off without faults, and on with any of them', () => {
    expect(checkFaults(undefined, checkFaults).any).toBe(false)
    expect(checkFaults({ eventBridge: { reorder: true } }, checkFaults).any).toBe(true)
    expect(checkFaults({ eventSources: { fail: 0.1 } }, checkFaults).any).toBe(true)
    expect(checkFaults({ eventBridge: { delayMs: [0, 200] } }, checkFaults).eventBridge.delayMs).toEqual([0, 200])
    expect(checkFaults({ eventBridge: { delayMs: 50 } }, checkFaults).eventBridge.delayMs).toEqual([50, 50])
  })

  it('names the option that is wrong', () => {
    expect(() => checkFaults({ eventBridge: { duplicate: 1.5 } }, checkFaults)).toThrow(
      /options\.faults\.eventBridge\.duplicate must be a share from 0 to 1/,
    )
    expect(() => checkFaults({ eventBridge: { delayMs: [200, 100] } }, checkFaults)).toThrow(
      /options\.faults\.eventBridge\.delayMs/,
    )
    expect(() => checkFaults({ seed: -1 }, checkFaults)).toThrow(/options\.faults\.seed/)
    expect(() => checkFaults({ eventSources: { fail: Number.NaN } }, checkFaults)).toThrow(
      /options\.faults\.eventSources\.fail/,
    )
  })
})
