import { type ChildProcess, spawn } from 'node:child_process'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { failArgument, StakeoutError } from '../errors.js'
import { ENV, LAYER } from '../runtime/interceptor/schema.js'
import { LAMBDA_BOOTSTRAP_SOURCE } from './lambda-bootstrap.js'

/** The Lambda Node.js runtimes a handler can be run as. */
export type LambdaNodeRuntime = 'nodejs20.x' | 'nodejs22.x' | 'nodejs24.x'

/** Where the HTTP interceptor keeps its rules and recorded calls (see `HttpInterceptor`). */
export interface InterceptorTarget {
  /** The interceptor table's name. */
  readonly tableName: string
  /** The name the function runs under: rules and calls are keyed by it (`AWS_LAMBDA_FUNCTION_NAME`). */
  readonly functionName: string
  /**
   * The DynamoDB endpoint the function reaches the table at, e.g. DynamoDB Local's `http://127.0.0.1:8000`.
   * @default the AWS endpoint of the region
   */
  readonly endpoint?: string
}

/** How a TypeScript entry is bundled, as `NodejsFunction`'s `bundling` props. */
export interface LocalBundlingOptions {
  /**
   * `cjs` writes `index.js`, `esm` writes `index.mjs` (as `NodejsFunction` does).
   * @default 'cjs'
   */
  readonly format?: 'cjs' | 'esm'
  /**
   * Modules left out of the bundle and resolved at run time, from the `node_modules` above the entry.
   * @default ['@aws-sdk/*'] (the SDK the Lambda runtime provides)
   */
  readonly externalModules?: readonly string[]
  /** @default false */
  readonly minify?: boolean
  /**
   * Writes a source map and adds `--enable-source-maps` to `NODE_OPTIONS`, as `NodejsFunction` does.
   * @default false
   */
  readonly sourceMap?: boolean
}

/** Options of {@link startHandler} (and of {@link invokeHandler}). */
export interface HandlerOptions {
  /** The handler file: `.js`, `.mjs`, `.cjs` (run in place), or `.ts`, `.mts`, `.cts` (bundled with esbuild first). */
  readonly entry: string
  /**
   * The exported handler's name; a dotted path (`handlers.orders`) reaches into nested objects.
   * @default 'handler'
   */
  readonly handler?: string
  /**
   * The function's environment variables. The process also gets Lambda's own variables
   * (`LAMBDA_TASK_ROOT`, `_HANDLER`, `AWS_LAMBDA_FUNCTION_NAME`, ...), `PATH`, `HOME` and the
   * `AWS_*` variables of this process (credentials, profile, region); these take precedence over
   * those, except the ones stakeout decides (`_HANDLER`, `LAMBDA_TASK_ROOT`, function name, memory,
   * runtime), which are refused here.
   * @default {}
   */
  readonly env?: Readonly<Record<string, string>>
  /**
   * Which Lambda runtime to behave as. It picks the runtime client's loading and calling rules
   * (nodejs20.x and nodejs22.x: client v3, `require` or `import` by file type, callback handlers;
   * nodejs24.x: client v4, `import()` for everything, `module.default` fallback, callback handlers
   * refused). The process runs on this machine's Node.js (see `node`).
   * @default 'nodejs22.x'
   */
  readonly runtime?: LambdaNodeRuntime
  /**
   * Runs the function through stakeout's HTTP interceptor layer, as `applyHttpInterceptor` sets it
   * up in Lambda: the layer's `AWS_LAMBDA_EXEC_WRAPPER` script and wrapper handler. A call the
   * handler leaves running after it returns is recorded with the next invocation of the same process;
   * with none (`invokeHandler`, or the last invocation before `stop()`) it is lost, as in Lambda.
   * @default none
   */
  readonly interceptor?: InterceptorTarget
  /**
   * How long one invocation may run (INIT too) before the process is killed and the invocation
   * fails with Lambda's `Task timed out after N seconds`.
   * @default 30000
   */
  readonly timeoutMs?: number
  /**
   * The function's name (`AWS_LAMBDA_FUNCTION_NAME`, `context.functionName`).
   * @default `interceptor.functionName`, else the entry's file name without extension
   */
  readonly functionName?: string
  /**
   * The function's memory (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`); it sizes the V8 heap as Lambda does.
   * @default 128
   */
  readonly memorySizeMb?: number
  /**
   * The process's working directory.
   * @default the task root (the entry's directory, or the bundle's)
   */
  readonly cwd?: string
  /**
   * How many invocations the process runs at once. Above 1, `AWS_LAMBDA_MAX_CONCURRENCY` is set and
   * the v4 client runs them concurrently, as on Lambda Managed Instances (nodejs22.x and up); other
   * invocations wait for a free slot.
   * @default 1
   */
  readonly maxConcurrency?: number
  /** How a TypeScript entry is bundled. */
  readonly bundling?: LocalBundlingOptions
  /**
   * The Node.js executable.
   * @default the one running this process (`process.execPath`)
   */
  readonly node?: string
}

