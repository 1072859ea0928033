import type {
  HttpInterceptorClient,
  Interceptor,
  StateMachineClient,
  StateMachineExecution,
  useInterceptor,
  useStateMachine,
} from 'stakeout'
import type {} from 'stakeout/vitest'
import { describe, expect, expectTypeOf, test } from 'vitest'
import type { CallExpectation, LoggedExecutionExpectation } from '../../matchers/index.js'

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

declare const machine: StateMachineClient
declare const statement: ReturnType<typeof useStateMachine>
declare const run: StateMachineExecution

describe('Vitest: toHaveLoggedExecution typings', () => {
  test('on an execution it takes status, output, states and a window', () => {
    expectTypeOf(expect(run).toHaveLoggedExecution()).toEqualTypeOf<Promise<void>>()
    expectTypeOf(expect(run).toHaveLoggedExecution).parameters.toEqualTypeOf<[options?: LoggedExecutionExpectation]>()
    expect(run).not.toHaveLoggedExecution({
      status: 'FAILED',
      output: { balance: expect.any(Number) },
      states: ['ReadBalance', 'Positive'],
      timeout: 10_000,
      interval: 100,
    })
  })

  test('on a state machine it takes only a window', () => {
    expectTypeOf(expect(machine).toHaveLoggedExecution()).toEqualTypeOf<Promise<void>>()
    expectTypeOf(expect(statement).not.toHaveLoggedExecution({ timeout: 1000 })).toEqualTypeOf<Promise<void>>()
    // @ts-expect-error status is for an execution
    expect(statement).toHaveLoggedExecution({ status: 'SUCCEEDED' })
  })

  test('bad options and other values do not compile', () => {
    // @ts-expect-error not a status
    expect(run).toHaveLoggedExecution({ status: 'DONE' })
    // @ts-expect-error an unknown option
    expect(run).toHaveLoggedExecution({ times: 1 })
    // @ts-expect-error not an execution nor a machine
    expect({ executionArn: 'arn' }).toHaveLoggedExecution()
    expectTypeOf(expect(api).toHaveLoggedExecution).toBeNever()
  })
})
