/**
 * What code around a Lambda handler needs to know of the runtime interface client it runs under:
 * its markers, its error type for a handler it refuses, which client line runs this process, and
 * the v4 line's refusal of callback handlers. Shared by the handler loader, the layer's wrapper
 * handler and stakeout's local runtime.
 */

/** The runtime's marker of a response-streaming handler (`awslambda.streamifyResponse`). */
export const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming')
/** The runtime's marker of a streaming handler's buffer size. */
export const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark')
/** The only kind of streaming the runtime supports (the value of {@link STREAMING}). */
export const STREAM_RESPONSE = 'response'

/** A Lambda handler as the runtime sees it: any function. */
export type LambdaHandler = ((...args: never[]) => unknown) & { [STREAMING]?: unknown; [HIGH_WATER_MARK]?: unknown }

/**
 * An error the Lambda runtime would also raise while loading a handler. `name` carries the
 * runtime's error type (`Runtime.ImportModuleError`, `Runtime.HandlerNotFound`,
 * `Runtime.MalformedHandlerName`), so the INIT failure reads the same with and without stakeout.
 */
export class HandlerLoadError extends Error {
  constructor(name: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = name
  }
}

/**
 * Refuses, as the v4 runtime client does at INIT, a handler that declares 3 or more parameters
 * (callback style) and does not stream.
 */
export function refuseCallbackHandler(handler: LambdaHandler, env: NodeJS.ProcessEnv = process.env): void {
  const streaming = handler[STREAMING] !== undefined && handler[STREAMING] !== null && handler[STREAMING] !== false
  if (streaming || handler.length < 3 || !isRuntimeClientV4(env)) return
  const reason =
    runtimeMajor(env) >= 24
      ? 'AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later.'
      : 'AWS Lambda does not support callback-based function handlers when using Node.js 22 with Managed Instances. To use Managed Instances, modify this function to use a supported handler signature.'
  throw new HandlerLoadError(
    'Runtime.CallbackHandlerDeprecated',
    `ERROR: ${reason} For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.`,
  )
}

/**
 * True when the runtime interface client is the v4 line: nodejs24.x (from `AWS_EXECUTION_ENV`, else
 * the Node.js version), or any runtime with `AWS_LAMBDA_MAX_CONCURRENCY` (Lambda Managed Instances).
 */
export function isRuntimeClientV4(env: NodeJS.ProcessEnv = process.env): boolean {
  return runtimeMajor(env) >= 24 || env.AWS_LAMBDA_MAX_CONCURRENCY !== undefined
}

/** The Node.js major of the runtime: from `AWS_EXECUTION_ENV`, else this process's. */
export function runtimeMajor(env: NodeJS.ProcessEnv = process.env): number {
  const declared = /nodejs(\d+)\.x/.exec(env.AWS_EXECUTION_ENV ?? '')
  return Number(declared ? declared[1] : process.versions.node.split('.')[0])
}
