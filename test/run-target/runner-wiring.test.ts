import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { survivors, watchDescendants } from '../support/processes.js'
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

interface RunnerProcess {
  readonly child: ChildProcess
  /** Where the check files write what they saw. */
  readonly checkDir: string
  /** Resolves when the runner and every process holding its output have ended, with its exit code and output. */
  readonly done: Promise<{ code: number | null; output: string }>
  /** Resolves when the runner's own process has exited. */
  readonly exited: Promise<void>
}

const runnerArgs = {
  Vitest: [
    join(repo, 'node_modules/vitest/vitest.mjs'),
    'run',
    '--config',
    join(fixtures, 'vitest-project/vitest.config.ts'),
  ],
  Jest: [join(repo, 'node_modules/jest/bin/jest.js'), '--config', join(fixtures, 'jest-project/jest.config.cjs')],
}

/** Vitest on a config of two projects, each with the app of the cdk.json at its root (CHECK_ROOT_ALPHA, _BETA). */
const twoAppsArgs = [
  join(repo, 'node_modules/vitest/vitest.mjs'),
  'run',
  '--config',
  join(fixtures, 'vitest-two-apps/vitest.config.ts'),
]

/** Starts a runner's CLI as a user would, in its own process, with `env` on top of a clean environment. */
async function startRunner(args: readonly string[], env: Record<string, string>): Promise<RunnerProcess> {
  const checkDir = await mkdtemp(join(scratch, 'seen-'))
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CHECK_DIR: checkDir, ...env }
  // This test's own runner must not leak into the child's: it would take itself for a worker of this run.
  for (const name of Object.keys(childEnv)) {
    if (/^(VITEST|JEST_WORKER_ID$|NODE_OPTIONS$|STAKEOUT_(STACK|LOCAL_APP|APP_STACK)$)/.test(name))
      delete childEnv[name]
  }
  const child = spawn(process.execPath, args, {
    cwd: repo,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += chunk
  })
  child.stderr.on('data', (chunk) => {
    output += chunk
  })
  const done = new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return { child, checkDir, done, exited }
}

const seenBy = async (checkDir: string, name: string): Promise<SeenTarget> =>
  JSON.parse(await readFile(join(checkDir, `${name}.json`), 'utf8'))

