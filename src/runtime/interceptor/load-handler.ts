/**
 * The one loader of a Lambda handler string, used by the interceptor layer's `handler.mjs` (to load
 * the function's own handler) and by stakeout's local runtime (to load what `_HANDLER` names, as
 * Lambda's bootstrap does).
 *
 * Resolution follows the runtime interface client (`UserFunction`): the handler string is split
 * into a module root (`src/`), a module (`index`) and a property path (`handler`, or `a.b`); `..`
 * is rejected; `path.resolve(taskRoot, moduleRoot, module)` is tried bare, then with `.js`,
 * `.mjs`, `.cjs` (absolute module roots are allowed: other layers use them), then
 * `require.resolve` over `[taskRoot, moduleRoot]` and `NODE_PATH` (which holds
 * `/opt/nodejs/node_modules`). How a file is loaded depends on the client line:
 * - v3 (nodejs20.x, nodejs22.x): `require` for an extensionless path, a `.js` file (unless the
 *   nearest package.json says `"type": "module"`, then `import()`) and `.cjs`; `import()` for `.mjs`;
 *   the property is looked up on what was loaded.
 * - v4 (nodejs24.x, or any runtime with `AWS_LAMBDA_MAX_CONCURRENCY`): `import()` for everything,
 *   CommonJS included; the property is also looked up on `module.default`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import {
  HandlerLoadError,
  isRuntimeClientV4,
  type LambdaHandler,
  STREAM_RESPONSE,
  STREAMING,
} from './runtime-client.js'

/** Which runtime interface client's rules to follow. */
export interface LoadHandlerOptions {
  /** @default 4 when {@link isRuntimeClientV4} says so for this process, else 3 */
  readonly clientLine?: 3 | 4
}

const FUNCTION_EXPRESSION = /^([^.]*)\.(.*)$/
const require = createRequire(import.meta.url)

/**
 * Loads the module a Lambda handler string names and returns the handler function.
 *
 * @param taskRoot - `LAMBDA_TASK_ROOT` (the function's code directory).
 * @param handlerName - the function's handler setting, e.g. `src/index.handler` or `/opt/x/handler.run`.
 * @example
 * const handler = await loadHandler('/var/task', 'index.handler')
 */
export async function loadHandler(
  taskRoot: string,
  handlerName: string,
  options: LoadHandlerOptions = {},
): Promise<LambdaHandler> {
  const v4 = (options.clientLine ?? (isRuntimeClientV4() ? 4 : 3)) === 4
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

  let loaded: unknown
  try {
    loaded = v4
      ? await loadModuleV4(taskRoot, moduleRoot, moduleName)
      : await loadModuleV3(taskRoot, moduleRoot, moduleName)
  } catch (error) {
    if (error instanceof SyntaxError) {
      const syntax = new HandlerLoadError('Runtime.UserCodeSyntaxError', String(error), { cause: error })
      if (error.stack !== undefined) syntax.stack = error.stack
      throw syntax
    }
    const code = (error as { code?: unknown } | null)?.code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new HandlerLoadError('Runtime.ImportModuleError', `Error: ${(error as Error).message}`, { cause: error })
    }
    throw error
  }
  let handler = property(loaded, propertyPath)
  if (handler === undefined && v4 && loaded !== null && typeof loaded === 'object' && 'default' in loaded) {
    handler = property(loaded.default, propertyPath)
  }
  if (handler === undefined || handler === null) {
    throw new HandlerLoadError('Runtime.HandlerNotFound', `${handlerName} is undefined or not exported`)
  }
  if (typeof handler !== 'function') {
    throw new HandlerLoadError('Runtime.HandlerNotFound', `${handlerName} is not a function`)
  }
  const streaming = (handler as LambdaHandler)[STREAMING]
  if (streaming !== undefined && streaming !== STREAM_RESPONSE) {
    throw new HandlerLoadError('Runtime.MalformedStreamingHandler', 'Only response streaming is supported.')
  }
  return handler as LambdaHandler
}

async function loadModuleV3(taskRoot: string, moduleRoot: string, moduleName: string): Promise<unknown> {
  const lambdaStylePath = path.resolve(taskRoot, moduleRoot, moduleName)
  if (existsSync(lambdaStylePath)) return require(lambdaStylePath)
  const js = `${lambdaStylePath}.js`
  if (existsSync(js)) return folderSaysTypeModule(path.dirname(js)) ? importFile(js) : require(js)
  if (existsSync(`${lambdaStylePath}.mjs`)) return importFile(`${lambdaStylePath}.mjs`)
  if (existsSync(`${lambdaStylePath}.cjs`)) return require(`${lambdaStylePath}.cjs`)
  return require(require.resolve(moduleName, { paths: [taskRoot, moduleRoot] }))
}

async function loadModuleV4(taskRoot: string, moduleRoot: string, moduleName: string): Promise<unknown> {
  const lambdaStylePath = path.resolve(taskRoot, moduleRoot, moduleName)
  for (const extension of ['', '.js', '.mjs', '.cjs']) {
    const candidate = lambdaStylePath + extension
    if (!existsSync(candidate)) continue
    // A bare directory means its package main or index.js, as `require` would find it.
    return importFile(statSync(candidate).isDirectory() ? require.resolve(candidate) : candidate)
  }
  return importFile(require.resolve(moduleName, { paths: [taskRoot, path.join(taskRoot, moduleRoot)] }))
}

function importFile(file: string): Promise<unknown> {
  return import(pathToFileURL(file).href)
}

/** Whether the nearest package.json above `folder` (short of a node_modules) says `"type": "module"`. */
function folderSaysTypeModule(folder: string): boolean {
  if (folder.endsWith(`${path.sep}node_modules`)) return false
  const packageJson = path.join(folder, 'package.json')
  if (existsSync(packageJson)) {
    try {
      const manifest = JSON.parse(readFileSync(packageJson, 'utf8')) as { type?: unknown } | null
      if (manifest) return manifest.type === 'module'
    } catch (error) {
      console.warn(`${packageJson} cannot be read, it will be ignored for ES module detection purposes.`, error)
      return false
    }
  }
  const parent = path.resolve(folder, '..')
  return parent === folder ? false : folderSaysTypeModule(parent)
}

function property(root: unknown, propertyPath: string): unknown {
  let value = root
  for (const key of propertyPath.split('.')) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}
