#!/usr/bin/env node
/**
 * `npm run smoke`: proves the package as published works, not just the sources. It packs the built
 * package (run `npm run build` first), installs the tarball into a fresh copy of the consumer project
 * in test-package/ (from the npm cache where it can), and there, with this script's Node.js:
 *
 *   - imports every ESM entry and requires every CommonJS entry usable outside a runner (esm.mjs, cjs.cjs);
 *   - checks `stakeout/vitest` outside Vitest throws the setupFiles hint (outside-vitest.mjs);
 *   - synthesizes a CDK stack with HttpInterceptor + applyHttpInterceptor whose layer is the installed
 *     dist/layer (synth.mjs);
 *   - runs a Vitest test on DynamoDB Local: a handler through the installed layer, useInterceptor,
 *     toHaveCalled (smoke.test.ts);
 *   - runs the package's bin: `stakeout --help` prints the usage, a bad flag exits with status 2 (cli); and
 *     `stakeout local` brings a CDK app up from the installed package, serves an invocation through the interceptor
 *     layer, and stops on SIGINT (local.mjs);
 *   - type-checks consumer files against the published .d.ts and .d.cts (tsc with the repo's typescript).
 *
 * Prints one line per check and exits 1 on any failure. Temporary directories are removed.
 * STAKEOUT_CACHE_DIR (default: the repo's node_modules/.cache/stakeout) holds DynamoDB Local's jar.
 * Usage: node scripts/smoke-package.mjs [--keep] (--keep leaves the temporary directory for a look)
 */
import { spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** A command that failed: its message holds the command line and the end of its output. */
class CommandError extends Error {}

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const manifest = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'))
const node = process.execPath
const keep = process.argv.includes('--keep')
/** The consumer installs the versions this repo is tested with: they are in the npm cache already. */
const consumerPackages = ['vitest', 'aws-cdk-lib', 'constructs', '@aws-sdk/client-dynamodb', '@types/node'].map(
  (name) => `${name}@${installedVersion(name)}`,
)
const env = {
  ...process.env,
  STAKEOUT_CACHE_DIR: process.env.STAKEOUT_CACHE_DIR || path.join(repo, 'node_modules', '.cache', 'stakeout'),
  // The consumer's own Node.js first, as `npm run` would give it; and no colours in captured output.
  PATH: [path.dirname(node), process.env.PATH].join(path.delimiter),
  NO_COLOR: '1',
  FORCE_COLOR: '0',
}
delete env.NODE_OPTIONS
delete env.VITEST

const work = mkdtempSync(path.join(tmpdir(), 'stakeout-smoke-'))
const consumer = path.join(work, 'consumer')
const started = performance.now()
let failures = 0

const removeWork = () => {
  if (!keep) rmSync(work, { recursive: true, force: true })
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    removeWork()
    process.exit(130)
  })
}

