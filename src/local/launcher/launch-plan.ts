/**
 * What an execution environment's process is started with: Lambda's own variables, set as Lambda
 * sets them, the function's configured ones, and the command line (the runtime's, or the exec
 * wrapper's with the runtime's as its arguments).
 */
import { randomBytes } from 'node:crypto'
import { dirname } from 'node:path'
import type { OptDirectory } from './opt-directory.js'
import type { CheckedEnvironmentOptions } from './options.js'
import type { LambdaNodeRuntime } from './types.js'

/** Everything needed to start an execution environment's process. */
export interface LaunchPlan {
  readonly functionName: string
  readonly runtime: LambdaNodeRuntime
  readonly region: string
  readonly timeoutMs: number
  /** How long INIT may run: Lambda's 10 s init limit, or the function's timeout when longer. */
  readonly initTimeoutMs: number
  readonly maxConcurrency: number
  readonly command: string
  readonly args: readonly string[]
  readonly env: Readonly<Record<string, string>>
  readonly cwd: string
}

/** Lambda's limit on the INIT phase of an on-demand function. */
const LAMBDA_INIT_LIMIT_MS = 10_000

/** Variables of this process an execution environment inherits, besides `AWS_*` (credentials, profile, region). */
const INHERITED_VARIABLES = ['PATH', 'HOME', 'USER', 'TMPDIR', 'TEMP', 'TMP', 'SystemRoot', 'SYSTEMROOT']

/**
 * The plan for one environment.
 *
 * @param taskRoot - `LAMBDA_TASK_ROOT`: the code directory, or its copy (see task-root.ts).
 * @param bootstrap - the local runtime's entry file (what `/var/runtime/index.mjs` is in Lambda).
 *   There is no stand-in for `/var/runtime/node_modules` (the AWS SDK Lambda provides): a module
 *   left out of the bundle resolves from the `node_modules` above the code directory, which for a
 *   `cdk.out` asset are the project's.
 */
export function launchPlan(
  options: CheckedEnvironmentOptions,
  opt: OptDirectory,
  taskRoot: string,
  bootstrap: string,
): LaunchPlan {
  const { functionName, runtime, memoryMb, maxConcurrency } = options
  const configured: Record<string, string> = {}
  for (const [name, value] of Object.entries(options.environment)) configured[name] = opt.map(value)
  const region = configured.AWS_REGION ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1'

  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    const inherited =
      INHERITED_VARIABLES.includes(name) ||
      (name.startsWith('AWS_') && !name.startsWith('AWS_LAMBDA_') && name !== 'AWS_EXECUTION_ENV')
    if (inherited && value !== undefined) env[name] = value
  }
  // Lambda's PATH ends with /opt/bin, where layers put executables.
  env.PATH = [env.PATH, `${opt.path}/bin`].filter(Boolean).join(':')
  const major = runtime.replace(/^nodejs(\d+)\.x$/, '$1')
  Object.assign(env, {
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    // Lambda's NODE_PATH, with /opt, /var/runtime and /var/task pointed at their local stand-ins.
    NODE_PATH: [
      `${opt.path}/nodejs/node${major}/node_modules`,
      `${opt.path}/nodejs/node_modules`,
      dirname(bootstrap),
      taskRoot,
    ].join(':'),
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName(),
  })
  Object.assign(env, configured, {
    _HANDLER: opt.map(options.handler),
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: dirname(bootstrap),
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
    AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
  })
  if (maxConcurrency > 1) env.AWS_LAMBDA_MAX_CONCURRENCY = String(maxConcurrency)

  // Lambda's bootstrap sizes the heap from the function's memory: a tenth for the young generation.
  const newSpace = Math.floor(memoryMb / 10)
  const runtimeCommand = [
    options.node,
    '--expose-gc',
    '--max-http-header-size=81920',
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
    bootstrap,
  ]
  // Lambda runs the wrapper with the runtime's command line as its arguments; a wrapper that execs
  // them keeps the IPC file descriptor (NODE_CHANNEL_FD) open across the exec.
  const wrapper = env.AWS_LAMBDA_EXEC_WRAPPER
  const [command, ...args] = wrapper !== undefined && wrapper !== '' ? [wrapper, ...runtimeCommand] : runtimeCommand
  return {
    functionName,
    runtime,
    region,
    timeoutMs: options.timeoutMs,
    // Lambda gives INIT 10 s, and runs a longer one again within the invocation's timeout.
    initTimeoutMs: Math.max(LAMBDA_INIT_LIMIT_MS, options.timeoutMs),
    maxConcurrency,
    command: command as string,
    args,
    env,
    cwd: options.cwd ?? taskRoot,
  }
}

/** `2025/01/31/[$LATEST]<32 hex>`, the shape of a Lambda log stream name. */
function logStreamName(): string {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/')
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`
}
