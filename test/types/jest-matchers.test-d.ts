import { expect } from '@jest/globals'
import type {
  HttpInterceptorClient,
  Interceptor,
  StateMachineClient,
  StateMachineExecution,
  useInterceptor,
} from 'stakeout'
import type {} from 'stakeout/jest'
import { describe, expectTypeOf, test } from 'vitest'
import type { CallExpectation } from '../../matchers/index.js'

declare const api: ReturnType<typeof useInterceptor>
declare const client: HttpInterceptorClient
declare const interceptor: Interceptor

describe('Jest: toHaveCalled typings', () => {
  test('on an interceptor it takes a URL and options, and returns a promise', () => {
    expectTypeOf(expect(api).toHaveCalled('https://api-1/*')).toEqualTypeOf<Promise<void>>()
    expectTypeOf(expect(client).not.toHaveCalled(/api-2/)).toEqualTypeOf<Promise<void>>()
    expectTypeOf(expect(interceptor).toHaveCalled).parameters.toEqualTypeOf<
      [url: string | RegExp, options?: CallExpectation]
    >()
    expect(api).toHaveCalled('https://api-1/users', {
      method: 'POST',
      query: { page: '2' },
      headers: { authorization: /^Bearer / },
      body: { user: { name: 'Ada' } },
      times: 1,
      timeout: 10_000,
    })
  })

  test('bad arguments do not compile', () => {
    // @ts-expect-error url must be a string or RegExp
    expect(api).toHaveCalled(42)
    // @ts-expect-error an unknown option
    expect(api).toHaveCalled('https://api-1/*', { mehtod: 'GET' })
  })

  test('it does not exist on anything but an interceptor', () => {
    // @ts-expect-error not an interceptor
    expect({ calls: async () => [] }).toHaveCalled('https://api-1/*')
    // @ts-expect-error not an interceptor, under .not either
    expect('https://api-1/users').not.toHaveCalled('https://api-1/*')
    expectTypeOf(expect(42).toHaveCalled).toBeNever()
  })
})

declare const machine: StateMachineClient
declare const run: StateMachineExecution

describe('Jest: toHaveLoggedExecution typings', () => {
  test('on an execution and on a machine', () => {
    expectTypeOf(expect(run).toHaveLoggedExecution({ status: 'SUCCEEDED', output: { ok: true } })).toEqualTypeOf<
      Promise<void>
    >()
    expectTypeOf(expect(machine).not.toHaveLoggedExecution()).toEqualTypeOf<Promise<void>>()
    // @ts-expect-error status is for an execution
    expect(machine).toHaveLoggedExecution({ status: 'SUCCEEDED' })
    // @ts-expect-error not an execution nor a machine
    expect('arn').toHaveLoggedExecution()
  })
})
