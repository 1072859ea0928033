/**
 * `LAMBDA_TASK_ROOT` for one execution environment. In Lambda the code is extracted to
 * `/var/task`, under no package.json of anyone's. A `cdk.out` asset sits inside the user's project,
 * and when that project's package.json says `"type": "module"` Node.js would load the asset's
 * CommonJS `index.js` (what `NodejsFunction` builds) as an ES module, which Lambda never does. Such
 * a code directory (one with no package.json of its own, under a `"type": "module"` one) is laid out
 * in the environment's own directory instead, with the `node_modules` above the original linked
 * beside it, so modules left out of the bundle (the AWS SDK) still resolve.
 */
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, symlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { linkTree, type OptDirectory } from './opt-directory.js'
import { isDirectory } from './options.js'

/** The directory the function runs from: `codeDir` itself, or its copy when its package scope would change how it loads. */
export async function taskRootFor(codeDir: string, environment: OptDirectory): Promise<string> {
  if (existsSync(join(codeDir, 'package.json')) || !underModulePackage(dirname(codeDir))) return codeDir
  const taskRoot = join(environment.environmentDir, 'task')
  await mkdir(taskRoot)
  await linkTree(codeDir, taskRoot)
  const modules = nearestNodeModules(codeDir)
  if (modules !== undefined) await symlink(modules, join(environment.environmentDir, 'node_modules'), 'dir')
  return taskRoot
}

function underModulePackage(from: string): boolean {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown } | null)?.type === 'module'
      } catch {
        return false
      }
    }
    if (dirname(dir) === dir) return false
  }
}

/** The first `node_modules` directory at or above `from`, as Node.js looks for modules. */
export function nearestNodeModules(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules')
    if (isDirectory(candidate)) return candidate
    if (dirname(dir) === dir) return undefined
  }
}
