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
  /** The directory standing in for `/opt`. */
  readonly path: string
  /** `value` with every `/opt` path in it (at its start, or after a space, `=`, `:`, `,` or quote) pointed at {@link path}. */
  map(value: string): string
  /** Removes the directory. */
  remove(): Promise<void>
}

/** Lays `layers` out, in order, in a fresh directory. */
export async function layOutLayers(layers: readonly string[]): Promise<OptDirectory> {
  const path = await mkdtemp(join(tmpdir(), 'stakeout-opt-'))
  try {
    for (const layer of layers) await merge(layer, path)
  } catch (error) {
    await rm(path, { recursive: true, force: true })
    throw error
  }
  const optPath = /(^|[\s=:,;"'])\/opt(?=$|[/\s:,;"'])/g
  return {
    path,
    map: (value) => value.replace(optPath, (_match, before: string) => `${before}${path}`),
    remove: () => rm(path, { recursive: true, force: true }),
  }
}

async function merge(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true })
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name)
    const target = join(to, entry.name)
    if (entry.isDirectory()) {
      // An earlier layer's file of that name gives way to this directory (unlink refuses a directory).
      await unlink(target).catch(() => {})
      await merge(source, target)
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
