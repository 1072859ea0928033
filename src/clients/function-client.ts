import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda'
import { ArgumentError, atUserLine, describeValue, failArgument, StakeoutError } from '../errors.js'
import type { ClientSettings } from '../target/index.js'
import { checkClientOrSettings, sdkClientConfig } from './sdk-config.js'

/** Options of {@link FunctionClient}: the function, and how to reach it (a target's `clientSettings('lambda')`). */
export interface FunctionClientOptions extends ClientSettings {
  /** The function: its name, ARN or partial ARN (what the Invoke API's `FunctionName` takes). */
  readonly functionName: string
  /**
   * A version or alias to invoke.
   * @default none ($LATEST)
   */
  readonly qualifier?: string
  /** A Lambda client to use; not with `region`, `endpoint` or `credentials`. @default a new client from those */
  readonly lambda?: LambdaClient
}

/** Options of one {@link FunctionClient.invoke}. */
export interface FunctionInvokeOptions {
  /** The client context (`context.clientContext`), as the Invoke API's `ClientContext`. */
  readonly clientContext?: Readonly<Record<string, unknown>>
  /** Aborts the request (the invocation itself runs on, as in Lambda). */
  readonly signal?: AbortSignal
}

/** A failed invocation, as Lambda's function-error payload reports it. */
export interface FunctionError {
  /** What was thrown (`TypeError`), or Lambda's own type (`Runtime.ImportModuleError`, `Sandbox.Timedout`, ...). */
  readonly errorType: string
  readonly errorMessage: string
  /** The stack, one line per element (the payload's `trace`). */
  readonly stack?: string[]
}

/** What one {@link FunctionClient.invoke} gave back. */
export interface FunctionInvocation {
  /** The function's response (parsed JSON); `undefined` when `error` is set. */
  readonly result: unknown
  /** Set when the invocation failed (`X-Amz-Function-Error`): the handler threw, timed out, INIT failed... */
  readonly error?: FunctionError
  /** The end of the invocation's log (Lambda returns its last 4 KB), START to REPORT line. */
  readonly logs: string
  /** The invocation's duration from its REPORT line; the request's round trip when the log has none. */
  readonly durationMs: number
  /** The invocation's request id (`context.awsRequestId`). */
  readonly requestId: string
  /** The Invoke API's status code: 200 for a synchronous invocation. */
  readonly statusCode: number
  /** The version that ran (`$LATEST`, or what an alias points at). */
  readonly executedVersion?: string
}

const OPTION_KEYS: readonly string[] = ['functionName', 'qualifier', 'lambda', 'region', 'endpoint', 'credentials']

/**
 * Invokes one Lambda function through the Lambda Invoke API (synchronously, with the log tail), deployed or local:
 * against the local target, the endpoint is the local app's. Usable from any runner or script; in Vitest or Jest,
 * `useFunction()` builds one for a function of the target stack.
 *
 * @example
 * const credit = new FunctionClient({ functionName: 'bank-CreditAccount-x1y2', region: 'eu-west-1' })
 * const { result, error, logs } = await credit.invoke({ accountId: 'a-1', amount: 50 })
 * credit.destroy()
 */
export class FunctionClient {
  /** The function, as given (name, ARN or partial ARN). */
  readonly functionName: string
  /** The version or alias invoked, if any. */
  readonly qualifier: string | undefined
  readonly #lambda: LambdaClient
  /** The Lambda client was made here (not given), so {@link FunctionClient.destroy} ends it. */
  readonly #ownsLambda: boolean

