// vitest.config.ts
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    setupFiles: ['stakeout/vitest'], // stakeout's matchers and fixture hooks, in every test file
    testTimeout: 30_000,
    hookTimeout: 60_000, // the first run downloads DynamoDB Local
  },
})
