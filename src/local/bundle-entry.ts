/**
 * Bundling a TypeScript entry for `invokeHandler` / `startHandler`, as `NodejsFunction` bundles
 * one for Lambda: esbuild, platform node, `@aws-sdk/*` left out.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, extname, join } from 'node:path'
import { StakeoutError } from '../errors.js'
import { nearestNodeModules } from './launcher/task-root.js'
import type { LambdaNodeRuntime } from './launcher/types.js'

/** How a TypeScript entry is bundled, as `NodejsFunction`'s `bundling` props. */
export interface LocalBundlingOptions {
  /**
   * `cjs` writes `index.js`, `esm` writes `index.mjs` (as `NodejsFunction` does).
   * @default 'cjs'
   */
  readonly format?: 'cjs' | 'esm'
  /**
   * Modules left out of the bundle and resolved at run time, from the `node_modules` above the entry.
   * @default ['@aws-sdk/*'] (the SDK the Lambda runtime provides)
   */
  readonly externalModules?: readonly string[]
  /** @default false */
  readonly minify?: boolean
  /**
   * Writes a source map and adds `--enable-source-maps` to `NODE_OPTIONS`, as `NodejsFunction` does.
   * @default false
   */
  readonly sourceMap?: boolean
}

/** A bundled entry: the code directory and the module name the handler string starts with. */
export interface BundledEntry {
  readonly codeDir: string
  readonly moduleName: string
}

/**
 * Bundles `entry` into a fresh directory under the `node_modules` above it, so the modules left
 * out resolve from the project as they would from the runtime's own `node_modules`. The caller
 * removes `codeDir` when done.
 */
export async function bundleEntry(
  entry: string,
  runtime: LambdaNodeRuntime,
  bundling: LocalBundlingOptions,
): Promise<BundledEntry> {
  const esbuild = await import('esbuild')
  const format = bundling.format ?? 'cjs'
  const parent = join(nearestNodeModules(dirname(entry)) ?? tmpdir(), '.cache', 'stakeout', 'bundles')
  await mkdir(parent, { recursive: true })
  const codeDir = await mkdtemp(join(parent, `${basename(entry, extname(entry))}-`))
  try {
    await esbuild.build({
      entryPoints: [entry],
      outfile: join(codeDir, format === 'esm' ? 'index.mjs' : 'index.js'),
      bundle: true,
      platform: 'node',
      target: runtime.replace('nodejs', 'node').replace('.x', ''),
      format,
      ...(format === 'esm' ? { mainFields: ['module', 'main'] } : {}),
      external: [...(bundling.externalModules ?? ['@aws-sdk/*'])],
      minify: bundling.minify ?? false,
      sourcemap: bundling.sourceMap ?? false,
      logLevel: 'silent',
    })
  } catch (error) {
    await rm(codeDir, { recursive: true, force: true })
    throw new StakeoutError(`could not bundle ${entry} with esbuild: ${(error as Error).message}`, { cause: error })
  }
  return { codeDir, moduleName: 'index' }
}