try {
  const exported = await check('dist has every exports entry (.js .cjs .d.ts .d.cts)', exportedFiles)
  const tarball = await check('npm pack ships dist, dist/layer (wrapper executable) and README', () => pack(exported))
  await check('consumer installs the tarball', () => install(tarball))
  const inConsumer = (args, options) => run(node, args, { cwd: consumer, ...options })
  await check('ESM: import every entry, key exports present', () => inConsumer(['esm.mjs']))
  await check('CJS: require every entry, key exports present', () => inConsumer(['cjs.cjs']))
  await check('stakeout/vitest outside Vitest throws the setupFiles hint', () => inConsumer(['outside-vitest.mjs']))
  await check('CDK synth: HttpInterceptor layer is the installed dist/layer (ESM and CJS)', () =>
    inConsumer(['synth.mjs', path.join(work, 'cdk.out')]),
  )
  await check('Vitest + DynamoDB Local: startHandler through the layer, useInterceptor, toHaveCalled', vitest)
  await check('bin: stakeout --help prints the usage, a bad flag exits with status 2', cli)
  await check('bin: stakeout local brings a CDK app up, serves an invocation, stops on SIGINT', () =>
    inConsumer(['local.mjs', work], { timeoutMs: 180_000 }),
  )
  await check('tsc: consumer files against the published .d.ts / .d.cts', () =>
    inConsumer([path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', 'tsconfig.json']),
  )
} catch {
  // A prerequisite failed (already reported): the checks after it cannot run.
} finally {
  removeWork()
}
const total = ((performance.now() - started) / 1000).toFixed(1)
console.log(failures === 0 ? `package smoke test: all passed in ${total} s` : `package smoke test: ${failures} failed`)
process.exitCode = failures === 0 ? 0 : 1

/**
 * Runs one check and prints `ok`/`FAIL` with its time, and the output of a failure (rethrown). The body
 * returns a summary (its last line is printed), or `{ summary, value }` to hand a value to later checks.
 */
async function check(name, body) {
  const checkStarted = performance.now()
  const elapsed = () => `${((performance.now() - checkStarted) / 1000).toFixed(1)} s`
  try {
    const result = await body()
    const summary = typeof result === 'string' ? result : (result?.summary ?? '')
    console.log(`ok    ${name} (${elapsed()})${summary.trim() === '' ? '' : ` — ${lastLine(summary)}`}`)
    return typeof result === 'string' ? undefined : result?.value
  } catch (error) {
    failures++
    console.log(`FAIL  ${name} (${elapsed()})`)
    console.log(indent(error instanceof CommandError ? error.message : (error?.stack ?? String(error))))
    throw error
  }
}

/** Every file the exports map names must be in dist/, and each entry must have all four files. */
function exportedFiles() {
  const files = new Set()
  const collect = (target) => {
    if (typeof target === 'string') files.add(path.normalize(target))
    else for (const value of Object.values(target)) collect(value)
  }
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (subpath !== './package.json') collect(target)
  }
  const entryNames = new Set([...files].map((file) => file.match(/^dist\/(.+?)\.(d\.c?ts|c?js)$/)?.[1]))
  const missing = []
  for (const entry of entryNames) {
    if (entry === undefined) throw new Error(`an exports target outside dist/: ${[...files].join(', ')}`)
    for (const extension of ['js', 'cjs', 'd.ts', 'd.cts']) {
      const file = `dist/${entry}.${extension}`
      files.add(file)
      if (!existsSync(path.join(repo, file))) missing.push(file)
    }
  }
  if (missing.length > 0) throw new Error(`missing from dist/ (run npm run build first): ${missing.join(', ')}`)
  const stale = newestSource() > statSync(path.join(repo, 'dist', 'index.js')).mtimeMs
  const note = stale ? ' (note: some sources are newer than dist/: run npm run build to smoke-test them)' : ''
  return { value: [...files], summary: `${entryNames.size} entries, ${files.size} files${note}` }
}

/** `npm pack` into the temporary directory; checks the tarball's file list and modes. */
async function pack(exported) {
  const output = await npm(['pack', '--json', '--pack-destination', work], { cwd: repo })
  const [packed] = JSON.parse(output.slice(output.indexOf('[')))
  const modes = new Map(packed.files.map((file) => [file.path, file.mode]))
  const required = [
    ...exported,
    'README.md',
    'package.json',
    'dist/layer/stakeout/wrapper',
    'dist/layer/stakeout/handler.mjs',
    'dist/layer/stakeout/llhttp/llhttp.wasm',
  ]
  const missing = required.filter((file) => !modes.has(file))
  if (missing.length > 0) throw new Error(`not in the tarball: ${missing.join(', ')}`)
  const wrapperMode = modes.get('dist/layer/stakeout/wrapper')
  if ((wrapperMode & 0o111) === 0) {
    throw new Error(`dist/layer/stakeout/wrapper is packed without its exec bit (mode ${wrapperMode.toString(8)})`)
  }
  const unexpected = [...modes.keys()].filter((file) => !/^(dist\/|README\.md$|package\.json$|LICENSE)/.test(file))
  if (unexpected.length > 0) throw new Error(`unexpected files in the tarball: ${unexpected.join(', ')}`)
  return {
    value: path.join(work, packed.filename),
    summary: `${packed.filename}: ${packed.entryCount} files, ${kib(packed.size)} packed, ${kib(packed.unpackedSize)} unpacked`,
  }
}

/** A fresh copy of test-package/ with the tarball and the consumer's own packages installed. */
async function install(tarball) {
  mkdirSync(consumer)
  cpSync(path.join(repo, 'test-package'), consumer, { recursive: true })
  await npm(
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--no-update-notifier',
      '--loglevel=error',
      tarball,
      ...consumerPackages,
    ],
    { cwd: consumer },
  )
  const installed = JSON.parse(readFileSync(path.join(consumer, 'node_modules', 'stakeout', 'package.json'), 'utf8'))
  if (existsSync(path.join(consumer, 'node_modules', 'stakeout', 'src'))) {
    throw new Error('the installed package has a src/ directory: it would build its layer from sources')
  }
  const count = readdirSync(path.join(consumer, 'node_modules')).length
  return `stakeout@${installed.version} with ${consumerPackages.join(' ')} (${count} top-level packages)`
}

