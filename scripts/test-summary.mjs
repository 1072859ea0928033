// Prints one closing line for the whole test run, Vitest and Jest together: "tests: N passed, N failed, N skipped".
// Reads the result files that vitest.config.ts and jest.config.cjs write when STAKEOUT_TEST_RESULTS names a folder.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'

const dir = process.argv[2] ?? process.env.STAKEOUT_TEST_RESULTS
if (!dir) {
  console.error('usage: node scripts/test-summary.mjs <results folder>')
  process.exit(2)
}
let passed = 0
let failed = 0
let skipped = 0
const missing = []
for (const file of ['vitest.json', 'jest.json']) {
  const full = path.join(dir, file)
  if (!existsSync(full)) {
    missing.push(file)
    continue
  }
  const results = JSON.parse(readFileSync(full, 'utf8'))
  passed += results.numPassedTests
  failed += results.numFailedTests
  skipped += (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0)
}
if (missing.length > 0) console.log(`(no results from ${missing.join(' and ')}: that runner did not finish)`)
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`)
