import { expect } from '@jest/globals'
import type { HttpInterceptorClient, Interceptor, useInterceptor } from 'stakeout'
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
