/**
 * One Lambda execution environment: a child process running the local runtime, its INIT, and the
 * invocations in flight, dispatched over Node IPC (see protocol.ts). It ends on a timeout, a crash
 * or a kill; the {@link FunctionEnvironment} that owns it then starts another.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import type { LaunchPlan } from './launch-plan.js'
import type { InvokeMessage, RuntimeMessage } from './protocol.js'
import type { InvocationError, InvokeOptions, InvokeResult } from './types.js'

/** The account id of every local ARN. */
export const LOCAL_ACCOUNT_ID = '000000000000'

/** How INIT ended: its logs, and its error when it failed. */
export type InitOutcome = { ok: true; logs: string } | { ok: false; error: InvocationError; logs: string }

interface PendingInvocation {
  readonly requestId: string
  readonly logs: string[]
  readonly settle: (outcome: { result?: unknown; error?: InvocationError }) => void
  /** The error the process reported before ending: settled once it has exited, so the caller finds it gone. */
  fatalError?: InvocationError
}

/** A child process running the local runtime. */
export class ExecutionEnvironment {
  readonly child: ChildProcess
  /** Settles when INIT succeeded, failed, timed out, or the process died before its end. */
  readonly initialized: Promise<InitOutcome>
  readonly exited: Promise<void>
  private readonly inFlight = new Map<string, PendingInvocation>()
  private readonly initLogs: string[] = []
  private ready = false
  private initFailure: InvocationError | undefined
  private exitDescription: string | undefined

