/**
 * The child side of `invokeHandler` / `startHandler`: a small emulator of the AWS Lambda Node.js
 * runtime (the runtime interface client), run by plain `node` in its own process.
 *
 * Why a string: the child must run without tsx or a bundler, from the source tree (Vitest) and from
 * the built package (`dist/local.js` / `dist/local.cjs`) alike. tsup bundles only the TypeScript
 * entries and copies no loose files, so a sibling `.mjs` would be missing from `dist`. Keeping the
 * emulator as the text of an ES module, written once to a cache file by {@link bootstrapFile} in
 * `invoke-handler.ts`, works from both. The source is plain JavaScript (no TypeScript syntax, no
 * backticks, no `${`), exercised end to end by `test/local/invoke-handler.test.ts`.
 *
 * What it does, after the public sources of aws/aws-lambda-nodejs-runtime-interface-client
 * (see shared/reference/lambda-runtime.md):
 * - v3 client (nodejs20.x, nodejs22.x): `require` for extensionless, `.js` (unless the nearest
 *   package.json says `"type": "module"`) and `.cjs` files, `import()` for `.mjs` and ESM `.js`;
 *   calls `handler(event, context, callback)`; a returned promise is posted as soon as it settles;
 *   `callback` waits for the empty event loop unless `context.callbackWaitsForEmptyEventLoop = false`;
 *   an invocation still pending when the event loop empties ends with `Runtime.NodeJsExit` (async
 *   handler) or a `null` response (callback handler).
 * - v4 client (nodejs24.x, and nodejs22.x with `AWS_LAMBDA_MAX_CONCURRENCY`, as on Lambda Managed
 *   Instances): `import()` for every handler, `module.default[handler]` fallback, a handler declaring
 *   3 or more parameters refused at INIT (`Runtime.CallbackHandlerDeprecated`), `await handler(event,
 *   context)`; with `AWS_LAMBDA_MAX_CONCURRENCY` several invocations run at once.
 * - Both: `console` patched to Lambda's text (or JSON) log format with the request id, the global
 *   `awslambda` (`streamifyResponse`, `HttpResponseStream`), init errors reported as
 *   `Runtime.ImportModuleError`, `Runtime.HandlerNotFound`, `Runtime.MalformedHandlerName`,
 *   `Runtime.UserCodeSyntaxError`, uncaught exceptions and unhandled rejections fail the invocation
 *   and end the process, as on Lambda.
 *
 * Protocol with the parent (Node IPC, JSON): parent → child `{ type: 'invoke', requestId, event
 * (JSON text), deadlineMs, invokedFunctionArn, traceId, clientContext? }`; child → parent
 * `{ type: 'log', requestId | null, text }` (null: INIT), `{ type: 'ready' }`, `{ type: 'init-error',
 * error }`, `{ type: 'done', requestId, payload (JSON text) } | { type: 'done', requestId, error, fatal }` (fatal: the
 * process exits next).
 * Output is captured per invocation by patching `process.stdout.write` / `process.stderr.write` and
 * attributing each write with an AsyncLocalStorage (or to the only invocation in flight).
 *
 * @internal
 */
