/**
 * The execution environment dies with the launcher, however the launcher goes. The IPC channel's
 * `disconnect` covers an idle or awaiting process, but a handler in a busy loop (or a long
 * synchronous computation) never runs it: after a SIGKILL of the test runner it would spin on, and
 * the processes it started with it. So a worker thread, whose event loop the handler cannot
 * block, watches the parent: once this process is re-parented, it kills the process group (the
 * launcher starts each environment as a group of its own, so whatever the handler started goes too).
 */
import { Worker } from 'node:worker_threads'

/** How often the worker looks at the parent: the longest an orphan lives. */
const POLL_MS = 250

const WATCH = `
const { workerData } = require('node:worker_threads')
setInterval(() => {
  if (process.ppid === workerData.ppid) return
  try { process.kill(-workerData.pid, 'SIGKILL') } catch {}
  process.kill(workerData.pid, 'SIGKILL')
}, workerData.pollMs)
`

/** Starts the watch; it never keeps the process alive. */
export function dieWithParent(): void {
  const worker = new Worker(WATCH, {
    eval: true,
    workerData: { ppid: process.ppid, pid: process.pid, pollMs: POLL_MS },
    // The function's NODE_OPTIONS (an interceptor's --import) are not this thread's business.
    execArgv: [],
    env: {},
    stdout: false,
    stderr: false,
  })
  worker.unref()
  // A worker that cannot start (resource limits) leaves the channel's disconnect as the only guard.
  worker.on('error', () => {})
}
