/**
 * Running one invocation as the runtime interface client does:
 * - v3 (nodejs20.x, nodejs22.x): `handler(event, context, callback)`; a returned promise is posted
 *   as soon as it settles; `callback` waits for the empty event loop unless
 *   `context.callbackWaitsForEmptyEventLoop = false`; an invocation still pending when the event
 *   loop empties ends with `Runtime.NodeJsExit` (async handler) or a `null` response.
 * - v4 (nodejs24.x, or `AWS_LAMBDA_MAX_CONCURRENCY`): `await handler(event, context)`, several at
 *   once with `AWS_LAMBDA_MAX_CONCURRENCY`.
 * - Streaming handlers: `handler(event, responseStream, context)`.
 */
import util from 'node:util'
import type { LambdaHandler } from '../../../runtime/interceptor/runtime-client.js'
import type { InvokeMessage } from '../protocol.js'
import { inFlight, invocationScope, send } from './channel.js'
import { REQUEST_ID_SYMBOL } from './console.js'
import { logError, runtimeError, toInvocationError } from './errors.js'
import { createResponseStream } from './streaming.js'

/** The loaded function and how the runtime calls it. */
export interface LoadedFunction {
  readonly handler: LambdaHandler
  readonly streaming: boolean
  readonly clientLine: 3 | 4
  /** `AWS_LAMBDA_MAX_CONCURRENCY` is set: invocations may overlap. */
  readonly multiConcurrent: boolean
  readonly jsonLogs: boolean
}

type Outcome = { result: unknown } | { error: unknown }
type ExitAction = (() => void) | undefined

/**
 * What to do when the event loop empties during an invocation. The v3 client keeps it in a global
 * slot (its BeforeExitListener, src/BeforeExitListener.js), which code wrapping the handler
 * (stakeout's interceptor layer) may replace; v4 has no such slot.
 */
const BEFORE_EXIT_LISTENER = Symbol.for('aws.lambda.beforeExit')
const slots = globalThis as Record<symbol, unknown>
let v4ExitAction: ExitAction
let clientLine: 3 | 4 = 3

function setExitAction(action: ExitAction): void {
  if (clientLine === 3) slots[BEFORE_EXIT_LISTENER] = action ?? (() => {})
  else v4ExitAction = action
}

function takeExitAction(): ExitAction {
  const action = clientLine === 3 ? (slots[BEFORE_EXIT_LISTENER] as ExitAction) : v4ExitAction
  setExitAction(undefined)
  return action
}

/** Prepares the exit slot for the client line; runs its action when the event loop empties. */
export function watchEmptyEventLoop(line: 3 | 4): void {
  clientLine = line
  setExitAction(undefined)
  process.on('beforeExit', () => {
    takeExitAction()?.()
    if (inFlight.size === 0) process.channel?.ref()
  })
}

/** Posts an invocation's outcome; `fatal` when the process ends right after (the launcher then waits for the exit). */
export function report(requestId: string, outcome: Outcome, fatal = false): void {
  if (!inFlight.delete(requestId)) return
  if (slots[REQUEST_ID_SYMBOL] === requestId && inFlight.size === 0) slots[REQUEST_ID_SYMBOL] = undefined
  if ('error' in outcome) {
    send({ type: 'done', requestId, error: toInvocationError(outcome.error), fatal })
  } else {
    let payload: string
    try {
      payload = JSON.stringify(outcome.result === undefined ? null : outcome.result)
    } catch {
      send({
        type: 'done',
        requestId,
        error: { errorType: 'Runtime.JSONStringifyError', errorMessage: 'Unable to stringify response body' },
      })
      return
    }
    send({ type: 'done', requestId, payload })
  }
  if (inFlight.size === 0) process.channel?.ref()
}

function buildContext(message: InvokeMessage): Record<string, unknown> {
  const env = process.env
  const context: Record<string, unknown> = {
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
    getRemainingTimeInMillis: () => message.deadlineMs - Date.now(),
  }
  if (clientLine === 4) {
    context.xRayTraceId = message.traceId
    context.w3c = () => Object.freeze({})
  }
  return context
}

