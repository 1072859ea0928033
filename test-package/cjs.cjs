/**
 * Smoke check (CommonJS): every entry that loads outside a test runner, required by its public name from
 * the installed package, resolves to the `require` file of the exports map and has its key exports.
 */
const assert = require('node:assert/strict')
const { realpathSync } = require('node:fs')
const path = require('node:path')

const installed = realpathSync(path.join(__dirname, 'node_modules', 'stakeout'))

const entries = {
  stakeout: { file: 'dist/index.cjs', functions: ['useInterceptor', 'HttpInterceptorClient', 'eventually'] },
  'stakeout/construct': { file: 'dist/construct.cjs', functions: ['HttpInterceptor', 'applyHttpInterceptor'] },
  'stakeout/runtime': { file: 'dist/runtime.cjs', functions: ['matchesUrl', 'matchRequest'] },
  'stakeout/local': {
    file: 'dist/local.cjs',
    functions: ['startDynamoDBLocal', 'createInterceptorTable', 'invokeHandler', 'startHandler'],
  },
  'stakeout/vitest/global-setup': { file: 'dist/vitest-global-setup.cjs', functions: ['default'] },
  'stakeout/jest/global-setup': { file: 'dist/jest-global-setup.cjs', functions: ['default', 'globalTeardown'] },
  'stakeout/jest/global-teardown': { file: 'dist/jest-global-teardown.cjs', functions: ['default'] },
}

for (const [name, { file, functions }] of Object.entries(entries)) {
  assert.equal(realpathSync(require.resolve(name)), path.join(installed, file), `${name} resolves to ${file}`)
  const module = require(name)
  for (const exported of functions) {
    assert.equal(typeof module[exported], 'function', `${name} exports ${exported} (a function)`)
  }
}

assert.equal(require('stakeout/runtime').matchesUrl('https://api-1/*', 'https://api-1/users/42'), true)
console.log(Object.keys(entries).join(', '))
