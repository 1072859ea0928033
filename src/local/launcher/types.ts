/**
 * The launcher's public shapes: what an execution environment is started from, and what one
 * invocation gives back. Shared by the launcher, its front ends (`invokeHandler`, `startHandler`)
 * and the local app's pool.
 */

/** The Lambda Node.js runtimes a function can be run as. */
export type LambdaNodeRuntime = 'nodejs20.x' | 'nodejs22.x' | 'nodejs24.x'

/** Options of {@link startFunctionEnvironment}: what a function's configuration and code asset give. */
export interface FunctionEnvironmentOptions {
  /**
   * `LAMBDA_TASK_ROOT`: a `cdk.out` asset directory, or any directory of built code. It runs as
   * `/var/task` does, outside any project: one with no package.json of its own inside a
   * `"type": "module"` project is run from a copy, so its CommonJS `.js` files load as CommonJS.
   */
  readonly codeDir: string
  /**
   * Lambda's handler string, as in the template: `'index.handler'`, `'src/app.main'`,
   * `'/opt/nodejs/x.handler'` (an `/opt` path names a file of `layers`). A string containing `..` is
   * refused at INIT with `Runtime.MalformedHandlerName`, as Lambda refuses it.
   */
  readonly handler: string
  /** @default 'nodejs22.x' */
  readonly runtime?: LambdaNodeRuntime
  /**
   * The function's configured variables. `AWS_LAMBDA_EXEC_WRAPPER` is honoured as Lambda does (the
   * script runs with the runtime's command line); `/opt/...` paths in values point into `layers`.
   * The variables Lambda reserves (`_HANDLER`, `LAMBDA_TASK_ROOT`, `AWS_LAMBDA_FUNCTION_NAME`, ...)
   * are refused.
   * @default {}
   */
  readonly environment?: Readonly<Record<string, string>>
  /** Directories, each laid out as its layer zip extracts under `/opt`; later layers win. @default [] */
  readonly layers?: readonly string[]
  /** `AWS_LAMBDA_FUNCTION_NAME`. @default the code directory's name */
  readonly functionName?: string
  /**
   * How long one invocation may run. INIT gets Lambda's 10 s init limit, or this when longer.
   * @default 3000 (Lambda's default 3 s)
   */
  readonly timeoutMs?: number
  /** `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`; it sizes the V8 heap as Lambda does. @default 128 */
  readonly memoryMb?: number
  /**
   * `AWS_LAMBDA_MAX_CONCURRENCY` (nodejs22.x and later, as on Lambda Managed Instances): how many
   * invocations the one process runs at once. Invocations above it wait for a free slot.
   * @default 1
   */
  readonly maxConcurrency?: number
  /**
   * The process's working directory.
   * @default the code directory
   */
  readonly cwd?: string
  /**
   * The Node.js executable.
   * @default the one running this process (`process.execPath`)
   */
  readonly node?: string
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

/** Options of {@link FunctionEnvironment.invoke}. */
export interface EnvironmentInvokeOptions extends InvokeOptions {
  /** Aborting ends the invocation as a timeout does: the process is killed and replaced. */
  readonly signal?: AbortSignal
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

/**
 * One warm execution environment of a function: one Node.js process. {@link startFunctionEnvironment}
 * runs its INIT; after a crash or a timeout the next invocation starts a fresh process, as Lambda does.
 */
export interface FunctionEnvironment {
  /**
   * Invokes the function with one event. Resolves with the outcome (a failed invocation resolves too,
   * with `error` set); rejects only for a bad argument or when the environment is stopped. Invocations
   * beyond `maxConcurrency` wait (queued, first come first served) for one to end.
   */
  invoke(event: unknown, options?: EnvironmentInvokeOptions): Promise<InvokeResult>
  /** Kills the process, waits for its exit and removes the environment's files. Idempotent. */
  stop(): Promise<void>
  /** The current process's id; `undefined` between a crash and the next cold start, or once stopped. */
  readonly pid: number | undefined
}
