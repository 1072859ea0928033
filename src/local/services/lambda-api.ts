/**
 * The parts of the Lambda API that stakeout's local Lambda answers with, as the API reference documents them and as
 * `@aws-sdk/client-lambda` parses them: function names (name, ARN, partial ARN, qualifier), the documented errors
 * (status, `x-amzn-ErrorType`, and the body members the SDK reads), and the function-error payload.
 */
import { StakeoutError } from '../../errors.js'
import { LOCAL_ACCOUNT } from '../../target/index.js'
import type { InvocationError, InvokeResult } from '../invoke-handler.js'

/** `RequestResponse` and `Event` payloads over this many bytes are refused (Lambda's quotas: 6 MB and 1 MB). */
export const PAYLOAD_LIMITS = { RequestResponse: 6 * 1024 * 1024, Event: 1024 * 1024 } as const

/** A synchronous response over this many bytes becomes a `Function.ResponseSizeTooLarge` function error, as Lambda's. */
export const RESPONSE_LIMIT = 6_291_556

/** How much of the end of the logs `LogType: Tail` returns. */
export const LOG_TAIL_BYTES = 4096

/** The `X-Amz-Invocation-Type` values. */
export const INVOCATION_TYPES = ['Event', 'RequestResponse', 'DryRun'] as const
/** One of {@link INVOCATION_TYPES}. */
export type InvocationType = (typeof INVOCATION_TYPES)[number]

/** The version every invocation runs: the local Lambda has no published versions or aliases. */
export const LATEST = '$LATEST'

/** The pattern the API reference gives for `FunctionName`, as it prints it (quoted in a ValidationException). */
const DOCUMENTED_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?'

/** The same pattern, anchored, with named parts. */
const FUNCTION_NAME_PATTERN =
  /^(?<arn>arn:(aws[a-zA-Z-]*)?:lambda:)?((?<region>[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d):)?((?<account>\d{12}):)?(function:)?(?<name>[a-zA-Z0-9_.-]+)(:(?<qualifier>\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9_-]+))?$/

/** A `FunctionName` taken apart. */
export interface FunctionNameParts {
  /** The function's name, without ARN parts or qualifier. */
  readonly name: string
  /** The qualifier after the name (`my-fn:prod`), if any. */
  readonly qualifier?: string
  /** The region of a full ARN. */
  readonly region?: string
  /** The account of a full or partial ARN. */
  readonly account?: string
}

/**
 * Takes a `FunctionName` path parameter apart, or says which documented constraint it breaks.
 *
 * @example
 * parseFunctionName('arn:aws:lambda:eu-west-1:123456789012:function:orders:$LATEST')
 * // { name: 'orders', qualifier: '$LATEST', region: 'eu-west-1', account: '123456789012' }
 */
export function parseFunctionName(functionName: string): FunctionNameParts | LambdaApiError {
  const parts = functionName.length <= 256 ? FUNCTION_NAME_PATTERN.exec(functionName)?.groups : undefined
  const name = parts?.name
  // The 64-character limit applies to a bare name; an ARN may be up to 256.
  const bare = parts?.arn === undefined && parts?.account === undefined
  if (parts === undefined || name === undefined || (bare && name.length > 64)) {
    return validationError(
      `Value '${functionName}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression ` +
        `pattern: ${DOCUMENTED_PATTERN} and have length between 1 and 256 (64 for a name alone)`,
    )
  }
  return {
    name,
    ...(parts.qualifier === undefined ? {} : { qualifier: parts.qualifier }),
    ...(parts.region === undefined ? {} : { region: parts.region }),
    ...(parts.account === undefined ? {} : { account: parts.account }),
  }
}

/** The ARN Lambda names a function by in its messages: `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`. */
export function functionArn(parts: FunctionNameParts, region: string, qualifier?: string): string {
  const arn = `arn:aws:lambda:${parts.region ?? region}:${parts.account ?? LOCAL_ACCOUNT}:function:${parts.name}`
  return qualifier === undefined ? arn : `${arn}:${qualifier}`
}

/** An error answer of the Lambda API. */
export interface LambdaApiError {
  /** The HTTP status the API reference gives the error. */
  readonly status: number
  /** The error's name, sent as `x-amzn-ErrorType`: the SDK throws the exception class of that name. */
  readonly type: string
  /** The JSON body: `Type` and the message under the member name the SDK's model gives that error. */
  readonly body: Readonly<Record<string, string>>
}

/**
 * Errors whose model spells the message `Message` (ResourceNotFoundException, ServiceException); the others spell it
 * `message`. The SDK reads either into `error.message`, but fills the modelled member only from its own spelling.
 */
const CAPITALIZED_MESSAGE = new Set(['ResourceNotFoundException', 'ServiceException'])

/**
 * An error as the Lambda API answers it.
 *
 * @param status the HTTP status
 * @param type the error's name, e.g. `ResourceNotFoundException`
 * @param message what the SDK shows as `error.message`
 * @param fault `User` for the caller's mistakes, `Service` for the service's
 */
export function lambdaError(
  status: number,
  type: string,
  message: string,
  fault: 'User' | 'Service' = 'User',
): LambdaApiError {
  return { status, type, body: { Type: fault, [CAPITALIZED_MESSAGE.has(type) ? 'Message' : 'message']: message } }
}