/** Options of {@link invokeHandler}: a handler and one event. */
export interface InvokeHandlerOptions extends HandlerOptions, InvokeOptions {
  /**
   * The event, as the Invoke API would pass it (it must survive `JSON.stringify`).
   * @default {}
   */
  readonly event?: unknown
}

/** Options of one invocation. */
export interface InvokeOptions {
  /**
   * The invocation's request id (`context.awsRequestId`).
   * @default a fresh UUID
   */
  readonly requestId?: string
  /**
   * The client context (`context.clientContext`), as the Invoke API's `ClientContext`.
   * @default none
   */
  readonly clientContext?: Readonly<Record<string, unknown>>
}

/** A failed invocation, as Lambda's Invoke API reports it. */
export interface InvocationError {
  /** `Error.name` of what was thrown, or a runtime error type (`Runtime.ImportModuleError`, `Sandbox.Timedout`, ...). */
  readonly errorType: string
  readonly errorMessage: string
  /** The stack, one line per element. */
  readonly stack?: string[]
}

/** What one invocation gave back. */
export interface InvokeResult {
  /** The handler's response after a JSON round trip (`undefined` became `null`); `undefined` when `error` is set. */
  readonly result: unknown
  /** Set when the invocation failed: the handler threw, INIT failed, the process crashed or timed out. */
  readonly error?: InvocationError
  /**
   * What the invocation printed (stdout and stderr, `console` in Lambda's log format). The invocation
   * that started the process (cold start) also carries what INIT printed.
   */
  readonly logs: string
  /** From the event's delivery to the response, INIT excluded. */
  readonly durationMs: number
  /** `context.awsRequestId`. */
  readonly requestId: string
}

/** A handler running in its own Node.js process, warm between invocations. Made by {@link startHandler}. */
export interface LocalHandler {
  /** The function's name (`AWS_LAMBDA_FUNCTION_NAME`). */
  readonly functionName: string
  /** The process id of the current execution environment, `undefined` between a crash and the next cold start or after {@link LocalHandler.stop}. */
  readonly pid: number | undefined
  /**
   * Invokes the handler with one event. Resolves with the outcome (a failed invocation resolves too,
   * with `error` set); rejects only when the handler is stopped.
   */
  invoke(event?: unknown, options?: InvokeOptions): Promise<InvokeResult>
  /** Kills the process, waits for its exit and removes the bundle. Idempotent. */
  stop(): Promise<void>
}

const RUNTIMES: readonly LambdaNodeRuntime[] = ['nodejs20.x', 'nodejs22.x', 'nodejs24.x']
const JS_EXTENSIONS = ['.js', '.mjs', '.cjs']
const TS_EXTENSIONS = ['.ts', '.mts', '.cts']
const DEFAULT_TIMEOUT_MS = 30_000
const DEFAULT_MEMORY_MB = 128
const LOCAL_ACCOUNT_ID = '000000000000'
/** Variables stakeout sets from options; setting them through `env` would contradict those options. */
const DECIDED_VARIABLES: Readonly<Record<string, string>> = {
  _HANDLER: 'handler',
  LAMBDA_TASK_ROOT: 'entry',
  AWS_LAMBDA_FUNCTION_NAME: 'functionName',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: 'memorySizeMb',
  AWS_EXECUTION_ENV: 'runtime',
  AWS_LAMBDA_MAX_CONCURRENCY: 'maxConcurrency',
  [ENV.table]: 'interceptor.tableName',
  [ENV.layerDir]: 'interceptor',
}
/** Variables of this process an execution environment inherits, besides `AWS_*`. */
const INHERITED_VARIABLES = ['PATH', 'HOME', 'USER', 'TMPDIR', 'TEMP', 'TMP', 'SystemRoot', 'SYSTEMROOT']

/**
 * Runs a Lambda handler once, in its own Node.js process, loaded exactly as the Lambda Node.js
 * runtime (and stakeout's interceptor layer, with `interceptor`) loads it: cold start, one
 * invocation, process stopped.
 *
 * @example
 * const out = await invokeHandler({
 *   entry: 'src/make-external-calls.ts',
 *   event: { userId: 'u-1' },
 *   interceptor: { tableName, functionName: 'MakeExternalCalls', endpoint: ddb.endpoint },
 * })
 * expect(out.error).toBeUndefined()
 * expect(out.result).toEqual({ statusCode: 200 })
 */
