import { StakeoutError } from '../../../errors.js'
import { constructPath, type StackResource, type StackResources } from '../../../target/index.js'
import type { Arns } from '../../app/names.js'
import type { Gap } from '../../app/plan.js'
import type { LocalQueueMessage, LocalQueues, LocalService } from '../../app/services.js'
import type { JsonService } from '../json-protocol.js'
import { startSqsEndpoint } from './operations.js'
import type { QueueSettings } from './queue.js'
import { LocalQueueSet } from './queues.js'

/** The queue's CloudFormation type. */
export const QUEUE = 'AWS::SQS::Queue'
/** A queue policy's: handled, not enforced (as IAM). */
export const QUEUE_POLICY = 'AWS::SQS::QueuePolicy'

/** Properties with nothing a local queue could show: read, and left out on purpose. */
const WITHOUT_LOCAL_EFFECT = new Set(['QueueName', 'Tags', 'SqsManagedSseEnabled'])
/** Properties applied to the local queue. */
const APPLIED = new Set([
  'VisibilityTimeout',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'MaximumMessageSize',
  'RedrivePolicy',
])

/**
 * A queue's URL on the local endpoint, `http://127.0.0.1:<port>/<account>/<name>` (as LocalStack and ElasticMQ give
 * theirs), not `https://sqs.<region>.amazonaws.com/...`: the AWS SDK v3 sends a request to its QueueUrl's host
 * whenever the client was given no explicit `endpoint` (its queueUrlMiddleware), and `AWS_ENDPOINT_URL_SQS` is not
 * one, so a function sending to an AWS-shaped URL would reach AWS instead of the local endpoint. The endpoint also
 * answers any URL whose path ends in `/<account>/<name>` (a test's client given the endpoint sends anywhere).
 */
function queueUrl(endpoint: string, where: Arns, name: string): string {
  return `${endpoint}/${where.account}/${name}`
}

/**
 * A queue's ARN in the local region and account.
 *
 * @example
 * queueArn({ region: 'us-east-1', account: '000000000000' }, 'jobs') // 'arn:aws:sqs:us-east-1:000000000000:jobs'
 */
export function queueArn(where: Arns, name: string): string {
  const partition = where.region.startsWith('cn-')
    ? 'aws-cn'
    : where.region.startsWith('us-gov-')
      ? 'aws-us-gov'
      : 'aws'
  return `arn:${partition}:sqs:${where.region}:${where.account}:${name}`
}

function isFifo(resource: StackResource, resources?: StackResources): boolean {
  const value = resource.properties?.FifoQueue
  return value === true || value === 'true' || (resources?.resolveValue(value, resource) ?? '') === 'true'
}

/**
 * SQS for `startLocal`: every standard `AWS::SQS::Queue` of the app, in memory, with its template's visibility timeout,
 * retention, delay, long poll, maximum size and redrive policy; an SQS endpoint (`AWS_ENDPOINT_URL_SQS` in every
 * function, `app.endpoints.sqs` for tests); and the in-process `LocalQueues` API rule targets and on-failure
 * destinations send through. FIFO queues are refused (a gap); queue policies are handled, not enforced, as IAM is.
 *
 * @example
 * export const LOCAL_SERVICES: readonly LocalService[] = [queuesService, ...]
 */
