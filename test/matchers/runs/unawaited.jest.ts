// A fixture run by test/matchers/runner-runs.test.ts in a child Jest: a test that forgets to await
// a matcher must fail, saying so, and leave the next test alone.
import { afterAll, describe, expect, it } from '@jest/globals'
import { fixtureInterceptor } from './fixture-interceptor.js'

const { api, record, close } = fixtureInterceptor()
afterAll(close)

describe('a forgotten await', () => {
  it('forgets to await a matcher that is still polling when the test ends', () => {
    expect(api).not.toHaveCalled('https://api-1/next', { timeout: 3000 })
  })

  it('the next test records the call the forgotten .not would have seen', async () => {
    await record('https://api-1/next')
    await expect(api).toHaveCalled('https://api-1/next')
    // Longer than the forgotten matcher's window: it would have seen the call by now.
    await new Promise((resolve) => setTimeout(resolve, 3500))
  })

  it('forgets to await a matcher that fails before the test ends', async () => {
    expect(api).toHaveCalled('https://api-1/never', { timeout: 100, interval: 20 })
    await new Promise((resolve) => setTimeout(resolve, 1000))
  })

  it('awaits in every usual way', async () => {
    await expect(api).toHaveCalled('https://api-1/next')
    await Promise.all([
      expect(api).toHaveCalled('https://api-1/*'),
      expect(api).not.toHaveCalled('https://api-2/*', { timeout: 100 }),
    ])
    await expect(expect(api).toHaveCalled('https://api-1/never', { timeout: 100 })).rejects.toThrow('to have called')
    const later = expect(api).toHaveCalled('https://api-1/next')
    await new Promise((resolve) => setTimeout(resolve, 50))
    await later
    return expect(api).toHaveCalled('https://api-1/next')
  })
})
