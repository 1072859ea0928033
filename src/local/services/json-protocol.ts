import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { failArgument } from '../../errors.js'
import { listenLocally } from './local-server.js'

/**
 * An error a local service answers the way AWS does: its code (`__type`), message and HTTP status. Throw it from an
 * operation; the SDK turns it into the service's exception of that name (`ResourceNotFoundException`...).
 *
 * @example
 * throw new AwsServiceError('ResourceNotFoundException', `Event bus ${name} does not exist.`)
 */
export class AwsServiceError extends Error {
  override readonly name = 'AwsServiceError'
  /**
   * @param code the error code (`__type` and `x-amzn-ErrorType`), as the API reference names it
   * @param message the message, as AWS words it where the docs or the SDK show it
   * @param status the HTTP status (400 for a client error)
   * @param headers extra response headers (SQS's `x-amzn-query-error`)
   */
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message)
  }
}

/** What an operation gets besides its input. */
export interface OperationContext {
  /** The request id the answer carries (`x-amzn-RequestId`). */
  readonly requestId: string
  /** Aborted when the service stops (a long poll ends early). */
  readonly signal: AbortSignal
}

/** One operation: the parsed JSON input → the JSON output (or an {@link AwsServiceError}). */
export type Operation = (input: Record<string, unknown>, context: OperationContext) => unknown

/** Options of {@link startJsonService}. */
export interface JsonServiceOptions {
  /** The service's name in messages (`EventBridge`, `SQS`). */
  readonly service: string
  /** The `X-Amz-Target` prefix before the dot: `AWSEvents`, `AmazonSQS`, `AWSStepFunctions`, `Logs_20140328`. */
  readonly targetPrefix: string
  /** `1.0` or `1.1`: the `Content-Type` the answers carry (`application/x-amz-json-1.x`). */
  readonly jsonVersion: '1.0' | '1.1'
  /** The operations served, by name (`PutEvents`). Any other is refused, naming what is served. */
  readonly operations: Readonly<Record<string, Operation>>
  /**
   * The largest request body accepted, in bytes; past it the service answers 413 as AWS's front end does.
   * @default 10 MiB
   */
  readonly maxBodyBytes?: number
  /**
   * The port on 127.0.0.1.
   * @default a free port
   */
  readonly port?: number
  /** Extra headers on every error answer, from its error (SQS's `x-amzn-query-error`). */
  readonly errorHeaders?: (error: AwsServiceError) => Readonly<Record<string, string>>
}

/** A running local AWS JSON-protocol service. */
export interface JsonService {
  /** Its URL, `http://127.0.0.1:<port>`: a client's `endpoint`, or `AWS_ENDPOINT_URL_<SERVICE>`. */
  readonly endpoint: string
  /** Stops accepting requests, aborts long polls, waits for the requests in flight, and closes. Idempotent. */
  stop(): Promise<void>
}

const DEFAULT_MAX_BODY = 10 * 1024 * 1024

/**
 * Serves an AWS JSON 1.0 / 1.1 protocol API (EventBridge, SQS, Step Functions, CloudWatch Logs) on 127.0.0.1:
 * `POST /` with `X-Amz-Target: <prefix>.<Operation>` and a JSON body, answered with JSON, or with an error as the
 * protocol spells one (`{"__type": code, "message": ...}` and `x-amzn-ErrorType`), so the real AWS SDK v3 clients
 * parse it into the service's exceptions. Signatures are not checked (the local target has no IAM). An operation
 * the service does not implement is refused with `UnknownOperationException` naming the ones it does.
 *
 * @throws {ArgumentError} an option is not what it must be
 * @throws {StakeoutError} the port is taken
 * @example
 * const events = await startJsonService({
 *   service: 'EventBridge', targetPrefix: 'AWSEvents', jsonVersion: '1.1',
 *   operations: { PutEvents: (input) => ({ FailedEntryCount: 0, Entries: [] }) },
 * })
 * new EventBridgeClient({ endpoint: events.endpoint, region: 'us-east-1', credentials })
 */
