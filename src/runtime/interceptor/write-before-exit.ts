/**
 * Writes recorded calls synchronously, for the moments when nothing asynchronous can run any more: the
 * process is exiting (`process.exit`, or Node.js ending on an uncaught error), or the Lambda runtime is about
 * to report an uncaught exception and exit.
 *
 * Why synchronously: the v3 runtime client (nodejs20.x, nodejs22.x) handles `uncaughtException` and
 * `unhandledRejection` in listeners that post the invocation's error through a blocking native call and then
 * call `process.exit(129)` / `process.exit(128)`, all in the same tick; the v4 client (nodejs24.x) listens to
 * neither, so Node.js prints the error and exits with code 1; `process.exit()` itself runs only the `exit`
 * listeners, which must be synchronous. In none of these does the event loop turn again: a write that awaits
 * is never sent. Making `process.exit` asynchronous instead would let the code after it run, which changes
 * what the function does; the interceptor must not.
 *
 * How: the calling thread starts a worker thread that loads the table module and makes the write, and waits
 * for it with `Atomics.wait`, bounded; the worker answers through a `MessagePort` read with
 * `receiveMessageOnPort`. The worker is this very module (its chunk in the layer), started with its own URL, the
 * way the v4 runtime client starts its own workers.
 */
import {
  isMainThread,
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
  workerData,
} from 'node:worker_threads'
import { describeError } from './describe-error.js'
import type { InterceptorSettings } from './interceptor.js'
import type { RecordedCall } from './schema.js'

/** How a synchronous write went. */
export interface SynchronousWrite {
  /** False when the write did not finish in time (or the worker could not start): every call is then lost. */
  finished: boolean
  unrecordedCalls: number
  /** Why calls were not written, when some were not. */
  reason?: string
}

interface Job {
  mark: typeof WORKER_MARK
  settings: InterceptorSettings
  calls: readonly RecordedCall[]
  /** One Int32: 0 while the worker writes, 1 once its answer is posted. */
  signal: SharedArrayBuffer
  port: MessagePort
}

const WORKER_MARK = 'stakeout:write-before-exit'

/**
 * Writes `calls` to the interceptor table, blocking the calling thread until done or until
 * `timeoutMs` has passed.
 *
 * @example
 * const outcome = writeSynchronously(settings, calls, 1_000)
 * if (!outcome.finished) console.warn(`[stakeout] ${calls.length} calls lost`)
 */
export function writeSynchronously(
  settings: InterceptorSettings,
  calls: readonly RecordedCall[],
  timeoutMs: number,
): SynchronousWrite {
  const signal = new SharedArrayBuffer(4)
  const { port1, port2 } = new MessageChannel()
  let worker: Worker
  try {
    const job: Job = { mark: WORKER_MARK, settings, calls, signal, port: port2 }
    worker = new Worker(new URL(import.meta.url), {
      workerData: job,
      transferList: [port2],
      stdout: true,
      stderr: true,
    })
  } catch (error) {
    port1.close()
    return {
      finished: false,
      unrecordedCalls: calls.length,
      reason: `the writer could not start: ${describeError(error)}`,
    }
  }
  Atomics.wait(new Int32Array(signal), 0, 0, Math.max(0, timeoutMs))
  const answer = receiveMessageOnPort(port1)?.message as Omit<SynchronousWrite, 'finished'> | undefined
  port1.close()
  // Not waited for: when the process is exiting it ends the worker, and otherwise it has nothing left to do.
  void worker.terminate()
  if (!answer) {
    return { finished: false, unrecordedCalls: calls.length, reason: `the write did not finish within ${timeoutMs} ms` }
  }
  return { finished: true, ...answer }
}

async function write(job: Job): Promise<void> {
  let answer: Omit<SynchronousWrite, 'finished'>
  try {
    const { openInterceptorStore } = await import('./store.js')
    const outcome = await openInterceptorStore(job.settings).record(job.calls)
    answer =
      outcome.error === undefined
        ? { unrecordedCalls: outcome.unrecordedCalls }
        : { unrecordedCalls: outcome.unrecordedCalls, reason: describeError(outcome.error) }
  } catch (error) {
    answer = { unrecordedCalls: job.calls.length, reason: describeError(error) }
  }
  job.port.postMessage(answer)
  const signal = new Int32Array(job.signal)
  Atomics.store(signal, 0, 1)
  Atomics.notify(signal, 0)
}

if (!isMainThread && (workerData as Partial<Job> | null)?.mark === WORKER_MARK) void write(workerData as Job)
