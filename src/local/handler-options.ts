/**
 * From `invokeHandler` / `startHandler` options to a running launcher environment: the options
 * checked (named as the caller knows them), a TypeScript entry bundled, and the `interceptor`
 * option turned into what a deployed function gets from `applyHttpInterceptor`: the interceptor
 * layer, `AWS_LAMBDA_EXEC_WRAPPER=/opt/stakeout/wrapper` and the table's variables.
 */
import { rm } from 'node:fs/promises'
import { basename, dirname, extname, resolve } from 'node:path'
import { failArgument } from '../errors.js'
import { ENV, LAYER } from '../runtime/interceptor/schema.js'
import { bundleEntry, type LocalBundlingOptions } from './bundle-entry.js'
import type { HandlerOptions, LocalInterceptorOptions } from './invoke-handler.js'
import { type LocalFunctionEnvironment, launchFunction } from './launcher/function-environment.js'
import { LAMBDA_OPT } from './launcher/opt-directory.js'
import {
  checkCwd,
  checkEnvironment,
  checkFunctionName,
  checkMaxConcurrency,
  checkMemory,
  checkNode,
  checkRuntime,
  checkTimeout,
  defaultFunctionName,
  isFile,
  LAUNCHER_VARIABLES,
} from './launcher/options.js'

const JS_EXTENSIONS = ['.js', '.mjs', '.cjs']
const TS_EXTENSIONS = ['.ts', '.mts', '.cts']
const DEFAULT_TIMEOUT_MS = 30_000

/** Variables these options decide: each names the option that sets it. */
const DECIDED_VARIABLES: Readonly<Record<string, string>> = {
  ...LAUNCHER_VARIABLES,
  _HANDLER: 'set it with options.handler',
  LAMBDA_TASK_ROOT: 'set it with options.entry',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: 'set it with options.memorySizeMb',
  [ENV.table]: 'set it with options.interceptor.tableName',
  [ENV.layerDir]: 'set it with options.interceptor',
}