export async function invokeHandler(options: InvokeHandlerOptions): Promise<InvokeResult> {
  // Checked before prepare(), which may bundle: nothing may fail between the bundle and the handler that removes it.
  const event =
    options !== null && typeof options === 'object'
      ? checkEvent(options.event, invokeHandler, 'invokeHandler', 'options.event')
      : '{}'
  const invocation =
    options !== null && typeof options === 'object' ? checkInvokeOptions(options, invokeHandler, 'invokeHandler') : {}
  const plan = await prepare(options, invokeHandler, 'invokeHandler')
  const running = new RunningHandler(plan)
  try {
    return await running.invokeJson(event, invocation)
  } finally {
    await running.stop()
  }
}

/**
 * Starts a Lambda handler in its own Node.js process and runs its INIT (cold start) now; every
 * {@link LocalHandler.invoke} after that is warm, until a crash or a timeout ends the process (the
 * next invocation then starts a new one, as Lambda does). Stop it when done.
 *
 * @example
 * const fn = await startHandler({ entry: 'test/fixtures/counter.mjs', runtime: 'nodejs24.x', maxConcurrency: 4 })
 * try {
 *   const [a, b] = await Promise.all([fn.invoke({ n: 1 }), fn.invoke({ n: 2 })])
 * } finally {
 *   await fn.stop()
 * }
 */
export async function startHandler(options: HandlerOptions): Promise<LocalHandler> {
  const plan = await prepare(options, startHandler, 'startHandler')
  const running = new RunningHandler(plan)
  await running.coldStart()
  return running
}

// ---------------------------------------------------------------------------------------------------------------
// Preparing: options checked, TypeScript bundled, environment and command line decided.
// ---------------------------------------------------------------------------------------------------------------

/** Everything needed to start an execution environment. */
interface LaunchPlan {
  readonly functionName: string
  readonly runtime: LambdaNodeRuntime
  readonly region: string
  readonly timeoutMs: number
  readonly maxConcurrency: number
  readonly command: string
  readonly args: readonly string[]
  readonly env: Readonly<Record<string, string>>
  readonly cwd: string
  /** Removed when the handler stops (the bundle of a TypeScript entry). */
  readonly scratchDir: string | undefined
}