export async function startJsonService(options: JsonServiceOptions): Promise<JsonService> {
  const fail = (argument: string, expectation: string, received: unknown): never =>
    failArgument(startJsonService, 'startJsonService', argument, expectation, received)
  if (options === null || typeof options !== 'object') fail('options', 'an object', options)
  const { service, targetPrefix, jsonVersion, operations, port = 0, errorHeaders } = options
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY
  if (typeof service !== 'string' || service === '') fail('options.service', 'a service name', service)
  if (typeof targetPrefix !== 'string' || targetPrefix === '') fail('options.targetPrefix', 'a string', targetPrefix)
  if (jsonVersion !== '1.0' && jsonVersion !== '1.1') fail('options.jsonVersion', "'1.0' or '1.1'", jsonVersion)
  if (operations === null || typeof operations !== 'object') fail('options.operations', 'an object', operations)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) fail('options.port', 'a port (0 to 65535)', port)

  const contentType = `application/x-amz-json-${jsonVersion}`
  const stopping = new AbortController()
  const inFlight = new Set<Promise<unknown>>()
  let sequence = 0

  const server = createServer({ keepAlive: true }, (request, response) => {
    const work = answer(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        sendError(response, new AwsServiceError('InternalFailure', `local ${service}: ${String(error)}`, 500))
      } else response.destroy()
    })
    inFlight.add(work)
    void work.finally(() => inFlight.delete(work))
  })

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = `${Date.now().toString(16)}-${(sequence++).toString(16).padStart(8, '0')}`
    response.setHeader('x-amzn-RequestId', requestId)
    const body = await readBody(request, maxBodyBytes)
    if (request.method !== 'POST') {
      sendError(response, new AwsServiceError('UnknownOperationException', `local ${service} answers POST / only`, 404))
      return
    }
    if (body === undefined) {
      sendError(
        response,
        new AwsServiceError(
          'RequestEntityTooLarge',
          `The request is over the ${maxBodyBytes.toLocaleString('en-US')} bytes local ${service} accepts.`,
          413,
        ),
      )
      return
    }
    const target = String(request.headers['x-amz-target'] ?? '')
    const [prefix, name = ''] = target.split('.', 2)
    const operation = prefix === targetPrefix && Object.hasOwn(operations, name) ? operations[name] : undefined
    if (operation === undefined) {
      const served = Object.keys(operations).sort().join(', ')
      sendError(
        response,
        new AwsServiceError(
          'UnknownOperationException',
          `local ${service} does not implement ${target === '' ? 'a request without X-Amz-Target' : target}: ` +
            `it implements ${served} (the local target serves a documented subset and refuses the rest)`,
        ),
      )
      return
    }
    let input: unknown
    try {
      input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'))
    } catch {
      sendError(response, new AwsServiceError('SerializationException', 'The request body is not valid JSON.'))
      return
    }
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      sendError(response, new AwsServiceError('SerializationException', 'The request body must be a JSON object.'))
      return
    }
    try {
      const output = await operation(input as Record<string, unknown>, { requestId, signal: stopping.signal })
      response.statusCode = 200
      response.setHeader('Content-Type', contentType)
      response.end(JSON.stringify(output ?? {}))
    } catch (error) {
      if (error instanceof AwsServiceError) sendError(response, error)
      else throw error
    }
  }

  function sendError(response: ServerResponse, error: AwsServiceError): void {
    response.statusCode = error.status
    response.setHeader('Content-Type', contentType)
    response.setHeader('x-amzn-ErrorType', error.code)
    for (const [header, value] of Object.entries({ ...errorHeaders?.(error), ...error.headers })) {
      response.setHeader(header, value)
    }
    response.end(JSON.stringify({ __type: error.code, message: error.message }))
  }

  return listenLocally(server, port, `local ${service}`, {
    stopping,
    inFlight,
    stoppedMessage: `The local ${service} endpoint stopped.`,
  })
}

/** The body, or `undefined` past `limit` bytes (read on without keeping, so the client sees the answer). */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let bytes = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    bytes += chunk.length
    if (bytes <= limit) chunks.push(chunk)
  }
  return bytes > limit ? undefined : Buffer.concat(chunks)
}