/** Runs the consumer's Vitest test; its JSON report must show every test passed. */
async function vitest() {
  const report = path.join(work, 'vitest-report.json')
  const vitestCli = path.join(consumer, 'node_modules', 'vitest', 'vitest.mjs')
  await run(node, [vitestCli, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], {
    cwd: consumer,
    timeoutMs: 120_000,
  })
  const { numTotalTests, numPassedTests } = JSON.parse(readFileSync(report, 'utf8'))
  if (numTotalTests === 0 || numPassedTests !== numTotalTests) {
    throw new Error(`Vitest passed ${numPassedTests} of ${numTotalTests} tests`)
  }
  return `${numPassedTests}/${numTotalTests} tests passed`
}

/** The installed bin, as `npx stakeout` runs it: through its shebang, with the consumer's Node.js first on PATH. */
async function cli() {
  const bin = path.join(consumer, 'node_modules', '.bin', 'stakeout')
  const help = await run(bin, ['--help'], { cwd: consumer })
  if (!help.startsWith('Usage: stakeout local')) throw new Error(`stakeout --help printed:\n${help}`)
  const refused = await run(bin, ['local', '--bogus'], { cwd: consumer }).then(
    () => new Error('stakeout local --bogus exited with status 0'),
    (error) => error,
  )
  if (!/exited with 2:/.test(refused.message) || !refused.message.includes("Unknown option '--bogus'")) {
    throw new Error(`stakeout local --bogus must exit with 2 naming the flag; got: ${refused.message}`)
  }
  return 'usage printed; --bogus refused with status 2'
}

/** npm under this script's Node.js: the npm that runs `npm run smoke`, else the one on PATH. */
function npm(args, options) {
  const npmCli = process.env.npm_execpath
  return npmCli && /npm-cli\.[cm]?js$/.test(npmCli)
    ? run(node, [npmCli, ...args], options)
    : run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, options)
}

/** Runs a command; resolves with its stdout, rejects with a CommandError holding its output. */
function run(command, args, { cwd, timeoutMs = 180_000 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let output = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    const timer = setTimeout(() => {
      output += `\n(killed after ${timeoutMs / 1000} s)`
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(new CommandError(`${command} ${args.join(' ')}: ${error.message}`))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve(stdout)
      else {
        const shown = [path.basename(command), ...args.map((arg) => arg.replace(`${work}/`, ''))].join(' ')
        reject(new CommandError(`${shown} (in ${cwd}) exited with ${signal ?? code}:\n${tail(output, 60)}`))
      }
    })
  })
}

function installedVersion(name) {
  return JSON.parse(readFileSync(path.join(repo, 'node_modules', name, 'package.json'), 'utf8')).version
}

/** The latest modification time of the package's sources, to notice a dist/ older than them. */
function newestSource() {
  let newest = 0
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) visit(full)
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs)
    }
  }
  for (const dir of ['src', 'construct', 'matchers']) visit(path.join(repo, dir))
  return newest
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(0)} KiB`
}

function lastLine(text) {
  return String(text).trim().split('\n').at(-1)
}

function tail(text, lines) {
  const all = text.trimEnd().split('\n')
  return (all.length > lines ? ['...', ...all.slice(-lines)] : all).join('\n')
}

function indent(text) {
  return text
    .split('\n')
    .map((line) => `      ${line}`)
    .join('\n')
}
