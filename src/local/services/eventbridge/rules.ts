import { constructPath, type StackResource, type StackResources } from '../../../target/index.js'
import { isRecord } from '../../../target/template.js'
import type { Gap } from '../../app/plan.js'
import { type AsyncInvokeConfig, DEFAULT_ASYNC_INVOKE_CONFIG } from '../async-invoke.js'
import { type CompiledPattern, compilePattern } from './pattern.js'

/** The CloudFormation types the local bus brings up. */
export const EVENT_BUS = 'AWS::Events::EventBus'
/** @see EVENT_BUS */
export const RULE = 'AWS::Events::Rule'
/** Not enforced locally, like IAM. @see EVENT_BUS */
export const EVENT_BUS_POLICY = 'AWS::Events::EventBusPolicy'
/** A function's asynchronous invocation settings, applied by the async queue. @see EVENT_BUS */
export const EVENT_INVOKE_CONFIG = 'AWS::Lambda::EventInvokeConfig'
const FUNCTION = 'AWS::Lambda::Function'

/** EventBridge's defaults for a target's `RetryPolicy`: 185 attempts over 24 hours (user guide, "retry policy"). */
export const DEFAULT_RETRY_POLICY = { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86_400 } as const

/** Where a rule's target delivers. */
export type TargetDestination =
  | { readonly kind: 'function'; readonly logicalId: string | undefined; readonly arn: string }
  | { readonly kind: 'queue'; readonly arn: string; readonly messageGroupId?: string }

/** One target of a rule, as the local bus delivers to it. */
export interface LocalTarget {
  readonly id: string
  readonly arn: string
  readonly destination: TargetDestination
  /** `Input`: the JSON text delivered instead of the event. */
  readonly input?: string
  /** `InputPath`: the part of the event delivered, as its path segments (`$.detail` → `['detail']`). */
  readonly inputPath?: readonly string[]
  readonly retryPolicy: { readonly maximumRetryAttempts: number; readonly maximumEventAgeSeconds: number }
  /** `DeadLetterConfig.Arn`: the SQS queue that gets what could not be delivered. */
  readonly deadLetterArn?: string
}

/** A rule the local bus evaluates. */
export interface LocalRule {
  readonly resource: StackResource
  readonly name: string
  readonly arn: string
  readonly bus: string
  readonly pattern: CompiledPattern
  readonly targets: readonly LocalTarget[]
}

/** What the local bus brings up from the stack, and what it leaves out. */
export interface BusPlan {
  /** Bus names (the default bus first) → their ARN. */
  readonly buses: ReadonlyMap<string, string>
  readonly rules: readonly LocalRule[]
  /** Functions' `EventInvokeConfig`s, by the function's logical id. */
  readonly invokeConfigs: ReadonlyMap<string, AsyncInvokeConfig>
  readonly gaps: readonly Gap[]
}

/**
 * `arn:aws:events:<region>:<account>:event-bus/<name>`.
 *
 * @example
 * eventBusArn({ region: 'us-east-1', account: '000000000000' }, 'orders') // 'arn:aws:events:us-east-1:000000000000:event-bus/orders'
 */
export function eventBusArn(where: { region: string; account: string }, name: string): string {
  return `arn:${partition(where.region)}:events:${where.region}:${where.account}:event-bus/${name}`
}

/**
 * A rule's ARN: `rule/<name>` on the default bus, `rule/<bus>/<name>` on a custom bus (as EventBridge writes it).
 *
 * @example
 * ruleArn(where, 'orders', 'Big') // 'arn:aws:events:us-east-1:000000000000:rule/orders/Big'
 */
export function ruleArn(where: { region: string; account: string }, bus: string, name: string): string {
  const path = bus === 'default' ? name : `${bus}/${name}`
  return `arn:${partition(where.region)}:events:${where.region}:${where.account}:rule/${path}`
}

/**
 * The bus name a rule's `EventBusName` (a name or an ARN) or a PutEvents entry's names.
 *
 * @example
 * busNameOf('arn:aws:events:us-east-1:000000000000:event-bus/orders') // 'orders'
 * busNameOf(undefined)                                                // 'default'
 */
