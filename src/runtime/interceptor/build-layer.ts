/**
 * Builds the interceptor Lambda layer: `<root>/stakeout/wrapper` (the exec wrapper script) and
 * `<root>/stakeout/handler.mjs` with its chunks (the interceptor, and the table client in a chunk of
 * its own that loads when the first invocation starts). One implementation, used by `npm run build`
 * (`scripts/build-layer.mjs` → `dist/layer`) and, from a source checkout, by the CDK construct.
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BuildOptions, type BuildResult, build, buildSync, version as esbuildVersion } from 'esbuild'
import { StakeoutError } from '../../errors.js'
import { LAYER } from './schema.js'

/** Sources of the layer, relative to the package root: the cache key covers exactly these. */
const SOURCE_DIR = 'src/runtime/interceptor'
const SOURCE_FILES = ['src/errors.ts']
/** Packages bundled into the layer: their versions are part of the cache key. */
const BUNDLED_PACKAGES = [
  '@mswjs/interceptors',
  '@smithy/signature-v4',
  '@smithy/core',
  '@aws-sdk/credential-provider-node',
  '@aws-sdk/util-dynamodb',
  'p-retry',
]
/** Source-built layers older than this (other source versions) are removed from the cache. */
const STALE_CACHE_MS = 60 * 60 * 1000

/**
 * Builds the layer into `outdir` (default `<package root>/dist/layer`) and returns the layer root:
 * the directory to zip or to give `lambda.Code.fromAsset` (it holds `stakeout/`).
 *
 * @example
 * const { root } = await buildInterceptorLayer('/tmp/layer')
 * // /tmp/layer/stakeout/wrapper, /tmp/layer/stakeout/handler.mjs, ...
 */
export async function buildInterceptorLayer(outdir?: string): Promise<{ root: string }> {
  const packageDir = packageRoot()
  const root = path.resolve(outdir ?? path.join(packageDir, 'dist', 'layer'))
  rmSync(path.join(root, LAYER.dir), { recursive: true, force: true })
  const result = await build(buildOptions(packageDir, root))
  finishLayer(packageDir, root, result)
  return { root }
}

/**
 * The directory of the interceptor layer, for `lambda.Code.fromAsset` (synchronous, as CDK
 * constructs are). An installed package ships it prebuilt in `dist/layer`; in a source checkout
 * (where `src/runtime/interceptor/handler.ts` exists) it is built from the sources into
 * `node_modules/.cache/stakeout/`, once per version of those sources.
 *
 * @example
 * new lambda.LayerVersion(this, 'Interceptor', { code: lambda.Code.fromAsset(interceptorLayerRoot()) })
 */
export function interceptorLayerRoot(): string {
  const packageDir = packageRoot()
  if (existsSync(path.join(packageDir, SOURCE_DIR, 'handler.ts'))) return buildFromSources(packageDir)
  const dist = path.join(packageDir, 'dist', 'layer')
  if (existsSync(path.join(dist, LAYER.dir, LAYER.handlerModule))) return dist
  throw new StakeoutError(
    `interceptorLayerRoot: the interceptor layer is missing from ${dist} (the package was not built): run npm run build, or reinstall stakeout`,
  )
}

function buildFromSources(packageDir: string): string {
  const cacheDir = path.join(packageDir, 'node_modules', '.cache', 'stakeout')
  const target = path.join(cacheDir, `layer-${sourceKey(packageDir)}`)
  // The directory appears by rename once complete, so existing means usable.
  if (existsSync(path.join(target, LAYER.dir, LAYER.handlerModule))) return target
  // Build beside it and rename: parallel test workers may build at the same time.
  const temporary = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    const result = buildSync(buildOptions(packageDir, temporary))
    finishLayer(packageDir, temporary, result)
    mkdirSync(cacheDir, { recursive: true })
    try {
      renameSync(temporary, target)
    } catch (error) {
      if (!existsSync(path.join(target, LAYER.dir, LAYER.handlerModule))) throw error
    }
  } finally {
    rmSync(temporary, { recursive: true, force: true })
  }
  pruneCache(cacheDir, target)
  return target
}

