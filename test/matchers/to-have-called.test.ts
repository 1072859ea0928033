import { createServer, type Socket } from 'node:net'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { ArgumentError, HttpInterceptorClient, INTERCEPTOR, type Interceptor } from 'stakeout'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RecordedCall } from '../../src/runtime/interceptor/schema.js'
import { createInterceptorTable, localDynamoDB } from '../support/dynamodb.js'
import { failureOf } from '../support/failures.js'
import { answeredCall, writeRecordedCall } from '../support/recorded-calls.js'

const dynamodb = localDynamoDB()
let tableName: string

beforeAll(async () => {
  tableName = await createInterceptorTable(dynamodb)
})

/** Short windows for expectations that must fail: the failure is the point, not the wait. */
const SHORT = { timeout: 300, interval: 50 }

/**
 * A client for one function of the run's table, and `record()`, which writes a call the way the
 * in-function runtime does (schema.ts: one `call` map item per call in the `<function>#calls` partition).
 */
function interceptorOf(functionName: string) {
  const api = new HttpInterceptorClient({ functionName, tableName, dynamodb })
  const record = async (
    call: { [K in keyof RecordedCall]?: RecordedCall[K] | undefined } & Pick<RecordedCall, 'url'>,
  ): Promise<void> => {
    // `undefined` in `call` removes a default (marshall drops undefined values).
    await writeRecordedCall(dynamodb, tableName, functionName, answeredCall(call))
  }
  return { api, record }
}

