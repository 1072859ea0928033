/**
 * The life of a local service's HTTP server on 127.0.0.1: listening (a taken port said plainly), and stopping
 * (requests in flight aborted and waited for, then every connection closed). The JSON protocol services and the
 * Lambda endpoint start and stop alike.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { StakeoutError } from '../../errors.js'

/** A local server that listens: its URL and its stop. */
export interface LocalServer {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string
  /** Aborts the requests in flight, waits for them, and closes. Idempotent. */
  stop(): Promise<void>
}

/**
 * Listens on 127.0.0.1 at `port` (0: a free one) and resolves with the endpoint and its stop. A stop aborts
 * `stopping` with a {@link StakeoutError} saying `stoppedMessage`, stops accepting connections, waits for the
 * requests in `inFlight` to settle, then closes every connection.
 *
 * @param who what a taken port's message starts with: `local SQS`, `startLambdaEndpoint`
 * @throws {StakeoutError} the port is taken
 * @example
 * return listenLocally(server, port, 'local SQS', { stopping, inFlight, stoppedMessage: 'The local SQS endpoint stopped.' })
 */
export async function listenLocally(
  server: Server,
  port: number,
  who: string,
  stop: {
    readonly stopping: AbortController
    readonly inFlight: ReadonlySet<Promise<unknown>>
    readonly stoppedMessage: string
  },
): Promise<LocalServer> {
  await listen(server, port, who)
  const { port: bound } = server.address() as AddressInfo
  let stopped: Promise<void> | undefined
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    stop() {
      stopped ??= (async () => {
        stop.stopping.abort(new StakeoutError(stop.stoppedMessage))
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeIdleConnections()
        await Promise.allSettled([...stop.inFlight])
        server.closeAllConnections()
        await closed
      })()
      return stopped
    },
  }
}

function listen(server: Server, port: number, who: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new StakeoutError(
              `${who}: port ${port} on 127.0.0.1 is taken. Stop what listens there, or leave port unset for a free one.`,
            )
          : error,
      )
    }
    server.once('error', failed)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', failed)
      resolve()
    })
  })
}