/** Checks the options, bundles a TypeScript entry, and starts the environment (INIT done). */
export async function prepareHandler(
  options: HandlerOptions,
  boundary: Function,
  callee: string,
): Promise<LocalFunctionEnvironment> {
  if (options === null || typeof options !== 'object') {
    failArgument(boundary, callee, 'options', 'an object with at least an entry', options)
  }
  const entry = checkEntry(options.entry, boundary, callee)
  const handler = options.handler ?? 'handler'
  if (typeof handler !== 'string' || !/^[^./\s]+(\.[^./\s]+)*$/.test(handler)) {
    failArgument(boundary, callee, 'options.handler', 'an export name, or a dotted path like "handlers.main"', handler)
  }
  const runtime = checkRuntime(options.runtime, boundary, callee, 'options.runtime')
  const timeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, boundary, callee, 'options.timeoutMs')
  const memoryMb = checkMemory(options.memorySizeMb ?? 128, boundary, callee, 'options.memorySizeMb')
  const maxConcurrency = checkMaxConcurrency(
    options.maxConcurrency ?? 1,
    runtime,
    boundary,
    callee,
    'options.maxConcurrency',
  )
  const interceptor = checkInterceptor(options.interceptor, boundary, callee)
  const functionName = checkHandlerFunctionName(options.functionName, interceptor, entry, boundary, callee)
  const userEnv = checkEnvironment(options.env, boundary, callee, 'options.env', DECIDED_VARIABLES)
  const bundling = checkBundling(options.bundling, boundary, callee)
  const node = checkNode(options.node, boundary, callee, 'options.node')
  const cwd = checkCwd(options.cwd, boundary, callee, 'options.cwd')

  // Before bundling: a layer that cannot be built must not leave a bundle behind. The layer's builder is loaded
  // lazily: only runs with an interceptor need it.
  const layers = interceptor ? [(await import('../build/interceptor-layer.js')).interceptorLayerRoot()] : []
  const typescript = TS_EXTENSIONS.includes(extname(entry))
  const { codeDir, moduleName } = typescript
    ? await bundleEntry(entry, runtime, bundling)
    : { codeDir: dirname(entry), moduleName: basename(entry, extname(entry)) }
  const removeBundle = typescript ? () => rm(codeDir, { recursive: true, force: true }) : undefined

  const environment: Record<string, string> = {}
  if (interceptor) {
    // A local table (DynamoDB Local) accepts any credentials, but the SDK refuses to sign without some.
    const hasCredentials =
      (userEnv.AWS_ACCESS_KEY_ID ?? process.env.AWS_ACCESS_KEY_ID) !== undefined ||
      (userEnv.AWS_PROFILE ?? process.env.AWS_PROFILE) !== undefined
    if (!hasCredentials) Object.assign(environment, { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' })
    if (interceptor.endpoint !== undefined) environment.AWS_ENDPOINT_URL_DYNAMODB = interceptor.endpoint
  }
  Object.assign(environment, userEnv)
  if (bundling.sourceMap && typescript) {
    environment.NODE_OPTIONS = [environment.NODE_OPTIONS, '--enable-source-maps'].filter(Boolean).join(' ')
  }
  if (interceptor) {
    // What applyHttpInterceptor sets on a deployed function: a wrapper the function had runs after ours.
    const wrapper = userEnv.AWS_LAMBDA_EXEC_WRAPPER
    if (wrapper !== undefined) environment[ENV.nextWrapper] = wrapper
    environment.AWS_LAMBDA_EXEC_WRAPPER = `${LAMBDA_OPT}/${LAYER.dir}/${LAYER.wrapper}`
    environment[ENV.table] = interceptor.tableName
  }
  try {
    return await launchFunction(
      {
        codeDir,
        handler: `${moduleName}.${handler}`,
        runtime,
        environment,
        layers,
        functionName,
        timeoutMs,
        memoryMb,
        maxConcurrency,
        cwd: cwd ?? codeDir,
        node,
      },
      { invoke: 'LocalHandler.invoke', start: 'startHandler()', codeInPlace: true },
      removeBundle,
    )
  } catch (error) {
    await removeBundle?.()
    throw error
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

function checkInterceptor(value: unknown, boundary: Function, callee: string): LocalInterceptorOptions | undefined {
  if (value === undefined) return undefined
  if (value === null || typeof value !== 'object') {
    failArgument(boundary, callee, 'options.interceptor', 'an object { tableName, functionName, endpoint? }', value)
  }
  const { tableName, functionName, endpoint } = value as Record<string, unknown>
  if (typeof tableName !== 'string' || tableName === '') {
    failArgument(boundary, callee, 'options.interceptor.tableName', 'a non-empty string', tableName)
  }
  checkFunctionName(functionName, boundary, callee, 'options.interceptor.functionName')
  if (endpoint !== undefined && (typeof endpoint !== 'string' || !URL.canParse(endpoint))) {
    failArgument(boundary, callee, 'options.interceptor.endpoint', 'a URL like http://127.0.0.1:8000', endpoint)
  }
  return { tableName, functionName: functionName as string, ...(endpoint !== undefined ? { endpoint } : {}) }
}

function checkHandlerFunctionName(
  given: unknown,
  interceptor: LocalInterceptorOptions | undefined,
  entry: string,
  boundary: Function,
  callee: string,
): string {
  if (given !== undefined) checkFunctionName(given, boundary, callee, 'options.functionName')
  if (given !== undefined && interceptor && given !== interceptor.functionName) {
    failArgument(
      boundary,
      callee,
      'options.functionName',
      `the same as options.interceptor.functionName ('${interceptor.functionName}'), or left out`,
      given,
    )
  }
  return (
    (given as string | undefined) ??
    interceptor?.functionName ??
    defaultFunctionName(basename(entry, extname(entry)), 'handler')
  )
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
