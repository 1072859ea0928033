import { fileURLToPath } from 'node:url'
import { configDefaults, defineConfig } from 'vitest/config'
import readme from './examples/readme/vitest.config.js'

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/** The package's public names resolve to the sources, so tests and examples use exactly what users import. */
const alias = {
  'stakeout/vitest/global-setup': src('./src/vitest-global-setup.ts'),
  'stakeout/vitest': src('./src/vitest.ts'),
  'stakeout/jest/global-setup': src('./src/jest-global-setup.ts'),
  'stakeout/jest/global-teardown': src('./src/jest-global-teardown.ts'),
  'stakeout/jest': src('./src/jest.ts'),
  'stakeout/construct': src('./construct/index.ts'),
  'stakeout/runtime': src('./src/runtime/index.ts'),
  'stakeout/local': src('./src/local/index.ts'),
  stakeout: src('./src/index.ts'),
}

/** A package name of a user's config (`'stakeout/vitest'`) as the source it stands for here; a path stays as it is. */
const fromSource = (files: string | string[] | undefined) =>
  [files ?? []].flat().map((file) => (file in alias ? alias[file as keyof typeof alias] : file))

/** With STAKEOUT_TEST_RESULTS set (CI), the totals also go to a file for the run's closing line. */
const resultsDir = process.env.STAKEOUT_TEST_RESULTS

export default defineConfig({
  resolve: { alias },
  test: {
    reporters: resultsDir ? ['default', ['json', { outputFile: `${resultsDir}/vitest.json` }]] : ['default'],
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          // test/jest/ is Jest's suite (npm run test:jest): it imports @jest/globals.
          exclude: [...configDefaults.exclude, 'test/jest/**'],
          globalSetup: ['test/global-setup.ts'],
          setupFiles: ['./src/vitest.ts'],
          // The examples' global setup sets STAKEOUT_LOCAL_APP in this process while one app is up; the unit
          // tests choose their targets themselves and must not inherit an example's app.
          env: { STAKEOUT_LOCAL_APP: '' },
          testTimeout: 30_000,
          hookTimeout: 60_000,
          typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'example',
          // The bank's folder is the project's root: it holds cdk.json, so stakeout's global setup brings the bank
          // up on this machine (or, with STAKEOUT_STACK set, reads the deployed stack), as in a user's project.
          root: src('./examples/bank'),
          include: ['**/*.test.ts'],
          globalSetup: [src('./src/vitest-global-setup.ts')],
          setupFiles: [src('./src/vitest.ts')],
          // The bank runs under delivery faults: every event may reach a projector twice, late or out of order, and
          // a share of dispatch invocations fail after they ran (so the stream delivers their batch again). Its
          // projections must come out right anyway: that is what proves the projectors idempotent and order-proof.
          env: {
            STAKEOUT_LOCAL_FAULTS: JSON.stringify({
              eventBridge: { duplicate: 0.3, reorder: true, delayMs: [0, 100] },
              eventSources: { fail: 0.2 },
            }),
          },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          // The README's newcomer project, run with its own vitest.config.ts (the one the README shows): a CDK app
          // of its own (examples/readme/cdk.json), brought up beside the bank and handed to this project's workers.
          ...readme.test,
          name: 'readme',
          root: src('./examples/readme'),
          include: ['test/**/*.test.ts'],
          globalSetup: fromSource(readme.test?.globalSetup),
          setupFiles: fromSource(readme.test?.setupFiles),
        },
      },
    ],
  },
})
