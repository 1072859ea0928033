/**
 * `/opt` for one execution environment. Lambda extracts a function's layers into `/opt` in order,
 * a later layer's files replacing an earlier one's. A local process cannot mount `/opt`, so the
 * layers are laid out the same way in a directory of the environment's own, and every `/opt` path
 * the launcher hands the function (the handler string, `NODE_PATH`, environment values such as
 * `AWS_LAMBDA_EXEC_WRAPPER`) is pointed there.
 *
 * Files are hard links (copies across file systems), not symbolic links: Node.js resolves a
 * module's dependencies from its real path, and a link back into the layer's own directory would
 * not see the modules other layers put beside it. The limit: a layer's own files that hard-code
 * `/opt/...` (a shell script with `/opt/bin/tool` in it, a `require('/opt/x')`) still name the real
 * `/opt`, which is not this directory.
 */
import { copyFile, link, mkdir, mkdtemp, readdir, readlink, rm, symlink, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Lambda's mount point of the layers. */
export const LAMBDA_OPT = '/opt'

/** An environment's `/opt`: where the layers are, and how to point a path at it. */
export interface OptDirectory {
  /** The environment's own directory: `opt/` is in it, and whatever else the environment lays out. */
  readonly environmentDir: string
  /** The directory standing in for `/opt`. */
  readonly path: string
  /** `value` with every `/opt` path in it (at its start, or after a space, `=`, `:`, `,` or quote) pointed at {@link path}. */
  map(value: string): string
  /** Removes the environment's directory. */
  remove(): Promise<void>
}

/** Lays `layers` out, in order, in a fresh directory. */
export async function layOutLayers(layers: readonly string[]): Promise<OptDirectory> {
  await removeOrphans()
  // Named after this process, so a later run can tell the directories of a process that died.
  const environmentDir = await mkdtemp(join(tmpdir(), `${PREFIX}${process.pid}-`))
  const path = join(environmentDir, 'opt')
  try {
    await mkdir(path)
    for (const layer of layers) await linkTree(layer, path)
  } catch (error) {
    await rm(environmentDir, { recursive: true, force: true })
    throw error
  }
  const optPath = /(^|[\s=:,;"'])\/opt(?=$|[/\s:,;"'])/g
  return {
    environmentDir,
    path,
    map: (value) => value.replace(optPath, (_match, before: string) => `${before}${path}`),
    remove: () => rm(environmentDir, { recursive: true, force: true }),
  }
}

const PREFIX = 'stakeout-env-'

/** Removes the environment directories of processes that died before their `stop()` (a killed test run). */
async function removeOrphans(): Promise<void> {
  const names = await readdir(tmpdir()).catch(() => [] as string[])
  for (const name of names) {
    const pid = Number(/^stakeout-env-(\d+)-/.exec(name)?.[1])
    if (!Number.isInteger(pid) || pid === process.pid || isRunning(pid)) continue
    await rm(join(tmpdir(), name), { recursive: true, force: true }).catch(() => {})
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Links every file of `from` into `to` (hard links, copies across file systems), replacing files already there. */
export async function linkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true })
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name)
    const target = join(to, entry.name)
    if (entry.isDirectory()) {
      // An earlier layer's file of that name gives way to this directory (unlink refuses a directory).
      await unlink(target).catch(() => {})
      await linkTree(source, target)
      continue
    }
    // A later layer wins: its file replaces the one an earlier layer put here.
    await unlink(target).catch(() => {})
    if (entry.isSymbolicLink()) {
      await symlink(await readlink(source), target)
    } else if (entry.isFile()) {
      await link(source, target).catch(() => copyFile(source, target))
    }
  }
}
