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
  'stakeout/runtime': { file: 'dist/runtime.js', functions: ['matchesUrl', 'matchRequest'] },
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

const { matchesUrl } = await import('stakeout/runtime')
assert.equal(matchesUrl('https://api-1/*', 'https://api-1/users/42'), true, 'matchesUrl matches a wildcard')
assert.equal(matchesUrl('https://api-1/*', 'https://api-2/users/42'), false, 'matchesUrl refuses another host')

const { StakeoutError } = await import('stakeout')
assert.equal(typeof StakeoutError, 'function', 'stakeout exports StakeoutError')
console.log(Object.keys(entries).join(', '))
