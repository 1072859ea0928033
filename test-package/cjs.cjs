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
  'stakeout/runtime': { file: 'dist/runtime.cjs', functions: ['dispatchAggregate', 'defineProjector'] },
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

// Public API only (the ledger's helpers): the interceptor's Lambda code is loaded by its layer, never imported from here.
assert.deepEqual(
  Object.keys(require('stakeout/runtime')).sort(),
  ['LEDGER_EVENT_SOURCE', 'REPLAY_DETAIL_TYPE', 'REPLAY_REQUEST_KEY', 'defineProjector', 'dispatchAggregate'],
  'stakeout/runtime exports the ledger helpers and no internals',
)
console.log(Object.keys(entries).join(', '))
