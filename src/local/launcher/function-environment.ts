/**
 * `startFunctionEnvironment`: one warm execution environment of a function, started from what a
 * `cdk.out` asset and the function's configuration give (code directory, handler string,
 * environment, layers). It replaces its process after a timeout or a crash, as Lambda replaces a
 * sandbox, and queues invocations beyond `maxConcurrency`.
 */
import { randomUUID } from 'node:crypto'
import { localRuntimeFile } from '../../build/local-runtime.js'
import { StakeoutError } from '../../errors.js'
import { ExecutionEnvironment, exitError, type InitOutcome } from './execution-environment.js'
import { type LaunchPlan, launchPlan } from './launch-plan.js'
import { layOutLayers, type OptDirectory } from './opt-directory.js'
import { type CheckedEnvironmentOptions, checkEnvironmentOptions, checkEvent, checkInvokeOptions } from './options.js'
import { taskRootFor } from './task-root.js'
import type {
  EnvironmentInvokeOptions,
  FunctionEnvironment,
  FunctionEnvironmentOptions,
  InvokeOptions,
  InvokeResult,
} from './types.js'

/**
 * Starts one execution environment of a Lambda function (a Node.js process running a local copy of
 * Lambda's Node.js runtime) and runs its INIT, the cold start. An INIT that fails is reported by
 * the first invocation, as Lambda reports it. Invocations after that are warm, until a timeout or a
 * crash ends the process; the next invocation then starts a fresh one. Invocations beyond
 * `maxConcurrency` wait in a queue: start another environment to run them at once, as Lambda does.
 *
 * @example
 * const fn = await startFunctionEnvironment({
 *   codeDir: 'cdk.out/asset.1f2e…',
 *   handler: 'index.handler',
 *   layers: ['cdk.out/asset.9a8b…'],
 *   environment: { TABLE_NAME: 'orders' },
 *   timeoutMs: 10_000,
 * })
 * try {
 *   const { result, error, logs } = await fn.invoke({ orderId: 'o-1' })
 * } finally {
 *   await fn.stop()
 * }
 */
export async function startFunctionEnvironment(options: FunctionEnvironmentOptions): Promise<FunctionEnvironment> {
  const checked = checkEnvironmentOptions(options, startFunctionEnvironment)
  return launchFunction(checked)
}

/**
 * Starts a checked environment: INIT done when it resolves. `cleanUp` runs once the process is gone
 * on `stop()` (a front end's bundle).
 */
export async function launchFunction(
  options: CheckedEnvironmentOptions,
  front: FrontEnd = { invoke: 'FunctionEnvironment.invoke', start: 'startFunctionEnvironment()', codeInPlace: false },
  cleanUp?: () => Promise<void>,
): Promise<LocalFunctionEnvironment> {
  const bootstrap = localRuntimeFile()
  const opt = await layOutLayers(options.layers)
  let plan: LaunchPlan
  try {
    const taskRoot = front.codeInPlace ? options.codeDir : await taskRootFor(options.codeDir, opt)
    plan = launchPlan(options, opt, taskRoot, bootstrap)
  } catch (error) {
    await opt.remove()
    throw error
  }
  const environment = new LocalFunctionEnvironment(plan, opt, front, cleanUp)
  await environment.coldStart()
  return environment
}

/** Who starts the environment: how its messages name the invoke method and the start function. */
export interface FrontEnd {
  readonly invoke: string
  readonly start: string
  /**
   * Run the code where it is, in its project's package scope (a handler file of the user's), rather
   * than as `/var/task` (see task-root.ts).
   */
  readonly codeInPlace: boolean
}

/** The {@link FunctionEnvironment} behind {@link startFunctionEnvironment}, `startHandler` and `invokeHandler`. */
export class LocalFunctionEnvironment implements FunctionEnvironment {
  readonly functionName: string
  private current: ExecutionEnvironment | undefined
  /** A cold start in progress: invocations wait for its INIT. */
  private starting: Promise<void> | undefined
  /** INIT's outcome not yet handed to an invocation (the cold start's logs, or its error). */
  private unreportedInit: InitOutcome | undefined
  private readonly waiting: Array<() => void> = []
  private running = 0
  private stopped = false
  private stopping: Promise<void> | undefined

