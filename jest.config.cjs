/**
 * Jest runs test/jest/ only: the proof that `stakeout/jest` works in a real Jest (the rest of the
 * suite runs in Vitest). Sources are TypeScript, compiled by @swc/jest; the package's public names
 * map to the sources, as Vitest's aliases do.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/jest/**/*.test.ts'],
  setupFilesAfterEnv: ['<rootDir>/src/jest.ts'],
  // Jest runs these outside its module system (no moduleNameMapper): they load stakeout/local with tsx.
  globalSetup: '<rootDir>/test/jest/global-setup.mjs',
  globalTeardown: '<rootDir>/test/jest/global-teardown.mjs',
  transform: {
    '^.+\\.(ts|js)$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'commonjs' } },
    ],
  },
  // p-retry and its dependency are ESM-only: compiled to CommonJS like the sources.
  transformIgnorePatterns: ['/node_modules/(?!(p-retry|is-network-error)/)'],
  moduleNameMapper: {
    '^stakeout$': '<rootDir>/src/index.ts',
    '^stakeout/vitest/global-setup$': '<rootDir>/src/vitest-global-setup.ts',
    '^stakeout/vitest$': '<rootDir>/src/vitest.ts',
    '^stakeout/jest/global-setup$': '<rootDir>/src/jest-global-setup.ts',
    '^stakeout/jest/global-teardown$': '<rootDir>/src/jest-global-teardown.ts',
    '^stakeout/jest$': '<rootDir>/src/jest.ts',
    '^stakeout/construct$': '<rootDir>/construct/index.ts',
    '^stakeout/runtime$': '<rootDir>/src/runtime/index.ts',
    '^stakeout/local$': '<rootDir>/src/local/index.ts',
    // Sources import each other as `./x.js` (ESM style); the files are `./x.ts`.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 30_000,
  // With STAKEOUT_TEST_RESULTS set (CI), the totals also go to a file for the run's closing line.
  reporters: ['default', '<rootDir>/test/jest/results-reporter.cjs'],
}
