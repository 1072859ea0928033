/** Where the stakeout package is on disk, whether run from its sources or installed. */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { StakeoutError } from '../errors.js'

/** The stakeout package's root: the nearest directory above this file whose package.json is stakeout's. */
export function packageRoot(): string {
  // import.meta.url first: it is this file in the ESM build and from source, and in the CommonJS build
  // tsup's shim gives the URL of a chunk in the same dist/ folder, which leads to the same package root.
  // __filename only where import.meta is empty, since some hosts define a global one (`node -e`: "[eval]").
  const self = import.meta.url ? fileURLToPath(import.meta.url) : __filename
  let dir = path.dirname(self)
  while (true) {
    const manifest = path.join(dir, 'package.json')
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'stakeout') {
      return dir
    }
    const parent = path.dirname(dir)
    if (parent === dir) throw new StakeoutError(`stakeout: no stakeout package.json above ${self}`)
    dir = parent
  }
}
