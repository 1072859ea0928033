/**
 * Smoke check (ESM): every entry that loads outside a test runner, imported by its public name from the
 * installed package, resolves to the `import` file of the exports map and has its key exports.
 * Prints the resolved files; throws on the first problem.
 */
import assert from 'node:assert/strict'
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const installed = realpathSync(fileURLToPath(new URL('./node_modules/stakeout/', import.meta.url)))

const entries = {
  stakeout: { file: 'dist/index.js', functions: ['useInterceptor', 'HttpInterceptorClient', 'eventually'] },
  'stakeout/construct': { file: 'dist/construct.js', functions: ['HttpInterceptor', 'applyHttpInterceptor'] },
  'stakeout/runtime': { file: 'dist/runtime.js', functions: ['dispatchAggregate', 'defineProjector'] },
  'stakeout/local': {
    file: 'dist/local.js',
    functions: ['startDynamoDBLocal', 'createInterceptorTable', 'invokeHandler', 'startHandler'],
  },
  'stakeout/vitest/global-setup': { file: 'dist/vitest-global-setup.js', functions: ['default'] },
  'stakeout/jest/global-setup': { file: 'dist/jest-global-setup.js', functions: ['default', 'globalTeardown'] },
  'stakeout/jest/global-teardown': { file: 'dist/jest-global-teardown.js', functions: ['default'] },
}

for (const [name, { file, functions }] of Object.entries(entries)) {
  const resolved = realpathSync(fileURLToPath(import.meta.resolve(name)))
  assert.equal(resolved, `${installed}/${file}`, `${name} resolves to the installed ${file}`)
  const module = await import(name)
  for (const exported of functions) {
    assert.equal(typeof module[exported], 'function', `${name} exports ${exported} (a function)`)
  }
}

// Public API only (the ledger's helpers): the interceptor's Lambda code is loaded by its layer, never imported from here.
assert.deepEqual(
  Object.keys(await import('stakeout/runtime')).sort(),
  ['LEDGER_EVENT_SOURCE', 'REPLAY_DETAIL_TYPE', 'REPLAY_REQUEST_KEY', 'defineProjector', 'dispatchAggregate'],
  'stakeout/runtime exports the ledger helpers and no internals',
)

const { StakeoutError } = await import('stakeout')
assert.equal(typeof StakeoutError, 'function', 'stakeout exports StakeoutError')
console.log(Object.keys(entries).join(', '))
