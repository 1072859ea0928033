import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { failArgument } from '../../errors.js'
import { LOCAL_REGION } from '../../target/index.js'
import type { InvokeResult } from '../invoke-handler.js'
import {
  DRY_RUN_UNSUPPORTED,
  decodeClientContext,
  enumError,
  type FunctionNameParts,
  FunctionThrottledError,
  functionArn,
  functionErrorPayload,
  functionNotFound,
  INVOCATION_TYPES,
  type InvocationType,
  LATEST,
  type LambdaApiError,
  lambdaError,
  logTail,
  notServed,
  PAYLOAD_LIMITS,
  parseFunctionName,
  parsePayload,
  RESPONSE_LIMIT,
  throttled,
  tooLarge,
  validationError,
} from './lambda-api.js'
import { listenLocally } from './local-server.js'

/** Options the endpoint passes to {@link LambdaInvoker.invoke}. */
export interface LambdaInvokeOptions {
  /** Aborted when the endpoint stops: the invocation should end. */
  readonly signal?: AbortSignal
  /** The request id the endpoint answers with (`x-amzn-RequestId`): use it as `context.awsRequestId`. */
  readonly requestId?: string
  /** The decoded `X-Amz-Client-Context` of a `RequestResponse` invocation (`context.clientContext`). */
  readonly clientContext?: Readonly<Record<string, unknown>>
}

/** What runs the functions behind the endpoint: a local app's pool of execution environments, or a test's handlers. */
export interface LambdaInvoker {
  /**
   * Starts one invocation of the function of that name (the name alone: the endpoint takes ARNs and qualifiers
   * apart), or returns `undefined`, synchronously, when it serves no such function (→ `ResourceNotFoundException`).
   */
  invoke(functionName: string, event: unknown, options: LambdaInvokeOptions): Promise<InvokeResult> | undefined
  /**
   * Whether it serves the function, without running it: what `InvocationType: DryRun` answers. An invoker without
   * it cannot answer DryRun, and the endpoint refuses DryRun saying so.
   */
  has?(functionName: string): boolean
  /**
   * Hands an `Event` invocation to the app's asynchronous invocation queue (Lambda's retries, `EventInvokeConfig`,
   * destinations): `true` once queued, `false` when it serves no such function, `undefined` when it has no queue
   * (the endpoint then runs the invocation itself and logs a failure).
   */
  enqueue?(functionName: string, event: unknown): boolean | undefined
}

/** Options of {@link startLambdaEndpoint}. */
export interface LambdaEndpointOptions {
  /** Runs the invocations. */
  readonly invoker: LambdaInvoker
  /**
   * The port on 127.0.0.1.
   * @default a free port
   */
  readonly port?: number
  /**
   * The region of the ARNs in its messages.
   * @default 'us-east-1'
   */
  readonly region?: string
  /**
   * Receives one line per thing that would otherwise be lost: an `Event` invocation that failed (nobody waits for
   * its answer), an invocation stopped by {@link LambdaEndpoint.stop}.
   * @default console.warn
   */
  readonly log?: (line: string) => void
}