export const LAMBDA_BOOTSTRAP_SOURCE = String.raw`// stakeout: local emulator of the AWS Lambda Node.js runtime. Generated from src/local/lambda-bootstrap.ts.
import { AsyncLocalStorage } from 'node:async_hooks'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import util from 'node:util'

const require = createRequire(import.meta.url)
const env = process.env

if (typeof process.send !== 'function') {
  process.stderr.write('stakeout lambda bootstrap: no IPC channel; start handlers with invokeHandler() or startHandler() from stakeout/local\n')
  process.exit(1)
}
// The parent is gone (test runner killed, crash): an execution environment has no reason to live on.
process.on('disconnect', () => process.exit(0))

const REQUEST_ID_SYMBOL = Symbol.for('aws.lambda.runtime.requestId')
const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming')
const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark')
const STREAM_RESPONSE = 'response'
const HTTP_INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response'

const runtimeMatch = /nodejs(\d+)\.x/.exec(env.AWS_EXECUTION_ENV || '')
const runtimeMajor = runtimeMatch ? Number(runtimeMatch[1]) : 22
const multiConcurrent = env.AWS_LAMBDA_MAX_CONCURRENCY !== undefined
const clientLine = runtimeMajor >= 24 || multiConcurrent ? 4 : 3

const send = (message) => {
  if (process.connected) process.send(message)
}

// ---------------------------------------------------------------------------------------------
// Output capture: every write is attributed to the invocation that made it.
// ---------------------------------------------------------------------------------------------
const invocationStore = new AsyncLocalStorage()
const inFlight = new Map()
let initializing = true

function ownerOfOutput() {
  const store = invocationStore.getStore()
  if (store) return store.requestId
  if (initializing) return null
  if (inFlight.size === 1) return inFlight.keys().next().value
  return undefined
}

for (const stream of [process.stdout, process.stderr]) {
  const originalWrite = stream.write.bind(stream)
  stream.write = function write(chunk, encoding, callback) {
    const done = typeof encoding === 'function' ? encoding : callback
    const owner = ownerOfOutput()
    if (owner === undefined) return originalWrite(chunk, encoding, callback)
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    send({ type: 'log', requestId: owner, text })
    if (typeof done === 'function') process.nextTick(done)
    return true
  }
}

// ---------------------------------------------------------------------------------------------
// Errors, as the runtime names them.
// ---------------------------------------------------------------------------------------------
function runtimeError(name, message) {
  const error = new Error(message)
  error.name = 'Runtime.' + name
  return error
}
function importModuleError(original) {
  return runtimeError('ImportModuleError', String(original))
}
function userCodeSyntaxError(original) {
  const error = runtimeError('UserCodeSyntaxError', String(original))
  error.stack = original.stack
  return error
}

function isErrorLike(value) {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof value.name === 'string' &&
    typeof value.message === 'string' &&
    typeof value.stack === 'string'
  )
}

/** The error as Lambda's Invoke API returns it. */
function toInvocationError(error) {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      return {
        errorType: error.name,
        errorMessage: error.message,
        stack: typeof error.stack === 'string' ? error.stack.split('\n') : [],
      }
    }
    return { errorType: typeof error, errorMessage: String(error), stack: [] }
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    }
  }
}

function withEnumerableProperties(value) {
  if (value instanceof Error) {
    const copy = Object.assign({ errorType: value.name, errorMessage: value.message, code: value.code }, value)
    if (typeof value.stack === 'string') copy.stack = value.stack.split('\n')
    return copy
  }
  return value
}

function formatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_key, value) => withEnumerableProperties(value))
  } catch {
    return '\t' + JSON.stringify(toInvocationError(error))
  }
}

function intoError(value) {
  return value instanceof Error ? value : new Error(value)
}

// ---------------------------------------------------------------------------------------------
// console, patched as the runtime patches it (text format, or JSON with AWS_LAMBDA_LOG_FORMAT=JSON).
// ---------------------------------------------------------------------------------------------
const LEVELS = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 }
const minimumLevel = LEVELS[String(env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase()] || LEVELS.TRACE
const jsonLogs = String(env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON'

function currentRequestId() {
  const store = invocationStore.getStore()
  return store ? store.requestId : globalThis[REQUEST_ID_SYMBOL]
}

function errorFields(error) {
  return {
    errorType: (error && error.constructor && error.constructor.name) || 'UnknownError',
    errorMessage: error.message,
    stackTrace: typeof error.stack === 'string' ? error.stack.split('\n') : error.stack,
  }
}

function jsonLine(timestamp, level, requestId, params) {
  const entry = { timestamp, level, requestId }
  if (params.length === 1) {
    entry.message = params[0]
    try {
      return JSON.stringify(entry, (_key, value) =>
        value instanceof Error ? Object.assign(errorFields(value), value) : value,
      )
    } catch {
      entry.message = util.format(entry.message)
      return JSON.stringify(entry)
    }
  }
  entry.message = util.format(...params)
  const error = params.find((param) => param instanceof Error)
  if (error) Object.assign(entry, errorFields(error))
  return JSON.stringify(entry)
}

function writeLog(level, params) {
  const timestamp = new Date().toISOString()
  const requestId = currentRequestId()
  const line = jsonLogs
    ? jsonLine(timestamp, level, requestId, params)
    : timestamp + '\t' + requestId + '\t' + level + '\t' + util.format(...params)
  process.stdout.write(line + '\n')
}

function logAt(level) {
  return LEVELS[level] >= minimumLevel ? (...params) => writeLog(level, params) : () => {}
}
console.trace = logAt('TRACE')
console.debug = logAt('DEBUG')
console.info = logAt('INFO')
console.log = console.info
console.warn = logAt('WARN')
console.error = logAt('ERROR')
console.fatal = logAt('FATAL')

function logError(title, error) {
  if (jsonLogs) console.error(intoError(error))
  else console.error(title, formatted(intoError(error)))
}

// ---------------------------------------------------------------------------------------------
// The global awslambda object (response streaming).
// ---------------------------------------------------------------------------------------------
class HttpResponseStream {
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType(HTTP_INTEGRATION_CONTENT_TYPE)
    const metadata = JSON.stringify(prelude)
    underlyingStream.beforeFirstWrite = (write) => {
      write(metadata)
      write(new Uint8Array(8))
    }
    return underlyingStream
  }
}

if (env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA !== '1' && env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA !== 'true') {
  globalThis.awslambda = {
    ...globalThis.awslambda,
    streamifyResponse(handler, options) {
      handler[HANDLER_STREAMING] = STREAM_RESPONSE
      if (options && typeof options.highWaterMark === 'number') {
        handler[HANDLER_HIGHWATERMARK] = Number.parseInt(String(options.highWaterMark), 10)
      }
      return handler
    },
    HttpResponseStream,
  }
}

/** A response stream that collects what the handler writes; the Invoke API answers with the bytes. */
function createResponseStream() {
  const chunks = []
  let contentType = 'application/octet-stream'
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      if (stream.beforeFirstWrite) {
        const before = stream.beforeFirstWrite
        stream.beforeFirstWrite = undefined
        before((data) => chunks.push(Buffer.from(data)))
      }
      chunks.push(Buffer.from(chunk))
      callback()
    },
  })
  stream.setContentType = (value) => {
    contentType = value
  }
  const payload = () => {
    const bytes = Buffer.concat(chunks)
    if (contentType !== HTTP_INTEGRATION_CONTENT_TYPE) return bytes.toString('utf8')
    const separator = bytes.indexOf(Buffer.alloc(8))
    const prelude = separator < 0 ? {} : JSON.parse(bytes.subarray(0, separator).toString('utf8') || '{}')
    const body = separator < 0 ? bytes : bytes.subarray(separator + 8)
    return { ...prelude, body: body.toString('utf8') }
  }
  return { stream, payload }
}

// ---------------------------------------------------------------------------------------------
// Loading the handler.
// ---------------------------------------------------------------------------------------------
function parseHandlerString(fullHandlerString) {
  if (fullHandlerString.includes('..')) {
    throw runtimeError(
      'MalformedHandlerName',
      "'" + fullHandlerString + "' is not a valid handler name. Use absolute paths when specifying root directories in handler names.",
    )
  }
  const handlerString = path.basename(fullHandlerString)
  const moduleRoot = fullHandlerString.substring(0, fullHandlerString.indexOf(handlerString))
  const match = /^([^.]*)\.(.*)$/.exec(handlerString)
  if (!match) throw runtimeError('MalformedHandlerName', 'Bad handler')
  return { moduleRoot, moduleName: match[1], handlerName: match[2] }
}

function tryRequireFile(file, extension) {
  const candidate = file + (extension || '')
  return existsSync(candidate) ? require(candidate) : undefined
}

async function tryImport(file, extension) {
  const candidate = file + (extension || '')
  return existsSync(candidate) ? await import(pathToFileURL(candidate).href) : undefined
}

function folderSaysTypeModule(folder) {
  if (folder.endsWith(path.sep + 'node_modules')) return false
  const packageJson = path.join(folder, 'package.json')
  if (existsSync(packageJson)) {
    try {
      const pkg = JSON.parse(readFileSync(packageJson, 'utf8'))
      if (pkg) return pkg.type === 'module'
    } catch (error) {
      console.warn(packageJson + ' cannot be read, it will be ignored for ES module detection purposes.', error)
      return false
    }
  }
  const parent = path.resolve(folder, '..')
  return parent === folder ? false : folderSaysTypeModule(parent)
}

async function loadModuleV3(appRoot, moduleRoot, moduleName) {
  const lambdaStylePath = path.resolve(appRoot, moduleRoot, moduleName)
  const extensionless = tryRequireFile(lambdaStylePath)
  if (extensionless) return extensionless
  const typeModule = existsSync(lambdaStylePath + '.js') && folderSaysTypeModule(path.dirname(lambdaStylePath + '.js'))
  if (!typeModule) {
    const loaded = tryRequireFile(lambdaStylePath, '.js')
    if (loaded) return loaded
  }
  const loaded =
    (typeModule && (await tryImport(lambdaStylePath, '.js'))) ||
    (await tryImport(lambdaStylePath, '.mjs')) ||
    tryRequireFile(lambdaStylePath, '.cjs')
  if (loaded) return loaded
  return require(require.resolve(moduleName, { paths: [appRoot, moduleRoot] }))
}

async function loadModuleV4(appRoot, moduleRoot, moduleName) {
  const fullPathWithoutExtension = path.resolve(appRoot, moduleRoot, moduleName)
  for (const extension of ['', '.js', '.mjs', '.cjs']) {
    const loaded = await tryImport(fullPathWithoutExtension, extension)
    if (loaded) return loaded
  }
  return require(require.resolve(moduleName, { paths: [appRoot, path.join(appRoot, moduleRoot)] }))
}

function findIn(handlerName, container) {
  return handlerName.split('.').reduce((nested, key) => (nested && typeof nested === 'object') || typeof nested === 'function' ? nested[key] : undefined, container)
}

async function loadHandler(appRoot, fullHandlerString) {
  const { moduleRoot, moduleName, handlerName } = parseHandlerString(fullHandlerString)
  let userModule
  try {
    userModule = clientLine === 4
      ? await loadModuleV4(appRoot, moduleRoot, moduleName)
      : await loadModuleV3(appRoot, moduleRoot, moduleName)
  } catch (error) {
    if (error instanceof SyntaxError) throw userCodeSyntaxError(error)
    if (error && error.code === 'MODULE_NOT_FOUND') throw importModuleError(error)
    throw error
  }
  let handler = findIn(handlerName, userModule)
  if (!handler && clientLine === 4 && userModule && typeof userModule === 'object' && 'default' in userModule) {
    handler = findIn(handlerName, userModule.default)
  }
  if (!handler) throw runtimeError('HandlerNotFound', fullHandlerString + ' is undefined or not exported')
  if (typeof handler !== 'function') throw runtimeError('HandlerNotFound', fullHandlerString + ' is not a function')
  const streamingMark = handler[HANDLER_STREAMING]
  if (streamingMark && streamingMark !== STREAM_RESPONSE) {
    throw runtimeError('MalformedStreamingHandler', 'Only response streaming is supported.')
  }
  const streaming = streamingMark === STREAM_RESPONSE
  if (clientLine === 4 && handler.length >= 3 && !streaming) {
    const error = new Error(
      runtimeMajor >= 24
        ? 'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.'
        : 'ERROR: AWS Lambda does not support callback-based function handlers when using Node.js 22 with Managed Instances. To use Managed Instances, modify this function to use a supported handler signature. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.',
    )
    error.name = 'Runtime.CallbackHandlerDeprecated'
    throw error
  }
  return { handler, streaming }
}

// ---------------------------------------------------------------------------------------------
// Invocations.
// ---------------------------------------------------------------------------------------------
let userHandler
let streamingHandler = false
// What to do when the event loop empties during an invocation. The v3 client keeps it in a global slot (its
// BeforeExitListener, src/BeforeExitListener.js), which code wrapping the handler (stakeout's interceptor layer)
// may replace; v4 has no such slot.
const BEFORE_EXIT_LISTENER = Symbol.for('aws.lambda.beforeExit')
let v4ExitAction
function setExitAction(action) {
  if (clientLine === 3) globalThis[BEFORE_EXIT_LISTENER] = action || (() => {})
  else v4ExitAction = action
}
function takeExitAction() {
  const action = clientLine === 3 ? globalThis[BEFORE_EXIT_LISTENER] : v4ExitAction
  setExitAction(undefined)
  return action
}
setExitAction(undefined)
// Single-concurrency processes let the event loop empty during an invocation (the IPC channel is
// unref'd), so "callback waits for the empty event loop" and "a promise never settled" behave as on
// Lambda. Multi-concurrent processes keep the channel ref'd: other invocations may be running.
const watchEventLoop = !multiConcurrent

process.on('beforeExit', () => {
  const action = takeExitAction()
  if (action) action()
  if (inFlight.size === 0 && process.channel) process.channel.ref()
})

/** Posts an invocation's outcome; 'fatal' when the process ends right after (the parent then waits for the exit). */
function report(requestId, outcome, fatal) {
  const invocation = inFlight.get(requestId)
  if (!invocation) return
  inFlight.delete(requestId)
  if (globalThis[REQUEST_ID_SYMBOL] === requestId && inFlight.size === 0) globalThis[REQUEST_ID_SYMBOL] = undefined
  if ('error' in outcome) {
    send({ type: 'done', requestId, error: toInvocationError(outcome.error), fatal: Boolean(fatal) })
  } else {
    let payload
    try {
      payload = JSON.stringify(outcome.result === undefined ? null : outcome.result)
    } catch {
      send({ type: 'done', requestId, error: { errorType: 'Runtime.JSONStringifyError', errorMessage: 'Unable to stringify response body' } })
      return
    }
    send({ type: 'done', requestId, payload })
  }
  if (inFlight.size === 0 && process.channel) process.channel.ref()
}

function buildContext(message) {
  const deadlineMs = message.deadlineMs
  const context = {
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: message.clientContext,
    identity: undefined,
    invokedFunctionArn: message.invokedFunctionArn,
    awsRequestId: message.requestId,
    tenantId: undefined,
    getRemainingTimeInMillis() {
      return deadlineMs - Date.now()
    },
  }
  if (clientLine === 4) {
    context.xRayTraceId = message.traceId
    context.w3c = () => Object.freeze({})
  }
  return context
}

function invokeV3(message, event) {
  const requestId = message.requestId
  let waitForEmptyEventLoop = true
  let answered = false
  const postError = (error) => {
    setExitAction(undefined)
    logError('Invoke Error', error)
    report(requestId, { error })
  }
  const complete = (result) => {
    setExitAction(undefined)
    report(requestId, { result })
  }
  const onlyFirst = (fn) => (...args) => {
    if (answered) return
    answered = true
    fn(...args)
  }
  const callback = onlyFirst((error, result) => {
    if (error !== undefined && error !== null) return postError(error)
    if (!waitForEmptyEventLoop) return complete(result)
    setExitAction(() => setImmediate(() => complete(result)))
  })
  const done = onlyFirst((error, result) => {
    if (error !== undefined && error !== null) postError(error)
    else complete(result)
  })
  const context = Object.assign(
    {
      get callbackWaitsForEmptyEventLoop() {
        return waitForEmptyEventLoop
      },
      set callbackWaitsForEmptyEventLoop(value) {
        waitForEmptyEventLoop = value
      },
      succeed: (result) => done(null, result),
      fail: (error) => (error === undefined || error === null ? done('handled') : done(error, null)),
      done,
    },
    buildContext(message),
  )
  const isAsync = util.types.isAsyncFunction(userHandler)
  setExitAction(() => {
    answered = true
    if (isAsync) {
      postError(
        runtimeError(
          'NodeJsExit',
          'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
        ),
      )
    } else {
      complete(null)
    }
  })
  try {
    const returned = userHandler(event, context, callback)
    if (returned && typeof returned.then === 'function') {
      returned.then(context.succeed, context.fail).catch(context.fail)
    }
  } catch (error) {
    callback(error)
  }
}

async function invokeV4(message, event) {
  const requestId = message.requestId
  if (watchEventLoop) {
    // Inferred, not documented: with nothing left to run, the v4 runtime's top-level await never
    // settles and Node exits with code 13; Lambda then reports the exit.
    setExitAction(() => process.exit(13))
  }
  const context = buildContext(message)
  try {
    const result = await userHandler(event, context)
    await new Promise((resolve) => setImmediate(resolve))
    setExitAction(undefined)
    report(requestId, { result })
  } catch (error) {
    await new Promise((resolve) => setImmediate(resolve))
    setExitAction(undefined)
    logError('Invoke Error', error)
    report(requestId, { error })
  }
}

async function invokeStreaming(message, event) {
  const requestId = message.requestId
  const { stream, payload } = createResponseStream()
  const context = buildContext(message)
  try {
    const returned = userHandler(event, stream, context)
    if (!returned || typeof returned.then !== 'function') {
      throw new Error('Streaming does not support non-async handlers.')
    }
    const result = await returned
    if (result !== undefined) console.warn('Streaming handlers ignore return values.')
    if (!stream.writableFinished) {
      await new Promise((resolve, reject) => {
        if (stream.writableFinished) return resolve()
        stream.once('finish', resolve)
        stream.once('error', reject)
      })
    }
    report(requestId, { result: payload() })
  } catch (error) {
    logError('Invoke Error', error)
    report(requestId, { error })
  }
}

function onInvoke(message) {
  const requestId = message.requestId
  inFlight.set(requestId, { deadlineMs: message.deadlineMs })
  globalThis[REQUEST_ID_SYMBOL] = requestId
  if (!multiConcurrent) {
    if (message.traceId) env._X_AMZN_TRACE_ID = message.traceId
    else delete env._X_AMZN_TRACE_ID
  }
  if (watchEventLoop && process.channel) process.channel.unref()
  invocationStore.run({ requestId }, () => {
    let event
    try {
      event = JSON.parse(message.event)
    } catch (error) {
      report(requestId, { error })
      return
    }
    if (streamingHandler) invokeStreaming(message, event)
    else if (clientLine === 4) invokeV4(message, event)
    else invokeV3(message, event)
  })
}

// ---------------------------------------------------------------------------------------------
// Process-level failures: the invocation(s) in flight fail and the process ends, as on Lambda.
// ---------------------------------------------------------------------------------------------
function failEverything(title, error, exitCode) {
  logError(title, error)
  if (initializing) {
    send({ type: 'init-error', error: toInvocationError(error) })
  } else {
    for (const requestId of [...inFlight.keys()]) report(requestId, { error }, true)
  }
  // Exit once the messages above are written: process.send is asynchronous.
  const exit = () => process.exit(exitCode)
  if (process.connected) process.send({ type: 'exiting' }, exit)
  else exit()
}

process.on('uncaughtException', (error) => failEverything('Uncaught Exception', error, 129))
process.on('unhandledRejection', (reason) => {
  const error = runtimeError('UnhandledPromiseRejection', String(reason))
  error.reason = reason
  failEverything('Unhandled Promise Rejection', error, 128)
})

process.on('message', (message) => {
  if (message && message.type === 'invoke') onInvoke(message)
})

// ---------------------------------------------------------------------------------------------
// INIT.
// ---------------------------------------------------------------------------------------------
try {
  const loaded = await loadHandler(env.LAMBDA_TASK_ROOT || process.cwd(), env._HANDLER || '')
  userHandler = loaded.handler
  streamingHandler = loaded.streaming
  initializing = false
  send({ type: 'ready' })
} catch (error) {
  failEverything('Uncaught Exception', error, 129)
}
`
