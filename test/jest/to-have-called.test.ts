import { randomUUID } from 'node:crypto'
import { afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { ArgumentError, HttpInterceptorClient, useInterceptor } from 'stakeout'
import { createInterceptorTable } from 'stakeout/local'
import type { RecordedCall } from '../../src/runtime/interceptor/schema.js'
import { jestDynamoDB } from '../support/jest-dynamodb.js'
import { answeredCall, writeRecordedCall } from '../support/recorded-calls.js'

// Started by global-setup.mjs.
const dynamodb = jestDynamoDB()
const tableName = `interceptor-${randomUUID()}`
const SHORT = { timeout: 300, interval: 50 }

// Registered before useInterceptor's hooks, so the table exists when the fixture first reads it.
beforeAll(async () => {
  await createInterceptorTable({ dynamodb, tableName })
})

/** Writes a call as the in-function runtime records it. */
async function record(functionName: string, call: Pick<RecordedCall, 'url' | 'method'>): Promise<void> {
  await writeRecordedCall(dynamodb, tableName, functionName, answeredCall(call))
}

describe('stakeout/jest registers toHaveCalled with Jest', () => {
  it('passes on a recorded call, and fails with the message when none matches', async () => {
    const api = new HttpInterceptorClient({ functionName: 'jest-client', tableName, dynamodb })
    await record('jest-client', { url: 'https://api-1/users', method: 'POST' })
    await expect(api).toHaveCalled('https://api-1/users', { method: 'POST' })
    await expect(expect(api).toHaveCalled('https://api-1/users', { method: 'GET', ...SHORT })).rejects.toThrow(
      'Expected interceptor of function jest-client to have called "https://api-1/users" with method "GET"',
    )
  })

  it('.not waits the window, and fails on a matching call', async () => {
    const api = new HttpInterceptorClient({ functionName: 'jest-not', tableName, dynamodb })
    await record('jest-not', { url: 'https://api-2/refunds', method: 'POST' })
    await expect(api).not.toHaveCalled('https://api-1/*', SHORT)
    await expect(expect(api).not.toHaveCalled('https://api-2/*', SHORT)).rejects.toThrow(
      /expect\(interceptor\)\.not\.toHaveCalled\(url, options\)[\s\S]*Received 1 matching call:\n {2}POST https:\/\/api-2\/refunds/,
    )
  })

  it('throws an ArgumentError for a bad url', async () => {
    const api = new HttpInterceptorClient({ functionName: 'jest-bad', tableName, dynamodb })
    await expect(expect(api).toHaveCalled(42 as never)).rejects.toThrow(
      new ArgumentError('toHaveCalled', 'url', 'a string or RegExp', 42),
    )
  })
})

describe('stakeout/jest hands Jest hooks to the fixtures', () => {
  const api = useInterceptor({ functionName: 'jest-fixture', tableName, dynamodb })

  it('sees the calls recorded during the test', async () => {
    await record('jest-fixture', { url: 'https://api-1/accounts', method: 'PUT' })
    await expect(api).toHaveCalled('https://api-1/accounts', { method: 'PUT', times: 1 })
  })

  it('starts each test afresh: the previous test’s call is not seen', async () => {
    await expect(api).not.toHaveCalled('https://api-1/accounts', SHORT)
  })
})

describe('stakeout/jest and test.concurrent', () => {
  const api = useInterceptor({ functionName: 'jest-concurrent', tableName, dynamodb })

  // Jest runs no beforeEach/afterEach for concurrent tests: the fixture could neither start recording for
  // the test nor remove its mocks after it, so it refuses, saying why.
  it.concurrent('a fixture used in a concurrent test fails, saying why', async () => {
    await expect(api.mock('https://api-1/*', { status: 500 })).rejects.toThrow(
      "useInterceptor({ functionName: 'jest-concurrent' }).mock() was called in a test.concurrent test",
    )
    await expect(api.calls()).rejects.toThrow('Jest runs no beforeEach or afterEach for concurrent tests')
  })

  it('works as usual in the tests that are not concurrent', async () => {
    await api.mock('https://api-1/*', { status: 500 })
    expect(await api.calls()).toEqual([])
  })
})

describe('stakeout/jest under fake timers (jest.useFakeTimers)', () => {
  afterEach(() => {
    jest.useRealTimers()
  })

  // Jest's fakes replace setTimeout, performance and queueMicrotask; the matcher polls on the real timers.
  it('finds a call, .not waits its window out, and a miss fails with its message', async () => {
    const api = new HttpInterceptorClient({ functionName: 'jest-fake-timers', tableName, dynamodb })
    jest.useFakeTimers()
    await record('jest-fake-timers', { url: 'https://api-1/users', method: 'POST' })
    await expect(api).toHaveCalled('https://api-1/users', { method: 'POST', timeout: 10_000 })
    await expect(api).not.toHaveCalled('https://api-2/*', SHORT)
    await expect(expect(api).toHaveCalled('https://api-3/*', SHORT)).rejects.toThrow('Received 1 call, none matching:')
  })
})