export function busNameOf(value: string | undefined): string {
  if (value === undefined || value === '') return 'default'
  const match = /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(value)
  return match?.[1] ?? value
}

/**
 * Reads the buses, rules, targets and functions' asynchronous invocation configs of the local app, each compiled
 * and checked once: what the local bus cannot do as AWS does it is a gap naming the resource and why, never run
 * wrongly.
 *
 * @example
 * const { rules, gaps } = planBus(context.resources, context.where)
 */
export function planBus(resources: StackResources, where: { region: string; account: string }): BusPlan {
  const gaps: Gap[] = []
  const buses = new Map<string, string>([['default', eventBusArn(where, 'default')]])
  for (const bus of resources.ofType(EVENT_BUS)) {
    const name = bus.physicalId ?? bus.logicalId
    buses.set(name, eventBusArn(where, name))
    for (const property of ['DeadLetterConfig', 'EventSourceName']) {
      if (bus.properties?.[property] !== undefined) {
        gaps.push({ resource: bus, what: property, why: 'this event bus property is not applied locally' })
      }
    }
  }
  for (const policy of resources.ofType(EVENT_BUS_POLICY)) {
    gaps.push({ resource: policy, what: '', why: 'not enforced locally', notEnforced: true })
  }
  const rules: LocalRule[] = []
  for (const rule of resources.ofType(RULE)) {
    const planned = planRule(rule, resources, where, buses, gaps)
    if (planned !== undefined) rules.push(planned)
  }
  const invokeConfigs = new Map<string, AsyncInvokeConfig>()
  for (const config of resources.ofType(EVENT_INVOKE_CONFIG)) {
    const planned = planInvokeConfig(config, resources, gaps)
    if (planned !== undefined) invokeConfigs.set(planned.logicalId, planned.config)
  }
  return { buses, rules, invokeConfigs, gaps }
}

function planRule(
  rule: StackResource,
  resources: StackResources,
  where: { region: string; account: string },
  buses: ReadonlyMap<string, string>,
  gaps: Gap[],
): LocalRule | undefined {
  const properties = rule.properties ?? {}
  const label = constructPath(rule) ?? rule.logicalId
  const gap = (what: string, why: string) => gaps.push({ resource: rule, what, why })
  const state = resources.resolveValue(properties.State, rule) ?? 'ENABLED'
  // A disabled rule matches nothing in AWS either: nothing to say.
  if (state === 'DISABLED') return undefined
  if (properties.ScheduleExpression !== undefined) {
    gap('ScheduleExpression', 'schedules are not run locally')
    if (properties.EventPattern === undefined) return undefined
  }
  const busName = busNameOf(resources.resolveValue(properties.EventBusName, rule))
  if (!buses.has(busName)) {
    gap('EventBusName', `its bus ${busName} is not a bus of this stack, so no event reaches it locally`)
    return undefined
  }
  let pattern: CompiledPattern
  try {
    pattern = compilePattern(resolveDeep(properties.EventPattern, resources, rule), { argument: 'EventPattern' })
  } catch (error) {
    gap('EventPattern', `its pattern does not compile, so it matches nothing locally: ${(error as Error).message}`)
    return undefined
  }
  // A rule's Ref is its name on the default bus and `<bus>|<name>` on a custom bus (see the service's identity).
  const physicalId = rule.physicalId ?? rule.logicalId
  const name = physicalId.includes('|') ? physicalId.slice(physicalId.lastIndexOf('|') + 1) : physicalId
  const arn = ruleArn(where, busName, name)
  const targets: LocalTarget[] = []
  const listed = Array.isArray(properties.Targets) ? properties.Targets : []
  for (const [index, target] of listed.entries()) {
    const planned = planTarget(target, index, rule, resources, gap)
    if (planned !== undefined) targets.push(planned)
  }
  if (targets.length === 0) gap('Targets', `rule ${label} has no target the local bus delivers to`)
  return { resource: rule, name, arn, bus: busName, pattern, targets }
}

const TARGET_HANDLED = new Set([
  'Id',
  'Arn',
  'Input',
  'InputPath',
  'RetryPolicy',
  'DeadLetterConfig',
  'RoleArn',
  'SqsParameters',
])

