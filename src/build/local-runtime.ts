/**
 * The local runtime: the child side of the launcher, a small copy of Lambda's Node.js runtime
 * (`src/local/launcher/bootstrap/`), bundled with the one handler loader into `bootstrap.mjs`.
 * Built like the interceptor layer: by `npm run build` into `dist/local-runtime`, and from a source
 * checkout on demand into the cache.
 */
import path from 'node:path'
import { type Artifact, artifactDir, buildArtifact } from './artifact.js'

const SOURCE_DIR = 'src/local/launcher/bootstrap'
const ENTRY = `${SOURCE_DIR}/bootstrap.ts`
/** The file an execution environment's process runs, inside the artifact. */
const BOOTSTRAP_FILE = 'bootstrap.mjs'

/** How the local runtime is built. */
export const LOCAL_RUNTIME: Artifact = {
  name: 'local-runtime',
  title: 'the local Lambda runtime',
  sources: [
    ENTRY,
    SOURCE_DIR,
    'src/local/launcher/protocol.ts',
    'src/runtime/interceptor/load-handler.ts',
    'src/runtime/interceptor/runtime-client.ts',
  ],
  packages: [],
  marker: BOOTSTRAP_FILE,
  options: (packageDir, outdir) => ({
    absWorkingDir: packageDir,
    entryPoints: { bootstrap: path.join(packageDir, ENTRY) },
    outdir,
    outExtension: { '.js': '.mjs' },
    platform: 'node',
    target: 'node20',
    format: 'esm',
    bundle: true,
    // Readable stacks: a user reads this file's frames under their own handler's.
    minify: false,
    metafile: true,
    logLevel: 'silent',
  }),
}

/** Builds the local runtime into `outdir` (its `bootstrap.mjs` and nothing else). */
export async function buildLocalRuntime(outdir: string): Promise<{ file: string }> {
  const dir = path.resolve(outdir)
  await buildArtifact(LOCAL_RUNTIME, dir)
  return { file: path.join(dir, BOOTSTRAP_FILE) }
}

/** The local runtime's entry file (prebuilt in an installed package, built on demand from sources). */
export function localRuntimeFile(): string {
  return path.join(artifactDir(LOCAL_RUNTIME), BOOTSTRAP_FILE)
}