/** A running local Lambda Invoke API. */
export interface LambdaEndpoint {
  /** Its URL, `http://127.0.0.1:<port>`: a `LambdaClient`'s `endpoint`, or `AWS_ENDPOINT_URL_LAMBDA`. */
  readonly endpoint: string
  /** Stops accepting requests, aborts the invocations in flight (logging the `Event` ones) and closes. Idempotent. */
  stop(): Promise<void>
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/

/**
 * Serves the Lambda Invoke API (`POST /2015-03-31/functions/{FunctionName}/invocations`) on 127.0.0.1 for the
 * functions an invoker runs, as the API reference documents it and as `@aws-sdk/client-lambda` reads it:
 *
 * - `FunctionName` as a name, an ARN or a partial ARN, with the qualifier `$LATEST` (in the name or `Qualifier`);
 * - `InvocationType` `RequestResponse` (the payload; a failed invocation is a 200 with `X-Amz-Function-Error:
 *   Unhandled` and `{ errorType, errorMessage, trace }`), `Event` (202; handed to the invoker's asynchronous queue
 *   when it has one, else run in the background with a failure logged, not retried), `DryRun` (204);
 * - `LogType: Tail` → `X-Amz-Log-Result`, the last 4 KB of the invocation's log (framed by START, END and REPORT
 *   lines, as Lambda's); `X-Amz-Executed-Version: $LATEST`; `x-amzn-RequestId`;
 * - the documented errors, with their status, `x-amzn-ErrorType` and body: an unknown function or qualifier →
 *   404 `ResourceNotFoundException`, a payload that is not JSON → 400 `InvalidRequestContentException`, a payload
 *   over 6 MB (1 MB for `Event`) → 413, a bad header → 400 `ValidationException`.
 *
 * Every other Lambda operation is answered with an error saying the local Lambda serves Invoke only.
 *
 * @example
 * const lambda = await startLambdaEndpoint({ invoker: { invoke: (name, event) => name === 'orders' ? orders.invoke(event) : undefined } })
 * const client = new LambdaClient({ endpoint: lambda.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } })
 * await client.send(new InvokeCommand({ FunctionName: 'orders', Payload: JSON.stringify({ id: 1 }) }))
 * await lambda.stop()
 */
export async function startLambdaEndpoint(options: LambdaEndpointOptions): Promise<LambdaEndpoint> {
  const fail = (argument: string, expectation: string, received: unknown): never =>
    failArgument(startLambdaEndpoint, 'startLambdaEndpoint', argument, expectation, received)
  if (options === null || typeof options !== 'object') fail('options', 'an object like { invoker }', options)
  const { invoker, port = 0, region = LOCAL_REGION, log = (line: string) => console.warn(line) } = options
  if (invoker === null || typeof invoker !== 'object' || typeof invoker.invoke !== 'function') {
    fail('options.invoker', 'an object with invoke(functionName, event, options)', invoker)
  }
  if (invoker.has !== undefined && typeof invoker.has !== 'function') {
    fail('options.invoker.has', 'a function (functionName) => boolean, if given', invoker.has)
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail('options.port', 'a port from 0 to 65535', port)
  if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    fail('options.region', 'a region such as eu-west-1', region)
  }
  if (typeof log !== 'function') fail('options.log', 'a function (line: string) => void', log)

  const stopping = new AbortController()
  const inFlight = new Set<Promise<unknown>>()
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work)
    const forget = () => inFlight.delete(work)
    work.then(forget, forget)
    return work
  }
  const context: EndpointContext = { invoker, region, log, signal: stopping.signal, track }
  const server = createServer({ keepAlive: true }, (request, response) => {
    track(answer(request, response, context)).catch((error: unknown) => {
      // A bug here must not take the process down; the caller gets a ServiceException and the log says why.
      log(`stakeout local Lambda: ${request.method} ${request.url} failed: ${String(error)}`)
      if (!response.headersSent) send(response, lambdaError(500, 'ServiceException', String(error), 'Service'))
      else response.destroy()
    })
  })
  return listenLocally(server, port, 'startLambdaEndpoint', {
    stopping,
    inFlight,
    stoppedMessage: 'The local Lambda endpoint stopped.',
  })
}

interface EndpointContext {
  readonly invoker: LambdaInvoker
  readonly region: string
  readonly log: (line: string) => void
  readonly signal: AbortSignal
  readonly track: <T>(work: Promise<T>) => Promise<T>
}

