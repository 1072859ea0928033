import type { EventStoreClient, Projection } from 'stakeout'
import type {} from 'stakeout/vitest'
import { describe, expect, expectTypeOf, test } from 'vitest'
import type { ProjectionExpectation } from '../../matchers/index.js'

declare const ledger: EventStoreClient
declare const balance: Projection<{ balance: number }>

describe('Vitest: toEventuallyProject typings', () => {
  test('on a projection it takes a version, an expected state and options, and returns a promise', () => {
    expectTypeOf(expect(balance).toEventuallyProject(2)).toEqualTypeOf<Promise<void>>()
    expectTypeOf(expect(ledger.projection('Balance', { aggregateId: 'a-1' })).not.toEventuallyProject(3)).toEqualTypeOf<
      Promise<void>
    >()
    expectTypeOf(expect(balance).toEventuallyProject).parameters.toEqualTypeOf<
      [version: number, expected?: Record<string, unknown>, options?: ProjectionExpectation]
    >()
    expect(balance).toEventuallyProject(2, { balance: expect.any(Number) }, { timeout: 10_000, interval: 100 })
    expect(balance).toEventuallyProject(2, undefined, { timeout: 1000 })
  })

  test('bad arguments do not compile', () => {
    // @ts-expect-error version is a number
    expect(balance).toEventuallyProject('2')
    // @ts-expect-error version is required
    expect(balance).toEventuallyProject()
    // @ts-expect-error an unknown option
    expect(balance).toEventuallyProject(2, undefined, { tiemout: 5 })
  })

  test('it does not exist on anything but a projection', () => {
    // @ts-expect-error not a projection
    expect({ get: async () => undefined }).toEventuallyProject(1)
    // @ts-expect-error the client is not a projection
    expect(ledger).not.toEventuallyProject(1)
    expectTypeOf(expect('x').toEventuallyProject).toBeNever()
  })
})
