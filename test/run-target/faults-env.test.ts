import { describe, expect, it } from 'vitest'
import { FAULTS_ENV, faultsFromEnv } from '../../src/run-target/index.js'

describe('STAKEOUT_LOCAL_FAULTS', () => {
  it('is no faults when unset or blank', () => {
    expect(faultsFromEnv({})).toBeUndefined()
    expect(faultsFromEnv({ [FAULTS_ENV]: '  ' })).toBeUndefined()
  })

  it("is startLocal's faults option, as JSON", () => {
    expect(faultsFromEnv({ [FAULTS_ENV]: '{"seed":7,"eventBridge":{"duplicate":0.3,"reorder":true}}' })).toEqual({
      seed: 7,
      eventBridge: { duplicate: 0.3, reorder: true },
    })
  })

  it('names the variable and shows the value when it is not a JSON object', () => {
    expect(() => faultsFromEnv({ [FAULTS_ENV]: '{duplicate' })).toThrow(
      /STAKEOUT_LOCAL_FAULTS is not JSON .*\{duplicate/,
    )
    expect(() => faultsFromEnv({ [FAULTS_ENV]: '[0.3]' })).toThrow(/STAKEOUT_LOCAL_FAULTS must be a JSON object/)
  })
})
