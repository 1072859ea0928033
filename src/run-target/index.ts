/**
 * The target of a test run, brought up once per run by the runners' global setups and by `npx stakeout local`:
 * the deployed stack named by `STAKEOUT_STACK`, a local app already running (`STAKEOUT_LOCAL_APP`), or the app of
 * `STAKEOUT_APP` / the project's `cdk.json`, started on this machine with `startLocal`.
 * @packageDocumentation
 */
import { StakeoutError } from '../errors.js'
import { type LocalApp, type LocalFaults, startLocal } from '../local/index.js'
import { LOCAL_APP_ENV, resolveTarget, STACK_ENV } from '../target/index.js'
import { APP_ENV, APP_STACK_ENV, findLocalApp, type LocalAppSource } from './find-app.js'

export { APP_ENV, APP_STACK_ENV, findLocalApp, type LocalAppSource } from './find-app.js'

/**
 * The environment variable that turns delivery faults on for a run's local app: the JSON of `startLocal`'s
 * `faults` option, e.g. `STAKEOUT_LOCAL_FAULTS='{"eventBridge":{"duplicate":0.3,"reorder":true}}' npx vitest run`.
 */
export const FAULTS_ENV = 'STAKEOUT_LOCAL_FAULTS'

/**
 * The faults `STAKEOUT_LOCAL_FAULTS` asks for, or `undefined` when it is unset or empty.
 *
 * @throws {StakeoutError} it is not a JSON object (startLocal checks the fields)
 */
