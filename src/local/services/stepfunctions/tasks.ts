import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb'
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge'
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs'
import { nameInArn } from '../../../target/index.js'
import type { InvokeResult } from '../../invoke-handler.js'
import { FunctionThrottledError } from '../lambda-api.js'
import type { TaskIntegration } from './definition.js'
import type { EventDetails } from './history.js'

/**
 * A failed task as Step Functions reports it to Retry and Catch: `name` is the error (`Lambda.ServiceException`, a
 * function's `errorType`, `DynamoDB.ConditionalCheckFailedException`, `States.TaskFailed`), `message` the cause.
 * The interpreter matches `ErrorEquals` against `name` and passes `message` on as the `Cause`.
 *
 * @example
 * throw new TaskError('Lambda.ServiceException', 'the local function pool stopped')
 */
export class TaskError extends Error {
  constructor(error: string, cause: string) {
    super(cause)
    this.name = error
  }
}

/**
 * What a nested execution (`states:startExecution`) gives back to its parent task.
 *
 * @example
 * const nested: NestedExecution = services.startExecution(machineArn, { accountId: 'acc-1' }, undefined)
 * const { status } = await nested.done
 */
export interface NestedExecution {
  readonly executionArn: string
  readonly startDate: number
  /** Resolves once it ends, with what DescribeExecution would say of it. */
  readonly done: Promise<{
    readonly status: string
    readonly input: unknown
    readonly output?: unknown
    readonly error?: string
    readonly cause?: string
    readonly name: string
    readonly stateMachineArn: string
    readonly stopDate: number
  }>
}

/**
 * What the tasks reach: the app's functions, the local services' clients, the other machines.
 *
 * @example
 * const fn = services.functionOf('arn:aws:lambda:us-east-1:000000000000:function:Score')
 */
export interface TaskServices {
  readonly region: string
  /** The local function behind a FunctionName (name, ARN or partial ARN, with or without qualifier), if any. */
  functionOf(functionName: string): { readonly logicalId: string; readonly arn: string } | undefined
  invoke(logicalId: string, event: unknown, signal: AbortSignal): Promise<InvokeResult>
  dynamodb(): DynamoDBClient
  events(): EventBridgeClient
  sqs(): SQSClient
  /** Starts an execution of a machine of this app, or throws {@link TaskError} (`StepFunctions.*`). */
  startExecution(stateMachineArn: string, input: unknown, name: string | undefined): NestedExecution
}

/**
 * Where a task records its events (`LambdaFunctionScheduled`, `TaskSucceeded`...) in the execution's history.
 *
 * @example
 * const record: TaskEvents = (type, details) => history.push({ type, details })
 */
export type TaskEvents = (type: string, details: EventDetails) => void

/**
 * Runs one Task state's resource with its effective input (after InputPath and Parameters), recording the events
 * Step Functions records for it, and returns its result, or throws a {@link TaskError} named as Step Functions
 * names the failure.
 *
 * @example
 * const result = await runTask({ kind: 'lambda-invoke' }, { FunctionName: 'Score', Payload: { id: 1 } }, services, record, signal)
 */
export async function runTask(
  integration: TaskIntegration,
  input: unknown,
  services: TaskServices,
  record: TaskEvents,
  signal: AbortSignal,
): Promise<unknown> {
  if (integration.kind === 'lambda-arn') {
    const target = services.functionOf(integration.functionArn)
    record('LambdaFunctionScheduled', { resource: integration.functionArn, input })
    if (target === undefined) {
      const failure = new TaskError(
        'Lambda.ResourceNotFoundException',
        `Function not found: ${integration.functionArn} (Service: Lambda, Status Code: 404, Error Code: ResourceNotFoundException)`,
      )
      record('LambdaFunctionFailed', { error: failure.name, cause: failure.message })
      throw failure
    }
    record('LambdaFunctionStarted', {})
    try {
      const output = await invokeFunction(services, target.logicalId, input, signal)
      record('LambdaFunctionSucceeded', { output })
      return output
    } catch (error) {
      const failure = asTaskError(error)
      record('LambdaFunctionFailed', { error: failure.name, cause: failure.message })
      throw failure
    }
  }

  const { resourceType, resource } = resourceNames(integration)
  const parameters = input
  record('TaskScheduled', { resourceType, resource, region: services.region, parameters })
  record('TaskStarted', { resourceType, resource })
  try {
    const output = await runIntegration(integration, parameters, services, signal, (submitted) =>
      record('TaskSubmitted', { resourceType, resource, output: submitted }),
    )
    record('TaskSucceeded', { resourceType, resource, output })
    return output
  } catch (error) {
    const failure = asTaskError(error)
    record('TaskFailed', { resourceType, resource, error: failure.name, cause: failure.message })
    throw failure
  }
}

