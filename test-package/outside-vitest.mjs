/** Smoke check: `stakeout/vitest` imported outside a Vitest worker throws the hint to use setupFiles. */
import assert from 'node:assert/strict'

const error = await import('stakeout/vitest').then(
  () => assert.fail('stakeout/vitest loaded outside Vitest without an error'),
  (thrown) => thrown,
)
assert.equal(error.name, 'StakeoutError', `a StakeoutError, got ${error.stack}`)
assert.match(error.message, /outside a Vitest test file/)
assert.match(error.message, /setupFiles: \['stakeout\/vitest'\]/)
console.log(error.message.split('\n')[0])
