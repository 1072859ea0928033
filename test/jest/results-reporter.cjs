// Writes Jest's totals to $STAKEOUT_TEST_RESULTS/jest.json (the shape of Vitest's JSON reporter's totals),
// so CI can print one closing line for both runners (scripts/test-summary.mjs).
const { mkdirSync, writeFileSync } = require('node:fs')
const path = require('node:path')

class ResultsReporter {
  onRunComplete(_contexts, results) {
    const dir = process.env.STAKEOUT_TEST_RESULTS
    if (!dir) return
    mkdirSync(dir, { recursive: true })
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests, numTotalTests } = results
    writeFileSync(
      path.join(dir, 'jest.json'),
      JSON.stringify({ numPassedTests, numFailedTests, numPendingTests, numTodoTests, numTotalTests }),
    )
  }
}

module.exports = ResultsReporter