  constructor(private readonly plan: LaunchPlan) {
    this.child = spawn(plan.command, [...plan.args], {
      cwd: plan.cwd,
      env: plan.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Its own process group, so a kill also reaches whatever the handler started.
      detached: true,
    })
    this.exited = new Promise<void>((resolveExit) => {
      this.child.once('exit', (code, signal) => {
        this.exitDescription ??= signal ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal}` : `exit status ${code}`
        resolveExit()
      })
      // Spawning failed (no such wrapper, one that is not executable): there is no exit event.
      this.child.on('error', (error) => {
        if (this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) return
        this.exitDescription ??= error.message
        resolveExit()
      })
    })
    this.child.on('message', (message: RuntimeMessage) => this.onMessage(message))
    // What the runtime does not capture: the wrapper script, NODE_OPTIONS preloads, a crash.
    const onRawOutput = (chunk: Buffer) => this.onRawOutput(chunk.toString('utf8'))
    this.child.stdout?.on('data', onRawOutput)
    this.child.stderr?.on('data', onRawOutput)
    this.initialized = new Promise<InitOutcome>((resolveInit) => {
      const timer = setTimeout(() => {
        this.initFailure = timedOut('INIT', plan.initTimeoutMs)
        this.kill()
      }, plan.initTimeoutMs)
      this.child.on('message', (message: RuntimeMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer)
          this.ready = true
          resolveInit({ ok: true, logs: this.takeInitLogs() })
          this.holdEventLoop()
        } else if (message.type === 'init-error') {
          this.initFailure = message.error
        }
      })
      void this.exited.then(() => {
        clearTimeout(timer)
        const error = this.initFailure ?? exitError('INIT', this.exitDescription)
        resolveInit({ ok: false, error, logs: this.takeInitLogs() })
        this.onExit()
      })
    })
  }

  /** False once the process has exited (or is being killed). */
  get alive(): boolean {
    return this.exitDescription === undefined && this.child.exitCode === null && this.child.signalCode === null
  }

  /** How the process ended, Lambda's way (`exit status 1`, `signal: killed`). */
  get exit(): string {
    return (
      this.exitDescription ??
      (this.child.signalCode ? `signal: ${this.child.signalCode}` : `exit status ${this.child.exitCode}`)
    )
  }

  /**
   * Sends one event; resolves when the invocation answered, failed, timed out or the process died.
   * `abort` ends it as a timeout does, with `abortError` as its error.
   */
  invoke(
    requestId: string,
    event: string,
    options: InvokeOptions,
    initLogs: string,
    signal?: AbortSignal,
  ): Promise<InvokeResult> {
    const deadlineMs = Date.now() + this.plan.timeoutMs
    return new Promise<InvokeResult>((resolveInvoke) => {
      const startedAt = performance.now()
      const logs = initLogs === '' ? [] : [initLogs]
      const end = (error: InvocationError) => {
        logs.push(`${error.errorMessage}\n`)
        pending.fatalError = error
        this.kill()
      }
      // Lambda ends the invocation at its timeout and replaces the environment: so does this.
      const timer = setTimeout(() => end(timedOut(requestId, this.plan.timeoutMs)), this.plan.timeoutMs)
      const onAbort = () =>
        end({ errorType: 'Stakeout.Aborted', errorMessage: `RequestId: ${requestId} Error: invocation aborted` })
      signal?.addEventListener('abort', onAbort, { once: true })
      const pending: PendingInvocation = {
        requestId,
        logs,
        settle: (outcome) => {
          if (!this.inFlight.delete(requestId)) return
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          this.holdEventLoop()
          resolveInvoke({
            result: outcome.error ? undefined : outcome.result,
            ...(outcome.error ? { error: outcome.error } : {}),
            logs: logs.join(''),
            durationMs: performance.now() - startedAt,
            requestId,
          })
        },
      }
      this.inFlight.set(requestId, pending)
      this.holdEventLoop()
      const message: InvokeMessage = {
        type: 'invoke',
        requestId,
        event,
        deadlineMs,
        invokedFunctionArn: `arn:aws:lambda:${this.plan.region}:${LOCAL_ACCOUNT_ID}:function:${this.plan.functionName}`,
        traceId: traceId(),
        ...(options.clientContext !== undefined ? { clientContext: options.clientContext } : {}),
      }
      // A channel closed under our feet means the process is exiting: its exit settles this invocation.
      this.child.send(message, () => {})
    })
  }

  /** Kills the process group at once (SIGKILL), as Lambda ends a sandbox. */
  kill(): void {
    if (this.child.pid === undefined || !this.alive) return
    // Whoever kills waits for the exit: the process handle must keep this process alive until then.
    this.child.ref()
    try {
      process.kill(-this.child.pid, 'SIGKILL')
    } catch {
      this.child.kill('SIGKILL')
    }
  }

  /**
   * An idle execution environment does not keep this process alive (a forgotten `stop()` must not
   * hang the test run; the child exits when its IPC channel closes). INIT and invocations do.
   */
  private holdEventLoop(): void {
    const hold = !this.ready || this.inFlight.size > 0
    const handles = [this.child, this.child.channel, this.child.stdout, this.child.stderr] as Array<
      { ref?: () => void; unref?: () => void } | null | undefined
    >
    for (const handle of handles) {
      if (hold) handle?.ref?.()
      else handle?.unref?.()
    }
  }

  private takeInitLogs(): string {
    return this.initLogs.splice(0).join('')
  }

  private onMessage(message: RuntimeMessage): void {
    if (message.type === 'log') {
      if (message.requestId === null) this.initLogs.push(message.text)
      else this.inFlight.get(message.requestId)?.logs.push(message.text)
    } else if (message.type === 'done') {
      const pending = this.inFlight.get(message.requestId)
      if (message.error && message.fatal && pending) pending.fatalError = message.error
      else if (message.error) pending?.settle({ error: message.error })
      else pending?.settle({ result: message.payload === undefined ? null : JSON.parse(message.payload) })
    }
  }

  private onRawOutput(text: string): void {
    if (!this.ready) {
      this.initLogs.push(text)
    } else if (this.inFlight.size === 1) {
      const [only] = this.inFlight.values()
      only?.logs.push(text)
    }
  }

  private onExit(): void {
    for (const pending of [...this.inFlight.values()]) {
      pending.settle({ error: pending.fatalError ?? exitError(pending.requestId, this.exitDescription) })
    }
  }
}

/** Lambda's error for a process that ended during INIT or an invocation. */
export function exitError(requestId: string, exit: string | undefined): InvocationError {
  return {
    errorType: 'Runtime.ExitError',
    errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${exit ?? 'unknown'}`,
  }
}

function timedOut(requestId: string, timeoutMs: number): InvocationError {
  return {
    errorType: 'Sandbox.Timedout',
    errorMessage: `${new Date().toISOString()} ${requestId} Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
  }
}

/** An X-Ray trace header, as Lambda passes one to every invocation (`_X_AMZN_TRACE_ID`). */
function traceId(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16)
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`
}