/** The `resourceType` and `resource` Step Functions logs for an optimized integration (`dynamodb`, `putItem`). */
function resourceNames(integration: TaskIntegration): { resourceType: string; resource: string } {
  switch (integration.kind) {
    case 'lambda-arn':
    case 'lambda-invoke':
      return { resourceType: 'lambda', resource: 'invoke' }
    case 'states':
      return {
        resourceType: 'states',
        resource: integration.pattern === 'request' ? 'startExecution' : `startExecution.${integration.pattern}`,
      }
    default:
      return { resourceType: integration.kind, resource: integration.action }
  }
}

async function runIntegration(
  integration: TaskIntegration,
  parameters: unknown,
  services: TaskServices,
  signal: AbortSignal,
  submitted: (output: unknown) => void,
): Promise<unknown> {
  const params = record(parameters)
  switch (integration.kind) {
    case 'lambda-arn':
    case 'lambda-invoke':
      return lambdaInvoke(params, services, signal)
    case 'dynamodb':
      return sdkCall('DynamoDB', () => {
        const input = withBinaries(params) as never
        const client = services.dynamodb()
        switch (integration.action) {
          case 'putItem':
            return client.send(new PutItemCommand(input), { abortSignal: signal })
          case 'getItem':
            return client.send(new GetItemCommand(input), { abortSignal: signal })
          case 'updateItem':
            return client.send(new UpdateItemCommand(input), { abortSignal: signal })
          case 'deleteItem':
            return client.send(new DeleteItemCommand(input), { abortSignal: signal })
        }
      })
    case 'events': {
      const entries = Array.isArray(params.Entries) ? params.Entries : []
      // Step Functions takes Detail as JSON and sends it as text, as PutEvents wants it.
      const Entries = entries.map((entry: Record<string, unknown>) =>
        typeof entry?.Detail === 'string' || entry?.Detail === undefined
          ? entry
          : { ...entry, Detail: JSON.stringify(entry.Detail) },
      )
      const output = (await sdkCall('EventBridge', () =>
        services.events().send(new PutEventsCommand({ ...params, Entries } as never), { abortSignal: signal }),
      )) as { FailedEntryCount?: number }
      if ((output.FailedEntryCount ?? 0) > 0) throw new TaskError('EventBridge.FailedEntry', JSON.stringify(output))
      return output
    }
    case 'sqs': {
      const body = params.MessageBody
      const input = { ...params, MessageBody: typeof body === 'string' ? body : JSON.stringify(body) }
      return sdkCall('SQS', () => services.sqs().send(new SendMessageCommand(input as never), { abortSignal: signal }))
    }
    case 'states': {
      const machineArn = params.StateMachineArn
      if (typeof machineArn !== 'string') {
        throw new TaskError('States.Runtime', 'The StateMachineArn parameter of states:startExecution must be a string')
      }
      const nested = services.startExecution(
        machineArn,
        typeof params.Input === 'string' ? parseJson(params.Input) : (params.Input ?? {}),
        typeof params.Name === 'string' ? params.Name : undefined,
      )
      const started = { ExecutionArn: nested.executionArn, StartDate: nested.startDate }
      if (integration.pattern === 'request') return started
      submitted(started)
      const ended = await nested.done
      const decoded = integration.pattern === 'sync:2'
      const described = {
        ExecutionArn: nested.executionArn,
        Input: decoded ? ended.input : JSON.stringify(ended.input),
        InputDetails: { Included: true },
        Name: ended.name,
        ...(ended.output === undefined
          ? {}
          : { Output: decoded ? ended.output : JSON.stringify(ended.output), OutputDetails: { Included: true } }),
        ...(ended.error === undefined ? {} : { Error: ended.error }),
        ...(ended.cause === undefined ? {} : { Cause: ended.cause }),
        RedriveCount: 0,
        StartDate: nested.startDate,
        StateMachineArn: ended.stateMachineArn,
        Status: ended.status,
        StopDate: ended.stopDate,
      }
      if (ended.status !== 'SUCCEEDED') throw new TaskError('States.TaskFailed', JSON.stringify(described))
      return described
    }
  }
}

/** `arn:aws:states:::lambda:invoke`: the Invoke API's answer, as Step Functions gives it to the state. */
async function lambdaInvoke(params: Record<string, unknown>, services: TaskServices, signal: AbortSignal) {
  const functionName = params.FunctionName
  if (typeof functionName !== 'string') {
    throw new TaskError('States.Runtime', 'The FunctionName parameter of lambda:invoke must be a string')
  }
  const target = services.functionOf(functionName)
  if (target === undefined) {
    throw new TaskError(
      'Lambda.ResourceNotFoundException',
      `Function not found: ${functionName} (Service: Lambda, Status Code: 404, Error Code: ResourceNotFoundException)`,
    )
  }
  const payload = typeof params.Payload === 'string' ? parseJson(params.Payload) : (params.Payload ?? {})
  const requestId = crypto.randomUUID()
  const metadata = (status: number) => ({
    SdkHttpMetadata: {
      AllHttpHeaders: { 'X-Amz-Executed-Version': ['$LATEST'], 'x-amzn-RequestId': [requestId] },
      HttpHeaders: { 'X-Amz-Executed-Version': '$LATEST', 'x-amzn-RequestId': requestId },
      HttpStatusCode: status,
    },
    SdkResponseMetadata: { RequestId: requestId },
  })
  if (params.InvocationType === 'Event') {
    // Asynchronous: Lambda queues it and answers 202; a failure is the function's (logged, not the task's).
    void invokeFunction(services, target.logicalId, payload, signal).catch(() => {})
    return { ExecutedVersion: '$LATEST', Payload: '', ...metadata(202), StatusCode: 202 }
  }
  if (params.InvocationType === 'DryRun') return { Payload: '', ...metadata(204), StatusCode: 204 }
  const output = await invokeFunction(services, target.logicalId, payload, signal)
  return { ExecutedVersion: '$LATEST', Payload: output, ...metadata(200), StatusCode: 200 }
}

