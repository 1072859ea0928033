/**
 * Where recorded calls wait until they are written, and when they are written: once when the invocation
 * settles (the cost model: one write per invocation), and also where an invocation can end without settling.
 *
 * - **Timeout.** Lambda ends the process at the deadline; nothing runs after it. A flush's time before the
 *   deadline (`context.getRemainingTimeInMillis()`), the calls recorded so far are written, and every call
 *   recorded after that is written as soon as it is recorded. The reserve is twice the slowest write seen in
 *   this process, at least {@link MIN_DEADLINE_RESERVE_MS}, at most half the invocation's time. Shortly before
 *   the deadline, one line says how many calls are still unwritten (they are lost if the function times out).
 * - **Uncaught exception, unhandled rejection, `process.exit`.** See write-before-exit.ts: the calls are
 *   written synchronously, bounded by {@link EXIT_WRITE_MAX_MS} and by the time left before the deadline, in a
 *   listener that runs before the runtime's own (which posts the error and exits), and in an `exit` listener.
 *   A crash the runtime does not listen to (v4 client) ends in Node.js's `exit` too.
 * - **A call that outlives its invocation** (fire and forget) is written with the next invocation; when no
 *   next invocation comes (the sandbox is frozen, then shut down) it is lost.
 *
 * Where calls cannot be written, one `[stakeout]` line says how many and why.
 */
import { describeError } from './describe-error.js'
import type { InterceptorSettings } from './interceptor.js'
import type { RecordedCall } from './schema.js'
import type { SynchronousWrite } from './write-before-exit.js'

/** The smallest time before the deadline at which an invocation's calls are written. */
export const MIN_DEADLINE_RESERVE_MS = 500
/** How long a synchronous write before exit may block the process, at most. */
export const EXIT_WRITE_MAX_MS = 2_000
/** Kept free before the deadline by a write before exit: the runtime still has to report the error. */
const EXIT_MARGIN_MS = 100
/** How long before the deadline unwritten calls are counted and logged. */
const LAST_WORD_MS = 50

/** Calls not written yet. */
export interface CallBatch {
  calls: RecordedCall[]
}

/** What the recorder keeps per invocation (the interceptor's invocation state extends it). */
export interface RecordingState extends CallBatch {
  requestId: string
  /** False for calls made outside any invocation (INIT, timers between invocations). */
  inInvocation: boolean
  /** Set once the invocation flushed: later calls wait for the next flush. */
  closed: boolean
  /** Epoch ms at which Lambda ends the invocation, when known. */
  deadline?: number
  /** Within the reserve of the deadline: calls are written as they are recorded. */
  nearDeadline?: boolean
  /** Writes started for this invocation before it settled, in order. */
  writing?: Promise<void>
  timers?: NodeJS.Timeout[]
}

type SynchronousWriter = typeof import('./write-before-exit.js')

/** Keeps recorded calls and writes them; one per interceptor. */
export class Recorder {
  /** Calls made outside any invocation, and calls that finished after theirs was flushed. */
  #pending: CallBatch = { calls: [] }
  readonly #running = new Set<RecordingState>()
  /** Batches being written asynchronously: rewritten (idempotently) if the process exits meanwhile. */
  readonly #inFlight = new Set<CallBatch>()
  readonly #written = new WeakSet<RecordedCall>()
  #slowestWriteMs = 0
  #writer: SynchronousWriter | undefined
  #writerLoading = false
  readonly #removeHooks: () => void

  constructor(
    private readonly settings: InterceptorSettings,
    private readonly write: (calls: RecordedCall[]) => Promise<void>,
  ) {
    this.#removeHooks = this.#installExitHooks()
  }

