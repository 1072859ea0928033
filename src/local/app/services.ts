import type { AwsService, StackResource, StackResources } from '../../target/index.js'
import type { InvokeResult } from '../invoke-handler.js'
import type { LocalEventBridge } from '../services/eventbridge/service.js'
import { eventBridgeService } from '../services/eventbridge/service.js'
import { logsService } from '../services/logs/service.js'
import { queuesService } from '../services/sqs/service.js'
import { stepFunctionsService } from '../services/stepfunctions/service.js'
import { type LocalEventSources, streamEventSources } from '../services/streams/service.js'
import type { RunFaults } from './faults.js'
import type { Arns } from './names.js'
import type { Gap } from './plan.js'
import type { StartLocalOptions } from './types.js'

/**
 * A local service `startLocal` brings up beside DynamoDB Local and the functions: SQS queues, an EventBridge bus,
 * stream event sources, Step Functions, CloudWatch Logs. Each is one module that exports one of these; `startLocal`
 * starts them in the order of {@link LOCAL_SERVICES}, after the tables and before the functions (so every
 * function's environment carries every endpoint), and calls `ready()` once the functions can be invoked.
 */
export interface LocalService {
  /** Its name in progress lines and messages (`SQS`). */
  readonly name: string
  /** The CloudFormation types it brings up: these are not listed as "not brought up" in the start-up warning. */
  readonly types: readonly string[]
  /**
   * The local physical id (what `Ref` gives) and attributes (what `Fn::GetAtt` gives) of a resource of one of its
   * types. `name` is the resource's explicit name, or else the CloudFormation-shaped name `startLocal` generated.
   * Without it, the physical id is `name` and there are no attributes. `assembly` is the stack as synthesized, to
   * resolve a property that names another resource (a rule's `EventBusName: { Ref: Bus }`).
   */
  identity?(resource: StackResource, name: string, where: Arns, assembly?: StackResources): LocalIdentity
  /** Starts it (its endpoint, its resources). A failure fails the start, and what was started is stopped. */
  start(context: LocalServiceContext): Promise<StartedService>
}

/** What `Ref` and `Fn::GetAtt` give for a local resource. */
export interface LocalIdentity {
  readonly physicalId: string
  readonly attributes?: Readonly<Record<string, string>>
}

/** What a service gets to start with. */
export interface LocalServiceContext {
  /** The stack's resources with their local names and attributes (every service's identities, tables' streams). */
  readonly resources: StackResources
  /** The region and account of the local ARNs. */
  readonly where: Arns
  /** Progress and loss lines: the user's `log`, or `console.warn` without one. */
  readonly log: (line: string) => void
  /** Aborted when the start is aborted. */
  readonly signal?: AbortSignal
  /** The options `startLocal` was given. */
  readonly options: StartLocalOptions
  /** The run's delivery faults, checked, with the seeded generator every fault choice must draw from. */
  readonly faults: RunFaults
  /** DynamoDB Local's endpoint (tables and their streams). */
  readonly dynamodbEndpoint: string
  /**
   * The endpoints up so far: DynamoDB Local, the Lambda Invoke API, and those of the services started before this
   * one (for a service that calls another through the AWS SDK, as a state machine's optimized integrations do).
   */
  readonly endpoints: Readonly<Partial<Record<AwsService, string>>>
  /**
   * Invokes a function of the app through its pool, as Lambda's own services do (an event source mapping, a rule's
   * target, a state machine's task). Rejects until the functions are ready: use it from `ready()` on, or on demand.
   *
   * @param logicalId the function's logical id (`resources.resolve(...)` finds it from an ARN or name)
   */
  invoke(logicalId: string, event: unknown, options?: { readonly signal?: AbortSignal }): Promise<InvokeResult>
  /** The in-process APIs of the services started before this one. */
  readonly apis: LocalServiceApis
}

/** A message sent to a local queue in process (a rule's target, an on-failure destination). */
export interface QueueMessageInput {
  readonly body: string
  /** As SendMessage's `MessageAttributes`. */
  readonly messageAttributes?: Readonly<
    Record<string, { readonly DataType: string; readonly StringValue?: string; readonly BinaryValue?: string }>
  >
  /** FIFO queues: as SendMessage's. */
  readonly messageGroupId?: string
  readonly messageDeduplicationId?: string
}