/** One request, start to end. */
async function answer(request: IncomingMessage, response: ServerResponse, context: EndpointContext): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1')
  const route = INVOKE_PATH.exec(url.pathname)
  if (route === null || request.method !== 'POST') {
    await drain(request, 0)
    send(response, notServed(request.method ?? 'GET', url.pathname))
    return
  }
  if (context.signal.aborted) {
    await drain(request, 0)
    send(response, lambdaError(500, 'ServiceException', 'The local Lambda endpoint is stopping.', 'Service'))
    return
  }
  const requestId = randomUUID()
  response.setHeader('x-amzn-RequestId', requestId)
  const invocationType = request.headers['x-amz-invocation-type'] ?? 'RequestResponse'
  if (typeof invocationType !== 'string' || !INVOCATION_TYPES.includes(invocationType as InvocationType)) {
    await drain(request, 0)
    send(response, enumError('invocationType', invocationType, INVOCATION_TYPES))
    return
  }
  const type = invocationType as InvocationType
  const logType = request.headers['x-amz-log-type'] ?? 'None'
  if (logType !== 'None' && logType !== 'Tail') {
    await drain(request, 0)
    send(response, enumError('logType', logType, ['None', 'Tail']))
    return
  }
  const body = await drain(request, type === 'Event' ? PAYLOAD_LIMITS.Event : PAYLOAD_LIMITS.RequestResponse)
  if (body.tooLarge) {
    send(response, tooLarge(type, body.bytes))
    return
  }
  const target = targetOf(route[1] ?? '', url.searchParams.get('Qualifier'), context.region)
  if ('status' in target) {
    send(response, target)
    return
  }
  const event = parsePayload(body.data)
  if (event instanceof Error) {
    send(response, lambdaError(400, 'InvalidRequestContentException', event.message))
    return
  }
  const clientContext = type === 'RequestResponse' ? decodeClientContext(request.headers['x-amz-client-context']) : {}
  if (clientContext instanceof Error) {
    send(response, lambdaError(400, 'InvalidRequestContentException', clientContext.message))
    return
  }
  if (type === 'DryRun') {
    if (context.invoker.has === undefined) {
      send(response, lambdaError(400, 'InvalidParameterValueException', DRY_RUN_UNSUPPORTED))
    } else if (context.invoker.has(target.name)) {
      send(response, 204)
    } else {
      send(response, functionNotFound(target.arn))
    }
    return
  }
  const queued = type === 'Event' ? context.invoker.enqueue?.(target.name, event) : undefined
  if (queued !== undefined) {
    send(response, queued ? 202 : functionNotFound(target.arn))
    return
  }
  let invocation: Promise<InvokeResult> | undefined
  try {
    invocation = context.invoker.invoke(target.name, event, {
      signal: context.signal,
      requestId,
      ...(clientContext.value === undefined ? {} : { clientContext: clientContext.value }),
    })
  } catch (error) {
    send(response, invocationFailed(target.name, error, context))
    return
  }
  if (invocation === undefined) {
    send(response, functionNotFound(target.arn))
    return
  }
  if (type === 'Event') {
    context.track(reportEvent(invocation, target.name, requestId, context))
    send(response, 202)
    return
  }
  let result: InvokeResult
  try {
    result = await invocation
  } catch (error) {
    send(response, invocationFailed(target.name, error, context))
    return
  }
  answerInvocation(response, result, logType === 'Tail')
}

/** The ServiceException of an invocation the invoker could not run (or that stop() ended). */
function invocationFailed(functionName: string, error: unknown, context: EndpointContext): LambdaApiError {
  if (error instanceof FunctionThrottledError) return throttled(error)
  const reason = context.signal.aborted ? 'the local Lambda endpoint stopped' : String(error)
  return lambdaError(500, 'ServiceException', `Invocation of ${functionName} failed: ${reason}`, 'Service')
}