async function prepare(options: HandlerOptions, boundary: Function, callee: string): Promise<LaunchPlan> {
  if (options === null || typeof options !== 'object') {
    failArgument(boundary, callee, 'options', 'an object with at least an entry', options)
  }
  const entry = checkEntry(options.entry, boundary, callee)
  const handler = options.handler ?? 'handler'
  if (typeof handler !== 'string' || !/^[^./\s]+(\.[^./\s]+)*$/.test(handler)) {
    failArgument(boundary, callee, 'options.handler', 'an export name, or a dotted path like "handlers.main"', handler)
  }
  const runtime = options.runtime ?? 'nodejs22.x'
  if (!RUNTIMES.includes(runtime)) {
    failArgument(boundary, callee, 'options.runtime', `one of ${RUNTIMES.map((r) => `'${r}'`).join(', ')}`, runtime)
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    failArgument(boundary, callee, 'options.timeoutMs', 'a positive number of milliseconds', timeoutMs)
  }
  const memorySizeMb = options.memorySizeMb ?? DEFAULT_MEMORY_MB
  if (!Number.isInteger(memorySizeMb) || memorySizeMb < 128 || memorySizeMb > 10_240) {
    failArgument(
      boundary,
      callee,
      'options.memorySizeMb',
      'an integer from 128 to 10240 (Lambda’s range)',
      memorySizeMb,
    )
  }
  const maxConcurrency = options.maxConcurrency ?? 1
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
    failArgument(boundary, callee, 'options.maxConcurrency', 'a positive integer', maxConcurrency)
  }
  if (maxConcurrency > 1 && runtime === 'nodejs20.x') {
    failArgument(
      boundary,
      callee,
      'options.maxConcurrency',
      '1 with nodejs20.x (concurrent invocations in one process need nodejs22.x or later, as on Lambda Managed Instances)',
      maxConcurrency,
    )
  }
  const interceptor = checkInterceptor(options.interceptor, boundary, callee)
  const functionName = checkFunctionName(options, interceptor, entry, boundary, callee)
  const userEnv = checkEnv(options.env, boundary, callee)
  const bundling = checkBundling(options.bundling, boundary, callee)
  const node = options.node ?? process.execPath
  if (typeof node !== 'string' || !isFile(node)) {
    failArgument(boundary, callee, 'options.node', 'the path of a Node.js executable', node)
  }
  if (options.cwd !== undefined && (typeof options.cwd !== 'string' || !isDirectory(options.cwd))) {
    failArgument(boundary, callee, 'options.cwd', 'an existing directory', options.cwd)
  }

  // Before bundling: a layer that cannot be built must not leave a bundle behind.
  const layerDir = interceptor ? join(await interceptorLayerRoot(), LAYER.dir) : undefined
  const { taskRoot, moduleName, scratchDir } = TS_EXTENSIONS.includes(extname(entry))
    ? await bundle(entry, runtime, bundling)
    : { taskRoot: dirname(entry), moduleName: basename(entry, extname(entry)), scratchDir: undefined }

  const region = userEnv.AWS_REGION ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1'
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    const inherited =
      INHERITED_VARIABLES.includes(name) ||
      (name.startsWith('AWS_') && !name.startsWith('AWS_LAMBDA_') && name !== 'AWS_EXECUTION_ENV')
    if (inherited && value !== undefined) env[name] = value
  }
  Object.assign(env, {
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName(),
  })
  if (interceptor) {
    // A local table (DynamoDB Local) accepts any credentials, but the SDK refuses to sign without some.
    const hasCredentials =
      (userEnv.AWS_ACCESS_KEY_ID ?? env.AWS_ACCESS_KEY_ID) !== undefined ||
      (userEnv.AWS_PROFILE ?? env.AWS_PROFILE) !== undefined
    if (!hasCredentials) Object.assign(env, { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' })
    if (interceptor.endpoint !== undefined) env.AWS_ENDPOINT_URL_DYNAMODB = interceptor.endpoint
  }
  Object.assign(env, userEnv)
  if (bundling.sourceMap && TS_EXTENSIONS.includes(extname(entry))) {
    env.NODE_OPTIONS = [env.NODE_OPTIONS, '--enable-source-maps'].filter(Boolean).join(' ')
  }
  Object.assign(env, {
    _HANDLER: `${moduleName}.${handler}`,
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: dirname(bootstrapFile()),
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memorySizeMb),
    AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
  })
  if (maxConcurrency > 1) env.AWS_LAMBDA_MAX_CONCURRENCY = String(maxConcurrency)

  // Lambda's bootstrap sizes the heap from the function's memory: a tenth for the young generation.
  const newSpace = Math.floor(memorySizeMb / 10)
  const nodeArgs = [
    '--expose-gc',
    '--max-http-header-size=81920',
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memorySizeMb - newSpace}`,
    bootstrapFile(),
  ]
  let command = node
  let args = nodeArgs
  const userWrapper = userEnv.AWS_LAMBDA_EXEC_WRAPPER
  if (interceptor && layerDir !== undefined) {
    const wrapper = join(layerDir, LAYER.wrapper)
    Object.assign(env, {
      [ENV.layerDir]: layerDir,
      [ENV.table]: interceptor.tableName,
      AWS_LAMBDA_EXEC_WRAPPER: wrapper,
      // The layer's node_modules, where Lambda's NODE_PATH (/opt/nodejs/node_modules) would find them.
      NODE_PATH: [userEnv.NODE_PATH, join(dirname(layerDir), 'nodejs', 'node_modules')].filter(Boolean).join(':'),
    })
    if (userWrapper !== undefined) env[ENV.nextWrapper] = userWrapper
    // Lambda runs the wrapper with the interpreter's command line; bash then execs node, which keeps
    // the IPC file descriptor (NODE_CHANNEL_FD) open across the exec.
    command = 'bash'
    args = [wrapper, node, ...nodeArgs]
  } else if (userWrapper !== undefined) {
    command = userWrapper
    args = [node, ...nodeArgs]
  }
  return {
    functionName,
    runtime,
    region,
    timeoutMs,
    maxConcurrency,
    command,
    args,
    env,
    cwd: options.cwd !== undefined ? resolve(options.cwd) : taskRoot,
    scratchDir,
  }
}

function checkEntry(entry: unknown, boundary: Function, callee: string): string {
  const expectation = 'an existing .js, .mjs, .cjs, .ts, .mts or .cts file'
  if (typeof entry !== 'string' || entry === '') failArgument(boundary, callee, 'options.entry', expectation, entry)
  const path = resolve(entry)
  const extension = extname(path)
  if (![...JS_EXTENSIONS, ...TS_EXTENSIONS].includes(extension) || !isFile(path)) {
    failArgument(boundary, callee, 'options.entry', expectation, entry)
  }
  if (JS_EXTENSIONS.includes(extension) && basename(path, extension).includes('.')) {
    // Lambda splits `_HANDLER` at the first dot: `my.handler.handler` would look for module `my`.
    failArgument(boundary, callee, 'options.entry', 'a file whose name has no dot before its extension', entry)
  }
  return path
}

function checkInterceptor(value: unknown, boundary: Function, callee: string): InterceptorTarget | undefined {
  if (value === undefined) return undefined
  if (value === null || typeof value !== 'object') {
    failArgument(boundary, callee, 'options.interceptor', 'an object { tableName, functionName, endpoint? }', value)
  }
  const { tableName, functionName, endpoint } = value as Record<string, unknown>
  if (typeof tableName !== 'string' || tableName === '') {
    failArgument(boundary, callee, 'options.interceptor.tableName', 'a non-empty string', tableName)
  }
  if (typeof functionName !== 'string' || !isFunctionName(functionName)) {
    failArgument(boundary, callee, 'options.interceptor.functionName', FUNCTION_NAME_EXPECTATION, functionName)
  }
  if (endpoint !== undefined && (typeof endpoint !== 'string' || !URL.canParse(endpoint))) {
    failArgument(boundary, callee, 'options.interceptor.endpoint', 'a URL like http://127.0.0.1:8000', endpoint)
  }
  return { tableName, functionName, ...(endpoint !== undefined ? { endpoint } : {}) }
}

const FUNCTION_NAME_EXPECTATION = 'a Lambda function name (1 to 64 letters, digits, - or _)'
const isFunctionName = (name: string): boolean => /^[A-Za-z0-9_-]{1,64}$/.test(name)

function checkFunctionName(
  options: HandlerOptions,
  interceptor: InterceptorTarget | undefined,
  entry: string,
  boundary: Function,
  callee: string,
): string {
  const given = options.functionName
  if (given !== undefined && (typeof given !== 'string' || !isFunctionName(given))) {
    failArgument(boundary, callee, 'options.functionName', FUNCTION_NAME_EXPECTATION, given)
  }
  if (given !== undefined && interceptor && given !== interceptor.functionName) {
    failArgument(
      boundary,
      callee,
      'options.functionName',
      `the same as options.interceptor.functionName ('${interceptor.functionName}'), or left out`,
      given,
    )
  }
  const derived =
    basename(entry, extname(entry))
      .replace(/[^A-Za-z0-9_-]/g, '-')
      .slice(0, 64) || 'handler'
  return given ?? interceptor?.functionName ?? derived
}

function checkEnv(value: unknown, boundary: Function, callee: string): Record<string, string> {
  if (value === undefined) return {}
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    failArgument(boundary, callee, 'options.env', 'an object of string values', value)
  }
  const env: Record<string, string> = {}
  for (const [name, variable] of Object.entries(value)) {
    if (typeof variable !== 'string') failArgument(boundary, callee, `options.env.${name}`, 'a string', variable)
    const option = DECIDED_VARIABLES[name]
    if (option !== undefined) {
      failArgument(boundary, callee, `options.env.${name}`, `left out (set it with options.${option})`, variable)
    }
    env[name] = variable
  }
  return env
}

function checkBundling(value: unknown, boundary: Function, callee: string): LocalBundlingOptions {
  if (value === undefined) return {}
  if (value === null || typeof value !== 'object') {
    failArgument(boundary, callee, 'options.bundling', 'an object', value)
  }
  const bundling = value as LocalBundlingOptions
  if (bundling.format !== undefined && bundling.format !== 'cjs' && bundling.format !== 'esm') {
    failArgument(boundary, callee, 'options.bundling.format', "'cjs' or 'esm'", bundling.format)
  }
  if (
    bundling.externalModules !== undefined &&
    (!Array.isArray(bundling.externalModules) || !bundling.externalModules.every((m) => typeof m === 'string'))
  ) {
    failArgument(
      boundary,
      callee,
      'options.bundling.externalModules',
      'an array of module names',
      bundling.externalModules,
    )
  }
  return bundling
}

function checkEvent(event: unknown, boundary: Function, callee: string, argument: string): string {
  if (event === undefined) return '{}'
  let text: string | undefined
  try {
    text = JSON.stringify(event)
  } catch (error) {
    failArgument(boundary, callee, argument, `JSON-serializable (${(error as Error).message})`, event)
  }
  if (text === undefined) failArgument(boundary, callee, argument, 'JSON-serializable', event)
  return text
}

function checkInvokeOptions(options: InvokeOptions | undefined, boundary: Function, callee: string): InvokeOptions {
  if (options === undefined) return {}
  if (options === null || typeof options !== 'object') {
    failArgument(boundary, callee, 'options', 'an object { requestId?, clientContext? }', options)
  }
  const { requestId, clientContext } = options
  if (requestId !== undefined && (typeof requestId !== 'string' || requestId === '')) {
    failArgument(boundary, callee, 'options.requestId', 'a non-empty string', requestId)
  }
  if (clientContext !== undefined && (clientContext === null || typeof clientContext !== 'object')) {
    failArgument(boundary, callee, 'options.clientContext', 'an object', clientContext)
  }
  return {
    ...(requestId !== undefined ? { requestId } : {}),
    ...(clientContext !== undefined ? { clientContext } : {}),
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** `2025/01/31/[$LATEST]<32 hex>`, the shape of a Lambda log stream name. */
function logStreamName(): string {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/')
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`
}