function invokeV3(fn: LoadedFunction, message: InvokeMessage, event: unknown): void {
  const { requestId } = message
  let waitForEmptyEventLoop = true
  let answered = false
  const postError = (error: unknown) => {
    setExitAction(undefined)
    logError('Invoke Error', error, fn.jsonLogs)
    report(requestId, { error })
  }
  const complete = (result: unknown) => {
    setExitAction(undefined)
    report(requestId, { result })
  }
  const onlyFirst =
    (answer: (error: unknown, result?: unknown) => void) =>
    (error: unknown, result?: unknown): void => {
      if (answered) return
      answered = true
      answer(error, result)
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
      set callbackWaitsForEmptyEventLoop(value: boolean) {
        waitForEmptyEventLoop = value
      },
      succeed: (result: unknown) => done(null, result),
      fail: (error: unknown) => (error === undefined || error === null ? done('handled') : done(error, null)),
      done,
    },
    buildContext(message),
  )
  const isAsync = util.types.isAsyncFunction(fn.handler)
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
    const returned = (fn.handler as (...args: unknown[]) => unknown)(event, context, callback)
    if (
      returned !== null &&
      typeof returned === 'object' &&
      typeof (returned as Promise<unknown>).then === 'function'
    ) {
      ;(returned as Promise<unknown>).then(context.succeed, context.fail).catch(context.fail)
    }
  } catch (error) {
    callback(error)
  }
}

async function invokeV4(fn: LoadedFunction, message: InvokeMessage, event: unknown): Promise<void> {
  const { requestId } = message
  if (!fn.multiConcurrent) {
    // Inferred, not documented: with nothing left to run, the v4 runtime's top-level await never
    // settles and Node exits with code 13; Lambda then reports the exit.
    setExitAction(() => process.exit(13))
  }
  const context = buildContext(message)
  try {
    const result = await (fn.handler as (...args: unknown[]) => unknown)(event, context)
    await new Promise((resolve) => setImmediate(resolve))
    setExitAction(undefined)
    report(requestId, { result })
  } catch (error) {
    await new Promise((resolve) => setImmediate(resolve))
    setExitAction(undefined)
    logError('Invoke Error', error, fn.jsonLogs)
    report(requestId, { error })
  }
}

async function invokeStreaming(fn: LoadedFunction, message: InvokeMessage, event: unknown): Promise<void> {
  const { requestId } = message
  const { stream, payload } = createResponseStream()
  const context = buildContext(message)
  try {
    const returned = (fn.handler as (...args: unknown[]) => unknown)(event, stream, context)
    if (
      returned === null ||
      typeof returned !== 'object' ||
      typeof (returned as Promise<unknown>).then !== 'function'
    ) {
      throw new Error('Streaming does not support non-async handlers.')
    }
    const result = await returned
    if (result !== undefined) console.warn('Streaming handlers ignore return values.')
    if (!stream.writableFinished) {
      await new Promise<void>((resolve, reject) => {
        if (stream.writableFinished) return resolve()
        stream.once('finish', resolve)
        stream.once('error', reject)
      })
    }
    report(requestId, { result: payload() })
  } catch (error) {
    logError('Invoke Error', error, fn.jsonLogs)
    report(requestId, { error })
  }
}

/** Starts one invocation; its outcome is reported to the launcher when it ends. */
export function onInvoke(fn: LoadedFunction, message: InvokeMessage): void {
  const { requestId } = message
  inFlight.add(requestId)
  slots[REQUEST_ID_SYMBOL] = requestId
  if (!fn.multiConcurrent) {
    if (message.traceId) process.env._X_AMZN_TRACE_ID = message.traceId
    else delete process.env._X_AMZN_TRACE_ID
    // Single-concurrency processes let the event loop empty during an invocation, so "callback waits
    // for the empty event loop" and "a promise never settled" behave as on Lambda. Multi-concurrent
    // ones keep the channel ref'd: other invocations may be running.
    process.channel?.unref()
  }
  invocationScope.run({ requestId }, () => {
    let event: unknown
    try {
      event = JSON.parse(message.event)
    } catch (error) {
      report(requestId, { error })
      return
    }
    if (fn.streaming) void invokeStreaming(fn, message, event)
    else if (fn.clientLine === 4) void invokeV4(fn, message, event)
    else invokeV3(fn, message, event)
  })
}
