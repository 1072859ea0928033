import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))

/** Imports an entry in a plain Node.js process (TypeScript through tsx), as a misconfigured project would. */
async function loadOutsideRunner(entry: string): Promise<{ code: number; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  // This file runs inside Vitest: its worker markers must not leak into the child.
  for (const name of Object.keys(env)) if (/^(VITEST|JEST)/.test(name)) delete env[name]
  const url = new URL(entry, `file://${root}/`).href
  try {
    await run(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', `await import(${JSON.stringify(url)})`],
      {
        cwd: root,
        env,
      },
    )
    return { code: 0, stderr: '' }
  } catch (error) {
    const failure = error as { code: number; stderr: string }
    return { code: failure.code, stderr: failure.stderr }
  }
}

describe('runner entries loaded outside their runner', () => {
  it('stakeout/vitest says to list it in setupFiles', async () => {
    const { code, stderr } = await loadOutsideRunner('src/vitest.ts')
    expect(code).not.toBe(0)
    expect(stderr).toContain('StakeoutError: stakeout/vitest was loaded outside a Vitest test file')
    expect(stderr).toContain("test: { setupFiles: ['stakeout/vitest'], globalSetup: ['stakeout/vitest/global-setup'] }")
  })

  it('stakeout/jest says to list it in setupFilesAfterEnv, before @jest/globals throws its own error', async () => {
    const { code, stderr } = await loadOutsideRunner('src/jest.ts')
    expect(code).not.toBe(0)
    expect(stderr).toContain('StakeoutError: stakeout/jest was loaded outside Jest')
    expect(stderr).toContain("setupFilesAfterEnv: ['stakeout/jest']")
    expect(stderr).not.toContain('Do not import `@jest/globals`')
  })
})
