/**
 * The interceptor Lambda layer: `<root>/stakeout/wrapper` (the exec wrapper script) and
 * `<root>/stakeout/handler.mjs` with its chunks (the interceptor, and the AWS SDK in a chunk of its
 * own that loads on the first outbound call). One definition, built by `npm run build`
 * (`scripts/build-layer.mjs` → `dist/layer`) and, from a source checkout, on demand for the CDK
 * construct and the local launcher.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { StakeoutError } from '../errors.js'
import { LAYER } from '../runtime/interceptor/schema.js'
import { type Artifact, artifactDir, buildArtifact } from './artifact.js'

const SOURCE_DIR = 'src/runtime/interceptor'

/** How the interceptor layer is built. */
export const INTERCEPTOR_LAYER: Artifact = {
  name: 'layer',
  title: 'the interceptor layer',
  // The first source decides "source checkout": the layer's entry.
  sources: [`${SOURCE_DIR}/handler.ts`, SOURCE_DIR, 'src/errors.ts'],
  packages: [
    '@mswjs/interceptors',
    '@smithy/signature-v4',
    '@smithy/core',
    '@aws-sdk/credential-provider-node',
    '@aws-sdk/util-dynamodb',
    'p-retry',
  ],
  marker: path.join(LAYER.dir, LAYER.handlerModule),
  options: (packageDir, root) => ({
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
  }),
  finish: (packageDir, root) => {
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
  },
}

/**
 * Builds the layer into `outdir` (default `<package root>/dist/layer`) and returns the layer root:
 * the directory to zip or to give `lambda.Code.fromAsset` (it holds `stakeout/`).
 *
 * @example
 * const { root } = await buildInterceptorLayer('/tmp/layer')
 * // /tmp/layer/stakeout/wrapper, /tmp/layer/stakeout/handler.mjs, ...
 */
export async function buildInterceptorLayer(outdir: string): Promise<{ root: string }> {
  const root = path.resolve(outdir)
  await buildArtifact(INTERCEPTOR_LAYER, root)
  return { root }
}

/**
 * The directory of the interceptor layer, for `lambda.Code.fromAsset` (synchronous, as CDK
 * constructs are) and for the local launcher's `layers`. An installed package ships it prebuilt in
 * `dist/layer`; in a source checkout it is built from the sources into `node_modules/.cache/stakeout/`,
 * once per version of those sources.
 *
 * @example
 * new lambda.LayerVersion(this, 'Interceptor', { code: lambda.Code.fromAsset(interceptorLayerRoot()) })
 */
export function interceptorLayerRoot(): string {
  return artifactDir(INTERCEPTOR_LAYER)
}
