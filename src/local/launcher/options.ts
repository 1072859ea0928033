/**
 * Checks of the launcher's options, one per option, each naming the argument it checks: the front
 * ends (`invokeHandler`, `startHandler`) call them with their own option names.
 */
import { statSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { failArgument } from '../../errors.js'
import type { FunctionEnvironmentOptions, InvokeOptions, LambdaNodeRuntime } from './types.js'

/** The runtimes the launcher runs, as the Lambda API names them. */
export const RUNTIMES: readonly LambdaNodeRuntime[] = ['nodejs20.x', 'nodejs22.x', 'nodejs24.x']

/**
 * Variables the launcher sets itself: Lambda reserves them, and setting them in the environment
 * would contradict an option (each value says why it is refused). Two other reserved ones pass
 * through as given: `AWS_LAMBDA_FUNCTION_VERSION` (`$LATEST` otherwise) and `AWS_LAMBDA_RUNTIME_API`
 * (the local runtime has no Runtime API; code that reads it, such as the interceptor, sees the value).
 */
export const LAUNCHER_VARIABLES: Readonly<Record<string, string>> = {
  _HANDLER: 'set it with options.handler',
  LAMBDA_TASK_ROOT: 'set it with options.codeDir',
  LAMBDA_RUNTIME_DIR: 'the local runtime sets it',
  AWS_LAMBDA_FUNCTION_NAME: 'set it with options.functionName',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: 'set it with options.memoryMb',
  AWS_EXECUTION_ENV: 'set it with options.runtime',
  AWS_LAMBDA_MAX_CONCURRENCY: 'set it with options.maxConcurrency',
}

/** The launcher's options, checked and with their defaults. */
export interface CheckedEnvironmentOptions {
  readonly codeDir: string
  readonly handler: string
  readonly runtime: LambdaNodeRuntime
  readonly environment: Readonly<Record<string, string>>
  readonly layers: readonly string[]
  readonly functionName: string
  readonly timeoutMs: number
  readonly memoryMb: number
  readonly maxConcurrency: number
  /** `undefined`: the task root. */
  readonly cwd: string | undefined
  readonly node: string
}

const CALLEE = 'startFunctionEnvironment'

/** Checks every option of `startFunctionEnvironment`, failing with the first bad one. */
export function checkEnvironmentOptions(
  options: FunctionEnvironmentOptions,
  boundary: Function,
): CheckedEnvironmentOptions {
  if (options === null || typeof options !== 'object') {
    failArgument(boundary, CALLEE, 'options', 'an object { codeDir, handler, ... }', options)
  }
  if (typeof options.codeDir !== 'string' || !isDirectory(options.codeDir)) {
    failArgument(boundary, CALLEE, 'options.codeDir', 'an existing directory (the function’s code)', options.codeDir)
  }
  const codeDir = resolve(options.codeDir)
  if (typeof options.handler !== 'string' || options.handler.trim() === '') {
    failArgument(boundary, CALLEE, 'options.handler', "a Lambda handler string like 'index.handler'", options.handler)
  }
  const runtime = checkRuntime(options.runtime, boundary, CALLEE, 'options.runtime')
  const layers = checkLayers(options.layers, boundary)
  const environment = checkEnvironment(options.environment, boundary, CALLEE, 'options.environment', LAUNCHER_VARIABLES)
  const functionName = options.functionName ?? defaultFunctionName(basename(codeDir))
  checkFunctionName(functionName, boundary, CALLEE, 'options.functionName')
  return {
    codeDir,
    handler: options.handler,
    runtime,
    environment,
    layers,
    functionName,
    timeoutMs: checkTimeout(options.timeoutMs ?? 3000, boundary, CALLEE, 'options.timeoutMs'),
    memoryMb: checkMemory(options.memoryMb ?? 128, boundary, CALLEE, 'options.memoryMb'),
    maxConcurrency: checkMaxConcurrency(
      options.maxConcurrency ?? 1,
      runtime,
      boundary,
      CALLEE,
      'options.maxConcurrency',
    ),
    cwd: checkCwd(options.cwd, boundary, CALLEE, 'options.cwd'),
    node: checkNode(options.node, boundary, CALLEE, 'options.node'),
  }
}

/** One of {@link RUNTIMES}; `nodejs22.x` when left out. */
export function checkRuntime(value: unknown, boundary: Function, callee: string, argument: string): LambdaNodeRuntime {
  const runtime = value ?? 'nodejs22.x'
  if (!RUNTIMES.includes(runtime as LambdaNodeRuntime)) {
    failArgument(boundary, callee, argument, `one of ${RUNTIMES.map((r) => `'${r}'`).join(', ')}`, value)
  }
  return runtime as LambdaNodeRuntime
}

/** A positive number of milliseconds. */
export function checkTimeout(value: unknown, boundary: Function, callee: string, argument: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    failArgument(boundary, callee, argument, 'a positive number of milliseconds', value)
  }
  return value
}

