import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isAlive, synthesizeCatalog, synthesizeReview, waitUntilGone } from './support.js'

const PARENT = join(import.meta.dirname, 'fixtures', 'start-and-wait.ts')
const SPINNING_PARENT = join(import.meta.dirname, 'fixtures', 'spin-and-wait.ts')
let assembly: string
let review: string
/** The parents' TMPDIR: their own, so no other test file's start cleans it up before this file looks. */
let parentTmp: string
const parents: ChildProcess[] = []

beforeAll(async () => {
  assembly = await synthesizeCatalog()
  review = await synthesizeReview()
  parentTmp = await mkdtemp(join(tmpdir(), 'stakeout-processes-test-'))
}, 120_000)

afterAll(async () => {
  for (const parent of parents) if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL')
  await rm(assembly, { recursive: true, force: true })
  await rm(review, { recursive: true, force: true })
  await rm(parentTmp, { recursive: true, force: true })
})

/** Starts a parent process that brings the app up; resolves with the pids it reports (java and two functions). */
async function startParent(script = PARENT, app = assembly): Promise<{ parent: ChildProcess; pids: number[] }> {
  const parent = spawn(process.execPath, ['--import', 'tsx', script, app], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: parentTmp },
  })
  parents.push(parent)
  let output = ''
  const pids = await new Promise<number[]>((reported, failed) => {
    parent.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8')
      const line = /^\{"pids".*\}$/m.exec(output)?.[0]
      if (line !== undefined) reported((JSON.parse(line) as { pids: number[] }).pids)
    })
    parent.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8')
    })
    parent.once('exit', (code, signal) =>
      failed(new Error(`the parent exited (${code ?? signal}) before reporting:\n${output}`)),
    )
  })
  return { parent, pids }
}

describe('no process outlives the parent that started the app', () => {
  let killedPid: number | undefined

  it('after SIGKILL of the parent: java and every function process are gone', async () => {
    const { parent, pids } = await startParent()
    expect(pids).toHaveLength(3)
    expect(pids.every(isAlive)).toBe(true)
    killedPid = parent.pid
    parent.kill('SIGKILL')
    await waitUntilGone(pids)
  })

  it('after SIGINT of the parent (a runner interrupted); the next start removes what a killed one left', async () => {
    const leftBehind = async () =>
      (await readdir(parentTmp)).filter((name) => name.startsWith(`stakeout-local-${killedPid}-`))
    expect(killedPid).toBeDefined()
    expect(await leftBehind()).toHaveLength(1)
    const { parent, pids } = await startParent()
    expect(await leftBehind()).toEqual([])
    expect(pids.every(isAlive)).toBe(true)
    parent.kill('SIGINT')
    await waitUntilGone(pids)
  })

  it('after SIGKILL of the parent: a function spinning in a busy loop and a process its handler started are gone too', async () => {
    const { parent, pids } = await startParent(SPINNING_PARENT, review)
    expect(pids).toHaveLength(3) // java, the environment (warm: the spin runs where the sleep was started), the sleep
    expect(pids.every(isAlive)).toBe(true)
    parent.kill('SIGKILL')
    await waitUntilGone(pids)
  })
})