/**
 * The layer root of stakeout's interceptor (holds `stakeout/wrapper` and `stakeout/handler.mjs`),
 * built on demand. Loaded lazily: only runs with an interceptor need it.
 */
async function interceptorLayerRoot(): Promise<string> {
  const layer = await import('../runtime/interceptor/build-layer.js')
  return layer.interceptorLayerRoot()
}

/**
 * Bundles a TypeScript entry as `NodejsFunction` does (esbuild, platform node, `@aws-sdk/*` left
 * out) into a fresh directory under the `node_modules` above the entry, so the modules left out
 * resolve from the project as they would from the runtime's own `node_modules`.
 */
async function bundle(
  entry: string,
  runtime: LambdaNodeRuntime,
  bundling: LocalBundlingOptions,
): Promise<{ taskRoot: string; moduleName: string; scratchDir: string }> {
  const esbuild = await import('esbuild')
  const format = bundling.format ?? 'cjs'
  const parent = join(nearestNodeModules(dirname(entry)) ?? tmpdir(), '.cache', 'stakeout', 'bundles')
  await mkdir(parent, { recursive: true })
  const taskRoot = await mkdtemp(join(parent, `${basename(entry, extname(entry))}-`))
  try {
    await esbuild.build({
      entryPoints: [entry],
      outfile: join(taskRoot, format === 'esm' ? 'index.mjs' : 'index.js'),
      bundle: true,
      platform: 'node',
      target: runtime.replace('nodejs', 'node').replace('.x', ''),
      format,
      ...(format === 'esm' ? { mainFields: ['module', 'main'] } : {}),
      external: [...(bundling.externalModules ?? ['@aws-sdk/*'])],
      minify: bundling.minify ?? false,
      sourcemap: bundling.sourceMap ?? false,
      logLevel: 'silent',
    })
  } catch (error) {
    await rm(taskRoot, { recursive: true, force: true })
    throw new StakeoutError(`could not bundle ${entry} with esbuild: ${(error as Error).message}`, { cause: error })
  }
  return { taskRoot, moduleName: 'index', scratchDir: taskRoot }
}

