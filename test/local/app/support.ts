import { cp, mkdir, mkdtemp } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { App } from 'aws-cdk-lib'
import { buildCatalog, type CatalogVariant } from './fixtures/catalog/catalog-stack.js'
import { buildReview } from './fixtures/review/review-stack.js'

/** The catalogue fixture app: a CDK app that is not the bank. */
export const CATALOG_DIR = join(import.meta.dirname, 'fixtures', 'catalog')

/** Its app command, as a cdk.json holds it (with this Node.js, so the run does not depend on PATH). */
export const CATALOG_COMMAND = `${JSON.stringify(process.execPath)} --import tsx app.ts`

/**
 * Where the tests' assemblies go: inside the project, as a user's `cdk.out` is, so a function's
 * `require('@aws-sdk/client-dynamodb')` resolves from the project's node_modules (the local runtime has no stand-in
 * for the SDK Lambda provides).
 */
async function assembliesDir(): Promise<string> {
  const dir = join(import.meta.dirname, '..', '..', '..', 'node_modules', '.cache', 'stakeout', 'test-assemblies')
  await mkdir(dir, { recursive: true })
  return dir
}

/**
 * The catalogue synthesized in this process with a plain `app.synth()` (no CLI context: no asset metadata, so the
 * code is found through the assets manifest), into a fresh directory.
 */
export async function synthesizeCatalog(variant: CatalogVariant = {}): Promise<string> {
  const outdir = await mkdtemp(join(await assembliesDir(), 'catalog-'))
  const app = new App({ outdir })
  buildCatalog(app, variant)
  app.synth()
  return outdir
}

/** The review app (tables of every shape, functions the local target refuses), synthesized into a fresh directory. */
export async function synthesizeReview(): Promise<string> {
  const outdir = await mkdtemp(join(await assembliesDir(), 'review-'))
  const app = new App({ outdir })
  buildReview(app)
  app.synth()
  return outdir
}

/** A copy of an assembly, to break without touching the original. */
export async function copyAssembly(dir: string): Promise<string> {
  const copy = await mkdtemp(join(await assembliesDir(), 'catalog-copy-'))
  await cp(dir, copy, { recursive: true })
  return copy
}

/** Whether a process with this id is alive (signal 0 checks without killing). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Waits until every pid is gone; fails after `timeoutMs` naming the ones still alive. */
export async function waitUntilGone(pids: readonly number[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (pids.some(isAlive)) {
    if (Date.now() > deadline) throw new Error(`still alive after ${timeoutMs} ms: ${pids.filter(isAlive).join(', ')}`)
    await sleep(100)
  }
}
