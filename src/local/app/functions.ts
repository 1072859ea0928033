import { access } from 'node:fs/promises'
import { join, posix } from 'node:path'
import { StakeoutError } from '../../errors.js'
import { startFunctionEnvironment } from '../launcher/index.js'
import type { InvokeResult, LambdaNodeRuntime } from '../launcher/types.js'
import { FunctionThrottledError } from '../services/lambda-api.js'

/** The Node.js runtimes a local function runs on. */
export const NODE_RUNTIMES: readonly LambdaNodeRuntime[] = ['nodejs20.x', 'nodejs22.x', 'nodejs24.x']

/** One function of the app, as its template and assets give it, with every value resolved. */
export interface LocalFunctionSpec {
  /** `MyStack/Orders/Checkout`, for messages. */
  readonly label: string
  readonly functionName: string
  readonly runtime: LambdaNodeRuntime
  /** Lambda's handler string: `index.handler`, `src/app.main`, `/opt/nodejs/x.handler`. */
  readonly handler: string
  /** The function's code asset directory (LAMBDA_TASK_ROOT). */
  readonly codeDir: string
  /** Its layers' asset directories, each laid out as the layer's zip extracts under /opt; later ones win. */
  readonly layers: readonly string[]
  /** Its configured variables and the ones that point its AWS SDK at the local services. */
  readonly environment: Readonly<Record<string, string>>
  readonly timeoutMs: number
  readonly memoryMb: number
  /** `ReservedConcurrentExecutions`: at most this many invocations at once, past it Lambda throttles. */
  readonly reservedConcurrency?: number
}

/** One execution environment (one Node.js process): what {@link startEnvironment} gives the pool. */
interface Environment {
  invoke(event: unknown, options?: { readonly signal?: AbortSignal }): Promise<InvokeResult>
  stop(): Promise<void>
  readonly pid: number | undefined
}

/**
 * Starts one execution environment of `spec` and runs its INIT (the cold start): the one call to the launcher.
 */
function startEnvironment(spec: LocalFunctionSpec): Promise<Environment> {
  return startFunctionEnvironment({
    codeDir: spec.codeDir,
    handler: spec.handler,
    runtime: spec.runtime,
    environment: spec.environment,
    layers: spec.layers,
    functionName: spec.functionName,
    timeoutMs: spec.timeoutMs,
    memoryMb: spec.memoryMb,
  })
}

/**
 * The file and export a handler string names, checked to exist, as the Node.js runtime reads `_HANDLER`: the module
 * is everything up to the first dot of the last path segment, tried as `.js`, `.mjs` and `.cjs`; an `/opt/...`
 * module is looked up in the layers (the last one that has it wins).
 *
 * @throws {StakeoutError} no such file in the asset (or layers): the message names the function and the files tried
 */
export async function handlerEntry(
  spec: Pick<LocalFunctionSpec, 'label' | 'handler' | 'codeDir' | 'layers'>,
): Promise<{ entry: string; exportName: string }> {
  const handler = spec.handler
  const slash = handler.lastIndexOf('/')
  const dot = handler.indexOf('.', slash + 1)
  if (dot === -1 || dot === handler.length - 1 || handler.includes('..')) {
    throw new StakeoutError(
      `function ${spec.label}: its handler ${JSON.stringify(handler)} is not a Lambda handler string like index.handler or src/app.main`,
    )
  }
  const modulePath = handler.slice(0, dot)
  const exportName = handler.slice(dot + 1)
  const roots = modulePath.startsWith('/opt/')
    ? spec.layers.toReversed().map((layer) => join(layer, posix.relative('/opt', modulePath)))
    : [join(spec.codeDir, modulePath)]
  const tried: string[] = []
  for (const root of roots) {
    for (const extension of ['.js', '.mjs', '.cjs']) {
      const file = `${root}${extension}`
      tried.push(file)
      if (
        await access(file).then(
          () => true,
          () => false,
        )
      )
        return { entry: file, exportName }
    }
  }
  const where = modulePath.startsWith('/opt/') ? 'in its layers' : `in its code asset ${spec.codeDir}`
  throw new StakeoutError(
    `function ${spec.label}: its handler ${JSON.stringify(handler)} names module ${modulePath}, which does not exist ${where} ` +
      `(tried ${tried.map((file) => file.slice(file.lastIndexOf('/') + 1)).join(', ')}${roots.length === 0 ? '; it has no layers' : ''}).`,
  )
}