function nearestNodeModules(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules')
    if (isDirectory(candidate)) return candidate
    if (dirname(dir) === dir) return undefined
  }
}

let bootstrapPath: string | undefined
/**
 * The emulator of Lambda's Node.js runtime, written once per content to the temp directory (the
 * name carries a hash of the source, so two stakeout versions never share a file).
 */
function bootstrapFile(): string {
  if (bootstrapPath !== undefined && existsSync(bootstrapPath)) return bootstrapPath
  const hash = createHash('sha256').update(LAMBDA_BOOTSTRAP_SOURCE).digest('hex').slice(0, 16)
  const dir = join(tmpdir(), 'stakeout-local')
  const file = join(dir, `lambda-bootstrap-${hash}.mjs`)
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true })
    // Written aside then renamed: a concurrent test worker never sees a half-written file.
    const partial = `${file}.${process.pid}.${randomUUID()}.tmp`
    writeFileSync(partial, LAMBDA_BOOTSTRAP_SOURCE)
    renameSync(partial, file)
  }
  bootstrapPath = file
  return file
}

// ---------------------------------------------------------------------------------------------------------------
// Running: one process per execution environment, invocations dispatched over Node IPC.
// ---------------------------------------------------------------------------------------------------------------

/** Messages from the bootstrap (see lambda-bootstrap.ts). */
type ChildMessage =
  | { type: 'log'; requestId: string | null; text: string }
  | { type: 'ready' }
  | { type: 'init-error'; error: InvocationError }
  | { type: 'done'; requestId: string; payload?: string; error?: InvocationError; fatal?: boolean }
  | { type: 'exiting' }

interface PendingInvocation {
  readonly requestId: string
  readonly logs: string[]
  readonly settle: (outcome: { result?: unknown; error?: InvocationError }) => void
  /** The error the process reported before ending: settled once it has exited, so the caller finds it gone. */
  fatalError?: InvocationError
}

type InitOutcome = { ok: true; logs: string } | { ok: false; error: InvocationError; logs: string }

/** One Lambda execution environment: a child process, its INIT, its invocations in flight. */
class ExecutionEnvironment {
  readonly child: ChildProcess
  /** Settles when INIT succeeded, failed, timed out, or the process died before its end. */
  readonly initialized: Promise<InitOutcome>
  readonly exited: Promise<void>
  private readonly inFlight = new Map<string, PendingInvocation>()
  private readonly initLogs: string[] = []
  private ready = false
  private initFailure: InvocationError | undefined
  private exitDescription: string | undefined

