/**
 * Keeps the interceptor's own DynamoDB traffic out of the interceptor.
 *
 * Two layers, because a miss would be a deadlock (the listener waiting for rules that are being
 * fetched through the listener) rather than a wrong answer:
 *
 * 1. The store's HTTP agents open their sockets inside @mswjs/interceptors' internal-connection
 *    context (`globalThis.__MSW_INTERNAL_CONNECTION_CONTEXT`, which the library itself uses for
 *    its pass-through sockets). Such sockets are connected with the unpatched
 *    `net.Socket.prototype.connect`: no buffering, no HTTP parsing, no event. This is the main
 *    path and costs nothing per request.
 * 2. If that context ever disappears (it is not public API), every request of ours also carries
 *    {@link OWN_TRAFFIC_HEADER}, added after SigV4 signing so the signature stays valid. The
 *    listener checks it before anything else, strips it and lets the request through untouched.
 *
 * Requests the AWS SDK makes for itself while we read or write the table (credentials from a container endpoint,
 * SSO or STS) use neither our agents nor our header: the interceptor lets through every request made inside its own
 * table work (an AsyncLocalStorage mark, see interceptor.ts).
 *
 * A transport of our own (a raw `tls.connect`) was not an option: the library patches
 * `net.Socket.prototype.connect`, below every client.
 */
import http from 'node:http'
import https from 'node:https'
import type { Socket } from 'node:net'

/** Header marking the interceptor's own requests (stripped before they leave the process). */
export const OWN_TRAFFIC_HEADER = 'x-stakeout-internal'

interface InternalConnectionContext {
  run<T>(callback: () => T): T
}

function bypassInterception<T>(connect: () => T): T {
  const context = (globalThis as { __MSW_INTERNAL_CONNECTION_CONTEXT?: InternalConnectionContext })
    .__MSW_INTERNAL_CONNECTION_CONTEXT
  return context ? context.run(connect) : connect()
}

class OwnHttpAgent extends http.Agent {
  override createConnection(...args: Parameters<http.Agent['createConnection']>): Socket {
    return bypassInterception(() => super.createConnection(...args)) as Socket
  }
}

class OwnHttpsAgent extends https.Agent {
  override createConnection(...args: Parameters<https.Agent['createConnection']>): Socket {
    return bypassInterception(() => super.createConnection(...args)) as Socket
  }
}

/**
 * Keep-alive HTTP and HTTPS agents whose sockets bypass the interceptor.
 *
 * @example
 * new DynamoDBClient({ requestHandler: { ...ownTrafficAgents() } })
 */
export function ownTrafficAgents(): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  return {
    httpAgent: new OwnHttpAgent({ keepAlive: true, maxSockets: 50 }),
    httpsAgent: new OwnHttpsAgent({ keepAlive: true, maxSockets: 50 }),
  }
}
