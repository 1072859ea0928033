/**
 * Loads the function's own handler the way Lambda's Node.js runtime does, and wraps it so every
 * invocation runs inside the interceptor. Lives in the layer's `handler.mjs`.
 *
 * Resolution follows the runtime interface client (`UserFunction`): the handler string is split
 * into a module root (`src/`), a module (`index`) and a property path (`handler`, or `a.b`);
 * `..` is rejected; `path.resolve(taskRoot, moduleRoot, module)` is tried bare, then with `.js`,
 * `.mjs`, `.cjs` (absolute module roots are allowed: other layers use them), then
 * `require.resolve` over `[taskRoot, moduleRoot]` and `NODE_PATH`.
 * Every module is loaded with `import()`, as the Node.js 24 runtime does, so ESM and CommonJS
 * handlers behave alike; for CommonJS the handler may also sit on `module.exports` (`default`).
 */
import { existsSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

/** The runtime's marker of a response-streaming handler (`awslambda.streamifyResponse`). */
export const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming')
/** The runtime's marker of a streaming handler's buffer size. */
export const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark')

/** A Lambda handler as the runtime sees it: any function. */
export type LambdaHandler = ((...args: never[]) => unknown) & { [STREAMING]?: unknown; [HIGH_WATER_MARK]?: unknown }

/**
 * An error the Lambda runtime would also raise while loading a handler. `name` carries the
 * runtime's error type (`Runtime.ImportModuleError`, `Runtime.HandlerNotFound`,
 * `Runtime.MalformedHandlerName`), so the INIT failure reads the same with and without stakeout.
 */
export class HandlerLoadError extends Error {
  constructor(name: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = name
  }
}

const FUNCTION_EXPRESSION = /^([^.]*)\.(.*)$/

/**
 * Imports the module a Lambda handler string names and returns the handler function.
 *
 * @param taskRoot - `LAMBDA_TASK_ROOT` (the function's code directory).
 * @param handlerName - the function's handler setting, e.g. `src/index.handler` or `/opt/x/handler.run`.
 * @example
 * const handler = await loadHandler('/var/task', 'index.handler')
 */
export async function loadHandler(taskRoot: string, handlerName: string): Promise<LambdaHandler> {
  if (handlerName.includes('..')) {
    throw new HandlerLoadError(
      'Runtime.MalformedHandlerName',
      `'${handlerName}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    )
  }
  const moduleAndProperty = path.basename(handlerName)
  const moduleRoot = handlerName.slice(0, handlerName.lastIndexOf(moduleAndProperty))
  const match = FUNCTION_EXPRESSION.exec(moduleAndProperty)
  if (!match) throw new HandlerLoadError('Runtime.MalformedHandlerName', 'Bad handler')
  const [, moduleName, propertyPath] = match as unknown as [string, string, string]

  const file = resolveModule(taskRoot, moduleRoot, moduleName)
  let loaded: Record<string, unknown>
  try {
    loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>
  } catch (error) {
    if (error instanceof SyntaxError) throw error
    const code = (error as { code?: unknown }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new HandlerLoadError('Runtime.ImportModuleError', `Error: ${(error as Error).message}`, { cause: error })
    }
    throw error
  }
  const handler = property(loaded, propertyPath) ?? property(loaded.default, propertyPath)
  if (handler === undefined || handler === null) {
    throw new HandlerLoadError('Runtime.HandlerNotFound', `${handlerName} is undefined or not exported`)
  }
  if (typeof handler !== 'function') {
    throw new HandlerLoadError('Runtime.HandlerNotFound', `${handlerName} is not a function`)
  }
  return handler as LambdaHandler
}

function resolveModule(taskRoot: string, moduleRoot: string, moduleName: string): string {
  const lambdaStylePath = path.resolve(taskRoot, moduleRoot, moduleName)
  const taskRequire = createRequire(path.join(taskRoot, 'index.js'))
  try {
    for (const extension of ['', '.js', '.mjs', '.cjs']) {
      const candidate = lambdaStylePath + extension
      if (!existsSync(candidate)) continue
      // The runtime `require`s a bare path, so a directory means its package main or index.js.
      return statSync(candidate).isDirectory() ? taskRequire.resolve(candidate) : candidate
    }
    // Not relative to this file: relative to the task root, then the module root, then NODE_PATH
    // (which holds /opt/nodejs/node_modules in Lambda), as the runtime's own fallback does.
    return taskRequire.resolve(moduleName, { paths: [taskRoot, moduleRoot] })
  } catch (error) {
    throw new HandlerLoadError(
      'Runtime.ImportModuleError',
      `Error: Cannot find module '${moduleName}'\nRequire stack:\n- ${lambdaStylePath}`,
      { cause: error },
    )
  }
}

function property(root: unknown, propertyPath: string): unknown {
  let value = root
  for (const key of propertyPath.split('.')) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

/** What one invocation needs to know: the Lambda context (for the request id). */
export type AroundInvocation = (context: unknown, call: () => Promise<unknown>) => Promise<unknown>

/**
 * True when the runtime interface client is the v4 line: nodejs24.x (from `AWS_EXECUTION_ENV`, else
 * the Node.js version), or any runtime with `AWS_LAMBDA_MAX_CONCURRENCY` (Lambda Managed Instances).
 */
export function isRuntimeClientV4(env: NodeJS.ProcessEnv = process.env): boolean {
  return runtimeMajor(env) >= 24 || env.AWS_LAMBDA_MAX_CONCURRENCY !== undefined
}

function runtimeMajor(env: NodeJS.ProcessEnv): number {
  const declared = /nodejs(\d+)\.x/.exec(env.AWS_EXECUTION_ENV ?? '')
  return Number(declared ? declared[1] : process.versions.node.split('.')[0])
}

/**
 * Wraps a user handler for the runtime: an `async (...args)` function (length 0, which the
 * Node.js 24 runtime requires) that runs each invocation through `around`.
 *
 * - A handler declaring 3+ parameters is callback style. The v4 runtime client refuses it at INIT,
 *   and so does this (with the runtime's error), so stakeout never makes a broken function work.
 *   On the v3 client (nodejs20.x, nodejs22.x) it is called with a callback whose result, as on
 *   Lambda, is returned once the event loop is empty (unless
 *   `context.callbackWaitsForEmptyEventLoop` is false); a returned promise settles it at once.
 * - A streaming handler keeps its markers, so the runtime still calls it as
 *   `(event, responseStream, context)`.
 *
 * @example
 * export const handler = wrapHandler(await loadHandler(taskRoot, name), (context, call) => interceptor.run(context, call))
 */
export function wrapHandler(user: LambdaHandler, around: AroundInvocation): (...args: unknown[]) => Promise<unknown> {
  const streaming = user[STREAMING] !== undefined && user[STREAMING] !== null && user[STREAMING] !== false
  const callbackStyle = !streaming && user.length >= 3
  if (callbackStyle && isRuntimeClientV4()) {
    const reason =
      runtimeMajor(process.env) >= 24
        ? 'AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later.'
        : 'AWS Lambda does not support callback-based function handlers when using Node.js 22 with Managed Instances. To use Managed Instances, modify this function to use a supported handler signature.'
    throw new HandlerLoadError(
      'Runtime.CallbackHandlerDeprecated',
      `ERROR: ${reason} For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.`,
    )
  }
  const invoke = user as (...args: unknown[]) => unknown
  const wrapped = async (...args: unknown[]): Promise<unknown> =>
    around(streaming ? args[2] : args[1], async () =>
      callbackStyle ? callWithCallback(invoke, args[0], args[1]) : invoke(...args),
    )
  for (const marker of [STREAMING, HIGH_WATER_MARK] as const) {
    if (marker in user) Object.defineProperty(wrapped, marker, { value: user[marker], enumerable: false })
  }
  return wrapped
}

function callWithCallback(invoke: (...args: unknown[]) => unknown, event: unknown, context: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let answered = false
    const settle = (error: unknown, result: unknown) => {
      if (answered) return
      answered = true
      if (error !== undefined && error !== null) reject(error)
      else resolve(result)
    }
    const callback = (error: unknown, result: unknown) => {
      const waits = (context as { callbackWaitsForEmptyEventLoop?: unknown } | null)?.callbackWaitsForEmptyEventLoop
      // The v3 runtime posts a callback's result when the event loop empties ("beforeExit"), so work
      // the handler left running still belongs to this invocation (and its calls are recorded).
      if (waits === false) settle(error, result)
      else process.once('beforeExit', () => settle(error, result))
    }
    const returned = invoke(event, context, callback)
    if (
      returned !== null &&
      typeof returned === 'object' &&
      typeof (returned as Promise<unknown>).then === 'function'
    ) {
      ;(returned as Promise<unknown>).then(
        (value) => settle(undefined, value),
        (error: unknown) => settle(error ?? new Error('handler rejected'), undefined),
      )
    }
  })
}