  constructor(private readonly plan: LaunchPlan) {
    this.child = spawn(plan.command, [...plan.args], {
      cwd: plan.cwd,
      env: plan.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Its own process group, so a kill also reaches whatever the handler started.
      detached: true,
    })
    this.exited = new Promise<void>((resolveExit) => {
      this.child.once('exit', (code, signal) => {
        this.exitDescription ??= signal ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal}` : `exit status ${code}`
        resolveExit()
      })
      // Spawning failed (no bash, a wrapper that is not executable): there is no exit event.
      this.child.on('error', (error) => {
        if (this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) return
        this.exitDescription ??= error.message
        resolveExit()
      })
    })
    this.child.on('message', (message: ChildMessage) => this.onMessage(message))
    // What the bootstrap does not capture: the wrapper script, NODE_OPTIONS preloads, a crash.
    const onRawOutput = (chunk: Buffer) => this.onRawOutput(chunk.toString('utf8'))
    this.child.stdout?.on('data', onRawOutput)
    this.child.stderr?.on('data', onRawOutput)
    this.initialized = new Promise<InitOutcome>((resolveInit) => {
      const timer = setTimeout(() => {
        this.initFailure = timedOut('INIT', plan.timeoutMs)
        this.kill()
      }, plan.timeoutMs)
      this.child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer)
          this.ready = true
          resolveInit({ ok: true, logs: this.takeInitLogs() })
          this.holdEventLoop()
        } else if (message.type === 'init-error') {
          this.initFailure = message.error
        }
      })
      void this.exited.then(() => {
        clearTimeout(timer)
        const error = this.initFailure ?? {
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: INIT Error: Runtime exited with error: ${this.exitDescription}`,
        }
        resolveInit({ ok: false, error, logs: this.takeInitLogs() })
        this.onExit()
      })
    })
  }

  get alive(): boolean {
    return this.exitDescription === undefined && this.child.exitCode === null && this.child.signalCode === null
  }

  /** Sends one event; resolves when the invocation answered, failed, timed out or the process died. */
  invoke(requestId: string, event: string, options: InvokeOptions, initLogs: string): Promise<InvokeResult> {
    const deadlineMs = Date.now() + this.plan.timeoutMs
    return new Promise<InvokeResult>((resolveInvoke) => {
      const startedAt = performance.now()
      const logs = initLogs === '' ? [] : [initLogs]
      const timer = setTimeout(() => {
        const error = timedOut(requestId, this.plan.timeoutMs)
        logs.push(`${error.errorMessage}\n`)
        pending.fatalError = error
        this.kill()
      }, this.plan.timeoutMs)
      const pending: PendingInvocation = {
        requestId,
        logs,
        settle: (outcome) => {
          if (!this.inFlight.delete(requestId)) return
          clearTimeout(timer)
          this.holdEventLoop()
          resolveInvoke({
            result: outcome.error ? undefined : outcome.result,
            ...(outcome.error ? { error: outcome.error } : {}),
            logs: logs.join(''),
            durationMs: performance.now() - startedAt,
            requestId,
          })
        },
      }
      this.inFlight.set(requestId, pending)
      this.holdEventLoop()
      const message = {
        type: 'invoke',
        requestId,
        event,
        deadlineMs,
        invokedFunctionArn: `arn:aws:lambda:${this.plan.region}:${LOCAL_ACCOUNT_ID}:function:${this.plan.functionName}`,
        traceId: traceId(),
        ...(options.clientContext !== undefined ? { clientContext: options.clientContext } : {}),
      }
      // A channel closed under our feet means the process is exiting: its exit settles this invocation.
      this.child.send(message, () => {})
    })
  }

  kill(): void {
    if (this.child.pid === undefined || !this.alive) return
    // Whoever kills waits for the exit: the process handle must keep this process alive until then.
    this.child.ref()
    try {
      process.kill(-this.child.pid, 'SIGKILL')
    } catch {
      this.child.kill('SIGKILL')
    }
  }

  /**
   * An idle execution environment does not keep this process alive (a forgotten `stop()` must not
   * hang the test run; the child exits when its IPC channel closes). INIT and invocations do.
   */
  private holdEventLoop(): void {
    const hold = !this.ready || this.inFlight.size > 0
    const handles = [this.child, this.child.channel, this.child.stdout, this.child.stderr] as Array<
      { ref?: () => void; unref?: () => void } | null | undefined
    >
    for (const handle of handles) {
      if (hold) handle?.ref?.()
      else handle?.unref?.()
    }
  }

  private takeInitLogs(): string {
    return this.initLogs.splice(0).join('')
  }

  private onMessage(message: ChildMessage): void {
    if (message.type === 'log') {
      if (message.requestId === null) this.initLogs.push(message.text)
      else this.inFlight.get(message.requestId)?.logs.push(message.text)
    } else if (message.type === 'done') {
      const pending = this.inFlight.get(message.requestId)
      if (message.error && message.fatal && pending) pending.fatalError = message.error
      else if (message.error) pending?.settle({ error: message.error })
      else pending?.settle({ result: message.payload === undefined ? null : JSON.parse(message.payload) })
    }
  }

  private onRawOutput(text: string): void {
    if (!this.ready) {
      this.initLogs.push(text)
    } else if (this.inFlight.size === 1) {
      const [only] = this.inFlight.values()
      only?.logs.push(text)
    }
  }

  private onExit(): void {
    for (const pending of [...this.inFlight.values()]) {
      pending.settle({
        error: pending.fatalError ?? {
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${pending.requestId} Error: Runtime exited with error: ${this.exitDescription}`,
        },
      })
    }
  }
}

function timedOut(requestId: string, timeoutMs: number): InvocationError {
  return {
    errorType: 'Sandbox.Timedout',
    errorMessage: `${new Date().toISOString()} ${requestId} Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
  }
}

/** An X-Ray trace header, as Lambda passes one to every invocation (`_X_AMZN_TRACE_ID`). */
function traceId(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16)
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`
}

/** The {@link LocalHandler} behind {@link startHandler} and {@link invokeHandler}. */
class RunningHandler implements LocalHandler {
  readonly functionName: string
  private environment: ExecutionEnvironment | undefined
  /** A cold start in progress: invocations wait for its INIT. */
  private starting: Promise<void> | undefined
  /** INIT's outcome not yet handed to an invocation (the cold start's logs, or its error). */
  private unreportedInit: InitOutcome | undefined
  private readonly waiting: Array<() => void> = []
  private running = 0
  private stopped = false

  constructor(private readonly plan: LaunchPlan) {
    this.functionName = plan.functionName
  }

  get pid(): number | undefined {
    return this.environment?.alive ? this.environment.child.pid : undefined
  }

  /** A new execution environment, INIT included (Lambda's cold start). */
  coldStart(): Promise<void> {
    this.starting ??= (async () => {
      const environment = new ExecutionEnvironment(this.plan)
      this.environment = environment
      this.unreportedInit = await environment.initialized
    })().finally(() => {
      this.starting = undefined
    })
    return this.starting
  }

  async invoke(event?: unknown, options?: InvokeOptions): Promise<InvokeResult> {
    const text = checkEvent(event, this.invoke, 'LocalHandler.invoke', 'event')
    return this.invokeJson(text, checkInvokeOptions(options, this.invoke, 'LocalHandler.invoke'))
  }

  /** {@link invoke} with the event already checked and turned into JSON text. */
  async invokeJson(text: string, invocation: InvokeOptions): Promise<InvokeResult> {
    if (this.stopped) {
      throw new StakeoutError(
        `LocalHandler.invoke: ${this.functionName} is stopped: start it again with startHandler() to invoke it`,
      )
    }
    await this.slot()
    try {
      if (this.stopped) {
        throw new StakeoutError(
          `LocalHandler.invoke: ${this.functionName} was stopped while this invocation waited for a free slot`,
        )
      }
      return await this.dispatch(text, invocation)
    } finally {
      this.running--
      this.waiting.shift()?.()
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    for (const release of this.waiting.splice(0)) release()
    await this.starting
    const environment = this.environment
    this.environment = undefined
    if (environment) {
      environment.kill()
      await environment.exited
    }
    if (this.plan.scratchDir !== undefined) await rm(this.plan.scratchDir, { recursive: true, force: true })
  }

  private slot(): Promise<void> {
    if (this.running < this.plan.maxConcurrency) {
      this.running++
      return Promise.resolve()
    }
    return new Promise((resolveSlot) =>
      this.waiting.push(() => {
        this.running++
        resolveSlot()
      }),
    )
  }

  private async dispatch(event: string, options: InvokeOptions): Promise<InvokeResult> {
    const requestId = options.requestId ?? randomUUID()
    await this.starting
    if (this.unreportedInit === undefined && !this.environment?.alive) {
      // Lambda starts a new execution environment after a crash, a timeout or a failed INIT.
      await this.coldStart()
    }
    const init = this.unreportedInit
    this.unreportedInit = undefined
    if (init && !init.ok) return { result: undefined, error: init.error, logs: init.logs, durationMs: 0, requestId }
    const environment = this.environment
    if (!environment?.alive) {
      // It died between INIT and this invocation (a timer threw, process.exit), or with another invocation.
      await environment?.exited
      return {
        result: undefined,
        error: {
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${describeExit(environment)}`,
        },
        logs: init?.logs ?? '',
        durationMs: 0,
        requestId,
      }
    }
    return environment.invoke(requestId, event, options, init?.logs ?? '')
  }
}

function describeExit(environment: ExecutionEnvironment | undefined): string {
  const child = environment?.child
  if (!child) return 'unknown'
  return child.signalCode ? `signal: ${child.signalCode}` : `exit status ${child.exitCode}`
}