  /** Starts recording an invocation; `deadline` (epoch ms) arms the writes before a timeout. */
  begin(invocation: RecordingState): void {
    this.#running.add(invocation)
    const { deadline } = invocation
    if (deadline === undefined) return
    const remaining = deadline - Date.now()
    const reserve = Math.min(Math.max(MIN_DEADLINE_RESERVE_MS, 2 * this.#slowestWriteMs), remaining / 2)
    // Unref'd: a timer must not keep the event loop alive (the v3 runtime client acts when it empties).
    invocation.timers = [
      setTimeout(() => this.#nearDeadline(invocation), Math.max(0, remaining - reserve)).unref(),
      setTimeout(() => this.#lastWord(invocation), Math.max(0, remaining - LAST_WORD_MS)).unref(),
    ]
  }

  /** Keeps a recorded call for the invocation's write. */
  keep(invocation: RecordingState, call: RecordedCall): void {
    const target = invocation.inInvocation && !invocation.closed ? invocation : this.#pending
    target.calls.push(call)
    this.#loadWriter()
    if (target === invocation && invocation.nearDeadline) this.#writeSoon(invocation)
  }

  /** True once the call was handed to a write (its item may then need writing again). */
  wasWritten(call: RecordedCall): boolean {
    return this.#written.has(call)
  }

  /** Writes a call again (its status arrived after it was written): same key, so the item is replaced. */
  rewrite(invocation: RecordingState, call: RecordedCall): void {
    this.#written.delete(call)
    this.keep(invocation, call)
  }

  /** Ends an invocation: writes what it (and the pending calls) recorded; returns the calls written. */
  async end(invocation: RecordingState): Promise<Set<RecordedCall>> {
    for (const timer of invocation.timers ?? []) clearTimeout(timer)
    invocation.closed = true
    await invocation.writing
    this.#running.delete(invocation)
    const batch = this.#take(invocation)
    await this.#writeBatch(batch)
    return new Set(batch.calls)
  }

  /** Stops the exit hooks (tests). */
  dispose(): void {
    this.#removeHooks()
  }

  /** Takes the invocation's unwritten calls and the pending ones. */
  #take(invocation: RecordingState | undefined): CallBatch {
    const batch: CallBatch = {
      calls: [...this.#pending.calls, ...(invocation?.calls.splice(0) ?? [])],
    }
    this.#pending = { calls: [] }
    return batch
  }

  async #writeBatch(batch: CallBatch): Promise<void> {
    if (batch.calls.length === 0) return
    for (const call of batch.calls) this.#written.add(call)
    this.#inFlight.add(batch)
    const started = Date.now()
    try {
      await this.write(batch.calls)
    } finally {
      this.#inFlight.delete(batch)
      this.#slowestWriteMs = Math.max(this.#slowestWriteMs, Date.now() - started)
    }
  }

  #writeSoon(invocation: RecordingState): void {
    // Chained: each write takes what was recorded by the time it starts, so calls recorded meanwhile share one.
    invocation.writing = (invocation.writing ?? Promise.resolve()).then(() => this.#writeBatch(this.#take(invocation)))
  }

  #nearDeadline(invocation: RecordingState): void {
    if (invocation.closed) return
    invocation.nearDeadline = true
    this.#writeSoon(invocation)
  }

  #lastWord(invocation: RecordingState): void {
    if (invocation.closed) return
    let unwritten = invocation.calls.length + this.#pending.calls.length
    for (const batch of this.#inFlight) unwritten += batch.calls.length
    if (unwritten === 0) return
    console.warn(
      `[stakeout] ${unwritten} outbound calls are not recorded yet ${LAST_WORD_MS} ms before invocation ${invocation.requestId} times out: if it does, they are lost (the timeout ends the process before table ${this.settings.tableName} is written)`,
    )
  }

  /** Loads the synchronous writer ahead of need: when it is needed, nothing asynchronous can run. */
  #loadWriter(): void {
    if (this.#writer || this.#writerLoading) return
    this.#writerLoading = true
    import('./write-before-exit.js').then(
      (writer) => {
        this.#writer = writer
      },
      () => {
        this.#writerLoading = false
      },
    )
  }

  /** Writes every unwritten call of the process now, blocking; `why` names what ends the process. */
  #writeBeforeExit(why: string): void {
    const batch = this.#take(undefined)
    for (const invocation of this.#running) {
      batch.calls.push(...invocation.calls.splice(0))
    }
    // Writes still under way are written again: a put of the same item replaces it.
    for (const inFlight of this.#inFlight) {
      batch.calls.push(...inFlight.calls)
    }
    this.#inFlight.clear()
    if (batch.calls.length === 0) return
    let budget = EXIT_WRITE_MAX_MS
    for (const { deadline } of this.#running) {
      if (deadline !== undefined) budget = Math.min(budget, deadline - Date.now() - EXIT_MARGIN_MS)
    }
    const lost = (reason: string) =>
      console.warn(
        `[stakeout] ${batch.calls.length} outbound calls are not recorded: ${why}, and ${reason}. They are lost.`,
      )
    if (!this.#writer) {
      lost('the module that writes them synchronously is not loaded')
      return
    }
    if (budget <= 0) {
      lost('no time is left before the function times out to write them')
      return
    }
    let outcome: SynchronousWrite
    try {
      outcome = this.#writer.writeSynchronously(this.settings, batch.calls, budget)
    } catch (error) {
      lost(`writing them failed (${describeError(error)})`)
      return
    }
    if (!outcome.finished) {
      lost(outcome.reason ?? 'the write did not finish')
      return
    }
    if (outcome.unrecordedCalls > 0) {
      console.warn(
        `[stakeout] could not record ${outcome.unrecordedCalls} of ${batch.calls.length} outbound calls in table ${this.settings.tableName} before the process ends (${why}): ${outcome.reason ?? 'unknown error'}`,
      )
    }
  }

  #installExitHooks(): () => void {
    const onExit = (code: number) => this.#writeBeforeExit(`the process exits (code ${code})`)
    const onUncaughtException = (_error: unknown, origin: string) =>
      this.#writeBeforeExit(
        origin === 'unhandledRejection' ? 'an unhandled promise rejection ends it' : 'an uncaught exception ends it',
      )
    const onUnhandledRejection = () => this.#writeBeforeExit('an unhandled promise rejection ends it')
    process.on('exit', onExit)
    // Only in front of listeners already there (the runtime client's, which post the error and exit): a listener
    // of ours alone would turn a crash into a process that carries on.
    const beforeUncaught = process.listenerCount('uncaughtException') > 0
    const beforeUnhandled = process.listenerCount('unhandledRejection') > 0
    if (beforeUncaught) process.prependListener('uncaughtException', onUncaughtException)
    if (beforeUnhandled) process.prependListener('unhandledRejection', onUnhandledRejection)
    return () => {
      process.removeListener('exit', onExit)
      process.removeListener('uncaughtException', onUncaughtException)
      process.removeListener('unhandledRejection', onUnhandledRejection)
    }
  }
}
