import type { StackResource, StackResources } from '../../../target/index.js'
import type { Arns } from '../../app/names.js'
import type { LocalIdentity, LocalService, LocalServiceContext, StartedService } from '../../app/services.js'
import { AsyncInvokeQueue, LOCAL_RETRY_DELAYS_MS } from '../async-invoke.js'
import { AwsServiceError, startJsonService } from '../json-protocol.js'
import { type AttemptOutcome, type FaultCounts, TargetDelivery } from './delivery.js'
import { matches } from './pattern.js'
import { checkPutEventsRequest, type EventEnvelope, eventOf } from './put-events.js'
import {
  busNameOf,
  EVENT_BUS,
  EVENT_BUS_POLICY,
  EVENT_INVOKE_CONFIG,
  eventBusArn,
  type LocalTarget,
  planBus,
  RULE,
  ruleArn,
  valueAtPath,
} from './rules.js'

/** The local bus's in-process API: what a test or a later service reads. */
export interface LocalEventBridge {
  /** What the delivery faults did so far (duplicated, reordered, delayed deliveries). */
  faultCounts(): FaultCounts
  /** Resolves once every delivery to a target and every asynchronous invocation it started has ended. */
  idle(): Promise<void>
  /** Lambda's asynchronous invocation queue of the app (rule targets, and `Event` invokes). */
  readonly asyncInvoke: AsyncInvokeQueue
  /**
   * Queues an asynchronous invocation of a function with its `EventInvokeConfig` (or Lambda's defaults), as an
   * `Event` invoke through the Lambda API does.
   *
   * @returns the invocation's request id
   */
  invokeAsync(logicalId: string, event: unknown): string
}

/**
 * The local EventBridge of `startLocal`: the stack's buses (and the default bus, always there), its rules with their
 * event patterns compiled at start, their Lambda and SQS targets, and the functions' `EventInvokeConfig`s, served as
 * the AWS JSON 1.1 `AWSEvents` API (`PutEvents`, `DescribeEventBus`, `ListRules`) that functions reach through
 * `AWS_ENDPOINT_URL_EVENTBRIDGE`. What it does not run (schedules, other target kinds, `InputTransformer`) is named in
 * the start-up warning.
 *
 * @example
 * const app = await startLocal({ app: 'npx tsx bin/app.ts', faults: { eventBridge: { duplicate: 0.3 } } })
 * const events = new EventBridgeClient({ ...app.resources.clientSettings('events') })
 * await events.send(new PutEventsCommand({ Entries: [{ Source: 'shop', DetailType: 'OrderPlaced', Detail: '{}' }] }))
 */
export const eventBridgeService: LocalService = {
  name: 'EventBridge',
  types: [EVENT_BUS, RULE, EVENT_BUS_POLICY, EVENT_INVOKE_CONFIG],
  identity: eventBridgeIdentity,
  start: startEventBridge,
}

/**
 * `Ref` and `Fn::GetAtt` of the local bus's resources, as the CloudFormation reference gives them: a bus's `Ref` is
 * its name (`Arn`, `Name`); a rule's `Ref` is its name on the default bus and `<bus>|<name>` on a custom bus
 * (observed on deployed stacks: cloudformation-coverage-roadmap#1131), `Arn` `rule/<name>` or `rule/<bus>/<name>`;
 * an `EventInvokeConfig`'s `Ref` is "a unique identifier", which deployed stacks show as `<function>|<qualifier>`.
 */
function eventBridgeIdentity(
  resource: StackResource,
  name: string,
  where: Arns,
  assembly?: StackResources,
): LocalIdentity {
  const properties = resource.properties ?? {}
  if (resource.type === EVENT_BUS)
    return { physicalId: name, attributes: { Arn: eventBusArn(where, name), Name: name } }
  if (resource.type === RULE) {
    const bus = busNameOf(
      typeof properties.EventBusName === 'string'
        ? properties.EventBusName
        : assembly?.resolveValue(properties.EventBusName, resource),
    )
    return { physicalId: bus === 'default' ? name : `${bus}|${name}`, attributes: { Arn: ruleArn(where, bus, name) } }
  }
  if (resource.type === EVENT_INVOKE_CONFIG) {
    const fn = assembly?.resolveValue(properties.FunctionName, resource)
    const qualifier = typeof properties.Qualifier === 'string' ? properties.Qualifier : '$LATEST'
    return { physicalId: `${fn ?? name}|${qualifier}` }
  }
  return { physicalId: name }
}

