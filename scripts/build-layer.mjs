#!/usr/bin/env node
/**
 * `npm run build` (after tsup) and `npm run build:layer`: builds the interceptor Lambda layer into
 * dist/layer. The builder itself is src/runtime/interceptor/build-layer.ts (also used by the CDK
 * construct from a source checkout); this script only compiles it with esbuild and runs it, so the
 * layer has one build definition and plain Node.js (no tsx) can run it.
 *
 * Prints the layer's size; with --measure, the start-up cost of loading its handler module.
 * Usage: node scripts/build-layer.mjs [--outdir <dir>] [--measure]
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const scratch = path.join(packageDir, 'node_modules', '.cache', 'stakeout')
mkdirSync(scratch, { recursive: true })
const builder = path.join(scratch, `build-layer-${process.pid}.mjs`)
try {
  await build({
    absWorkingDir: packageDir,
    entryPoints: ['src/runtime/interceptor/build-layer.ts'],
    outfile: builder,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    logLevel: 'warning',
  })
  const { buildInterceptorLayer } = await import(pathToFileURL(builder).href)
  const outdirFlag = process.argv.indexOf('--outdir')
  const outdir = outdirFlag === -1 ? path.join(packageDir, 'dist', 'layer') : path.resolve(process.argv[outdirFlag + 1])
  const { root } = await buildInterceptorLayer(outdir)
  console.log(`interceptor layer: ${root} (${(directorySize(root) / 1024).toFixed(0)} KiB)`)
  if (process.argv.includes('--measure')) measureStartup(root)
} finally {
  rmSync(builder, { force: true })
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
