import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SeenTarget } from './fixtures/target-check.js'
import { synthesizeTinyApp } from './tiny-app.js'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url))
let scratch: string
let tinyApp: string

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'stakeout-runner-wiring-'))
  tinyApp = synthesizeTinyApp(join(scratch, 'cdk.out'))
})
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

interface Run {
  code: number | null
  output: string
}

/** Runs a runner's CLI as a user would, in its own process, with `env` on top of a clean environment. */
function runRunner(args: readonly string[], env: Record<string, string>): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CHECK_DIR: scratch, ...env }
  // This test's own runner must not leak into the child's: it would take itself for a worker of this run.
  for (const name of Object.keys(childEnv)) {
    if (/^(VITEST|JEST_WORKER_ID$|NODE_OPTIONS$|STAKEOUT_(STACK|LOCAL_APP|APP_STACK)$)/.test(name))
      delete childEnv[name]
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repo, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

const runners = {
  Vitest: (env: Record<string, string>) =>
    runRunner(
      [
        join(repo, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--config',
        join(fixtures, 'vitest-project/vitest.config.ts'),
      ],
      env,
    ),
  Jest: (env: Record<string, string>) =>
    runRunner(
      [join(repo, 'node_modules/jest/bin/jest.js'), '--config', join(fixtures, 'jest-project/jest.config.cjs')],
      env,
    ),
}

const seenBy = async (name: string): Promise<SeenTarget> =>
  JSON.parse(await readFile(join(scratch, `${name}.json`), 'utf8'))

describe.each(Object.entries(runners))('%s with stakeout global setup', (runnerName, runTests) => {
  const prefix = runnerName.toLowerCase()

  it('brings STAKEOUT_APP up once, before any test; workers test it by ref; it stops after the run', async () => {
    const run = await runTests({ STAKEOUT_APP: tinyApp })
    expect(run.code, run.output).toBe(0)
    expect(run.output.match(/\[stakeout\] bringing the local app up: /g)).toHaveLength(1)
    expect(run.output).toMatch(/\[stakeout\] Tiny is up in \d+\.\d s/)

    const first = await seenBy(`${prefix}-first`)
    const second = await seenBy(`${prefix}-second`)
    // Two workers, one app: the same local table, reached at the same endpoint, and there.
    expect(first).toMatchObject({ source: 'local', table: expect.stringMatching(/^Tiny-Notes/) })
    expect(second.table).toBe(first.table)
    expect(second.dynamodb).toBe(first.dynamodb)
    expect(first.tables).toContain(first.table)
    // The run is over: its DynamoDB Local no longer answers.
    await expect(fetch(first.dynamodb ?? '')).rejects.toThrow()
  })

  it('fails the run once, before any test, with the app and its own output, when the app cannot be synthesized', async () => {
    const run = await runTests({ STAKEOUT_APP: 'node -e "console.error(\'the bank app is broken\'); process.exit(3)"' })
    expect(run.code).not.toBe(0)
    expect(run.output.match(/Could not bring the local app up/g)).toHaveLength(1)
    expect(run.output).toContain('the bank app is broken')
    expect(run.output).not.toContain('tests the local app the global setup brought up')
  })
})
