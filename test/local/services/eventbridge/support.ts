import { fileURLToPath } from 'node:url'
import { EventBridgeClient } from '@aws-sdk/client-eventbridge'
import { checkFaults } from '../../../../src/local/app/faults.js'
import { localResources } from '../../../../src/local/app/plan.js'
import type { LocalServiceApis, StartedService } from '../../../../src/local/app/services.js'
import type { LocalFaults } from '../../../../src/local/app/types.js'
import { type LocalHandler, startHandler } from '../../../../src/local/invoke-handler.js'
import { eventBridgeService } from '../../../../src/local/services/eventbridge/service.js'
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION, StackResources } from '../../../../src/target/index.js'
import { queueArnOf, type TestQueues, testQueues } from '../../../support/queues.js'

const where = { region: LOCAL_REGION, account: LOCAL_ACCOUNT }
const TARGETS_FILE = fileURLToPath(new URL('./fixtures/targets.mjs', import.meta.url))

/** The ARN of a queue of the bus's account. */
export const queueArn = (name: string) => queueArnOf(name, where)

/** A template's resources, as `{ LogicalId: { Type, Properties } }`. */
export type Template = Record<string, { Type: string; Properties?: Record<string, unknown> }>

/** A started local bus over a template, with real handler processes for its functions. */
export interface StartedBus {
  readonly service: StartedService
  readonly client: EventBridgeClient
  readonly queues: TestQueues
  readonly resources: StackResources
  /** Each function invocation: the function's logical id and the event it got. */
  readonly invocations: Array<{ logicalId: string; event: unknown }>
  readonly lines: string[]
  stop(): Promise<void>
}

/**
 * Starts the EventBridge LocalService as startLocal does (the resources named by localResources with the service's
 * identities), with the real in-process queues `options.queues` names and, for each function of the template, a real handler process running the
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
  const queues = testQueues(options.queues ?? [], where)
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