/** `ValidationException`, with the prefix Lambda's validation messages carry. */
export function validationError(detail: string): LambdaApiError {
  return lambdaError(400, 'ValidationException', `1 validation error detected: ${detail}`)
}

/** `ResourceNotFoundException` for a function (or qualifier) the local Lambda does not serve. */
export function functionNotFound(arn: string): LambdaApiError {
  return lambdaError(404, 'ResourceNotFoundException', `Function not found: ${arn}`)
}

/** The payload Lambda answers for a failed invocation (with `X-Amz-Function-Error: Unhandled`). */
export function functionErrorPayload(error: InvocationError): Record<string, unknown> {
  return {
    errorType: error.errorType,
    errorMessage: error.errorMessage,
    ...(error.stack === undefined ? {} : { trace: error.stack }),
  }
}

/** `X-Amz-Log-Result`: base64 of the last 4 KB of the log, framed as Lambda frames an invocation's log. */
export function logTail(result: InvokeResult): string {
  const logs = result.logs === '' || result.logs.endsWith('\n') ? result.logs : `${result.logs}\n`
  const framed = logs.startsWith('START RequestId:')
    ? logs
    : `START RequestId: ${result.requestId} Version: ${LATEST}\n${logs}END RequestId: ${result.requestId}\n` +
      `REPORT RequestId: ${result.requestId}\tDuration: ${result.durationMs.toFixed(2)} ms\t` +
      `Billed Duration: ${Math.max(1, Math.ceil(result.durationMs))} ms\t\n`
  const bytes = Buffer.from(framed)
  return bytes.subarray(Math.max(0, bytes.length - LOG_TAIL_BYTES)).toString('base64')
}

/** The event: the payload's JSON, `{}` for an empty payload (as Lambda passes it), or why it is not JSON. */
export function parsePayload(data: Buffer): unknown {
  const text = data.toString('utf8')
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text)
  } catch (error) {
    return new Error(
      `Could not parse request body into json: Could not parse payload into json: ${(error as Error).message}`,
    )
  }
}

/** `X-Amz-Client-Context`: base64 of a JSON object. */
export function decodeClientContext(
  header: string | string[] | undefined,
): { value?: Record<string, unknown> } | Error {
  if (header === undefined) return {}
  const text = typeof header === 'string' ? Buffer.from(header, 'base64').toString('utf8') : ''
  try {
    const value: unknown = JSON.parse(text)
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return { value: value as Record<string, unknown> }
    }
  } catch {}
  return new Error('Client context must be a valid Base64-encoded JSON object.')
}

/** `ValidationException` for a header outside its enum. */
export function enumError(member: string, value: unknown, allowed: readonly string[]): LambdaApiError {
  return validationError(
    `Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must satisfy enum value set: ` +
      `[${allowed.join(', ')}]`,
  )
}

/** 413 for a payload over the invocation type's quota, as Lambda words it. */
export function tooLarge(type: InvocationType, bytes: number): LambdaApiError {
  if (type === 'Event') {
    return lambdaError(
      413,
      'RequestEntityTooLargeException',
      `${bytes} byte payload is too large for the Event invocation type (limit ${PAYLOAD_LIMITS.Event} bytes)`,
    )
  }
  return lambdaError(
    413,
    'RequestTooLargeException',
    `Request must be smaller than ${PAYLOAD_LIMITS.RequestResponse} bytes for the InvokeFunction operation`,
  )
}

/** Why DryRun is refused when the invoker has no `has()`. */
export const DRY_RUN_UNSUPPORTED =
  'InvocationType DryRun needs to know whether the function exists without running it, and this local Lambda’s ' +
  'invoker cannot tell (it has no has(functionName)). Invoke it with RequestResponse or Event instead.'

/** The answer to every Lambda operation but Invoke. */
export function notServed(method: string, path: string): LambdaApiError {
  return lambdaError(
    400,
    'UnsupportedOperationException',
    `stakeout's local Lambda serves Invoke only (POST /2015-03-31/functions/{FunctionName}/invocations, ` +
      `InvocationType RequestResponse, Event or DryRun); ${method} ${path} is another Lambda operation. ` +
      'Test against the deployed stack (STAKEOUT_STACK) for the rest of the Lambda API.',
  )
}

/**
 * An invocation Lambda throttles (`TooManyRequestsException`, 429): the function's reserved concurrency is in use.
 * The invoker throws it; the endpoint answers it as Lambda does, so the SDK throws its own class (and retries it).
 */
export class FunctionThrottledError extends StakeoutError {
  override name = 'FunctionThrottledError'
  /** Lambda's `Reason`, e.g. `ReservedFunctionConcurrentInvocationLimitExceeded`. */
  readonly reason: string

  constructor(who: string, reason: string, detail: string) {
    super(`${who}: Rate Exceeded. (TooManyRequestsException, ${reason}): ${detail}`)
    this.reason = reason
  }
}

/** The answer to a throttled invocation: 429 `TooManyRequestsException` with its `Reason`, as Lambda's. */
export function throttled(error: FunctionThrottledError): LambdaApiError {
  const answer = lambdaError(429, 'TooManyRequestsException', 'Rate Exceeded.')
  return { ...answer, body: { ...answer.body, Reason: error.reason } }
}