/**
 * The execution environments of one function, as Lambda keeps them: none until the first invocation (a cold
 * start), an idle one reused for the next (warm), and a new one whenever every environment is busy, so two
 * concurrent invocations run in two processes.
 */
export class FunctionPool {
  readonly spec: LocalFunctionSpec
  readonly #idle: Environment[] = []
  readonly #all = new Set<Environment>()
  #stopped = false
  /** Invocations started and not yet ended, against the reserved concurrency. */
  #running = 0

  constructor(spec: LocalFunctionSpec) {
    this.spec = spec
  }

  /** The process ids of its running execution environments (idle or busy). */
  get pids(): number[] {
    return [...this.#all].flatMap((environment) => (environment.pid === undefined ? [] : [environment.pid]))
  }

  async invoke(event: unknown, signal?: AbortSignal): Promise<InvokeResult> {
    this.#assertRunning()
    signal?.throwIfAborted()
    const reserved = this.spec.reservedConcurrency
    if (reserved !== undefined && this.#running >= reserved) {
      throw new FunctionThrottledError(
        `function ${this.spec.label}`,
        'ReservedFunctionConcurrentInvocationLimitExceeded',
        `its ReservedConcurrentExecutions is ${reserved}, and ${this.#running} invocation${this.#running === 1 ? ' is' : 's are'} running`,
      )
    }
    this.#running += 1
    try {
      return await this.#invoke(event, signal)
    } finally {
      this.#running -= 1
    }
  }

  async #invoke(event: unknown, signal: AbortSignal | undefined): Promise<InvokeResult> {
    let environment = this.#idle.pop()
    if (environment === undefined) {
      environment = await startEnvironment(this.spec)
      this.#all.add(environment)
      // Stopped while it started: it must not outlive the pool.
      if (this.#stopped) {
        await this.#retire(environment)
        this.#assertRunning()
      }
    }
    const running = environment
    try {
      // Aborting ends the invocation as a timeout does: the launcher kills and replaces the process.
      const result = await running.invoke(event, signal === undefined ? {} : { signal })
      if (this.#stopped) {
        await this.#retire(running)
        // stop() killed it mid-invocation: say so, rather than pass the kill off as the function's own crash.
        if (result.error !== undefined) {
          throw new StakeoutError(
            `function ${this.spec.label}: the local app was stopped during this invocation (stop() ends the invocations in flight)`,
          )
        }
      } else {
        this.#idle.push(running)
      }
      return result
    } catch (error) {
      await this.#retire(running)
      throw error
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#idle.length = 0
    await Promise.all([...this.#all].map((environment) => this.#retire(environment)))
  }

  async #retire(environment: Environment): Promise<void> {
    this.#all.delete(environment)
    const at = this.#idle.indexOf(environment)
    if (at !== -1) this.#idle.splice(at, 1)
    await environment.stop()
  }

  #assertRunning(): void {
    if (this.#stopped) {
      throw new StakeoutError(
        `function ${this.spec.label}: the local app was stopped; start it again with startLocal()`,
      )
    }
  }
}

/** A function the local target does not run (another runtime, a container image): invoking it says so. */
export class RefusedFunction {
  readonly label: string
  readonly reason: string

  constructor(label: string, reason: string) {
    this.label = label
    this.reason = reason
  }

  readonly pids: number[] = []

  invoke(): Promise<InvokeResult> {
    return Promise.reject(new StakeoutError(`function ${this.label}: ${this.reason}`))
  }

  stop(): Promise<void> {
    return Promise.resolve()
  }
}
