/**
 * `invokeHandler` and `startHandler`: a handler file run as a Lambda function on this machine. Thin
 * front ends of the launcher (`startFunctionEnvironment`): a TypeScript entry is bundled first, the
 * `interceptor` option becomes the interceptor layer and its variables (as `applyHttpInterceptor`
 * configures a deployed function), then the launcher runs it.
 */

import type { LocalBundlingOptions } from './bundle-entry.js'
import { prepareHandler } from './handler-options.js'
import type { LocalFunctionEnvironment } from './launcher/function-environment.js'
import { checkEvent, checkInvokeOptions } from './launcher/options.js'
import type { FunctionEnvironment, InvokeOptions, InvokeResult, LambdaNodeRuntime } from './launcher/types.js'

export type { LocalBundlingOptions } from './bundle-entry.js'
export type { InvocationError, InvokeOptions, InvokeResult, LambdaNodeRuntime } from './launcher/types.js'

/**
 * The `interceptor` option of {@link startHandler} and {@link invokeHandler}: where the HTTP interceptor layer the
 * function runs with keeps its rules and recorded calls (see `HttpInterceptor`). The test side reaches the same
 * table through `useInterceptor`'s `InterceptorTarget`.
 */
export interface LocalInterceptorOptions {
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
   * up in Lambda: the layer in the function's layers, `AWS_LAMBDA_EXEC_WRAPPER=/opt/stakeout/wrapper`
   * (a wrapper given in `env` runs after it) and the table's variables. A call the handler leaves
   * running after it answered is recorded with the next invocation: with `invokeHandler` there is
   * none, so such a call is lost.
   * @default none
   */
  readonly interceptor?: LocalInterceptorOptions
  /**
   * How long one invocation may run before the process is killed and the invocation fails with
   * Lambda's `Task timed out after N seconds`. INIT gets Lambda's 10 s init limit, or this when longer.
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
  // Checked before preparing, which may bundle: nothing may fail between the bundle and the handler that removes it.
  const event =
    options !== null && typeof options === 'object'
      ? checkEvent(options.event, invokeHandler, 'invokeHandler', 'options.event')
      : '{}'
  const invocation =
    options !== null && typeof options === 'object' ? checkInvokeOptions(options, invokeHandler, 'invokeHandler') : {}
  const environment = await prepareHandler(options, invokeHandler, 'invokeHandler')
  try {
    return await environment.invokeJson(event, invocation)
  } finally {
    await environment.stop()
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
  return new StartedHandler(await prepareHandler(options, startHandler, 'startHandler'))
}

/** The {@link LocalHandler} behind {@link startHandler}: the launcher's environment, under the handler's names. */
class StartedHandler implements LocalHandler {
  readonly functionName: string

  constructor(private readonly environment: LocalFunctionEnvironment & FunctionEnvironment) {
    this.functionName = environment.functionName
  }

  get pid(): number | undefined {
    return this.environment.pid
  }

  async invoke(event?: unknown, options?: InvokeOptions): Promise<InvokeResult> {
    const text = checkEvent(event, this.invoke, 'LocalHandler.invoke', 'event')
    return this.environment.invokeJson(text, checkInvokeOptions(options, this.invoke, 'LocalHandler.invoke'))
  }

  stop(): Promise<void> {
    return this.environment.stop()
  }
}