function planTarget(
  target: unknown,
  index: number,
  rule: StackResource,
  resources: StackResources,
  gap: (what: string, why: string) => void,
): LocalTarget | undefined {
  if (!isRecord(target)) return undefined
  const id = resources.resolveValue(target.Id, rule) ?? `#${index}`
  const what = `Targets[${index}] (${id})`
  const arn = resources.resolveValue(target.Arn, rule)
  if (arn === undefined) {
    gap(what, 'its Arn cannot be resolved locally, so nothing is delivered to it')
    return undefined
  }
  const unhandled = Object.keys(target).filter((key) => !TARGET_HANDLED.has(key))
  if (unhandled.length > 0) {
    gap(
      what,
      `its ${unhandled.join(', ')} ${unhandled.length === 1 ? 'is' : 'are'} not applied locally, so nothing is delivered to it`,
    )
    return undefined
  }
  const service = /^arn:[^:]+:([^:]+):/.exec(arn)?.[1]
  let destination: TargetDestination
  if (service === 'lambda') {
    const qualifier = /:function:[^:]+:(.+)$/.exec(arn)?.[1]
    if (qualifier !== undefined && qualifier !== '$LATEST') {
      gap(what, `it targets ${arn}, a version or alias, which the local target does not have (only $LATEST)`)
      return undefined
    }
    const fn = resources.resources.find(
      (resource) => resource.type === FUNCTION && resource.attributes?.Arn === arn.replace(/:\$LATEST$/, ''),
    )
    destination = { kind: 'function', logicalId: fn?.logicalId, arn }
  } else if (service === 'sqs') {
    const group = isRecord(target.SqsParameters)
      ? resources.resolveValue(target.SqsParameters.MessageGroupId, rule)
      : undefined
    destination = { kind: 'queue', arn, ...(group === undefined ? {} : { messageGroupId: group }) }
  } else {
    gap(
      what,
      `it targets ${arn} (${service ?? 'unknown'}), a kind of target the local bus does not deliver to (only Lambda functions and SQS queues)`,
    )
    return undefined
  }
  let input: string | undefined
  if (target.Input !== undefined) {
    input = resources.resolveValue(target.Input, rule)
    try {
      JSON.parse(input ?? '')
    } catch {
      gap(
        what,
        `its Input ${JSON.stringify(input ?? target.Input)} is not valid JSON (EventBridge refuses it), so nothing is delivered to it`,
      )
      return undefined
    }
  }
  let inputPath: string[] | undefined
  if (target.InputPath !== undefined) {
    const path = resources.resolveValue(target.InputPath, rule) ?? ''
    inputPath = parseInputPath(path)
    if (inputPath === undefined) {
      gap(
        what,
        `its InputPath ${JSON.stringify(path)} is not a JSONPath the local bus reads ($, $.a.b or $['a']), so nothing is delivered to it`,
      )
      return undefined
    }
  }
  const retry = isRecord(target.RetryPolicy) ? target.RetryPolicy : {}
  const retryNumber = (value: unknown, fallback: number) => {
    const resolved = Number(resources.resolveValue(value, rule) ?? fallback)
    return Number.isFinite(resolved) ? resolved : fallback
  }
  const deadLetterArn = isRecord(target.DeadLetterConfig)
    ? resources.resolveValue(target.DeadLetterConfig.Arn, rule)
    : undefined
  return {
    id,
    arn,
    destination,
    ...(input === undefined ? {} : { input }),
    ...(inputPath === undefined ? {} : { inputPath }),
    retryPolicy: {
      maximumRetryAttempts: retryNumber(retry.MaximumRetryAttempts, DEFAULT_RETRY_POLICY.maximumRetryAttempts),
      maximumEventAgeSeconds: retryNumber(retry.MaximumEventAgeInSeconds, DEFAULT_RETRY_POLICY.maximumEventAgeSeconds),
    },
    ...(deadLetterArn === undefined ? {} : { deadLetterArn }),
  }
}

