#!/usr/bin/env node
/**
 * `npm run build` (after tsup) and `npm run build:layer`: builds what stakeout runs outside the
 * test process: the interceptor Lambda layer into dist/layer and the launcher's local runtime into
 * dist/local-runtime. The builders themselves are src/build/interceptor-layer.ts and
 * src/build/local-runtime.ts (also used, from a source checkout, by the CDK construct and the
 * launcher); this script only compiles them with esbuild and runs them, so each artifact has one
 * build definition and plain Node.js (no tsx) can run it.
 *
 * Prints the sizes; with --measure, the start-up cost of loading the layer's handler module.
 * Usage: node scripts/build-layer.mjs [--outdir <dir>] [--runtime-outdir <dir>] [--measure]
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const scratch = path.join(packageDir, 'node_modules', '.cache', 'stakeout')
mkdirSync(scratch, { recursive: true })
const builder = path.join(scratch, `build-artifacts-${process.pid}`)
try {
  await build({
    absWorkingDir: packageDir,
    entryPoints: { layer: 'src/build/interceptor-layer.ts', runtime: 'src/build/local-runtime.ts' },
    outdir: builder,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    logLevel: 'warning',
  })
  const { buildInterceptorLayer } = await import(pathToFileURL(path.join(builder, 'layer.mjs')).href)
  const { buildLocalRuntime } = await import(pathToFileURL(path.join(builder, 'runtime.mjs')).href)
  const { root } = await buildInterceptorLayer(flag('--outdir') ?? path.join(packageDir, 'dist', 'layer'))
  console.log(`interceptor layer: ${root} (${(directorySize(root) / 1024).toFixed(0)} KiB)`)
  const { file } = await buildLocalRuntime(flag('--runtime-outdir') ?? path.join(packageDir, 'dist', 'local-runtime'))
  console.log(`local runtime: ${file} (${(statSync(file).size / 1024).toFixed(0)} KiB)`)
  if (process.argv.includes('--measure')) measureStartup(root)
} finally {
  rmSync(builder, { recursive: true, force: true })
}

/** The value after `name` on the command line, resolved as a path. */
function flag(name) {
  const index = process.argv.indexOf(name)
  return index === -1 ? undefined : path.resolve(process.argv[index + 1])
}

function directorySize(dir) {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    total += entry.isDirectory() ? directorySize(full) : statSync(full).size
  }
  return total
}

/** Median wall time of `node -e "import(handler.mjs)"` against `node -e ""`, each run 15 times. */
function measureStartup(root) {
  const taskRoot = path.join(scratch, `startup-${process.pid}`)
  mkdirSync(taskRoot, { recursive: true })
  writeFileSync(path.join(taskRoot, 'index.mjs'), 'export const handler = async () => "ok"\n')
  const env = {
    ...process.env,
    STAKEOUT_ORIGINAL_HANDLER: 'index.handler',
    LAMBDA_TASK_ROOT: taskRoot,
    STAKEOUT_INTERCEPTOR_TABLE: 'startup-measure',
    AWS_LAMBDA_FUNCTION_NAME: 'startup-measure',
  }
  const handlerUrl = pathToFileURL(path.join(root, 'stakeout', 'handler.mjs')).href
  const median = (script) => {
    const times = []
    for (let run = 0; run < 15; run++) {
      const started = process.hrtime.bigint()
      execFileSync(process.execPath, ['-e', script], { env, stdio: 'ignore' })
      times.push(Number(process.hrtime.bigint() - started) / 1e6)
    }
    return times.sort((a, b) => a - b)[7]
  }
  try {
    const bare = median('')
    const loaded = median(`import(${JSON.stringify(handlerUrl)})`)
    console.log(
      `start-up: node -e '' ${bare.toFixed(1)} ms, with the layer's handler.mjs ${loaded.toFixed(1)} ms (+${(loaded - bare).toFixed(1)} ms)`,
    )
  } finally {
    rmSync(taskRoot, { recursive: true, force: true })
  }
}
