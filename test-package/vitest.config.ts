import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['smoke.test.ts'],
    setupFiles: ['stakeout/vitest'],
    globalSetup: ['stakeout/vitest/global-setup'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
