/**
 * A file tree esbuild builds from stakeout's sources and a process runs outside this one (the
 * interceptor layer in Lambda, the local runtime in a launcher's child process). An installed
 * package ships it prebuilt in `dist/<name>`; a source checkout builds it on demand into
 * `node_modules/.cache/stakeout/<name>-<key>`, once per version of its sources (the key hashes
 * them, the esbuild version and the bundled packages' versions).
 */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { type BuildOptions, type BuildResult, build, buildSync, version as esbuildVersion } from 'esbuild'
import { StakeoutError } from '../errors.js'
import { packageRoot } from './package-root.js'

/** Source-built artifacts older than this (other source versions) are removed from the cache. */
const STALE_CACHE_MS = 60 * 60 * 1000

/** How one artifact is built. */
export interface Artifact {
  /** Its directory name in `dist/` and its prefix in the cache. */
  readonly name: string
  /** What the error messages call it. */
  readonly title: string
  /** Its sources, relative to the package root: files, or directories (every file but tests). */
  readonly sources: readonly string[]
  /** Packages bundled into it: their versions are part of the cache key. */
  readonly packages: readonly string[]
  /** A file of the output (relative to it) that exists once the build is complete. */
  readonly marker: string
  /** The esbuild options that write it into `outdir`. */
  options(packageDir: string, outdir: string): BuildOptions & { metafile: true }
  /** What esbuild does not emit (scripts, assets), copied into `outdir` after the build. */
  finish?(packageDir: string, outdir: string): void
}

/** Builds `artifact` into `outdir` (emptied first). */
export async function buildArtifact(artifact: Artifact, outdir: string): Promise<void> {
  const packageDir = packageRoot()
  rmSync(outdir, { recursive: true, force: true })
  const result = await build(artifact.options(packageDir, outdir))
  complete(artifact, packageDir, outdir, result)
}

/**
 * The artifact's directory (synchronous, as CDK constructs are): `dist/<name>` in an installed
 * package; in a source checkout (where the first source exists), built from the sources into the cache.
 */
export function artifactDir(artifact: Artifact): string {
  const packageDir = packageRoot()
  const [firstSource] = artifact.sources
  if (firstSource !== undefined && existsSync(path.join(packageDir, firstSource)))
    return buildFromSources(artifact, packageDir)
  const dist = path.join(packageDir, 'dist', artifact.name)
  if (existsSync(path.join(dist, artifact.marker))) return dist
  throw new StakeoutError(
    `${artifact.title} is missing from ${dist} (the package was not built): run npm run build, or reinstall stakeout`,
  )
}

function buildFromSources(artifact: Artifact, packageDir: string): string {
  const cacheDir = path.join(packageDir, 'node_modules', '.cache', 'stakeout')
  const target = path.join(cacheDir, `${artifact.name}-${sourceKey(artifact, packageDir)}`)
  // The directory appears by rename once complete, so existing means usable.
  if (existsSync(path.join(target, artifact.marker))) return target
  // Build beside it and rename: parallel test workers may build at the same time.
  const temporary = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    complete(artifact, packageDir, temporary, buildSync(artifact.options(packageDir, temporary)))
    mkdirSync(cacheDir, { recursive: true })
    try {
      renameSync(temporary, target)
    } catch (error) {
      if (!existsSync(path.join(target, artifact.marker))) throw error
    }
  } finally {
    rmSync(temporary, { recursive: true, force: true })
  }
  pruneCache(cacheDir, artifact.name, target)
  return target
}

/** Checks that the cache key covers every input esbuild read, then copies what it does not emit. */
function complete(
  artifact: Artifact,
  packageDir: string,
  outdir: string,
  result: BuildResult<{ metafile: true }>,
): void {
  const covered = new Set(sourceFiles(artifact, packageDir).map((file) => path.normalize(file)))
  for (const input of Object.keys(result.metafile.inputs)) {
    if (input.includes('node_modules/')) continue
    if (!covered.has(path.normalize(input))) {
      throw new StakeoutError(
        `${artifact.title}: ${input} is bundled but not covered by its cache key: add it to the artifact's sources`,
      )
    }
  }
  artifact.finish?.(packageDir, outdir)
}

/** The artifact's source files, relative to the package root, directories expanded (tests left out). */
function sourceFiles(artifact: Artifact, packageDir: string): string[] {
  return artifact.sources.flatMap((source) => {
    const full = path.join(packageDir, source)
    if (!statSync(full).isDirectory()) return [source]
    return readdirSync(full, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && !entry.name.endsWith('.test.ts'))
      .map((entry) => path.relative(packageDir, path.join(entry.parentPath, entry.name)))
      .sort()
  })
}

function sourceKey(artifact: Artifact, packageDir: string): string {
  const hash = createHash('sha256')
  hash.update(`esbuild ${esbuildVersion}\n`)
  for (const file of sourceFiles(artifact, packageDir)) {
    hash.update(`${file}\n`)
    hash.update(readFileSync(path.join(packageDir, file)))
  }
  for (const name of artifact.packages) {
    const manifest = path.join(packageDir, 'node_modules', name, 'package.json')
    const version = existsSync(manifest)
      ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version
      : ''
    hash.update(`${name}@${version}\n`)
  }
  return hash.digest('hex').slice(0, 16)
}

function pruneCache(cacheDir: string, name: string, keep: string): void {
  for (const entry of readdirSync(cacheDir)) {
    const full = path.join(cacheDir, entry)
    if (!entry.startsWith(`${name}-`) || full === keep) continue
    try {
      if (Date.now() - statSync(full).mtimeMs > STALE_CACHE_MS) rmSync(full, { recursive: true, force: true })
    } catch {
      // Another process removed it first.
    }
  }
}
