/**
 * The Vitest config of the fixture runs that test/matchers/runner-runs.test.ts starts in child
 * processes: one fixture file (STAKEOUT_RUN_FILE), with stakeout/vitest in setupFiles unless
 * STAKEOUT_RUN_SETUP is `none` (a project that forgot it).
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const file = process.env.STAKEOUT_RUN_FILE
if (file === undefined) throw new Error('STAKEOUT_RUN_FILE is not set: started by test/matchers/runner-runs.test.ts')

export default defineConfig({
  resolve: {
    alias: {
      'stakeout/vitest': src('../../../src/vitest.ts'),
      stakeout: src('../../../src/index.ts'),
    },
  },
  test: {
    root: src('.'),
    include: [file],
    setupFiles: process.env.STAKEOUT_RUN_SETUP === 'none' ? [] : [src('../../../src/vitest.ts')],
    testTimeout: 20_000,
  },
})
