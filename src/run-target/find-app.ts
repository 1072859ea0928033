import { readFile, stat } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { StakeoutError } from '../errors.js'
import type { LocalFaults } from '../local/app/types.js'

/** The environment variable that names the app to bring up locally: a `cdk.out`, a CDK project folder or an app command. */
export const APP_ENV = 'STAKEOUT_APP'

/** The environment variable that picks the stack of the local app, when its assembly holds several. */
export const APP_STACK_ENV = 'STAKEOUT_APP_STACK'

/** The app a run brings up on this machine, and where it was found. */
export interface LocalAppSource {
  /** What `startLocal` gets: a `cdk.out` directory (absolute) or an app command. */
  readonly app: string
  /** Where the app command runs: the folder of its `cdk.json`, or the project root. */
  readonly cwd: string
  /** The stack to bring up, when one was chosen. */
  readonly stack?: string
  /** Where the app came from, for messages: `STAKEOUT_APP=cdk.out`, `examples/bank/cdk.json`, `--app …`. */
  readonly origin: string
  /** The delivery faults to run it with (`STAKEOUT_LOCAL_FAULTS`). */
  readonly faults?: LocalFaults
}

/** Where {@link findLocalApp} looks. */
export interface FindLocalAppOptions {
  /** The project root (Vitest's `root`, Jest's `rootDir`, the CLI's working directory). */
  readonly root: string
  /** The app as given (`STAKEOUT_APP`, or the CLI's `--app`): a `cdk.out`, a folder with `cdk.json`, or an app command. */
  readonly app?: string | undefined
  /** How the app was given, for messages. @default 'STAKEOUT_APP' */
  readonly appOrigin?: string
  /** The stack to bring up. */
  readonly stack?: string | undefined
}

/**
 * Finds the app to bring up locally. `app`, when given, is a `cdk.out` directory (a folder with `manifest.json`), a
 * CDK project folder (with `cdk.json`: its `app` runs there), a `cdk.json` file, or else an app command run in
 * `root`. Without `app`: the `cdk.json` of `root`, as the CDK CLI reads it. Resolves `undefined` when there is none.
 *
 * @throws {StakeoutError} a `cdk.json` that is not JSON or has no `app`, or a folder that is neither a `cdk.out`
 *   nor a CDK project
 * @example
 * await findLocalApp({ root: '/repo', app: 'examples/bank' })
 * // { app: 'npx tsx app.ts', cwd: '/repo/examples/bank', origin: 'examples/bank/cdk.json' }
 */
export async function findLocalApp(options: FindLocalAppOptions): Promise<LocalAppSource | undefined> {
  const { root, app, stack } = options
  const given = app?.trim() ? app.trim() : undefined
  const withStack = <T extends object>(source: T): T & { stack?: string } => (stack ? { ...source, stack } : source)
  if (given === undefined) {
    const cdkJson = join(root, 'cdk.json')
    if (!(await isFile(cdkJson))) return undefined
    return withStack(await readCdkJson(cdkJson, root))
  }
  const origin = `${options.appOrigin ?? APP_ENV}=${given}`
  const path = resolve(root, given)
  const kind = await pathKind(path)
  if (kind === 'directory') {
    if (await isFile(join(path, 'manifest.json'))) return withStack({ app: path, cwd: root, origin })
    if (await isFile(join(path, 'cdk.json'))) return withStack(await readCdkJson(join(path, 'cdk.json'), root))
    throw new StakeoutError(
      `${origin}: ${path} is a folder with neither manifest.json (a synthesized cdk.out) nor cdk.json (a CDK project)`,
    )
  }
  if (kind === 'file' && /(^|[/\\])cdk\.json$/.test(given)) return withStack(await readCdkJson(path, root))
  return withStack({ app: given, cwd: root, origin })
}

/** The `app` of a `cdk.json`, run in its folder, as the CDK CLI does. */
async function readCdkJson(file: string, root: string): Promise<LocalAppSource> {
  const shown = relative(root, file) || file
  let settings: unknown
  try {
    settings = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new StakeoutError(`${shown} is not valid JSON (${(error as Error).message})`, { cause: error })
  }
  const app = typeof settings === 'object' && settings !== null ? (settings as { app?: unknown }).app : undefined
  if (typeof app !== 'string' || app.trim() === '') {
    throw new StakeoutError(
      `${shown} has no "app": it must name the command that synthesizes the CDK app, like "npx tsx bin/app.ts"`,
    )
  }
  return { app, cwd: resolve(file, '..'), origin: shown }
}

async function pathKind(path: string): Promise<'file' | 'directory' | undefined> {
  try {
    const found = await stat(path)
    return found.isDirectory() ? 'directory' : found.isFile() ? 'file' : undefined
  } catch {
    return undefined
  }
}

async function isFile(path: string): Promise<boolean> {
  return (await pathKind(path)) === 'file'
}
