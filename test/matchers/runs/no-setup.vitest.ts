// A fixture run by test/matchers/runner-runs.test.ts in a child Vitest without stakeout/vitest in
// setupFiles: the matcher must say what to add.
import { afterAll, expect, it } from 'vitest'
import { fixtureInterceptor } from './fixture-interceptor.js'

const { api, close } = fixtureInterceptor()
afterAll(close)

it('uses toHaveCalled on an HttpInterceptorClient without the setup file', async () => {
  await expect(api).toHaveCalled('https://api-1/*')
})
