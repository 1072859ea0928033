import type { HttpInterceptorClient, Interceptor, useInterceptor } from 'stakeout'
import type {} from 'stakeout/vitest'
import { describe, expect, expectTypeOf, test } from 'vitest'
import type { CallExpectation } from '../../matchers/index.js'

declare const api: ReturnType<typeof useInterceptor>
declare const client: HttpInterceptorClient
declare const interceptor: Interceptor

describe('Vitest: toHaveCalled typings', () => {
  test('on an interceptor it takes a URL and options, and returns a promise', () => {
    expectTypeOf(expect(api).toHaveCalled('https://api-1/*')).toEqualTypeOf<Promise<void>>()
    expectTypeOf(expect(client).not.toHaveCalled(/api-2/)).toEqualTypeOf<Promise<void>>()
    expectTypeOf(expect(interceptor).toHaveCalled).parameters.toEqualTypeOf<
      [url: string | RegExp, options?: CallExpectation]
    >()
    expect(api).toHaveCalled('https://api-1/users', {
      method: 'POST',
      query: { page: '2', sort: /name|date/ },
      headers: { 'content-type': 'application/json' },
      body: { user: { name: 'Ada' } },
      times: 2,
      timeout: 10_000,
      interval: 100,
    })
    expect(api).toHaveCalled('https://api-1/users', { body: /"name":"Ada"/ })
  })

  test('bad arguments do not compile', () => {
    // @ts-expect-error url must be a string or RegExp
    expect(api).toHaveCalled(42)
    // @ts-expect-error url is required
    expect(api).toHaveCalled()
    // @ts-expect-error an unknown option
    expect(api).toHaveCalled('https://api-1/*', { mehtod: 'GET' })
    // @ts-expect-error times is a number
    expect(api).toHaveCalled('https://api-1/*', { times: '2' })
  })

  test('it does not exist on anything but an interceptor', () => {
    // @ts-expect-error not an interceptor
    expect({ calls: async () => [] }).toHaveCalled('https://api-1/*')
    // @ts-expect-error not an interceptor
    expect('https://api-1/users').toHaveCalled('https://api-1/*')
    // @ts-expect-error not an interceptor, under .not either
    expect(42).not.toHaveCalled('https://api-1/*')
    expectTypeOf(expect('x').toHaveCalled).toBeNever()
  })
})