export const queuesService: LocalService = {
  name: 'SQS',
  types: [QUEUE, QUEUE_POLICY],
  identity(resource, name, where) {
    if (resource.type !== QUEUE) return { physicalId: name }
    // CloudFormation ends a FIFO queue's generated name in .fifo (an explicit one must already).
    const queueName = isFifo(resource) && !name.endsWith('.fifo') ? `${name.slice(0, 75)}.fifo` : name
    // The URL on AWS until the endpoint is up: start() then gives every queue its URL there (see queueUrl).
    const url = `https://sqs.${where.region}.amazonaws.com/${where.account}/${queueName}`
    return { physicalId: url, attributes: { Arn: queueArn(where, queueName), QueueName: queueName, QueueUrl: url } }
  },
  async start(context) {
    const { resources, where } = context
    const gaps: Gap[] = []
    const settings: QueueSettings[] = []
    for (const resource of resources.ofType(QUEUE_POLICY)) {
      gaps.push({ resource, what: '', why: 'not enforced locally', notEnforced: true })
    }
    for (const resource of resources.ofType(QUEUE)) {
      if (isFifo(resource, resources)) {
        gaps.push({
          resource,
          what: 'FifoQueue',
          why: 'FIFO queues are not brought up locally (ordering, deduplication and message groups are not implemented); requests to it fail with QueueDoesNotExist',
        })
        continue
      }
      const { settings: queue, gaps: queueGaps } = queueSettings(resource, resources, where)
      settings.push(queue)
      gaps.push(...queueGaps)
    }
    const known = new Set(settings.map((each) => each.arn))
    const checked = settings.map((each) => {
      const target = each.redrivePolicy?.deadLetterTargetArn
      if (target === undefined || known.has(target)) return each
      const resource = resources.ofType(QUEUE).find((queue) => queue.attributes?.Arn === each.arn)
      gaps.push({
        ...(resource === undefined ? {} : { resource }),
        what: 'RedrivePolicy',
        why: `its dead-letter queue ${target} is not a local queue: messages stay in the queue`,
      })
      const { redrivePolicy: _, ...rest } = each
      return rest
    })
    const { queues, endpoint } = await startLocalQueues(checked, where, context.log)
    // The Ref every function's environment, the manifest and the LocalApp's resources carry from here on: the URL on
    // this endpoint. The resources are the start's own, filled in before the functions get their environment.
    for (const resource of resources.ofType(QUEUE)) {
      const queue = queues.find(resource.attributes?.QueueName ?? '')
      if (queue === undefined) continue
      resource.physicalId = queue.url
      resource.attributes = { ...resource.attributes, QueueUrl: queue.url }
    }
    return {
      endpoints: { sqs: endpoint.endpoint },
      gaps,
      apis: { queues },
      stop: () => endpoint.stop(),
    }
  },
}

/**
 * Standard queues in memory and their SQS endpoint on 127.0.0.1, each queue's URL on that endpoint (`settings.url` is
 * replaced): what the local service runs, and what a test of the endpoint starts alone.
 *
 * @param lost where the line goes for messages SQS itself drops (past MessageRetentionPeriod)
 * @example
 * const { queues, endpoint } = await startLocalQueues([{ ...QUEUE_DEFAULTS, name: 'orders', url: '', arn }], where, console.warn)
 */
export async function startLocalQueues(
  settings: readonly QueueSettings[],
  where: Arns,
  lost: (line: string) => void,
): Promise<{ queues: LocalQueueSet; endpoint: JsonService }> {
  const queues = new LocalQueueSet(settings, where.account, lost)
  const endpoint = await startSqsEndpoint(queues)
  for (const queue of queues.all()) queue.url = queueUrl(endpoint.endpoint, where, queue.settings.name)
  return { queues, endpoint }
}

/**
 * SQS's defaults for a standard queue's settings.
 *
 * @example
 * const settings: QueueSettings = { ...QUEUE_DEFAULTS, name: 'jobs', url: '', arn: queueArn(where, 'jobs') }
 */
export const QUEUE_DEFAULTS = {
  visibilityTimeout: 30,
  messageRetentionPeriod: 345_600,
  delaySeconds: 0,
  receiveMessageWaitTimeSeconds: 0,
  maximumMessageSize: 262_144,
} as const

/**
 * `LocalApp.messages(ref)`: the messages of a queue of the app, found by any ref, without receiving them.
 *
 * @throws {StakeoutError} the ref names no queue, or one the app does not run locally (a FIFO queue)
 * @example
 * messages: async (ref) => queueMessages(resources, apis.queues, ref)
 */