export function faultsFromEnv(env: NodeJS.ProcessEnv): LocalFaults | undefined {
  const text = env[FAULTS_ENV]?.trim()
  if (!text) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new StakeoutError(`${FAULTS_ENV} is not JSON (${(error as Error).message}): ${text}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new StakeoutError(
      `${FAULTS_ENV} must be a JSON object like {"eventBridge":{"duplicate":0.3}}, not ${JSON.stringify(parsed)}`,
    )
  }
  return parsed as LocalFaults
}

/** How {@link startRunTarget} finds and reports the run's target. */
export interface RunTargetOptions {
  /** The project root: where `cdk.json` is looked for, and relative `STAKEOUT_APP` paths start. */
  readonly root: string
  /** Read for the target's variables; `STAKEOUT_LOCAL_APP` is set here for the test workers. @default process.env */
  readonly env?: NodeJS.ProcessEnv
  /** Progress lines (one per step, with its time). @default lines on stderr, prefixed `[stakeout]` */
  readonly log?: (line: string) => void
  /** Aborts a start in progress. */
  readonly signal?: AbortSignal
  /**
   * The caller hands the app to its own workers (Vitest's `project.provide`, see {@link RunTarget.localApp}), so the
   * projects of one run may each bring a different app up; `STAKEOUT_LOCAL_APP` is then set only while one app is up,
   * as it can name one. Without it (Jest, whose workers read only that variable), a second, different app in the run
   * is refused.
   * @default false
   */
  readonly perProject?: boolean
  /**
   * The delivery faults of the local app it brings up (a Vitest project's `test.env.STAKEOUT_LOCAL_FAULTS`).
   * @default `STAKEOUT_LOCAL_FAULTS` of `env`
   */
  readonly faults?: LocalFaults
}

/** What {@link startRunTarget} found or brought up, and how to let go of it. */
export interface RunTarget {
  /**
   * `deployed`: `STAKEOUT_STACK`, read once. `local`: an app this run brought up. `running`: the local app that
   * `STAKEOUT_LOCAL_APP` already names (`npx stakeout local` in another terminal). `none`: nothing to bring up.
   */
  readonly kind: 'deployed' | 'local' | 'running' | 'none'
  /** The app, when this run brought it up. */
  readonly app?: LocalApp
  /** The manifest of the local app the tests use (`local` or `running`), for the caller to hand to its workers. */
  readonly localApp?: string
  /** Stops the app this run brought up (once its last user lets go), and unsets `STAKEOUT_LOCAL_APP`. */
  stop(): Promise<void>
}

/** A local app brought up by this process, shared by every caller that asks for the same app (Vitest's projects). */
interface SharedApp {
  readonly key: string
  readonly started: Promise<LocalApp>
  users: number
  manifestPath?: string
  /** Brought up for a caller that hands it to its workers itself ({@link RunTargetOptions.perProject}). */
  readonly perProject: boolean
}

// On globalThis, not in this module: Vitest loads a global setup file once per project, each a module of its own.
const SHARED = Symbol.for('stakeout.runTarget.apps')
const registry = globalThis as { [SHARED]?: Map<string, SharedApp> }
registry[SHARED] ??= new Map()
const sharedApps = registry[SHARED]

/** Writes one progress line to stderr: the runners' global setups print before any reporter output. */
export function logToStderr(line: string): void {
  process.stderr.write(`[stakeout] ${line}\n`)
}

/**
 * Brings the run's target up, once per run, before any test: with `STAKEOUT_STACK` set, reads the deployed stack
 * (a wrong name fails the run once); with `STAKEOUT_LOCAL_APP` set, checks the running local app it names; else
 * starts the app of `STAKEOUT_APP` (or of the root's `cdk.json`) with `startLocal` and sets `STAKEOUT_LOCAL_APP`
 * to its manifest, which the test workers inherit (while it is the only app up: see
 * {@link RunTargetOptions.perProject}). With none of them, it brings nothing up and says so in one line: tests that
 * give their resources explicitly still run.
 *
 * @throws {StakeoutError} the target could not be read or brought up; the message names the app and the cause
 * @example
 * const target = await startRunTarget({ root: process.cwd() })
 * // ... run the tests ...
 * await target.stop()
 */
export async function startRunTarget(options: RunTargetOptions): Promise<RunTarget> {
  const env = options.env ?? process.env
  const log = options.log ?? logToStderr
  const nothingToStop = async () => {}
  if (env[STACK_ENV]) {
    await resolveTarget({ env })
    return { kind: 'deployed', stop: nothingToStop }
  }
  const running = env[LOCAL_APP_ENV]
  // Set by another Vitest project of this run that brought its app up: not an app started elsewhere.
  const ours = [...sharedApps.values()].some((shared) => shared.manifestPath === running)
  if (running && !ours) {
    await resolveTarget({ env }).catch((error: unknown) => {
      throw new StakeoutError(
        `${LOCAL_APP_ENV}=${running} names no running local app (${(error as Error).message}). ` +
          'Unset it to let stakeout bring the app up, or start the app with `npx stakeout local`.',
        { cause: error },
      )
    })
    log(`testing the local app already running (${LOCAL_APP_ENV}=${running})`)
    return { kind: 'running', localApp: running, stop: nothingToStop }
  }
  const found = await findLocalApp({ root: options.root, app: env[APP_ENV], stack: env[APP_STACK_ENV] })
  const faults = options.faults ?? faultsFromEnv(env)
  const source = found === undefined || faults === undefined ? found : { ...found, faults }
  if (source === undefined) {
    log(
      `no target brought up: none of ${STACK_ENV}, ${APP_ENV} or ${LOCAL_APP_ENV} is set and ${options.root} has no ` +
        "cdk.json. Tests that name their resources explicitly still run; a ref such as useFunction('X') needs one of them.",
    )
    return { kind: 'none', stop: nothingToStop }
  }
  const key = keyOf(source)
  const perProject = options.perProject ?? false
  for (const other of sharedApps.values()) {
    if (other.key === key || (perProject && other.perProject)) continue
    throw new StakeoutError(
      `Two different local apps in one run (${other.key} and ${key}): ${LOCAL_APP_ENV} can name one. ` +
        `Give every project the same ${APP_ENV}, or run them separately.`,
    )
  }
  let shared = sharedApps.get(key)
  if (shared === undefined) {
    const started = bringUpLocalApp(source, { log, ...(options.signal ? { signal: options.signal } : {}) })
    const entry: SharedApp = { key, started, users: 0, perProject }
    shared = entry
    sharedApps.set(key, entry)
    started.then(
      (app) => {
        entry.manifestPath = app.manifestPath
      },
      () => sharedApps.delete(key),
    )
  }
  shared.users++
  const app = await shared.started.catch((error: unknown) => {
    if (shared) shared.users--
    throw error
  })
  handOverThroughEnv(env, app.manifestPath)
  let stopped = false
  const stop = async () => {
    if (stopped || shared === undefined) return
    stopped = true
    if (--shared.users > 0) return
    sharedApps.delete(key)
    if (env[LOCAL_APP_ENV] === app.manifestPath) delete env[LOCAL_APP_ENV]
    await app.stop()
  }
  return { kind: 'local', app, localApp: app.manifestPath, stop }
}

/**
 * `STAKEOUT_LOCAL_APP` names the app while it is the only one this process brought up. With several (Vitest projects
 * with apps of their own, each handed to its workers by `provide`) it names none: inherited by a project's workers,
 * it would name another project's app.
 */
function handOverThroughEnv(env: NodeJS.ProcessEnv, manifestPath: string): void {
  if (sharedApps.size === 1) {
    env[LOCAL_APP_ENV] = manifestPath
    return
  }
  const ours = [...sharedApps.values()].map((shared) => shared.manifestPath)
  if (ours.includes(env[LOCAL_APP_ENV])) delete env[LOCAL_APP_ENV]
}

/**
 * Starts a local app with `startLocal`, printing one line before it starts, the steps `startLocal` reports (synth,
 * DynamoDB Local, tables, functions, each with its time), and one line when it is up.
 *
 * @throws {StakeoutError} it could not be brought up: the message says which app, from where, and why
 * @example
 * const app = await bringUpLocalApp({ app: 'npx tsx app.ts', cwd: 'examples/bank', origin: 'cdk.json' }, { log: console.log })
 */
export async function bringUpLocalApp(
  source: LocalAppSource,
  options: { readonly log: (line: string) => void; readonly signal?: AbortSignal },
): Promise<LocalApp> {
  const { log } = options
  const started = performance.now()
  log(`bringing the local app up: ${describeSource(source)}`)
  try {
    const app = await startLocal({
      app: source.app,
      cwd: source.cwd,
      log,
      ...(source.stack ? { stack: source.stack } : {}),
      ...(source.faults ? { faults: source.faults } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    })
    log(`${app.stackName} is up in ${seconds(performance.now() - started)}`)
    return app
  } catch (error) {
    if (options.signal?.aborted) throw error
    const failure = new StakeoutError(
      `Could not bring the local app up (${describeSource(source)}):\n${(error as Error)?.message ?? String(error)}\n` +
        `To test a deployed stack instead, set ${STACK_ENV}=<stack name>.`,
    )
    // The message holds the whole cause; a stack into stakeout's internals (and the cause printed again by the
    // runner) would only bury it.
    failure.stack = `${failure.name}: ${failure.message}`
    throw failure
  }
}

function describeSource(source: LocalAppSource): string {
  const stack = source.stack ? `, stack ${source.stack}` : ''
  return source.origin.includes(source.app)
    ? `${source.origin}${stack}, in ${source.cwd}`
    : `${source.origin}: ${source.app}${stack}, in ${source.cwd}`
}

function keyOf(source: LocalAppSource): string {
  return `${source.app} (in ${source.cwd}${source.stack ? `, stack ${source.stack}` : ''}${source.faults ? `, faults ${JSON.stringify(source.faults)}` : ''})`
}

/** `4.2 s`. */
export function seconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)} s`
}
