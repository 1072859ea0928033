/**
 * Request bodies as the interceptor records them: read whole when a rule needs the body to choose (or a
 * mocked call is recorded), or read from a copy as the client streams it when the call goes to the network,
 * so the request is never held; both cut at the body limit.
 */
import type { RecordedCall } from './schema.js'

/** How long an invocation's write waits for the bodies of its calls still streaming; then they are cut there. */
export const BODY_WAIT_MS = 1_000

/** A request body read whole. */
export interface BodySnapshot {
  bytes: Uint8Array
  /** The whole body as text; undefined when the request has none. */
  text: string | undefined
}

/** A client waiting for "100 Continue" sends its body only after the server's go-ahead. */
function waitsForContinue(request: Request): boolean {
  return request.headers.get('expect')?.toLowerCase() === '100-continue'
}

/** Reads the whole body (from a copy): waits until the client has sent all of it. */
export async function readBody(request: Request): Promise<BodySnapshot> {
  if (request.body === null || waitsForContinue(request)) {
    return { bytes: new Uint8Array(), text: undefined }
  }
  const bytes = new Uint8Array(await request.clone().arrayBuffer())
  return { bytes, text: bytes.byteLength === 0 ? undefined : new TextDecoder().decode(bytes) }
}

function cutBody(bytes: Uint8Array, maxBytes: number): { text: string; truncated: boolean } {
  if (bytes.byteLength <= maxBytes) return { text: new TextDecoder().decode(bytes), truncated: false }
  return { text: new TextDecoder().decode(bytes.subarray(0, maxBytes)), truncated: true }
}

/** Sets the recorded body of `call` from a body read whole, cut at `maxBytes`. */
export function withBody(call: RecordedCall, body: BodySnapshot, maxBytes: number): void {
  if (body.text === undefined) return
  const cut = cutBody(body.bytes, maxBytes)
  call.body = cut.text
  call.bodySize = body.bytes.byteLength
  if (cut.truncated) call.bodyTruncated = true
}

/**
 * Records the body of a call that goes to the network as the client streams it, from a copy, keeping the first
 * `maxBytes`: the request is never held. The read is added to `reads` until it ends.
 */
export function recordBodyAsItStreams(
  request: Request,
  call: RecordedCall,
  maxBytes: number,
  reads: Set<Promise<void>>,
): void {
  if (request.body === null || waitsForContinue(request)) return
  const read = (async () => {
    const reader = (request.clone().body as ReadableStream<Uint8Array>).getReader()
    const kept = new Uint8Array(maxBytes)
    let keptBytes = 0
    let size = 0
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      size += chunk.value.byteLength
      const part = chunk.value.subarray(0, maxBytes - keptBytes)
      kept.set(part, keptBytes)
      keptBytes += part.byteLength
    }
    if (size === 0) return
    call.body = new TextDecoder().decode(kept.subarray(0, keptBytes))
    call.bodySize = size
    if (size > maxBytes) call.bodyTruncated = true
  })().catch(() => {
    // The client gave up on its upload: the call is recorded without a body.
  })
  reads.add(read)
  void read.finally(() => reads.delete(read))
}

/** Waits until every promise of `promises` settled, or `ms` passed. */
export async function settled(promises: ReadonlySet<Promise<void>>, ms: number): Promise<void> {
  if (promises.size === 0) return
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    Promise.allSettled(promises),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms).unref()
    }),
  ])
  clearTimeout(timer)
}
