/**
 * Wrapping a loaded handler so that every invocation runs through code of ours (the interceptor),
 * while the runtime still calls and answers it as it would the user's own handler.
 */
import { types } from 'node:util'
import {
  HIGH_WATER_MARK,
  isRuntimeClientV4,
  type LambdaHandler,
  refuseCallbackHandler,
  STREAMING,
} from './runtime-client.js'

/**
 * Where the v3 runtime client (nodejs20.x, nodejs22.x) keeps the one function it runs when the event loop empties
 * during an invocation (its `BeforeExitListener`): by default it posts `null` (`Runtime.NodeJsExit` for an async
 * handler); a callback waiting for the empty event loop replaces it with one that posts the callback's result.
 */
const RUNTIME_BEFORE_EXIT = Symbol.for('aws.lambda.beforeExit')

/** What one invocation needs to know: the Lambda context (for the request id). */
export type AroundInvocation = (context: unknown, call: () => Promise<unknown>) => Promise<unknown>

/**
 * Wraps a user handler for the runtime so that every invocation runs through `around`.
 *
 * - A handler declaring 3+ parameters is callback style. The v4 runtime client refuses it at INIT,
 *   and so does this (with the runtime's error), so stakeout never makes a broken function work.
 * - On the v4 client (nodejs24.x), and for async handlers, the wrapper is an `async (...args)` function
 *   (length 0, which the Node.js 24 runtime requires).
 * - On the v3 client (nodejs20.x, nodejs22.x) a handler that is not async answers, as on Lambda, through its
 *   callback (once the event loop is empty, unless `context.callbackWaitsForEmptyEventLoop` is false),
 *   `context.succeed` / `fail` / `done`, or the promise it returns; `null` when the event loop empties without an
 *   answer (a returned value that is not a promise is ignored). Its wrapper is a plain function of the same length.
 * - A streaming handler keeps its markers, so the runtime still calls it as
 *   `(event, responseStream, context)`.
 *
 * @example
 * export const handler = wrapHandler(await loadHandler(taskRoot, name), (context, call) => interceptor.run(context, call))
 */
export function wrapHandler(user: LambdaHandler, around: AroundInvocation): (...args: unknown[]) => Promise<unknown> {
  const streaming = user[STREAMING] !== undefined && user[STREAMING] !== null && user[STREAMING] !== false
  const callbackStyle = !streaming && user.length >= 3
  const v4 = isRuntimeClientV4()
  refuseCallbackHandler(user)
  const invoke = user as (...args: unknown[]) => unknown
  const userIsAsync = types.isAsyncFunction(user)
  let wrapped: (...args: unknown[]) => Promise<unknown>
  if (!streaming && !v4 && (callbackStyle || !userIsAsync)) {
    // Not async, and as long as the handler: the v3 client then treats it as the handler (its callback deprecation
    // warning included). It fails an async handler with Runtime.NodeJsExit when the event loop empties before it
    // settles, which is exactly when a callback's result is due.
    wrapped = function answeredLikeTheRuntime(event: unknown, context: unknown, _callback: unknown): Promise<unknown> {
      return around(context, () => callAsRuntimeV3(invoke, event, context, { userIsAsync, callbackStyle }))
    }
    Object.defineProperty(wrapped, 'length', { value: user.length })
  } else {
    wrapped = async (...args: unknown[]): Promise<unknown> =>
      around(streaming ? args[2] : args[1], async () => invoke(...args))
  }
  for (const marker of [STREAMING, HIGH_WATER_MARK] as const) {
    if (marker in user) Object.defineProperty(wrapped, marker, { value: user[marker], enumerable: false })
  }
  return wrapped
}