/** The local queues, for the services that send to them without going through the SQS endpoint. */
export interface LocalQueues {
  /** Whether a queue of that ARN, URL or name exists. */
  has(queue: string): boolean
  /**
   * Sends one message as SendMessage does (same checks: size, attributes, FIFO fields).
   *
   * @throws {AwsServiceError} the queue does not exist, or the message is one SendMessage refuses
   */
  send(queue: string, message: QueueMessageInput): { readonly messageId: string }
  /**
   * The messages a queue holds (visible, delayed and in flight), in send order, without receiving them: nothing
   * about them changes.
   *
   * @throws {AwsServiceError} the queue does not exist
   */
  peek(queue: string): LocalQueueMessage[]
}

/** A message of a local queue, as {@link LocalQueues.peek} and `LocalApp.messages` show it. */
export interface LocalQueueMessage {
  readonly messageId: string
  readonly body: string
  readonly md5OfBody: string
  /** As ReceiveMessage gives them (`BinaryValue` base64). */
  readonly messageAttributes: Readonly<
    Record<string, { readonly DataType: string; readonly StringValue?: string; readonly BinaryValue?: string }>
  >
  /** When it was sent, in ms since the epoch (SentTimestamp); a redrive keeps it. */
  readonly sentTimestamp: number
  /** How many times it was received (ApproximateReceiveCount, exact locally). */
  readonly receiveCount: number
  /** When it was first received, in ms since the epoch (ApproximateFirstReceiveTimestamp). */
  readonly firstReceiveTimestamp?: number
  /** `visible`: a receive would get it; `inFlight`: received and not yet visible again; `delayed`: not yet visible. */
  readonly state: 'visible' | 'inFlight' | 'delayed'
  /** The queue a redrive moved it from (DeadLetterQueueSourceArn). */
  readonly deadLetterQueueSourceArn?: string
}

/**
 * The local CloudWatch Logs store, for the services that write logs to it in process (Step Functions).
 *
 * @example
 * if (context.apis.logs?.has(logGroupArn)) context.apis.logs.put(logGroupArn, 'states/Statement/2026-12-01-12-00/1a2b3c4d', [{ timestamp: Date.now(), message }])
 */
export interface LocalLogs {
  /** Whether a log group of that name or ARN (`arn:aws:logs:...:log-group:<name>:*`) exists. */
  has(group: string): boolean
  /**
   * Appends events to a stream of a group, created on first use as a vended log delivery creates it.
   *
   * @throws {AwsServiceError} ResourceNotFoundException: the group does not exist
   */
  put(group: string, stream: string, events: readonly { readonly timestamp: number; readonly message: string }[]): void
}

/** The in-process APIs the services give one another; a service that is not started leaves its field unset. */
export interface LocalServiceApis {
  queues?: LocalQueues
  /** The local bus: its fault counts and Lambda's asynchronous invocation queue. */
  events?: LocalEventBridge
  /** The stream event source mappings' counts (records, filtered, retries, injected faults...). */
  eventSources?: LocalEventSources
  logs?: LocalLogs
}

/** A started service. */
export interface StartedService {
  /** The endpoints it serves: each becomes `app.endpoints.<service>`, the manifest's, and `AWS_ENDPOINT_URL_*` of every function. */
  readonly endpoints?: Readonly<Partial<Record<AwsService, string>>>
  /** What of its resources it does not bring up (wholly), for the one start-up warning. */
  readonly gaps?: readonly Gap[]
  /** Its in-process API for the services started after it. */
  readonly apis?: Partial<LocalServiceApis>
  /** Called once every function can be invoked: start pollers here. */
  ready?(): void | Promise<void>
  /** Stops it; what is in flight ends, and anything it could not deliver gets one log line. Idempotent. */
  stop(): Promise<void>
}

/**
 * The `AWS_ENDPOINT_URL_<SERVICE>` variable of each service, as the AWS SDK for JavaScript v3 reads it (the service
 * id, upper case, spaces as `_`): what points a function's SDK at the local endpoint.
 */
export const ENDPOINT_VARIABLES: Readonly<Record<AwsService, string>> = {
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
  lambda: 'AWS_ENDPOINT_URL_LAMBDA',
  events: 'AWS_ENDPOINT_URL_EVENTBRIDGE',
  sqs: 'AWS_ENDPOINT_URL_SQS',
  sfn: 'AWS_ENDPOINT_URL_SFN',
  logs: 'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS',
  cloudformation: 'AWS_ENDPOINT_URL_CLOUDFORMATION',
}

/**
 * The local services, in start order: one that others send to comes before them (queues before the bus and the
 * stream event sources).
 */
export const LOCAL_SERVICES: readonly LocalService[] = [
  queuesService,
  eventBridgeService,
  logsService,
  stepFunctionsService,
  streamEventSources,
]