/** The 200 of a `RequestResponse` invocation: the payload (or the function error) and the headers. */
function answerInvocation(response: ServerResponse, result: InvokeResult, tail: boolean): void {
  let error = result.error
  let payload = error === undefined ? JSON.stringify(result.result ?? null) : ''
  if (error === undefined && Buffer.byteLength(payload) > RESPONSE_LIMIT) {
    error = {
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: `Response payload size exceeded maximum allowed payload size (${RESPONSE_LIMIT} bytes).`,
    }
  }
  if (error !== undefined) {
    payload = JSON.stringify(functionErrorPayload(error))
    response.setHeader('X-Amz-Function-Error', 'Unhandled')
  }
  // Lambda's request id is the function's awsRequestId: an invoker that chose its own wins over the one offered.
  if (result.requestId !== '') response.setHeader('x-amzn-RequestId', result.requestId)
  response.setHeader('X-Amz-Executed-Version', LATEST)
  if (tail) response.setHeader('X-Amz-Log-Result', logTail(result))
  response.setHeader('Content-Type', 'application/json')
  response.statusCode = 200
  response.end(payload)
}

/** Waits for an `Event` invocation nobody awaits, and logs what would otherwise be lost. */
async function reportEvent(
  invocation: Promise<InvokeResult>,
  functionName: string,
  requestId: string,
  context: EndpointContext,
): Promise<void> {
  const what = `stakeout local Lambda: Event invocation ${requestId} of ${functionName}`
  try {
    const { error } = await invocation
    if (error !== undefined) {
      context.log(
        `${what} failed: ${error.errorType}: ${error.errorMessage}. Lambda would retry it up to twice ` +
          '(the function’s MaximumRetryAttempts); the local Lambda does not retry.',
      )
    }
  } catch (error) {
    const reason = context.signal.aborted ? 'the local Lambda endpoint stopped before it ended' : String(error)
    context.log(`${what} did not run to its end: ${reason}. The event is lost.`)
  }
}

interface Target {
  readonly name: string
  readonly arn: string
}

/** The function a path names, or the error Lambda answers for it. */
function targetOf(encodedName: string, qualifierParameter: string | null, region: string): Target | LambdaApiError {
  let functionName: string
  try {
    functionName = decodeURIComponent(encodedName)
  } catch {
    return validationError(
      `Value '${encodedName}' at 'functionName' failed to satisfy constraint: Member must be a percent-encoded name`,
    )
  }
  const parts: FunctionNameParts | LambdaApiError = parseFunctionName(functionName)
  if ('status' in parts) return parts
  const qualifier = qualifierParameter ?? parts.qualifier
  if (qualifierParameter !== null && parts.qualifier !== undefined && qualifierParameter !== parts.qualifier) {
    return lambdaError(
      400,
      'InvalidParameterValueException',
      `The derived qualifier from the function name (${parts.qualifier}) does not match the specified qualifier ` +
        `(${qualifierParameter}).`,
    )
  }
  if (qualifier !== undefined && qualifier !== LATEST) {
    // Versions and aliases are published at deploy time; the local Lambda runs the code as synthesized.
    return functionNotFound(functionArn(parts, region, qualifier))
  }
  return { name: parts.name, arn: functionArn(parts, region, qualifier) }
}

/** Reads the body up to `limit` bytes; past it, reads on without keeping (so the client sees the answer, not a reset). */
async function drain(
  request: IncomingMessage,
  limit: number,
): Promise<{ data: Buffer; bytes: number; tooLarge: boolean }> {
  const chunks: Buffer[] = []
  let bytes = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    bytes += chunk.length
    if (bytes <= limit) chunks.push(chunk)
  }
  return { data: Buffer.concat(chunks), bytes, tooLarge: bytes > limit }
}

function send(response: ServerResponse, answer: LambdaApiError | number): void {
  if (typeof answer === 'number') {
    response.statusCode = answer
    response.end()
    return
  }
  response.statusCode = answer.status
  response.setHeader('x-amzn-ErrorType', answer.type)
  response.setHeader('Content-Type', 'application/json')
  response.end(JSON.stringify(answer.body))
}
