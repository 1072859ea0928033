// vitest.config.ts
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    setupFiles: ['stakeout/vitest'], // stakeout's matchers and fixture hooks, in every test file
    globalSetup: ['stakeout/vitest/global-setup'], // the app of ./cdk.json, up once per run (or STAKEOUT_STACK's)
    testTimeout: 30_000,
  },
})