/**
 * Calls a handler that is not async (or declares a callback) as the v3 runtime client does
 * (aws-lambda-nodejs-runtime-interface-client, `Runtime.js` and `CallbackContext.js`), and settles with its answer:
 * the first of its callback, `context.succeed` / `fail` / `done` and the promise it returns; a callback's result once
 * the event loop is empty (unless `callbackWaitsForEmptyEventLoop` is false); `null` (`Runtime.NodeJsExit` for an
 * async handler) when the loop empties without an answer.
 *
 * Under the runtime client, what it does when the loop empties is replaced for the invocation: its own action would
 * post before the invocation's recorded calls are written. Elsewhere (a test harness, another emulator) `beforeExit`
 * stands in for it, and a returned value that is not a promise is the answer, as before.
 */
function callAsRuntimeV3(
  invoke: (...args: unknown[]) => unknown,
  event: unknown,
  context: unknown,
  { userIsAsync, callbackStyle }: { userIsAsync: boolean; callbackStyle: boolean },
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false
    const settle = (error: unknown, result: unknown) => {
      if (settled) return
      settled = true
      if (error !== undefined && error !== null) reject(error)
      else resolve(result)
    }
    let answered = false
    let callbackAnswer: { error: unknown; result: unknown } | undefined
    const onEmptyEventLoop = () => {
      if (callbackAnswer) settle(callbackAnswer.error, callbackAnswer.result)
      else if (userIsAsync) settle(nodeJsExit(), undefined)
      else settle(undefined, null)
    }
    const runtime = globalThis as { [RUNTIME_BEFORE_EXIT]?: unknown }
    const underRuntimeClient = typeof runtime[RUNTIME_BEFORE_EXIT] === 'function'
    if (underRuntimeClient) {
      // The runtime client resets the slot itself once our promise settles and it posts the answer.
      runtime[RUNTIME_BEFORE_EXIT] = () => {
        runtime[RUNTIME_BEFORE_EXIT] = () => {}
        onEmptyEventLoop()
      }
    }
    const done = (error: unknown, result: unknown) => {
      if (answered) return
      answered = true
      settle(error, result)
    }
    // The handler may set callbackWaitsForEmptyEventLoop on this copy: read it there.
    const handlerContext = withAnswers(context, done)
    const callback = (error: unknown, result: unknown) => {
      if (answered) return
      answered = true
      const waits = (handlerContext as { callbackWaitsForEmptyEventLoop?: unknown } | null)
        ?.callbackWaitsForEmptyEventLoop
      if ((error !== undefined && error !== null) || waits === false) {
        settle(error, result)
        return
      }
      // Work the handler left running still belongs to this invocation (and its calls are recorded).
      callbackAnswer = { error, result }
      if (!underRuntimeClient) process.once('beforeExit', onEmptyEventLoop)
    }
    let returned: unknown
    try {
      returned = invoke(event, handlerContext, callback)
    } catch (error) {
      callback(error, undefined)
      return
    }
    if (
      returned !== null &&
      typeof returned === 'object' &&
      typeof (returned as Promise<unknown>).then === 'function'
    ) {
      ;(returned as Promise<unknown>).then(
        (value) => done(undefined, value),
        // The runtime client's context.fail() reports a rejection without a reason as the string 'handled'.
        (error: unknown) => done(error ?? 'handled', undefined),
      )
    } else if (!underRuntimeClient && !callbackStyle) {
      done(undefined, returned)
    }
  })
}

/**
 * A copy of the runtime's context (accessors such as `callbackWaitsForEmptyEventLoop` included) whose `succeed`,
 * `fail` and `done` answer through `done`, as the runtime client's do: at once, without waiting for the event loop.
 */
function withAnswers(context: unknown, done: (error: unknown, result: unknown) => void): unknown {
  if (context === null || typeof context !== 'object') return context
  const copy = Object.create(Object.getPrototypeOf(context), Object.getOwnPropertyDescriptors(context)) as Record<
    string,
    unknown
  >
  copy.succeed = (result: unknown) => done(null, result)
  copy.fail = (error: unknown) => done(error ?? 'handled', null)
  copy.done = (error: unknown, result: unknown) => done(error, result)
  return copy
}

/** The error the v3 runtime client posts when the event loop empties before an async handler settles. */
function nodeJsExit(): Error {
  const error = new Error(
    'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
  )
  error.name = 'Runtime.NodeJsExit'
  return error
}
