/**
 * stakeout's local runtime: the child side of the launcher, a small copy of the AWS Lambda Node.js
 * runtime (the runtime interface client), run by plain `node` in an execution environment's
 * process, as Lambda's bootstrap runs `/var/runtime/index.mjs`. Built into `bootstrap.mjs`
 * (src/build/local-runtime.ts).
 *
 * After the public sources of aws/aws-lambda-nodejs-runtime-interface-client (see
 * shared/reference/lambda-runtime.md): `console` patched to Lambda's log format with the request
 * id, the global `awslambda`, the handler loaded by the one handler loader
 * (src/runtime/interceptor/load-handler.ts) with the rules of the client line the runtime uses,
 * init errors reported with the runtime's types (`Runtime.ImportModuleError`,
 * `Runtime.HandlerNotFound`, `Runtime.MalformedHandlerName`, `Runtime.UserCodeSyntaxError`,
 * `Runtime.CallbackHandlerDeprecated`), uncaught exceptions and unhandled rejections failing the
 * invocation and ending the process, as on Lambda. It talks to the launcher over Node IPC
 * (protocol.ts) instead of the Runtime API.
 * @packageDocumentation
 */
import { loadHandler } from '../../../runtime/interceptor/load-handler.js'
import {
  isRuntimeClientV4,
  refuseCallbackHandler,
  STREAM_RESPONSE,
  STREAMING,
} from '../../../runtime/interceptor/runtime-client.js'
import type { InvokeMessage } from '../protocol.js'
import { captureOutput, endInit, inFlight, isInitializing, send } from './channel.js'
import { patchConsole } from './console.js'
import { logError, runtimeError, toInvocationError } from './errors.js'
import { type LoadedFunction, onInvoke, report, watchEmptyEventLoop } from './invoke.js'
import { dieWithParent } from './orphan-guard.js'
import { defineAwsLambdaGlobal } from './streaming.js'

const env = process.env

if (typeof process.send !== 'function') {
  process.stderr.write(
    'stakeout local runtime: no IPC channel; start functions with startFunctionEnvironment(), invokeHandler() or startHandler() from stakeout/local\n',
  )
  process.exit(1)
}
// The launcher is gone (test runner killed, crash): an execution environment has no reason to live on.
process.on('disconnect', () => process.exit(0))
// ...even when the handler blocks the event loop, which keeps the disconnect from being seen.
dieWithParent()

captureOutput()
const { jsonLogs } = patchConsole(env)
defineAwsLambdaGlobal(env)
const clientLine = isRuntimeClientV4(env) ? 4 : 3
watchEmptyEventLoop(clientLine)

/** The invocation(s) in flight fail and the process ends, as on Lambda. */
function failEverything(title: string, error: unknown, exitCode: number): void {
  logError(title, error, jsonLogs)
  if (isInitializing()) send({ type: 'init-error', error: toInvocationError(error) })
  else for (const requestId of [...inFlight]) report(requestId, { error }, true)
  // Exit once the messages above are written: process.send is asynchronous.
  send({ type: 'exiting' }, () => process.exit(exitCode))
}

// The v3 runtime client (nodejs20.x, 22.x) listens to both and reports the error before exiting 129 / 128. The v4
// client (nodejs24.x, aws-lambda-ric 4) registers no listener: Node.js prints the error and exits 1, and Lambda
// answers the invocation with Runtime.ExitError, as the launcher does for any process that dies mid-invocation.
if (clientLine === 3) {
  process.on('uncaughtException', (error) => failEverything('Uncaught Exception', error, 129))
  process.on('unhandledRejection', (reason) => {
    const error = Object.assign(runtimeError('UnhandledPromiseRejection', String(reason)), { reason })
    failEverything('Unhandled Promise Rejection', error, 128)
  })
}

let loaded: LoadedFunction | undefined
process.on('message', (message: InvokeMessage) => {
  if (loaded && message?.type === 'invoke') onInvoke(loaded, message)
})

try {
  const handler = await loadHandler(env.LAMBDA_TASK_ROOT || process.cwd(), env._HANDLER || '', { clientLine })
  refuseCallbackHandler(handler, env)
  loaded = {
    handler,
    streaming: handler[STREAMING] === STREAM_RESPONSE,
    clientLine,
    multiConcurrent: env.AWS_LAMBDA_MAX_CONCURRENCY !== undefined,
    jsonLogs,
  }
  endInit()
  send({ type: 'ready' })
} catch (error) {
  failEverything('Uncaught Exception', error, 129)
}
