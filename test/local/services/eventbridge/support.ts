import { fileURLToPath } from 'node:url'
import { EventBridgeClient } from '@aws-sdk/client-eventbridge'
import { checkFaults } from '../../../../src/local/app/faults.js'
import { localResources } from '../../../../src/local/app/plan.js'
import type {
  LocalQueues,
  LocalServiceApis,
  QueueMessageInput,
  StartedService,
} from '../../../../src/local/app/services.js'
import type { LocalFaults } from '../../../../src/local/app/types.js'
import { type LocalHandler, startHandler } from '../../../../src/local/invoke-handler.js'
import { eventBridgeService } from '../../../../src/local/services/eventbridge/service.js'
import { AwsServiceError } from '../../../../src/local/services/json-protocol.js'
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION, StackResources } from '../../../../src/target/index.js'

const where = { region: LOCAL_REGION, account: LOCAL_ACCOUNT }
const TARGETS_FILE = fileURLToPath(new URL('./fixtures/targets.mjs', import.meta.url))

/** The ARN of a queue the in-memory queues hold. */
export const queueArn = (name: string) => `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${name}`

/**
 * LocalQueues in memory, for the bus's unit tests while the SQS service is built elsewhere: every message kept in
 * order, with SendMessage's refusal of a queue that does not exist.
 */
export class MemoryQueues implements LocalQueues {
  readonly messages = new Map<string, QueueMessageInput[]>()

  constructor(names: readonly string[]) {
    for (const name of names) this.messages.set(queueArn(name), [])
  }

  has(queue: string): boolean {
    return this.messages.has(queue)
  }

  send(queue: string, message: QueueMessageInput): { messageId: string } {
    const list = this.messages.get(queue)
    if (list === undefined)
      throw new AwsServiceError('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.')
    list.push(message)
    return { messageId: String(list.length) }
  }

  peek(): never {
    throw new Error('MemoryQueues.peek: the bus never reads a queue')
  }

  /** The bodies sent to a queue, parsed. */
  bodies(name: string): unknown[] {
    return (this.messages.get(queueArn(name)) ?? []).map((message) => JSON.parse(message.body))
  }
}

/** A template's resources, as `{ LogicalId: { Type, Properties } }`. */
export type Template = Record<string, { Type: string; Properties?: Record<string, unknown> }>

/** A started local bus over a template, with real handler processes for its functions. */
export interface StartedBus {
  readonly service: StartedService
  readonly client: EventBridgeClient
  readonly queues: MemoryQueues
  readonly resources: StackResources
  /** Each function invocation: the function's logical id and the event it got. */
  readonly invocations: Array<{ logicalId: string; event: unknown }>
  readonly lines: string[]
  stop(): Promise<void>
}

/**
 * Starts the EventBridge LocalService as startLocal does (the resources named by localResources with the service's
 * identities), with in-memory queues and, for each function of the template, a real handler process running the
 * export of fixtures/targets.mjs its `Handler` names (`targets.record`, `targets.fail`).
 */
export async function startBus(
  template: Template,
  options: { queues?: string[]; faults?: LocalFaults } = {},
): Promise<StartedBus> {
  const assembly = new StackResources(
    Object.entries(template).map(([logicalId, { Type, Properties }]) => ({
      stackName: 'Shop',
      logicalId,
      type: Type,
      ...(Properties === undefined ? {} : { properties: Properties }),
      ...(typeof Properties?.Name === 'string' ? { physicalId: Properties.Name } : {}),
      ...(typeof Properties?.FunctionName === 'string' && Type === 'AWS::Lambda::Function'
        ? { physicalId: Properties.FunctionName }
        : {}),
    })),
    { source: 'cloud-assembly', stacks: [{ stackName: 'Shop', ...where }] },
  )
  const connection = { ...where, endpoints: {}, credentials: LOCAL_CREDENTIALS }
  const resources = localResources(assembly, where, connection, new Map(), [eventBridgeService])
  const queues = new MemoryQueues(options.queues ?? [])
  const handlers = new Map<string, LocalHandler>()
  for (const fn of resources.ofType('AWS::Lambda::Function')) {
    const handler = String(fn.properties?.Handler ?? 'targets.record').split('.')[1] ?? 'record'
    handlers.set(
      fn.logicalId,
      await startHandler({ entry: TARGETS_FILE, handler, functionName: fn.physicalId ?? fn.logicalId }),
    )
  }
  const invocations: Array<{ logicalId: string; event: unknown }> = []
  const lines: string[] = []
  const apis: LocalServiceApis = { queues }
  const service = await eventBridgeService.start({
    resources,
    where,
    log: (line) => lines.push(line),
    options: { app: 'cdk.out' },
    faults: checkFaults(options.faults, startBus),
    dynamodbEndpoint: 'http://127.0.0.1:1',
    endpoints: {},
    invoke: (logicalId, event) => {
      const handler = handlers.get(logicalId)
      if (handler === undefined) return Promise.reject(new Error(`no function ${logicalId}`))
      invocations.push({ logicalId, event })
      // A handler's invoke takes no signal: stop() ends its process, which ends the invocation.
      return handler.invoke(event)
    },
    apis,
  })
  const client = new EventBridgeClient({
    endpoint: service.endpoints?.events ?? '',
    region: LOCAL_REGION,
    credentials: { ...LOCAL_CREDENTIALS },
    maxAttempts: 1,
  })
  return {
    service,
    client,
    queues,
    resources,
    invocations,
    lines,
    async stop() {
      client.destroy()
      await service.stop()
      await Promise.all([...handlers.values()].map((handler) => handler.stop()))
    },
  }
}

/** Waits until the bus has delivered everything and every asynchronous invocation ended. */
export function settled(bus: StartedBus): Promise<void> {
  const events = bus.service.apis?.events
  if (events === undefined) throw new Error('the bus exposes no events API')
  return events.idle()
}
