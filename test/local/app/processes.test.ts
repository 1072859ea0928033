import { type ChildProcess, spawn } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isAlive, synthesizeCatalog, waitUntilGone } from './support.js'

const PARENT = join(import.meta.dirname, 'fixtures', 'start-and-wait.ts')
let assembly: string
const parents: ChildProcess[] = []

beforeAll(async () => {
  assembly = await synthesizeCatalog()
}, 120_000)

afterAll(async () => {
  for (const parent of parents) if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL')
  await rm(assembly, { recursive: true, force: true })
})

/** Starts a parent process that brings the app up; resolves with the pids it reports (java and two functions). */
async function startParent(): Promise<{ parent: ChildProcess; pids: number[] }> {
  const parent = spawn(process.execPath, ['--import', 'tsx', PARENT, assembly], { stdio: ['ignore', 'pipe', 'pipe'] })
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
  it('after SIGKILL of the parent: java and every function process are gone', async () => {
    const { parent, pids } = await startParent()
    expect(pids).toHaveLength(3)
    expect(pids.every(isAlive)).toBe(true)
    parent.kill('SIGKILL')
    await waitUntilGone(pids)
  })

  it('after SIGINT of the parent (a runner interrupted)', async () => {
    const { parent, pids } = await startParent()
    expect(pids.every(isAlive)).toBe(true)
    parent.kill('SIGINT')
    await waitUntilGone(pids)
  })
})