export function queueMessages(
  resources: StackResources,
  queues: LocalQueueSet | LocalQueues | undefined,
  ref: string,
): LocalQueueMessage[] {
  const queue = resources.resolve(ref, { type: QUEUE })
  const url = queue.physicalId ?? ''
  if (queues === undefined || !queues.has(url)) {
    throw new StakeoutError(
      `LocalApp.messages: ${constructPath(queue) ?? queue.logicalId} is not a queue this app runs locally (see the start-up warning)`,
    )
  }
  return queues.peek(url)
}

/**
 * A queue's settings from its template.
 *
 * @throws {StakeoutError} a property is one CloudFormation would refuse (out of range, not a number)
 */
function queueSettings(
  resource: StackResource,
  resources: StackResources,
  where: Arns,
): { settings: QueueSettings; gaps: Gap[] } {
  const properties = resource.properties ?? {}
  const label = constructPath(resource) ?? resource.logicalId
  const name = resource.attributes?.QueueName ?? resource.logicalId
  const url = resource.attributes?.QueueUrl ?? resource.physicalId ?? name
  const number = (property: string, min: number, max: number, fallback: number): number => {
    const raw = properties[property]
    if (raw === undefined) return fallback
    const value = Number(typeof raw === 'number' ? raw : resources.resolveValue(raw, resource))
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new StakeoutError(
        `startLocal: queue ${label}: ${property} must be an integer from ${min} to ${max}, the template has ${JSON.stringify(raw)}`,
      )
    }
    return value
  }
  const gaps: Gap[] = []
  const reported: Record<string, string> = {}
  for (const property of Object.keys(properties)) {
    if (APPLIED.has(property) || WITHOUT_LOCAL_EFFECT.has(property) || property === 'FifoQueue') continue
    gaps.push({ resource, what: property, why: 'this queue property is not applied locally' })
    const value = resources.resolveValue(properties[property], resource)
    if (value !== undefined && property.startsWith('Kms')) reported[property] = value
  }
  if (properties.SqsManagedSseEnabled !== undefined) {
    reported.SqsManagedSseEnabled = String(
      resources.resolveValue(properties.SqsManagedSseEnabled, resource) ?? properties.SqsManagedSseEnabled,
    )
  }
  let redrivePolicy: QueueSettings['redrivePolicy']
  if (properties.RedrivePolicy !== undefined) {
    const policy = (
      typeof properties.RedrivePolicy === 'string' ? JSON.parse(properties.RedrivePolicy) : properties.RedrivePolicy
    ) as Record<string, unknown>
    const target = resources.resolveValue(policy.deadLetterTargetArn, resource)
    const maxReceiveCount = Number(
      typeof policy.maxReceiveCount === 'number'
        ? policy.maxReceiveCount
        : resources.resolveValue(policy.maxReceiveCount, resource),
    )
    if (target === undefined) {
      gaps.push({
        resource,
        what: 'RedrivePolicy',
        why: 'its deadLetterTargetArn cannot be resolved locally: messages stay in the queue',
      })
    } else if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new StakeoutError(
        `startLocal: queue ${label}: RedrivePolicy.maxReceiveCount must be an integer from 1 to 1000, the template has ${JSON.stringify(policy.maxReceiveCount)}`,
      )
    } else redrivePolicy = { deadLetterTargetArn: target, maxReceiveCount }
  }
  return {
    settings: {
      name,
      url,
      arn: resource.attributes?.Arn ?? queueArn(where, name),
      visibilityTimeout: number('VisibilityTimeout', 0, 43_200, 30),
      messageRetentionPeriod: number('MessageRetentionPeriod', 60, 1_209_600, 345_600),
      delaySeconds: number('DelaySeconds', 0, 900, 0),
      receiveMessageWaitTimeSeconds: number('ReceiveMessageWaitTimeSeconds', 0, 20, 0),
      maximumMessageSize: number('MaximumMessageSize', 1024, 1_048_576, 262_144),
      ...(redrivePolicy === undefined ? {} : { redrivePolicy }),
      reported,
    },
    gaps,
  }
}