  constructor(
    private readonly plan: LaunchPlan,
    private readonly opt: OptDirectory,
    private readonly front: FrontEnd,
    private readonly cleanUp: (() => Promise<void>) | undefined,
  ) {
    this.functionName = plan.functionName
  }

  get pid(): number | undefined {
    return this.current?.alive ? this.current.child.pid : undefined
  }

  /** A new process, INIT included (Lambda's cold start). */
  coldStart(): Promise<void> {
    this.starting ??= (async () => {
      const environment = new ExecutionEnvironment(this.plan)
      this.current = environment
      this.unreportedInit = await environment.initialized
    })().finally(() => {
      this.starting = undefined
    })
    return this.starting
  }

  async invoke(event: unknown, options?: EnvironmentInvokeOptions): Promise<InvokeResult> {
    const text = checkEvent(event, this.invoke, this.front.invoke, 'event')
    const invocation = checkInvokeOptions(options, this.invoke, this.front.invoke)
    return this.invokeJson(text, invocation, options?.signal)
  }

  /** {@link invoke} with the event already checked and turned into JSON text. */
  async invokeJson(text: string, invocation: InvokeOptions, signal?: AbortSignal): Promise<InvokeResult> {
    if (this.stopped) {
      throw new StakeoutError(
        `${this.front.invoke}: ${this.functionName} is stopped: start it again with ${this.front.start} to invoke it`,
      )
    }
    signal?.throwIfAborted()
    await this.slot(signal)
    try {
      if (this.stopped) {
        throw new StakeoutError(
          `${this.front.invoke}: ${this.functionName} was stopped while this invocation waited for a free slot`,
        )
      }
      signal?.throwIfAborted()
      const result = await this.dispatch(text, invocation, signal)
      signal?.throwIfAborted()
      return result
    } finally {
      this.running--
      this.waiting.shift()?.()
    }
  }

  stop(): Promise<void> {
    this.stopped = true
    this.stopping ??= (async () => {
      for (const release of this.waiting.splice(0)) release()
      await this.starting
      const environment = this.current
      this.current = undefined
      if (environment) {
        environment.kill()
        await environment.exited
      }
      await this.opt.remove()
      await this.cleanUp?.()
    })()
    return this.stopping
  }

  private slot(signal: AbortSignal | undefined): Promise<void> {
    if (this.running < this.plan.maxConcurrency) {
      this.running++
      return Promise.resolve()
    }
    return new Promise((resolveSlot, rejectSlot) => {
      const take = () => {
        signal?.removeEventListener('abort', onAbort)
        this.running++
        resolveSlot()
      }
      const onAbort = () => {
        const index = this.waiting.indexOf(take)
        if (index >= 0) this.waiting.splice(index, 1)
        rejectSlot(signal?.reason)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiting.push(take)
    })
  }

  private async dispatch(event: string, options: InvokeOptions, signal?: AbortSignal): Promise<InvokeResult> {
    const requestId = options.requestId ?? randomUUID()
    await this.starting
    if (this.unreportedInit === undefined && !this.current?.alive) {
      // Lambda starts a new execution environment after a crash, a timeout or a failed INIT.
      await this.coldStart()
    }
    const init = this.unreportedInit
    this.unreportedInit = undefined
    if (init && !init.ok) return { result: undefined, error: init.error, logs: init.logs, durationMs: 0, requestId }
    const environment = this.current
    if (!environment?.alive) {
      // It died between INIT and this invocation (a timer threw, process.exit), or with another invocation.
      await environment?.exited
      return {
        result: undefined,
        error: exitError(requestId, environment?.exit),
        logs: init?.logs ?? '',
        durationMs: 0,
        requestId,
      }
    }
    return environment.invoke(requestId, event, options, init?.logs ?? '', signal)
  }
}