/** An integer in Lambda's memory range. */
export function checkMemory(value: unknown, boundary: Function, callee: string, argument: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 128 || value > 10_240) {
    failArgument(boundary, callee, argument, 'an integer from 128 to 10240 (Lambda’s range)', value)
  }
  return value
}

/** A positive integer, 1 on nodejs20.x (which has no concurrent runtime client). */
export function checkMaxConcurrency(
  value: unknown,
  runtime: LambdaNodeRuntime,
  boundary: Function,
  callee: string,
  argument: string,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    failArgument(boundary, callee, argument, 'a positive integer', value)
  }
  if (value > 1 && runtime === 'nodejs20.x') {
    failArgument(
      boundary,
      callee,
      argument,
      '1 with nodejs20.x (concurrent invocations in one process need nodejs22.x or later, as on Lambda Managed Instances)',
      value,
    )
  }
  return value
}

/** What Lambda accepts as a function name (the short form). */
export const FUNCTION_NAME_EXPECTATION = 'a Lambda function name (1 to 64 letters, digits, - or _)'

/** A Lambda function name. */
export function checkFunctionName(value: unknown, boundary: Function, callee: string, argument: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(value)) {
    failArgument(boundary, callee, argument, FUNCTION_NAME_EXPECTATION, value)
  }
  return value
}

/** A name Lambda would accept, made from a file or directory name. */
export function defaultFunctionName(name: string, fallback = 'function'): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64) || fallback
}

/**
 * An object of string values, none of them one of `reserved` (whose value says why it is refused).
 */
export function checkEnvironment(
  value: unknown,
  boundary: Function,
  callee: string,
  argument: string,
  reserved: Readonly<Record<string, string>>,
): Record<string, string> {
  if (value === undefined) return {}
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    failArgument(boundary, callee, argument, 'an object of string values', value)
  }
  const environment: Record<string, string> = {}
  for (const [name, variable] of Object.entries(value)) {
    if (typeof variable !== 'string') failArgument(boundary, callee, `${argument}.${name}`, 'a string', variable)
    const reason = reserved[name]
    if (reason !== undefined) {
      failArgument(boundary, callee, `${argument}.${name}`, `left out (${reason})`, variable)
    }
    environment[name] = variable
  }
  return environment
}

/** An existing directory, resolved; `undefined` when left out. */
export function checkCwd(value: unknown, boundary: Function, callee: string, argument: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !isDirectory(value))
    failArgument(boundary, callee, argument, 'an existing directory', value)
  return resolve(value)
}

/** The path of a Node.js executable; this process's when left out. */
export function checkNode(value: unknown, boundary: Function, callee: string, argument: string): string {
  const node = value ?? process.execPath
  if (typeof node !== 'string' || !isFile(node))
    failArgument(boundary, callee, argument, 'the path of a Node.js executable', value)
  return node
}

function checkLayers(value: unknown, boundary: Function): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) {
    failArgument(
      boundary,
      CALLEE,
      'options.layers',
      'an array of directories (each a layer as it extracts under /opt)',
      value,
    )
  }
  return value.map((layer: unknown, index) => {
    if (typeof layer !== 'string' || !isDirectory(layer)) {
      failArgument(
        boundary,
        CALLEE,
        `options.layers[${index}]`,
        'an existing directory (a layer as it extracts under /opt)',
        layer,
      )
    }
    return resolve(layer)
  })
}

/** The event as JSON text (`{}` when left out), refused when `JSON.stringify` cannot make it. */
export function checkEvent(event: unknown, boundary: Function, callee: string, argument: string): string {
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

/** `{ requestId?, clientContext? }`, checked. */
export function checkInvokeOptions(options: unknown, boundary: Function, callee: string): InvokeOptions {
  if (options === undefined) return {}
  if (options === null || typeof options !== 'object') {
    failArgument(boundary, callee, 'options', 'an object { requestId?, clientContext? }', options)
  }
  const { requestId, clientContext } = options as InvokeOptions
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

/** True for an existing regular file. */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** True for an existing directory. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
