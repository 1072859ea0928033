import { randomUUID } from 'node:crypto'
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams'
import { StakeoutError } from '../../../errors.js'
import { LOCAL_CREDENTIALS, type StackResource } from '../../../target/index.js'
import type { Gap } from '../../app/plan.js'
import type { LocalService, LocalServiceContext, StartedService } from '../../app/services.js'
import type { EventSourceStats } from './batch-delivery.js'
import { EVENT_SOURCE_MAPPING, readMapping } from './mapping.js'
import { StreamPoller } from './stream-poller.js'

/** The in-process API of the stream event sources: what each mapping counted, so a test can prove a fault happened. */
export interface LocalEventSources {
  /**
   * The counts of one mapping (by its UUID, logical id or construct path), or of every mapping by UUID.
   *
   * @example
   * const { faultsInjected, retries } = eventSources.stats('Ledger/Dispatch/DynamoDBEventSource')
   */
  stats(): Readonly<Record<string, Readonly<EventSourceStats>>>
  stats(mapping: string): Readonly<EventSourceStats>
}

/** Each mapping's UUID for the whole start, as CloudFormation gives one at create (its `Ref`). */
const uuids = new WeakMap<StackResource, string>()

/**
 * The DynamoDB stream event sources of `startLocal`: each `AWS::Lambda::EventSourceMapping` on a table's stream
 * polls DynamoDB Local's stream and invokes its function as Lambda does (batch size and window, filters, retries,
 * bisect, partial batch failures, maximum record age, the on-failure queue). A mapping of another source is a gap.
 *
 * @example
 * const LOCAL_SERVICES = [queues, eventBridge, logs, stepFunctions, streamEventSources]
 */
export const streamEventSources: LocalService = {
  name: 'stream event sources',
  types: [EVENT_SOURCE_MAPPING],
  identity(resource, _name, where) {
    let uuid = uuids.get(resource)
    if (uuid === undefined) {
      uuid = randomUUID()
      uuids.set(resource, uuid)
    }
    const arn = `arn:aws:lambda:${where.region}:${where.account}:event-source-mapping:${uuid}`
    return { physicalId: uuid, attributes: { Id: uuid, EventSourceMappingArn: arn } }
  },
  async start(context: LocalServiceContext): Promise<StartedService> {
    return startStreamEventSources(context)
  },
}

async function startStreamEventSources(context: LocalServiceContext): Promise<StartedService> {
  const { resources, apis, log } = context
  const gaps: Gap[] = []
  const client = new DynamoDBStreamsClient({
    endpoint: context.dynamodbEndpoint,
    region: context.where.region,
    credentials: { ...LOCAL_CREDENTIALS },
    maxAttempts: 1,
  })
  const pollers = new Map<string, { resource: StackResource; poller: StreamPoller }>()
  for (const mapping of resources.ofType(EVENT_SOURCE_MAPPING)) {
    const uuid = mapping.physicalId ?? randomUUID()
    const read = readMapping(mapping, resources, uuid, (arn) => apis.queues?.has(arn) ?? false)
    gaps.push(...read.gaps.map((gap) => ({ resource: mapping, ...gap })))
    const settings = read.settings
    if (settings === undefined || !settings.enabled) continue
    const poller = new StreamPoller({
      settings,
      region: context.where.region,
      client,
      invoke: (event, signal) => context.invoke(settings.functionLogicalId, event, { signal }),
      queues: apis.queues,
      log,
      faults: { fail: context.faults.eventSources.fail, random: context.faults.random },
    })
    pollers.set(uuid, { resource: mapping, poller })
  }
  const find = (ref: string) =>
    pollers.get(ref) ??
    [...pollers.values()].find(
      ({ resource }) =>
        resource.logicalId === ref || resource.path === ref || resource.path?.replace(/\/Resource$/, '') === ref,
    )
  const eventSources: LocalEventSources = {
    stats: ((mapping?: string) => {
      if (mapping === undefined) {
        return Object.fromEntries([...pollers].map(([uuid, { poller }]) => [uuid, { ...poller.stats }]))
      }
      const found = find(mapping)
      if (found === undefined) {
        throw new StakeoutError(
          `LocalEventSources.stats: ${mapping} is not a running stream event source mapping (running: ${[...pollers.values()].map(({ resource }) => resource.logicalId).join(', ') || 'none'})`,
        )
      }
      return { ...found.poller.stats }
    }) as LocalEventSources['stats'],
  }
  let stopped: Promise<void> | undefined
  return {
    gaps,
    apis: { eventSources },
    async ready() {
      await Promise.all([...pollers.values()].map(({ poller }) => poller.start()))
    },
    stop() {
      stopped ??= (async () => {
        await Promise.all([...pollers.values()].map(({ poller }) => poller.stop()))
        for (const { resource, poller } of pollers.values()) {
          const { faultsInjected, invocations } = poller.stats
          if (faultsInjected > 0) {
            log(
              `event source ${resource.path?.replace(/\/Resource$/, '') ?? resource.logicalId}: faults: ${faultsInjected} of ${invocations} invocations reported failed after they ran`,
            )
          }
        }
        client.destroy()
      })()
      return stopped
    },
  }
}
