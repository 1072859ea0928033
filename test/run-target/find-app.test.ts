import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { findLocalApp } from '../../src/run-target/find-app.js'

let root: string

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'stakeout-find-app-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

const cdkJson = (dir: string, settings: unknown) =>
  writeFile(join(dir, 'cdk.json'), typeof settings === 'string' ? settings : JSON.stringify(settings))

describe('findLocalApp', () => {
  it('finds nothing in a project with no cdk.json when no app is given', async () => {
    await expect(findLocalApp({ root })).resolves.toBeUndefined()
    await expect(findLocalApp({ root, app: '  ' })).resolves.toBeUndefined()
  })

  it("runs the root cdk.json's app in the root, as the CDK CLI does", async () => {
    await cdkJson(root, { app: 'npx tsx bin/app.ts', context: { flag: true } })
    await expect(findLocalApp({ root })).resolves.toEqual({ app: 'npx tsx bin/app.ts', cwd: root, origin: 'cdk.json' })
  })

  it("runs a project folder's cdk.json app in that folder", async () => {
    await mkdir(join(root, 'examples', 'bank'), { recursive: true })
    await cdkJson(join(root, 'examples', 'bank'), { app: 'node --import tsx app.ts' })
    const expected = {
      app: 'node --import tsx app.ts',
      cwd: join(root, 'examples', 'bank'),
      origin: 'examples/bank/cdk.json',
    }
    await expect(findLocalApp({ root, app: 'examples/bank' })).resolves.toEqual(expected)
    await expect(findLocalApp({ root, app: 'examples/bank/cdk.json' })).resolves.toEqual(expected)
  })

  it('takes a folder with manifest.json as a synthesized cdk.out, by its absolute path', async () => {
    await mkdir(join(root, 'cdk.out'))
    await writeFile(join(root, 'cdk.out', 'manifest.json'), '{}')
    await cdkJson(root, { app: 'never run' })
    await expect(findLocalApp({ root, app: 'cdk.out', stack: 'Bank' })).resolves.toEqual({
      app: join(root, 'cdk.out'),
      cwd: root,
      stack: 'Bank',
      origin: 'STAKEOUT_APP=cdk.out',
    })
  })

  it('takes anything else as an app command run in the root', async () => {
    await expect(findLocalApp({ root, app: 'npx tsx infra/app.ts', appOrigin: '--app' })).resolves.toEqual({
      app: 'npx tsx infra/app.ts',
      cwd: root,
      origin: '--app=npx tsx infra/app.ts',
    })
  })

  it('refuses a folder that is neither a cdk.out nor a CDK project, naming both', async () => {
    await mkdir(join(root, 'infra'))
    await expect(findLocalApp({ root, app: 'infra' })).rejects.toThrow(
      `STAKEOUT_APP=infra: ${join(root, 'infra')} is a folder with neither manifest.json (a synthesized cdk.out) nor cdk.json (a CDK project)`,
    )
  })

  it('refuses a cdk.json that is not JSON, or has no app, naming the file', async () => {
    await cdkJson(root, '{ "app": ')
    await expect(findLocalApp({ root })).rejects.toThrow(/^cdk\.json is not valid JSON \(/)
    await cdkJson(root, { context: {} })
    await expect(findLocalApp({ root })).rejects.toThrow(
      'cdk.json has no "app": it must name the command that synthesizes the CDK app, like "npx tsx bin/app.ts"',
    )
  })
})
