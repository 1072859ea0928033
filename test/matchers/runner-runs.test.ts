/**
 * Mistakes a user makes with the matchers, seen the way the user sees them: a real Vitest and a real
 * Jest run, each in a child process, of a fixture test file in test/matchers/runs/, on this run's
 * DynamoDB Local.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stripVTControlCharacters } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { createInterceptorTable, dynamodbEndpoint, localDynamoDB } from '../support/dynamodb.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const runs = fileURLToPath(new URL('./runs/', import.meta.url))
const bin = (name: string) => join(root, 'node_modules', '.bin', name)

let tableName: string
beforeAll(async () => {
  tableName = await createInterceptorTable(localDynamoDB())
})

/** One test of a run, as both runners' JSON reports give it. */
interface TestOutcome {
  title: string
  status: string
  failureMessages: string[]
}

interface Run {
  tests: TestOutcome[]
  /** Everything the run printed, without colours. */
  output: string
}

/** Runs one fixture file in a child Vitest or Jest and returns each test's outcome. */
async function runFixture(
  runner: 'vitest' | 'jest',
  file: string,
  options: { functionName: string; setup?: 'none' },
): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), 'stakeout-run-'))
  const report = join(dir, 'report.json')
  const env: NodeJS.ProcessEnv = { ...process.env }
  // This file runs inside Vitest: its worker markers must not leak into the child.
  for (const name of Object.keys(env)) if (/^(VITEST|JEST)/.test(name)) delete env[name]
  Object.assign(env, {
    STAKEOUT_RUN_ENDPOINT: dynamodbEndpoint(),
    STAKEOUT_RUN_TABLE: tableName,
    STAKEOUT_RUN_FUNCTION: options.functionName,
    STAKEOUT_RUN_FILE: file,
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    ...(options.setup === 'none' ? { STAKEOUT_RUN_SETUP: 'none' } : {}),
  })
  const args =
    runner === 'vitest'
      ? [
          'run',
          '--config',
          join(runs, 'vitest.config.ts'),
          '--reporter=default',
          '--reporter=json',
          `--outputFile.json=${report}`,
        ]
      : ['--config', join(runs, 'jest.config.cjs'), '--json', `--outputFile=${report}`, join(runs, file)]
  const output = await new Promise<string>((resolve) => {
    execFile(bin(runner), args, { cwd: root, env, timeout: 120_000 }, (_error, stdout, stderr) =>
      resolve(stripVTControlCharacters(`${stdout}\n${stderr}`)),
    )
  })
  try {
    const json = JSON.parse(await readFile(report, 'utf8')) as {
      testResults: { assertionResults: TestOutcome[] }[]
    }
    return { tests: json.testResults.flatMap((result) => result.assertionResults), output }
  } catch (error) {
    throw new Error(`the ${runner} run wrote no report:\n${output}`, { cause: error })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function outcomeOf(run: Run, title: string): TestOutcome {
  const test = run.tests.find((candidate) => candidate.title === title)
  if (test === undefined) throw new Error(`no test "${title}" in the run:\n${run.output}`)
  return test
}

describe.each(['vitest', 'jest'] as const)('a forgotten await, under %s', (runner) => {
  let run: Run
  beforeAll(async () => {
    run = await runFixture(runner, `unawaited.${runner}.ts`, { functionName: `unawaited-${runner}` })
  }, 120_000)

  it('fails the test that forgot, saying to await the matcher, for one still polling and one already failed', () => {
    for (const title of [
      'forgets to await a matcher that is still polling when the test ends',
      'forgets to await a matcher that fails before the test ends',
    ]) {
      const test = outcomeOf(run, title)
      expect(test.status, run.output).toBe('failed')
      expect(test.failureMessages.join('\n')).toContain('was not awaited')
      expect(test.failureMessages.join('\n')).toMatch(/await expect\(interceptor\)\.(not\.)?toHaveCalled\(/)
    }
  })

  it('leaves the next test alone: the forgotten .not never sees its call, and nothing is reported after', () => {
    expect(outcomeOf(run, 'the next test records the call the forgotten .not would have seen').status, run.output).toBe(
      'passed',
    )
    expect(run.output).not.toMatch(/unhandled/i)
  })

  it('does not fail tests that await, return or hand their matchers to Promise.all or .rejects', () => {
    expect(outcomeOf(run, 'awaits in every usual way').status, run.output).toBe('passed')
  })
})

describe('a matcher used without the runner setup file', () => {
  it.each([
    ['vitest', "add 'stakeout/vitest' to test.setupFiles in vitest.config"],
    ['jest', "add 'stakeout/jest' to setupFilesAfterEnv in jest.config"],
  ] as const)(
    'under %s, says which setup file to add',
    async (runner, hint) => {
      const run = await runFixture(runner, `no-setup.${runner}.ts`, {
        functionName: `no-setup-${runner}`,
        setup: 'none',
      })
      const test = outcomeOf(run, 'uses toHaveCalled on an HttpInterceptorClient without the setup file')
      expect(test.status, run.output).toBe('failed')
      const message = test.failureMessages.join('\n')
      expect(message).toContain(
        "StakeoutError: expect(...).toHaveCalled() is a stakeout matcher, and stakeout's matchers",
      )
      expect(message).toContain(hint)
      expect(message).not.toMatch(/Invalid Chai property|is not a function/)
    },
    120_000,
  )
})
