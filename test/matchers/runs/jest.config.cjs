/**
 * The Jest config of the fixture runs that test/matchers/runner-runs.test.ts starts in child
 * processes: one fixture file (given on the command line), with stakeout/jest in setupFilesAfterEnv
 * unless STAKEOUT_RUN_SETUP is `none` (a project that forgot it).
 * @type {import('jest').Config}
 */
const root = `${__dirname}/../../..`
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/*.jest.ts'],
  setupFilesAfterEnv: process.env.STAKEOUT_RUN_SETUP === 'none' ? [] : [`${root}/src/jest.ts`],
  transform: {
    '^.+\\.(ts|js)$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(p-retry|is-network-error)/)'],
  moduleNameMapper: {
    '^stakeout$': `${root}/src/index.ts`,
    '^stakeout/jest$': `${root}/src/jest.ts`,
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 20_000,
}