function planInvokeConfig(
  config: StackResource,
  resources: StackResources,
  gaps: Gap[],
): { logicalId: string; config: AsyncInvokeConfig } | undefined {
  const properties = config.properties ?? {}
  const gap = (what: string, why: string) => gaps.push({ resource: config, what, why })
  const fnRef = resources.resolveReference(properties.FunctionName, config)
  const name = resources.resolveValue(properties.FunctionName, config)
  const fn =
    fnRef?.type === FUNCTION
      ? fnRef
      : resources.resources.find((resource) => resource.type === FUNCTION && resource.physicalId === name)
  if (fn === undefined) {
    gap(
      'FunctionName',
      `its function ${name ?? JSON.stringify(properties.FunctionName)} is not a function of this stack`,
    )
    return undefined
  }
  const qualifier = resources.resolveValue(properties.Qualifier, config) ?? '$LATEST'
  if (qualifier !== '$LATEST') {
    gap(
      'Qualifier',
      `it configures ${qualifier}, a version or alias, which the local target does not have (only $LATEST)`,
    )
    return undefined
  }
  const number = (value: unknown, fallback: number) => {
    const resolved = Number(resources.resolveValue(value, config) ?? fallback)
    return Number.isFinite(resolved) ? resolved : fallback
  }
  const destinations = isRecord(properties.DestinationConfig) ? properties.DestinationConfig : {}
  const destination = (kind: 'OnFailure' | 'OnSuccess'): string | undefined => {
    const entry = destinations[kind]
    if (!isRecord(entry)) return undefined
    const arn = resources.resolveValue(entry.Destination, config)
    if (arn === undefined || !/^arn:[^:]+:sqs:/.test(arn)) {
      gap(
        `DestinationConfig.${kind}`,
        `its destination ${arn ?? 'cannot be resolved'}: the local target sends invocation records to SQS queues only, so it is not applied`,
      )
      return undefined
    }
    return arn
  }
  const onFailure = destination('OnFailure')
  const onSuccess = destination('OnSuccess')
  return {
    logicalId: fn.logicalId,
    config: {
      maximumRetryAttempts: number(properties.MaximumRetryAttempts, DEFAULT_ASYNC_INVOKE_CONFIG.maximumRetryAttempts),
      maximumEventAgeSeconds: number(
        properties.MaximumEventAgeInSeconds,
        DEFAULT_ASYNC_INVOKE_CONFIG.maximumEventAgeSeconds,
      ),
      ...(onFailure === undefined ? {} : { onFailure }),
      ...(onSuccess === undefined ? {} : { onSuccess }),
    },
  }
}

/**
 * `InputPath` as the path segments the local bus reads: `$` (the whole event), dotted `$.detail.order` and bracketed
 * `$['detail']` names. Filters, wildcards and indexes are refused (`undefined`): a gap, not a wrong delivery.
 *
 * @example
 * parseInputPath("$.detail['order']") // ['detail', 'order']
 * parseInputPath('$.items[0]')        // undefined
 */
export function parseInputPath(path: string): string[] | undefined {
  if (!path.startsWith('$')) return undefined
  const segments: string[] = []
  const pattern = /\.([A-Za-z0-9_-]+)|\['([^'\]]+)'\]|\["([^"\]]+)"\]/y
  pattern.lastIndex = 1
  while (pattern.lastIndex < path.length) {
    const at = pattern.lastIndex
    const match = pattern.exec(path)
    if (match === null || match.index !== at) return undefined
    segments.push(match[1] ?? match[2] ?? match[3] ?? '')
  }
  return segments
}

/**
 * The value at an `InputPath`'s segments; `undefined` when the event has nothing there.
 *
 * @example
 * valueAtPath({ detail: { order: { id: 1 } } }, ['detail', 'order']) // { id: 1 }
 */
export function valueAtPath(event: unknown, segments: readonly string[]): unknown {
  let value: unknown = event
  for (const segment of segments) {
    if (!isRecord(value)) return undefined
    value = value[segment]
  }
  return value
}

/** A template value with every intrinsic inside it resolved (an event pattern's `Ref` to the account, a bus name). */
function resolveDeep(value: unknown, resources: StackResources, from: StackResource): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveDeep(item, resources, from))
  if (!isRecord(value)) return value
  const keys = Object.keys(value)
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]?.startsWith('Fn::'))) {
    return resources.requireValue(
      value,
      from,
      `a value in the EventPattern of ${constructPath(from) ?? from.logicalId}`,
    )
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveDeep(item, resources, from)]))
}

function partition(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  return 'aws'
}
