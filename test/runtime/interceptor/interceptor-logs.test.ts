/**
 * The interceptor's own log lines, in this process: the real interceptor and a real HTTP server, with
 * the table replaced by an object that hands over a rule parseStoredRule would refuse (a rule planted
 * in the table can no longer reach the line "cannot answer"; a bug could, and must not leak a secret).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { type InstalledInterceptor, installInterceptor } from '../../../src/runtime/interceptor/interceptor.js'
import { compileMatcher } from '../../../src/runtime/interceptor/matching.js'
import { redactionFromEnv } from '../../../src/runtime/interceptor/redaction.js'
import type { InterceptorStore } from '../../../src/runtime/interceptor/store.js'
import type { ParsedRule } from '../../../src/runtime/interceptor/stored-rule.js'
import { type EchoServer, startEchoServer } from './fixtures/harness.js'

let server: EchoServer
let interceptor: InstalledInterceptor | undefined

beforeAll(async () => {
  server = await startEchoServer()
})

afterEach(() => {
  interceptor?.dispose()
  interceptor = undefined
  vi.restoreAllMocks()
})

afterAll(async () => {
  await server?.close()
})

describe('the log line of a rule that cannot answer', () => {
  it('names the call with its secrets redacted, and the call goes to the network', async () => {
    const rule: ParsedRule = {
      id: 'unanswerable',
      createdAt: 1,
      match: { url: `${server.url}/*` },
      action: 'mock',
      // A Fetch Response refuses a header value beyond Latin-1.
      responses: [{ headers: { 'x-price': '€' } }],
      matcher: compileMatcher({ url: `${server.url}/*` }),
    }
    const table: InterceptorStore = {
      loadRules: async () => ({ rules: [rule], uses: new Map(), recordAll: false, corrupt: [] }),
      record: async () => ({ unrecordedCalls: 0 }),
      claimUse: async () => undefined,
    }
    const warnings: string[] = []
    vi.spyOn(console, 'warn').mockImplementation((line: unknown) => {
      warnings.push(String(line))
    })
    interceptor = installInterceptor(
      {
        tableName: 'calls',
        functionName: 'fn',
        maxBodyBytes: 1024,
        redaction: redactionFromEnv({}),
        ttlSeconds: 60,
        runtimeApi: undefined,
      },
      async () => table,
    )

    const status = await interceptor.run('req-1', async () => {
      const response = await fetch(`${server.url}/pay?access_token=hunter2&page=2`)
      await response.arrayBuffer()
      return response.status
    })

    expect(status).toBe(200)
    expect(server.requests.some((request) => request.url === '/pay?access_token=hunter2&page=2')).toBe(true)
    expect(warnings).toEqual([
      expect.stringContaining(`rule unanswerable cannot answer GET ${server.url}/pay?access_token=[REDACTED]&page=2 (`),
    ])
    expect(warnings.join('\n')).not.toContain('hunter2')
  })
})