function buildOptions(packageDir: string, root: string): BuildOptions & { metafile: true } {
  return {
    absWorkingDir: packageDir,
    entryPoints: { handler: path.join(packageDir, SOURCE_DIR, 'handler.ts') },
    outdir: path.join(root, LAYER.dir),
    outExtension: { '.js': '.mjs' },
    // Flat: @mswjs/interceptors finds llhttp.wasm relative to its chunk (./llhttp/llhttp.wasm).
    chunkNames: '[name]-[hash]',
    platform: 'node',
    target: 'node20',
    format: 'esm',
    bundle: true,
    splitting: true,
    minify: true,
    // Some bundled CommonJS dependencies call require() for Node.js builtins.
    banner: {
      js: "import { createRequire as __stakeoutCreateRequire } from 'node:module'; const require = __stakeoutCreateRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: 'silent',
  }
}

/** Copies what esbuild does not emit (the wrapper script, llhttp's WebAssembly) and checks the inputs. */
function finishLayer(packageDir: string, root: string, result: BuildResult<{ metafile: true }>): void {
  const covered = new Set([...sourceFiles(packageDir), ...SOURCE_FILES].map((file) => path.normalize(file)))
  for (const input of Object.keys(result.metafile.inputs)) {
    if (input.includes('node_modules/')) continue
    if (!covered.has(path.normalize(input))) {
      throw new StakeoutError(
        `buildInterceptorLayer: ${input} is bundled into the layer but not covered by its cache key: add it to SOURCE_FILES in build-layer.ts`,
      )
    }
  }
  const dir = path.join(root, LAYER.dir)
  const wrapper = path.join(dir, LAYER.wrapper)
  copyFileSync(path.join(packageDir, SOURCE_DIR, LAYER.wrapper), wrapper)
  chmodSync(wrapper, 0o755)
  const httpInterceptor = createRequire(path.join(packageDir, 'package.json')).resolve('@mswjs/interceptors/http')
  const wasm = path.resolve(path.dirname(httpInterceptor), '../../llhttp/llhttp.wasm')
  if (!existsSync(wasm)) {
    throw new StakeoutError(
      `buildInterceptorLayer: llhttp.wasm not found at ${wasm} (@mswjs/interceptors changed layout?)`,
    )
  }
  mkdirSync(path.join(dir, 'llhttp'), { recursive: true })
  copyFileSync(wasm, path.join(dir, 'llhttp', 'llhttp.wasm'))
}

/** Non-test files of the interceptor runtime, relative to the package root. */
function sourceFiles(packageDir: string): string[] {
  return readdirSync(path.join(packageDir, SOURCE_DIR))
    .filter((name) => !name.endsWith('.test.ts'))
    .map((name) => path.join(SOURCE_DIR, name))
    .sort()
}

function sourceKey(packageDir: string): string {
  const hash = createHash('sha256')
  hash.update(`esbuild ${esbuildVersion}\n`)
  for (const file of [...sourceFiles(packageDir), ...SOURCE_FILES]) {
    hash.update(`${file}\n`)
    hash.update(readFileSync(path.join(packageDir, file)))
  }
  for (const name of BUNDLED_PACKAGES) {
    const manifest = path.join(packageDir, 'node_modules', name, 'package.json')
    const version = existsSync(manifest)
      ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version
      : ''
    hash.update(`${name}@${version}\n`)
  }
  return hash.digest('hex').slice(0, 16)
}

function pruneCache(cacheDir: string, keep: string): void {
  for (const name of readdirSync(cacheDir)) {
    const entry = path.join(cacheDir, name)
    if (!name.startsWith('layer-') || entry === keep) continue
    try {
      if (Date.now() - statSync(entry).mtimeMs > STALE_CACHE_MS) rmSync(entry, { recursive: true, force: true })
    } catch {
      // Another process removed it first.
    }
  }
}

/** The stakeout package's root: the nearest directory above this file whose package.json is stakeout's. */
function packageRoot(): string {
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
    if (parent === dir) throw new StakeoutError(`interceptorLayerRoot: no stakeout package.json above ${self}`)
    dir = parent
  }
}
