/**
 * Closes the native handle a mocked socket leaves open, so a warm sandbox's memory stays flat however
 * many calls are mocked.
 *
 * Why: @mswjs/interceptors (0.45.12) answers a mocked call on a real `net.Socket` whose TCP handle was
 * created by `connect()` but never connected, and its `respondWith` replaces the socket's `_destroy` with
 * one that skips `_handle.close()`. The socket is destroyed and emits `close`, yet its handle stays open:
 * an open handle is a garbage-collection root, and it keeps the socket, its HTTP parser, the mocked
 * `ServerResponse` and their buffers alive, about 16 KiB per mocked call for the life of the process. The
 * same `_destroy` leaves the socket's idle timer running, which holds it a few seconds more.
 *
 * Node.js's own `_destroy` sets `_handle` to null before `close` is emitted, so a socket that still has a
 * handle once closed is exactly one whose handle nobody will close; only handles that never connected (no
 * file descriptor) are closed, so a passed-through call's real connection is left to its own socket.
 */
import diagnostics from 'node:diagnostics_channel'
import type { Socket } from 'node:net'

/** A socket's native handle, as far as closing it goes (a TLS handle wraps the TCP one as `_parent`). */
interface NativeHandle {
  /** The file descriptor; -1 for a handle that never connected. */
  fd?: number
  close(): void
  _parent?: NativeHandle | null
}

type SocketWithHandle = Socket & { _handle?: NativeHandle | null }

/** Published by Node.js for every client socket (`net.connect`, `tls.connect`, HTTP agents, undici). */
const CLIENT_SOCKET_CHANNEL = 'net.client.socket'

function closeLeftHandle(this: SocketWithHandle): void {
  const handle = this._handle
  // A handle with a descriptor is a real connection's (a passed-through call's): its own socket closes it.
  if (!handle || (typeof handle.fd === 'number' && handle.fd >= 0)) return
  // The replaced `_destroy` skipped this too: the idle timer (5 s with the default keep-alive agent) would keep
  // the socket alive until it fires. `setTimeout(0)` ignores destroyed sockets, so clear net's own timer.
  clearTimeout(idleTimer(this))
  // The handle is left in place: the socket's byte counters still read from it.
  try {
    handle.close()
    handle._parent?.close()
  } catch {
    // Already closed by someone else: nothing was left open.
  }
}

/** net.Socket keeps its idle timer under a private symbol (`kTimeout`, described "timeout"). */
function idleTimer(socket: Socket): NodeJS.Timeout | undefined {
  for (const symbol of Object.getOwnPropertySymbols(socket)) {
    if (symbol.description === 'timeout')
      return (socket as unknown as Record<symbol, NodeJS.Timeout | undefined>)[symbol]
  }
  return undefined
}

function watchSocket(message: unknown): void {
  const socket = (message as { socket?: SocketWithHandle } | null)?.socket
  socket?.once?.('close', closeLeftHandle)
}

/**
 * Starts closing the handles that closed client sockets leave open; returns the function that stops it.
 *
 * @example
 * const stop = closeHandlesLeftOpen()
 * // ... mocked calls: their sockets' handles are closed once the sockets close
 * stop()
 */
export function closeHandlesLeftOpen(): () => void {
  diagnostics.subscribe(CLIENT_SOCKET_CHANNEL, watchSocket)
  return () => {
    diagnostics.unsubscribe(CLIENT_SOCKET_CHANNEL, watchSocket)
  }
}
