/**
 * Where the local runtime (the child side of the launcher) is: the file an execution
 * environment's process runs, as Lambda's bootstrap runs `/var/runtime/index.mjs`.
 */
import { createHash, randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LAMBDA_BOOTSTRAP_SOURCE } from '../lambda-bootstrap.js'

let runtimePath: string | undefined
/**
 * The local runtime's entry file, written once per content to the temp directory (the name
 * carries a hash of the source, so two stakeout versions never share a file).
 */
export function localRuntimeFile(): string {
  if (runtimePath !== undefined && existsSync(runtimePath)) return runtimePath
  const hash = createHash('sha256').update(LAMBDA_BOOTSTRAP_SOURCE).digest('hex').slice(0, 16)
  const dir = join(tmpdir(), 'stakeout-local')
  const file = join(dir, `lambda-bootstrap-${hash}.mjs`)
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true })
    // Written aside then renamed: a concurrent test worker never sees a half-written file.
    const partial = `${file}.${process.pid}.${randomUUID()}.tmp`
    writeFileSync(partial, LAMBDA_BOOTSTRAP_SOURCE)
    renameSync(partial, file)
  }
  runtimePath = file
  return file
}
