/**
 * The local runtime's side of the IPC channel, and the attribution of output: every write to
 * stdout or stderr goes to the launcher as a log line of the invocation that made it (found with an
 * AsyncLocalStorage, or the only invocation in flight), or of INIT.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { RuntimeMessage } from '../protocol.js'

/** What code running for an invocation can find out about it. */
export interface InvocationScope {
  readonly requestId: string
}

/** The invocation the running code belongs to. */
export const invocationScope = new AsyncLocalStorage<InvocationScope>()
/** Invocations started and not yet reported, by request id. */
export const inFlight = new Set<string>()

let initializing = true

/** INIT is over: output outside any invocation no longer belongs to it. */
export function endInit(): void {
  initializing = false
}

/** True until the handler is loaded. */
export function isInitializing(): boolean {
  return initializing
}

/** Sends a message to the launcher, if it is still there; `sent` runs once it is written. */
export function send(message: RuntimeMessage, sent?: () => void): void {
  if (process.connected && process.send) process.send(message, undefined, {}, () => sent?.())
  else sent?.()
}

/** Whose output this is: a request id, `null` for INIT, `undefined` when no one's (written through). */
function ownerOfOutput(): string | null | undefined {
  const scope = invocationScope.getStore()
  if (scope) return scope.requestId
  if (initializing) return null
  if (inFlight.size === 1) return inFlight.values().next().value
  return undefined
}

/** Sends what the process writes to stdout and stderr to the launcher, per invocation. */
export function captureOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const originalWrite = stream.write.bind(stream) as (...args: unknown[]) => boolean
    stream.write = function write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
      const done = typeof encoding === 'function' ? encoding : callback
      const owner = ownerOfOutput()
      if (owner === undefined) return originalWrite(chunk, encoding, callback)
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8')
      send({ type: 'log', requestId: owner, text })
      if (typeof done === 'function') process.nextTick(done as () => void)
      return true
    } as typeof stream.write
  }
}