  /**
   * @param options the function and how to reach it (see {@link FunctionClientOptions})
   * @throws {ArgumentError} an option is missing or malformed (named in the message)
   */
  constructor(options: FunctionClientOptions) {
    const fail = (argument: string, expectation: string, received: unknown): never =>
      failArgument(FunctionClient, 'FunctionClient', argument, expectation, received)
    if (options === null || typeof options !== 'object') fail('options', 'an object like { functionName }', options)
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.includes(key)) fail(`options.${key}`, `absent (one of ${OPTION_KEYS.join(', ')})`, key)
    }
    const { functionName, qualifier, lambda } = options
    if (typeof functionName !== 'string' || functionName.trim() === '') {
      fail('options.functionName', "the function's name or ARN, a non-empty string", functionName)
    }
    if (qualifier !== undefined && (typeof qualifier !== 'string' || !/^[a-zA-Z0-9$_-]+$/.test(qualifier))) {
      fail('options.qualifier', "a version or alias such as '$LATEST', '3' or 'live'", qualifier)
    }
    checkClientOrSettings(
      options,
      { option: 'lambda', value: lambda, expectation: 'a LambdaClient from @aws-sdk/client-lambda' },
      fail,
      'http://127.0.0.1:9001',
    )
    this.functionName = functionName
    this.qualifier = qualifier
    this.#ownsLambda = lambda === undefined
    this.#lambda = lambda ?? new LambdaClient(sdkClientConfig(options))
  }

  /**
   * Invokes the function synchronously (`RequestResponse`, `LogType: Tail`) and waits for its answer. A failed
   * invocation resolves too, with `error` set; it rejects only when the Invoke API refuses the request (an unknown
   * function, a payload over 6 MB, no permission, the endpoint unreachable), with a {@link StakeoutError} saying so.
   *
   * @param event the event, as JSON (it must survive `JSON.stringify`); none sends no payload, which the function
   *   receives as `{}`
   * @example
   * const out = await fn.invoke({ orderId: 'o-1' })
   * expect(out.error).toBeUndefined()
   * expect(out.result).toEqual({ status: 'PLACED' })
   * expect(out.logs).toContain('placing o-1')
   */
  async invoke(event?: unknown, options: FunctionInvokeOptions = {}): Promise<FunctionInvocation> {
    const payload = this.#payload(event)
    const clientContext = this.#clientContext(options)
    const signal = options?.signal
    const started = performance.now()
    let output: InvokeCommandOutput
    try {
      output = await this.#lambda.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: 'RequestResponse',
          LogType: 'Tail',
          ...(payload === undefined ? {} : { Payload: payload }),
          ...(this.qualifier === undefined ? {} : { Qualifier: this.qualifier }),
          ...(clientContext === undefined ? {} : { ClientContext: clientContext }),
        }),
        signal === undefined ? {} : { abortSignal: signal },
      )
    } catch (error) {
      throw this.#refused(error)
    }
    const roundTripMs = performance.now() - started
    const logs = decodeTail(output.LogResult)
    const text = output.Payload === undefined ? '' : Buffer.from(output.Payload).toString('utf8')
    const base = {
      logs,
      durationMs: reportedDuration(logs) ?? roundTripMs,
      requestId: output.$metadata.requestId ?? '',
      statusCode: output.StatusCode ?? output.$metadata.httpStatusCode ?? 0,
      ...(output.ExecutedVersion === undefined ? {} : { executedVersion: output.ExecutedVersion }),
    }
    if (output.FunctionError !== undefined) {
      return { ...base, result: undefined, error: functionError(text, output.FunctionError) }
    }
    return { ...base, result: parseJson(text) }
  }

  /**
   * Closes the connections of the Lambda client this client made (a client given as `lambda` is yours to close).
   *
   * @example
   * afterAll(() => fn.destroy())
   */
  destroy(): void {
    if (this.#ownsLambda) this.#lambda.destroy()
  }

  #payload(event: unknown): string | undefined {
    if (event === undefined) return undefined
    let json: string | undefined
    try {
      json = JSON.stringify(event)
    } catch (error) {
      throw this.#badArgument('event', `JSON (${(error as Error).message})`, event)
    }
    if (json === undefined)
      throw this.#badArgument('event', 'a JSON value: an object, array, string, number, boolean or null', event)
    return json
  }

  #clientContext(options: FunctionInvokeOptions): string | undefined {
    if (options === null || typeof options !== 'object') {
      throw this.#badArgument('options', 'an object like { clientContext, signal }', options)
    }
    const { clientContext, signal } = options
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw this.#badArgument('options.signal', 'an AbortSignal', signal)
    }
    if (clientContext === undefined) return undefined
    if (clientContext === null || typeof clientContext !== 'object' || Array.isArray(clientContext)) {
      throw this.#badArgument('options.clientContext', 'an object (JSON)', clientContext)
    }
    return Buffer.from(JSON.stringify(clientContext)).toString('base64')
  }

  #badArgument(argument: string, expectation: string, received: unknown): ArgumentError {
    return atUserLine(new ArgumentError(`${this.#label()}.invoke`, argument, expectation, received), this.invoke)
  }

  /** The Invoke API refused the request: say what, of which function, where. */
  #refused(error: unknown): Error {
    if (!(error instanceof Error)) return new StakeoutError(`${this.#label()}.invoke failed: ${describeValue(error)}`)
    if (error.name === 'AbortError') return error
    const hint =
      error.name === 'ResourceNotFoundException'
        ? ' Check the function name (and qualifier), and that the client reaches the region or endpoint the function lives in.'
        : error.name === 'RequestTooLargeException' || error.name === 'RequestEntityTooLargeException'
          ? ' Lambda takes events up to 6 MB (1 MB for Event invocations).'
          : ''
    const refused = new StakeoutError(
      `${this.#label()}.invoke: the Lambda Invoke API answered ${error.name}: ${error.message}.${hint}`,
      {
        cause: error,
      },
    )
    return atUserLine(refused, this.invoke)
  }

  #label(): string {
    return `FunctionClient(${this.functionName}${this.qualifier === undefined ? '' : `:${this.qualifier}`})`
  }
}

/** The log tail, decoded; a character the 4 KB cut split is dropped. */
function decodeTail(logResult: string | undefined): string {
  if (logResult === undefined) return ''
  return Buffer.from(logResult, 'base64')
    .toString('utf8')
    .replace(/^\uFFFD+/, '')
}

/** `Duration: 12.34 ms` of the REPORT line, as Lambda (and the local Lambda) write it. */
function reportedDuration(logs: string): number | undefined {
  const duration = /^REPORT RequestId: \S+\s+Duration: (\d+(?:\.\d+)?) ms/m.exec(logs)?.[1]
  return duration === undefined ? undefined : Number(duration)
}

function parseJson(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Lambda's function-error payload `{ errorType, errorMessage, trace }`, read leniently (a timeout has no trace). */
function functionError(text: string, header: string): FunctionError {
  const payload = parseJson(text)
  if (payload === null || typeof payload !== 'object') return { errorType: header, errorMessage: text }
  const { errorType, errorMessage, trace } = payload as Record<string, unknown>
  return {
    errorType: typeof errorType === 'string' ? errorType : header,
    errorMessage: typeof errorMessage === 'string' ? errorMessage : text,
    ...(Array.isArray(trace) ? { stack: trace.map(String) } : {}),
  }
}
