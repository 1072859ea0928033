/**
 * The messages between the launcher and the local runtime in the child (Node IPC, JSON): the one
 * definition both sides are type-checked against.
 */
import type { InvocationError } from './types.js'

/** Launcher → runtime: one event to run. */
export interface InvokeMessage {
  readonly type: 'invoke'
  readonly requestId: string
  /** The event, as JSON text. */
  readonly event: string
  /** Epoch milliseconds when the invocation times out (`context.getRemainingTimeInMillis()`). */
  readonly deadlineMs: number
  readonly invokedFunctionArn: string
  /** `_X_AMZN_TRACE_ID` for this invocation. */
  readonly traceId: string
  readonly clientContext?: Readonly<Record<string, unknown>>
}

/** Runtime → launcher. */
export type RuntimeMessage =
  /** Output, attributed to an invocation (`null`: INIT). */
  | { readonly type: 'log'; readonly requestId: string | null; readonly text: string }
  /** INIT succeeded: the handler is loaded. */
  | { readonly type: 'ready' }
  /** INIT failed; the process exits next. */
  | { readonly type: 'init-error'; readonly error: InvocationError }
  /** An invocation ended: `payload` (JSON text) or `error`; `fatal` when the process exits next. */
  | {
      readonly type: 'done'
      readonly requestId: string
      readonly payload?: string
      readonly error?: InvocationError
      readonly fatal?: boolean
    }
  /** The process is exiting on purpose (an uncaught exception, INIT failed). */
  | { readonly type: 'exiting' }