describe('toHaveCalled', () => {
  it('passes when a recorded call matches the URL pattern', async () => {
    const { api, record } = interceptorOf('pass-url')
    await record({ url: 'https://api-1/users/42', method: 'GET' })
    await expect(api).toHaveCalled('https://api-1/users/*')
    await expect(api).toHaveCalled(/\/users\/\d+$/)
  })

  it('matches method, query, headers and body', async () => {
    const { api, record } = interceptorOf('pass-fields')
    await record({
      url: 'https://api-1/users?page=2&sort=name',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'abc-123' },
      body: JSON.stringify({ user: { name: 'Ada', email: 'ada@example.com' }, source: 'signup' }),
      status: 201,
    })
    await expect(api).toHaveCalled('https://api-1/users', {
      method: 'post',
      query: { page: '2' },
      headers: { 'X-Request-Id': /^abc-/ },
      body: { user: { name: 'Ada', email: 'ada@example.com' } },
    })
    await expect(api).toHaveCalled('https://api-1/*', { body: /"source":"signup"/ })
    await expect(api).not.toHaveCalled('https://api-1/users', { method: 'GET', ...SHORT })
    await expect(api).not.toHaveCalled('https://api-1/users', { query: { page: '3' }, ...SHORT })
    await expect(api).not.toHaveCalled('https://api-1/users', { headers: { 'x-request-id': 'other' }, ...SHORT })
    await expect(api).not.toHaveCalled('https://api-1/users', { body: { source: 'import' }, ...SHORT })
  })

  it('with times, passes on exactly that many matching calls', async () => {
    const { api, record } = interceptorOf('times-exact')
    await record({ url: 'https://api-1/users', method: 'POST' })
    await record({ url: 'https://api-1/users', method: 'POST' })
    await record({ url: 'https://api-1/users', method: 'GET' })
    await expect(api).toHaveCalled('https://api-1/users', { method: 'POST', times: 2 })
    await expect(api).not.toHaveCalled('https://api-1/users', { method: 'POST', times: 1, ...SHORT })
  })

  it('with times, fails on more matching calls, listing them', async () => {
    const { api, record } = interceptorOf('times-over')
    for (let index = 0; index < 3; index++) await record({ url: `https://api-1/users/${index}`, method: 'DELETE' })
    const message = await failureOf(
      expect(api).toHaveCalled('https://api-1/users/*', { method: 'DELETE', times: 2, ...SHORT }),
    )
    expect(message).toContain(
      'Expected interceptor of function times-over to have called "https://api-1/users/*" exactly 2 times',
    )
    expect(message).toContain('Received 3 matching calls:')
    expect(message).toContain('DELETE https://api-1/users/2 → 200 (mock rule r1)')
  })

  it('with times, fails on fewer matching calls when the window closes', async () => {
    const { api, record } = interceptorOf('times-under')
    await record({ url: 'https://api-1/users', method: 'POST' })
    const message = await failureOf(expect(api).toHaveCalled('https://api-1/users', { times: 2, ...SHORT }))
    expect(message).toContain('Received 1 matching call:')
  })

  it('finds a call recorded while it polls', async () => {
    const { api, record } = interceptorOf('late-call')
    const late = new Promise<void>((resolve, reject) => {
      setTimeout(() => record({ url: 'https://api-2/payments', method: 'POST' }).then(resolve, reject), 300)
    })
    await expect(api).toHaveCalled('https://api-2/payments', { method: 'POST', timeout: 10_000, interval: 50 })
    await late
  })

  describe('under fake timers (vi.useFakeTimers)', () => {
    afterEach(() => {
      vi.useRealTimers()
    })

    // The fake clock moves only when the test advances it; the matcher polls on the real timers.
    it('finds a call, .not waits its window out, and a miss fails with its message', async () => {
      const { api, record } = interceptorOf('fake-timers')
      vi.useFakeTimers()
      await record({ url: 'https://api-1/users', method: 'POST' })
      await expect(api).toHaveCalled('https://api-1/users', { method: 'POST', timeout: 10_000 })
      await expect(api).not.toHaveCalled('https://api-2/*', SHORT)
      const message = await failureOf(expect(api).toHaveCalled('https://api-3/*', SHORT))
      expect(message).toContain('Received 1 call, none matching:')
    })
  })

  describe('a call recorded during the last wait of the window', () => {
    /** The interceptor, with the call recorded right after its first read: only a look at the window's end sees it. */
    function recordedAfterFirstRead(functionName: string): Interceptor {
      const { api, record } = interceptorOf(functionName)
      let reads = 0
      return {
        [INTERCEPTOR]: true,
        description: api.description,
        calls: async (filter, options) => {
          const calls = await api.calls(filter, options)
          reads += 1
          if (reads === 1) await record({ url: 'https://api-2/refunds', method: 'POST' })
          return calls
        },
      }
    }
    // One look at the start, then a wait (60 s) cut short by the end of the window (2 s: the first look, a
    // read and a write, must end before it even on a loaded machine).
    const window = { timeout: 2000, interval: 60_000 }

    it('is seen by toHaveCalled', async () => {
      await expect(recordedAfterFirstRead('last-wait-pass')).toHaveCalled('https://api-2/refunds', window)
    })

    it('fails .not (the whole window is watched)', async () => {
      const message = await failureOf(
        expect(recordedAfterFirstRead('last-wait-not')).not.toHaveCalled('https://api-2/*', window),
      )
      expect(message).toContain('Received 1 matching call:\n  POST https://api-2/refunds')
      expect(message).toContain('Polled <n> times over <t> s (interval 60000 ms, backoff 1.5)')
    })
  })

  it('.not passes when no call matches during the whole window', async () => {
    const { api, record } = interceptorOf('not-pass')
    await record({ url: 'https://api-1/users', method: 'GET' })
    await expect(api).not.toHaveCalled('https://api-2/*', SHORT)
  })

  it('.not fails on the first matching call and shows it', async () => {
    const { api, record } = interceptorOf('not-fail')
    await record({ url: 'https://api-2/refunds', method: 'POST', action: 'passThrough', ruleId: 'r7', status: 202 })
    await record({ url: 'https://api-1/users', method: 'GET' })
    // A long window that a failure must not wait out: the test's own timeout guards it.
    const message = await failureOf(expect(api).not.toHaveCalled('https://api-2/*', { timeout: 20_000, interval: 100 }))
    expect(message).toMatchInlineSnapshot(`
      "expect(interceptor).not.toHaveCalled(url, options)

      Expected interceptor of function not-fail not to have called "https://api-2/*"
      Received 1 matching call:
        POST https://api-2/refunds → 202 (pass-through rule r7)

      Polled <n> times over <t> s (interval 100 ms, backoff 1.5)"
    `)
  })

  it('says what it expected, what was recorded, the nearest misses and how it polled', async () => {
    const { api, record } = interceptorOf('pinned-message')
    await record({ url: 'https://api-1/users', method: 'GET', status: 200 })
    await record({
      url: 'https://api-1/users',
      method: 'POST',
      body: JSON.stringify({ name: 'Grace', plan: 'pro' }),
      status: 201,
      ruleId: 'r2',
    })
    await record({ url: 'https://api-2/audit', method: 'POST', action: 'unmatched', ruleId: undefined, status: 204 })
    await record({ url: 'https://api-1/users/9', method: 'POST', error: 'ECONNRESET', status: undefined })
    const message = await failureOf(
      expect(api).toHaveCalled('https://api-1/users', { method: 'POST', body: { name: 'Ada' }, ...SHORT }),
    )
    expect(message).toMatchInlineSnapshot(`
      "expect(interceptor).toHaveCalled(url, options)

      Expected interceptor of function pinned-message to have called "https://api-1/users" with method "POST", body {"name": "Ada"}
      Received 4 calls, none matching:
        GET https://api-1/users → 200 (mock rule r1)
        POST https://api-1/users → 201 (mock rule r2)
        POST https://api-2/audit → 204 (no rule matched)
        POST https://api-1/users/9 → failed: ECONNRESET (mock rule r1)

      Nearest misses:
        POST https://api-1/users → 201 (mock rule r2): differs in body
          body:
            - Expected
            + Received

              {
            -   "name": "Ada",
            +   "name": "Grace",
              }
        GET https://api-1/users → 200 (mock rule r1): differs in method, body
          method: expected "POST", received "GET"
          body: expected {"name": "Ada"}, received no body
        POST https://api-1/users/9 → failed: ECONNRESET (mock rule r1): differs in url, body
          url: expected "https://api-1/users", received "https://api-1/users/9"
          body: expected {"name": "Ada"}, received no body

      Polled <n> times over <t> s (interval 50 ms, backoff 1.5)"
    `)
  })

  it('ranks the nearest misses by how few fields differ, among calls to the same host', async () => {
    const { api, record } = interceptorOf('nearest')
    await record({ url: 'https://api-1/orders?status=open', method: 'PUT' })
    await record({ url: 'https://api-1/orders?status=open', method: 'GET' })
    await record({ url: 'https://api-3/orders?status=closed', method: 'GET' })
    const message = await failureOf(
      expect(api).toHaveCalled('https://api-1/orders', { method: 'GET', query: { status: 'closed' }, ...SHORT }),
    )
    const misses = message.slice(message.indexOf('Nearest misses:'))
    const closest = 'GET https://api-1/orders?status=open → 200 (mock rule r1): differs in query.status'
    const further = 'PUT https://api-1/orders?status=open → 200 (mock rule r1): differs in method, query.status'
    expect(misses).toContain(closest)
    expect(misses).toContain(further)
    expect(misses.indexOf(closest)).toBeLessThan(misses.indexOf(further))
    expect(misses).not.toContain('api-3')
  })

  it('when nothing was recorded, says how to record the call', async () => {
    const { api } = interceptorOf('nothing-recorded')
    const message = await failureOf(expect(api).toHaveCalled('https://api-1/users', SHORT))
    expect(message).toContain('Received no calls: nothing was recorded.')
    expect(message).toContain('api.passThrough("https://api-1/users")')
    expect(message).toContain('useInterceptor(ref, { recordAll: true })')
  })

  it('when the calls cannot be read, fails with the last error, under .not too', async () => {
    const api = new HttpInterceptorClient({ functionName: 'any', tableName: 'no-such-table', dynamodb })
    const message = await failureOf(expect(api).toHaveCalled('https://api-1/users', SHORT))
    expect(message).toContain('Received nothing: every attempt to read the recorded calls failed.')
    expect(message).toContain('Last error reading the calls: ResourceNotFoundException')
    const negated = await failureOf(expect(api).not.toHaveCalled('https://api-1/users', SHORT))
    expect(negated).toContain('Expected interceptor of function any not to have called "https://api-1/users"')
    expect(negated).toContain('Last error reading the calls: ResourceNotFoundException')
  })

  describe('when no read of the calls finishes before the window closes', () => {
    // A DynamoDB endpoint on 127.0.0.1 that accepts connections and never answers: every read hangs until aborted.
    const sockets = new Set<Socket>()
    const silent = createServer((socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    let hanging: DynamoDBClient
    beforeAll(async () => {
      await new Promise<void>((listening) => silent.listen(0, '127.0.0.1', listening))
      const address = silent.address()
      if (address === null || typeof address === 'string') throw new Error('the silent server has no port')
      hanging = new DynamoDBClient({
        endpoint: `http://127.0.0.1:${address.port}`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 1,
      })
    })
    afterAll(async () => {
      hanging.destroy()
      for (const socket of sockets) socket.destroy()
      await new Promise((closed) => silent.close(closed))
    })

    it('.not fails: it saw nothing, so it cannot say nothing matched', async () => {
      const api = new HttpInterceptorClient({ functionName: 'hangs-not', tableName, dynamodb: hanging })
      const message = await failureOf(expect(api).not.toHaveCalled('https://api-1/users', { timeout: 200 }))
      expect(message).toContain('Expected interceptor of function hangs-not not to have called "https://api-1/users"')
      expect(message).toContain(
        'Received nothing: no read of the recorded calls finished before the window closed (the last one was aborted).',
      )
    })

    it('toHaveCalled says the reads did not finish, not that they failed', async () => {
      const api = new HttpInterceptorClient({ functionName: 'hangs', tableName, dynamodb: hanging })
      const message = await failureOf(expect(api).toHaveCalled('https://api-1/users', { timeout: 200 }))
      expect(message).toContain(
        'Received nothing: no read of the recorded calls finished before the window closed (the last one was aborted).',
      )
      expect(message).not.toContain('failed')
    })
  })

  describe('bad arguments throw, naming the argument, with the stack at the test line', () => {
    // Never read: every call below throws before polling.
    const api = new HttpInterceptorClient({ functionName: 'bad-arguments', tableName: 'never-read' })

    it.each([
      [
        'a number url',
        () => expect(api).toHaveCalled(42 as never),
        'toHaveCalled: url must be a string or RegExp, received number 42',
      ],
      [
        'an empty url',
        () => expect(api).toHaveCalled(' '),
        "toHaveCalled: url must be a non-empty URL pattern, received string ' '",
      ],
      [
        'a url without a scheme',
        () => expect(api).toHaveCalled('api.example.com/*'),
        "toHaveCalled: url must be a URL pattern with a scheme: add https:// (https://api.example.com/*), received string 'api.example.com/*'",
      ],
      [
        'a received value that is not an interceptor',
        () => expect({ calls: [] } as never).toHaveCalled('https://api-1/*'),
        'toHaveCalled: received value must be an interceptor: the value returned by useInterceptor() or an HttpInterceptorClient, received object { calls: [] }',
      ],
      [
        'an unknown option',
        () => expect(api).toHaveCalled('https://api-1/*', { mehtod: 'GET' } as never),
        "toHaveCalled: options.mehtod must be absent (unknown option; one of method, query, headers, body, times, timeout, interval), received string 'GET'",
      ],
      [
        'a malformed method',
        () => expect(api).toHaveCalled('https://api-1/*', { method: 'GET /' }),
        'toHaveCalled: options.method must be an HTTP method such as "GET"',
      ],
      [
        'times: 0',
        () => expect(api).toHaveCalled('https://api-1/*', { times: 0 }),
        'toHaveCalled: options.times must be a positive integer (use .not for none), received number 0',
      ],
      [
        'a negative timeout',
        () => expect(api).toHaveCalled('https://api-1/*', { timeout: -1 }),
        'toHaveCalled: options.timeout must be a positive number of milliseconds, received number -1',
      ],
      [
        'a bad argument under .not',
        () => expect(api).not.toHaveCalled(/x/, { query: { page: 2 } } as never),
        'toHaveCalled: options.query.page must be a string or RegExp, received number 2',
      ],
    ])('%s', async (_, assertion, message) => {
      const error = await assertion().then(
        () => undefined,
        (failure: unknown) => failure,
      )
      expect(error).toBeInstanceOf(ArgumentError)
      expect((error as ArgumentError).message).toContain(message)
      const stack = (error as ArgumentError).stack ?? ''
      expect(stack).toContain('test/matchers/to-have-called.test.ts')
      expect(stack).not.toContain('matchers/to-have-called.ts:')
    })
  })
})
