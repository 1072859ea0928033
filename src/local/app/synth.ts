import { spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { access, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, extname, join, resolve } from 'node:path'
import { StakeoutError } from '../../errors.js'
import { isRecord } from '../../target/template.js'

/** What {@link assemblyOf} needs: the app, where it runs, and the environment a CDK app reads its defaults from. */
export interface SynthOptions {
  readonly app: string
  readonly cwd: string
  readonly region: string
  readonly account: string
  readonly signal: AbortSignal | undefined
}

/** The assembly to read, and whether it was synthesized now (then `ms` is the synth's time). */
export interface Assembly {
  readonly dir: string
  readonly synthesized: boolean
}

/** How much of a failed synth's output the error shows: its end, where the error is. */
const OUTPUT_SHOWN = 8_000

/**
 * The cloud assembly of `app`: `app` itself when it is a directory (a `cdk.out`), else the assembly the app command
 * writes when run as the CDK CLI runs it (see {@link synthesize}).
 *
 * @throws {StakeoutError} `app` looks like a path that does not exist, is a directory with no `manifest.json`, or
 *   the command failed (its output is in the message)
 */
export async function assemblyOf(options: SynthOptions): Promise<Assembly> {
  const path = resolve(options.cwd, options.app)
  const stats = await stat(path).catch(() => undefined)
  if (stats?.isDirectory()) {
    const hasManifest = await access(join(path, 'manifest.json')).then(
      () => true,
      () => false,
    )
    if (!hasManifest) {
      throw new StakeoutError(
        `startLocal: app ${JSON.stringify(options.app)} is a directory with no manifest.json (${path}): give a ` +
          'synthesized cloud assembly (cdk.out, after `npx cdk synth`) or the app command of your cdk.json.',
      )
    }
    return { dir: path, synthesized: false }
  }
  const command = options.app.trim()
  // A single word that names a path (`cdk.out`, `./out`, `bin/app.js`) but no file: a typo, not a command.
  if (!/\s/.test(command) && /[/.]/.test(command) && stats === undefined) {
    throw new StakeoutError(
      `startLocal: app ${JSON.stringify(options.app)} does not exist (looked for ${path}): give a synthesized cloud ` +
        "assembly (cdk.out) or an app command like 'npx tsx bin/app.ts'.",
    )
  }
  const dir = await ownedDirectory(await synthRoot(options.cwd), 'cdk.out')
  try {
    await synthesize(command, dir, options)
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  return { dir, synthesized: true }
}

/**
 * Runs a CDK app command the way the CDK CLI (and `@aws-cdk/toolkit-lib`, which the CLI is built on) runs it: in a
 * shell, in `cwd`, with `CDK_OUTDIR` naming a fresh directory, `CDK_CONTEXT_JSON` holding the context (the CLI's
 * defaults for path and asset metadata and bundling, then `cdk.context.json`, then the `context` of `cdk.json`,
 * later ones winning), and `CDK_DEFAULT_REGION` / `CDK_DEFAULT_ACCOUNT` (the local target's, where the CLI would ask
 * the SDK). A `.js` file that is not executable runs with this Node.js, as the CLI guesses. The user's own
 * `~/.cdk.json` is not read, so a run does not depend on who runs it.
 */
export async function synthesize(command: string, outdir: string, options: SynthOptions): Promise<void> {
  const context = await contextOf(options.cwd)
  const env: Record<string, string | undefined> = {
    ...process.env,
    CDK_OUTDIR: outdir,
    CDK_CONTEXT_JSON: JSON.stringify(context),
    CDK_DEFAULT_REGION: options.region,
    CDK_DEFAULT_ACCOUNT: options.account,
  }
  const commandLine = await withInterpreter(command, options.cwd)
  const output: Buffer[] = []
  let outputBytes = 0
  const keep = (chunk: Buffer) => {
    output.push(chunk)
    outputBytes += chunk.length
    while (outputBytes > OUTPUT_SHOWN * 2 && output.length > 1) outputBytes -= output.shift()?.length ?? 0
  }
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done, fail) => {
    const child = spawn(commandLine, { shell: true, cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    const stopChild = () => child.kill('SIGTERM')
    process.once('exit', stopChild)
    const onAbort = () => stopChild()
    options.signal?.addEventListener('abort', onAbort, { once: true })
    child.once('error', fail)
    child.once('close', (code, signal) => {
      process.off('exit', stopChild)
      options.signal?.removeEventListener('abort', onAbort)
      done({ code, signal })
    })
  })
  options.signal?.throwIfAborted()
  const text = Buffer.concat(output).toString('utf8').trimEnd()
  const shown = text.length > OUTPUT_SHOWN ? `…${text.slice(-OUTPUT_SHOWN)}` : text
  if (exit.code !== 0) {
    const how = exit.code === null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`
    throw new StakeoutError(
      `startLocal: the app command ${JSON.stringify(command)} ${how} (in ${options.cwd}). Its output:\n${shown || '(none)'}`,
    )
  }
  const wrote = await access(join(outdir, 'manifest.json')).then(
    () => true,
    () => false,
  )
  if (!wrote) {
    throw new StakeoutError(
      `startLocal: the app command ${JSON.stringify(command)} exited 0 but wrote no cloud assembly to CDK_OUTDIR: ` +
        `does it call app.synth() (or end with a new App() that CDK synthesizes)? Its output:\n${shown || '(none)'}`,
    )
  }
}

/** The context the CDK CLI hands an app: its defaults, then `cdk.context.json`, then the `context` of `cdk.json`. */
async function contextOf(cwd: string): Promise<Record<string, unknown>> {
  const fromFile = async (file: string, key?: string): Promise<Record<string, unknown>> => {
    const text = await readFile(join(cwd, file), 'utf8').catch(() => undefined)
    if (text === undefined) return {}
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (error) {
      throw new StakeoutError(`startLocal: ${join(cwd, file)} is not valid JSON (${(error as Error).message})`)
    }
    const value = key === undefined ? parsed : isRecord(parsed) ? parsed[key] : undefined
    return isRecord(value) ? value : {}
  }
  return {
    'aws:cdk:enable-path-metadata': true,
    'aws:cdk:enable-asset-metadata': true,
    'aws:cdk:version-reporting': true,
    'aws:cdk:bundling-stacks': ['**'],
    ...(await fromFile('cdk.context.json')),
    ...(await fromFile('cdk.json', 'context')),
  }
}

/** The CLI's guess: a command that is one `.js` file, not executable, runs with node. */
async function withInterpreter(command: string, cwd: string): Promise<string> {
  const [first = '', ...rest] = command.split(/\s+/)
  if (extname(first) !== '.js') return command
  const executable = await access(resolve(cwd, first), constants.X_OK).then(
    () => true,
    () => false,
  )
  if (executable) return command
  return [JSON.stringify(process.execPath), first, ...rest].join(' ')
}

/**
 * Where a synthesized assembly goes: under the project (`node_modules/.cache/stakeout/local` of the package root
 * above `cwd`), as the CLI's own `cdk.out` is, so a function's `require('@aws-sdk/...')` resolves from the
 * project's `node_modules` as it does from the user's `cdk.out` (Lambda provides the SDK; the local runtime does
 * not). Outside any package: the system's temporary directory.
 */
async function synthRoot(cwd: string): Promise<string> {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (
      await access(join(dir, 'package.json')).then(
        () => true,
        () => false,
      )
    ) {
      const root = join(dir, 'node_modules', '.cache', 'stakeout', 'local')
      await mkdir(root, { recursive: true })
      return root
    }
    if (dirname(dir) === dir) return tmpdir()
  }
}

/** A fresh scratch directory for one local app (its manifest). */
export function scratchDirectory(): Promise<string> {
  return ownedDirectory(tmpdir(), 'stakeout-local')
}

/**
 * A fresh directory `<prefix>-<pid>-<random>` in `parent`. Directories of the same prefix whose process is gone
 * (killed with SIGKILL before it could remove them) are removed first, so they do not pile up.
 */
async function ownedDirectory(parent: string, prefix: string): Promise<string> {
  const pattern = new RegExp(`^${prefix}-(\\d+)-`)
  const stale = (await readdir(parent).catch(() => [] as string[])).filter((name) => {
    const pid = Number(pattern.exec(name)?.[1])
    return Number.isInteger(pid) && pid > 0 && !isAlive(pid)
  })
  await Promise.all(stale.map((name) => rm(join(parent, name), { recursive: true, force: true }).catch(() => {})))
  return mkdtemp(join(parent, `${prefix}-${process.pid}-`))
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