/** Resolves once every file exists; rejects after `timeoutMs`, or when `done` settles first. */
async function filesWritten(files: readonly string[], done: Promise<unknown>, timeoutMs = 60_000): Promise<void> {
  let finished = false
  void done.then(() => {
    finished = true
  })
  const deadline = Date.now() + timeoutMs
  while (!files.every((file) => existsSync(file))) {
    if (finished) throw new Error(`the run ended before writing ${files.join(', ')}`)
    if (Date.now() > deadline) throw new Error(`${files.join(', ')} not written within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe.each(Object.keys(runnerArgs) as Array<keyof typeof runnerArgs>)('%s with stakeout global setup', (runner) => {
  const prefix = runner.toLowerCase()

  it('brings STAKEOUT_APP up once, before any test; workers test it by ref; it stops after the run', async () => {
    const { checkDir, done } = await startRunner(runnerArgs[runner], { STAKEOUT_APP: tinyApp })
    const run = await done
    expect(run.code, run.output).toBe(0)
    expect(run.output.match(/\[stakeout\] bringing the local app up: /g)).toHaveLength(1)
    expect(run.output).toMatch(/\[stakeout\] Tiny is up in \d+\.\d s/)

    const first = await seenBy(checkDir, `${prefix}-first`)
    const second = await seenBy(checkDir, `${prefix}-second`)
    // Two workers, one app: the same local table, reached at the same endpoint, and there.
    expect(first).toMatchObject({ source: 'local', table: expect.stringMatching(/^Tiny-Notes/) })
    expect(second.table).toBe(first.table)
    expect(second.dynamodb).toBe(first.dynamodb)
    expect(first.tables).toContain(first.table)
    // The run is over: its DynamoDB Local no longer answers.
    await expect(fetch(first.dynamodb ?? '')).rejects.toThrow()
  })

  it('fails the run once, before any test, with the app and its own output, when the app cannot be synthesized', async () => {
    // Its output is not in the command itself, so it is seen only where the app's output is shown.
    const app = "node -e \"console.error(['the bank app', 'is broken'].join(' ')); process.exit(3)\""
    const run = await (await startRunner(runnerArgs[runner], { STAKEOUT_APP: app })).done
    expect(run.code).not.toBe(0)
    expect(run.output.match(/Could not bring the local app up/g)).toHaveLength(1)
    expect(run.output.match(/the bank app is broken/g)).toHaveLength(1)
    expect(run.output).not.toContain('tests the local app the global setup brought up')
  })

  it('leaves no process behind when the run is interrupted (SIGINT) while tests run', async () => {
    const { child, checkDir, done, exited } = await startRunner(runnerArgs[runner], {
      STAKEOUT_APP: tinyApp,
      CHECK_HANG: '1',
    })
    const processes = watchDescendants(child.pid ?? 0)
    try {
      // Both check files run at once, each in its own worker, and are still running.
      await filesWritten([join(checkDir, `${prefix}-first.json`), join(checkDir, `${prefix}-second.json`)], done)
      const { dynamodb } = await seenBy(checkDir, `${prefix}-first`)
      processes.look()
      child.kill('SIGINT')
      await exited
      processes.stop()
      // The runner's own workers end on their own schedule (Jest's finish the test they run first): what must not
      // outlive the run is what stakeout started, DynamoDB Local's java and the functions' processes.
      const started = [...processes.seen].filter(([, command]) => !/jest-worker|vitest[\\/]dist/.test(command))
      expect(started.map(([, command]) => command)).toContainEqual(expect.stringContaining('DynamoDBLocal'))
      const alive = await survivors(started.map(([pid]) => pid))
      expect(alive.map((pid) => `${pid} ${processes.seen.get(pid)}`)).toEqual([])
      await expect(fetch(dynamodb ?? '')).rejects.toThrow()
    } finally {
      processes.stop()
      child.kill('SIGKILL')
    }
  }, 90_000)
})

describe('Vitest with two projects, each with an app of its own', () => {
  it("brings both apps up, and each project's workers test their own project's app", async () => {
    const roots: Record<string, string> = {}
    for (const [project, stackName] of [
      ['alpha', 'Alpha'],
      ['beta', 'Beta'],
    ] as const) {
      // A project folder as a user has one: a cdk.json whose app is the synthesized assembly beside it.
      const root = await mkdtemp(join(scratch, `${project}-`))
      synthesizeTinyApp(join(root, 'cdk.out'), stackName)
      await writeFile(join(root, 'cdk.json'), JSON.stringify({ app: 'cdk.out' }))
      roots[project] = root
    }
    const { checkDir, done } = await startRunner(twoAppsArgs, {
      CHECK_ROOT_ALPHA: roots.alpha ?? '',
      CHECK_ROOT_BETA: roots.beta ?? '',
    })
    const run = await done
    expect(run.code, run.output).toBe(0)
    expect(run.output.match(/\[stakeout\] bringing the local app up: /g)).toHaveLength(2)

    const alpha = await seenBy(checkDir, 'vitest-alpha')
    const beta = await seenBy(checkDir, 'vitest-beta')
    // Each project resolved the table of its own app, in its own app's DynamoDB Local.
    expect(alpha.table).toMatch(/^Alpha-Notes/)
    expect(beta.table).toMatch(/^Beta-Notes/)
    expect(alpha.dynamodb).not.toBe(beta.dynamodb)
    expect(alpha.tables).toEqual([alpha.table])
    expect(beta.tables).toEqual([beta.table])
    // The run is over: both apps are stopped.
    await expect(fetch(alpha.dynamodb ?? '')).rejects.toThrow()
    await expect(fetch(beta.dynamodb ?? '')).rejects.toThrow()
  }, 90_000)
})