async function startEventBridge(context: LocalServiceContext): Promise<StartedService> {
  const { resources, where, log, faults } = context
  const plan = planBus(resources, where)
  const queues = context.apis.queues
  const functions = new Map(resources.ofType('AWS::Lambda::Function').map((fn) => [fn.logicalId, fn] as const))
  const asyncInvoke = new AsyncInvokeQueue({
    invoke: (logicalId, event, options) => context.invoke(logicalId, event, options),
    functionArn: (logicalId) => functions.get(logicalId)?.attributes?.Arn ?? logicalId,
    reservedConcurrency: (logicalId) => {
      const reserved = functions.get(logicalId)?.properties?.ReservedConcurrentExecutions
      return typeof reserved === 'number' ? reserved : undefined
    },
    ...(queues === undefined ? {} : { queues }),
    log,
  })

  const attempt = (target: LocalTarget, payload: unknown, event: EventEnvelope): AttemptOutcome => {
    const destination = target.destination
    if (destination.kind === 'function') {
      if (destination.logicalId === undefined) {
        return notThere(target, 'it is not a function of this stack')
      }
      // EventBridge invokes a function asynchronously: Lambda's queue accepts the event and owns its retries.
      asyncInvoke.enqueue(destination.logicalId, payload, plan.invokeConfigs.get(destination.logicalId))
      return { delivered: true }
    }
    if (queues === undefined || !queues.has(destination.arn)) return notThere(target, 'it is not a queue of this stack')
    try {
      const fifo = destination.arn.endsWith('.fifo')
      queues.send(destination.arn, {
        body: typeof payload === 'string' && target.input !== undefined ? payload : JSON.stringify(payload),
        ...(destination.messageGroupId === undefined ? {} : { messageGroupId: destination.messageGroupId }),
        // EventBridge deduplicates a FIFO target's messages by the event's id.
        ...(fifo ? { messageDeduplicationId: event.id } : {}),
      })
      return { delivered: true }
    } catch (error) {
      const message = error instanceof AwsServiceError ? `${error.code}: ${error.message}` : String(error)
      return { delivered: false, retriable: false, code: 'SDK_CLIENT_ERROR', message }
    }
  }
  const delivery = new TargetDelivery({ faults, attempt, ...(queues === undefined ? {} : { queues }), log })

  const route = (event: EventEnvelope, bus: string) => {
    for (const rule of plan.rules) {
      if (rule.bus !== bus || !matches(rule.pattern, event)) continue
      for (const target of rule.targets) delivery.dispatch(rule, target, event, payloadFor(target, event))
    }
  }

  const busOf = (name: string | undefined) => {
    const bus = busNameOf(name)
    if (!plan.buses.has(bus)) return undefined
    // An ARN must be this account's and region's bus.
    if (name?.startsWith('arn:') && name !== plan.buses.get(bus)) return undefined
    return bus
  }

  const service = await startJsonService({
    service: 'EventBridge',
    targetPrefix: 'AWSEvents',
    jsonVersion: '1.1',
    // The request limit is on the entries (checked in PutEvents); the body around them may be larger.
    maxBodyBytes: 8 * 1024 * 1024,
    operations: {
      PutEvents: (input) => {
        const entries = checkPutEventsRequest(input)
        const outcomes = entries.map((entry) => eventOf(entry, where, busOf))
        for (const outcome of outcomes) if ('event' in outcome) route(outcome.event, outcome.bus)
        return {
          FailedEntryCount: outcomes.filter((outcome) => 'errorCode' in outcome).length,
          Entries: outcomes.map((outcome) =>
            'event' in outcome
              ? { EventId: outcome.event.id }
              : { ErrorCode: outcome.errorCode, ErrorMessage: outcome.errorMessage },
          ),
        }
      },
      DescribeEventBus: (input) => {
        const name = typeof input.Name === 'string' ? input.Name : undefined
        const bus = busOf(name)
        if (bus === undefined)
          throw new AwsServiceError('ResourceNotFoundException', `Event bus ${name} does not exist.`)
        return { Name: bus, Arn: plan.buses.get(bus) }
      },
      ListRules: (input) => {
        const name = typeof input.EventBusName === 'string' ? input.EventBusName : undefined
        const bus = busOf(name)
        if (bus === undefined)
          throw new AwsServiceError('ResourceNotFoundException', `Event bus ${name} does not exist.`)
        const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : ''
        return {
          Rules: plan.rules
            .filter((rule) => rule.bus === bus && rule.name.startsWith(prefix))
            .map((rule) => ({
              Name: rule.name,
              Arn: rule.arn,
              EventPattern: JSON.stringify(rule.pattern.source),
              State: 'ENABLED',
              EventBusName: rule.bus,
            })),
        }
      },
    },
  })
  log(
    `EventBridge: ${plan.rules.length} rule${plan.rules.length === 1 ? '' : 's'} on ${plan.buses.size} bus${plan.buses.size === 1 ? '' : 'es'}; ` +
      `asynchronous invocations retry after ${LOCAL_RETRY_DELAYS_MS.map((ms) => `${ms / 1000} s`).join(' and ')} ` +
      '(Lambda waits about 1 and 2 minutes)',
  )
  const api: LocalEventBridge = {
    faultCounts: () => delivery.counts,
    async idle() {
      while (delivery.pending > 0 || asyncInvoke.pending > 0) {
        await delivery.idle()
        await asyncInvoke.idle()
      }
    },
    asyncInvoke,
    invokeAsync: (logicalId, event) => asyncInvoke.enqueue(logicalId, event, plan.invokeConfigs.get(logicalId)),
  }
  let stopped: Promise<void> | undefined
  return {
    endpoints: { events: service.endpoint },
    gaps: plan.gaps,
    apis: { events: api },
    stop() {
      stopped ??= (async () => {
        await service.stop()
        delivery.stop()
        await asyncInvoke.stop()
        if (faults.any) {
          const { duplicated, reordered, delayed } = delivery.counts
          log(
            `EventBridge faults (seed ${faults.seed}): ${duplicated} duplicated, ${reordered} reordered, ${delayed} delayed`,
          )
        }
      })()
      return stopped
    },
  }
}

/** What a target is handed: its `Input` (parsed), the part at its `InputPath`, or the whole event. */
function payloadFor(target: LocalTarget, event: EventEnvelope): unknown {
  if (target.input !== undefined) return target.destination.kind === 'queue' ? target.input : JSON.parse(target.input)
  if (target.inputPath !== undefined) return valueAtPath(event, target.inputPath) ?? null
  return event
}

/** A target that does not exist: EventBridge sends the event to the DLQ at once, without retries (`NO_RESOURCE`). */
function notThere(target: LocalTarget, why: string): AttemptOutcome {
  return {
    delivered: false,
    retriable: false,
    code: 'NO_RESOURCE',
    message: `The target ${target.arn} does not exist: ${why}.`,
  }
}