/** Invokes a local function; its error becomes the TaskError Step Functions reports (its `errorType`). */
async function invokeFunction(
  services: TaskServices,
  logicalId: string,
  event: unknown,
  signal: AbortSignal,
): Promise<unknown> {
  let result: InvokeResult
  try {
    result = await services.invoke(logicalId, event, signal)
  } catch (error) {
    if (error instanceof FunctionThrottledError) {
      throw new TaskError('Lambda.TooManyRequestsException', `${error.message} (Service: Lambda, Status Code: 429)`)
    }
    throw new TaskError('Lambda.ServiceException', `${String(error)} (Service: Lambda, Status Code: 500)`)
  }
  if (result.error !== undefined) {
    const { errorType, errorMessage, stack } = result.error
    // The cause is the function's error payload, as Lambda answers it and Step Functions passes it on.
    throw new TaskError(
      errorType || 'Lambda.Unknown',
      JSON.stringify({ errorType, errorMessage, ...(stack === undefined ? {} : { trace: stack }) }),
    )
  }
  return result.result ?? null
}

/** Calls a service through the SDK; its exception becomes `<Service>.<ErrorCode>` as Step Functions names it. */
async function sdkCall(service: string, call: () => Promise<unknown>): Promise<unknown> {
  let output: Record<string, unknown>
  try {
    output = (await call()) as Record<string, unknown>
  } catch (error) {
    if (error instanceof TaskError) throw error
    const {
      name = 'Error',
      message = String(error),
      $metadata,
    } = error as {
      name?: string
      message?: string
      $metadata?: { httpStatusCode?: number; requestId?: string }
    }
    throw new TaskError(
      `${service}.${name}`,
      `${message} (Service: ${service}, Status Code: ${$metadata?.httpStatusCode ?? 400}, Error Code: ${name}, ` +
        `Request ID: ${$metadata?.requestId ?? 'local'})`,
    )
  }
  const { $metadata, ...rest } = output as { $metadata?: { requestId?: string; httpStatusCode?: number } }
  const requestId = $metadata?.requestId ?? 'local'
  return {
    ...jsonOf(rest),
    SdkHttpMetadata: {
      AllHttpHeaders: { 'x-amzn-RequestId': [requestId] },
      HttpHeaders: { 'x-amzn-RequestId': requestId },
      HttpStatusCode: $metadata?.httpStatusCode ?? 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
  }
}

/** An SDK answer as the JSON Step Functions passes on: binary attributes as base64 text, as the wire has them. */
function jsonOf(value: unknown): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(value, (_key, each) =>
      each instanceof Uint8Array || (each?.type === 'Buffer' && Array.isArray(each.data))
        ? Buffer.from(each instanceof Uint8Array ? each : each.data).toString('base64')
        : each,
    ),
  )
}

/** DynamoDB parameters as the SDK takes them: `B` / `BS` attribute values from base64 text to bytes. */
function withBinaries(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withBinaries)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value).map(([key, each]) => {
      if (key === 'B' && typeof each === 'string') return [key, Buffer.from(each, 'base64')]
      if (key === 'BS' && Array.isArray(each) && each.every((item) => typeof item === 'string')) {
        return [key, each.map((item: string) => Buffer.from(item, 'base64'))]
      }
      return [key, withBinaries(each)]
    }),
  )
}

function asTaskError(error: unknown): TaskError {
  if (error instanceof TaskError) return error
  return new TaskError('States.TaskFailed', String(error))
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * The function name inside a FunctionName / Resource: a name, a name with qualifier (`Score:live`), a full ARN or
 * a partial one (`123456789012:function:Score`).
 *
 * @example
 * functionNameOf('arn:aws:lambda:us-east-1:000000000000:function:Score:live') // 'Score'
 */
export function functionNameOf(reference: string): string {
  if (reference.startsWith('arn:')) return nameInArn(reference) ?? reference
  const partial = /^(?:\d{12}:)?function:([^:]+)/.exec(reference)
  if (partial !== null) return partial[1] ?? reference
  return reference.split(':')[0] ?? reference
}
