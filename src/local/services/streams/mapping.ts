import type { StackResource, StackResources } from '../../../target/index.js'
import { isRecord } from '../../../target/template.js'
import { type CompiledPattern, compileFilters, type StreamFilter } from '../eventbridge/pattern.js'

/**
 * The CloudFormation type of an event source mapping.
 *
 * @example
 * const mappings = resources.ofType(EVENT_SOURCE_MAPPING)
 */
export const EVENT_SOURCE_MAPPING = 'AWS::Lambda::EventSourceMapping'

/**
 * A DynamoDB stream event source mapping's settings, checked, with Lambda's defaults ("Lambda parameters for Amazon
 * DynamoDB event source mappings").
 *
 * @example
 * if (settings.reportBatchItemFailures) readPartialResponse()
 */
export interface StreamMappingSettings {
  /** What progress and loss lines call it: its construct path or logical id. */
  readonly label: string
  readonly uuid: string
  readonly streamArn: string
  /** The function's logical id (what `context.invoke` takes) and ARN (the on-failure record's `functionArn`). */
  readonly functionLogicalId: string
  readonly functionArn: string
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST'
  /** 1 to 10,000; default 100. */
  readonly batchSize: number
  /** 0 to 300 s; default 0. */
  readonly batchingWindowMs: number
  readonly filters: readonly CompiledPattern[]
  readonly bisect: boolean
  /** -1 (until the record expires) or 0 to 10,000. */
  readonly maximumRetryAttempts: number
  /** -1 (never) or 60 to 604,800 s, in ms. */
  readonly maximumRecordAgeMs: number
  readonly reportBatchItemFailures: boolean
  readonly enabled: boolean
  /** The on-failure queue's ARN, when one is set and is a local queue. */
  readonly onFailureQueue?: string
}

/**
 * What {@link readMapping} makes of a mapping: its settings, and what of it is not applied locally.
 *
 * @example
 * const { settings, gaps } = readMapping(mapping, resources, uuid, queueExists)
 */
export interface ReadMapping {
  readonly settings?: StreamMappingSettings
  /** Each: what is not applied and why (a property, or the whole mapping). */
  readonly gaps: readonly { readonly what: string; readonly why: string }[]
}

/** Properties read below; any other one is a gap, named. */
const READ = new Set([
  'EventSourceArn',
  'FunctionName',
  'StartingPosition',
  'BatchSize',
  'MaximumBatchingWindowInSeconds',
  'FilterCriteria',
  'BisectBatchOnFunctionError',
  'MaximumRetryAttempts',
  'MaximumRecordAgeInSeconds',
  'FunctionResponseTypes',
  'Enabled',
  'DestinationConfig',
  'ParallelizationFactor',
])
/** Read and without local effect: tags, the key that encrypts the filter criteria at rest, CloudWatch metrics. */
const WITHOUT_LOCAL_EFFECT = new Set(['Tags', 'KmsKeyArn', 'MetricsConfig'])

/**
 * Reads an `AWS::Lambda::EventSourceMapping` of a local app: a DynamoDB stream's mapping gives its settings; one of
 * another source (SQS, Kinesis, Kafka...) or with a value Lambda would refuse is a gap naming it, never run wrongly.
 *
 * @param uuid the mapping's local UUID (its `Ref`)
 * @param queueExists whether an ARN names a local queue (the on-failure destination)
 * @example
 * const { settings, gaps } = readMapping(mapping, resources, uuid, (arn) => queues?.has(arn) ?? false)
 */
export function readMapping(
  mapping: StackResource,
  resources: StackResources,
  uuid: string,
  queueExists: (arn: string) => boolean,
): ReadMapping {
  const properties = mapping.properties ?? {}
  const label = mapping.path?.replace(/\/Resource$/, '') ?? mapping.logicalId
  const refused = (why: string): ReadMapping => ({ gaps: [{ what: '', why: `${why}; the mapping is not run` }] })

  const streamArn = resources.resolveValue(properties.EventSourceArn, mapping)
  if (streamArn === undefined) return refused('its EventSourceArn cannot be resolved locally')
  if (!/^arn:[^:]+:dynamodb:[^:]*:[^:]*:table\/[^/]+\/stream\/.+$/.test(streamArn)) {
    return refused(
      `its source ${streamArn} is not a DynamoDB stream: the local target runs DynamoDB stream mappings only`,
    )
  }
  const fn =
    resources.resolveReference(properties.FunctionName, mapping) ?? functionByName(resources, properties.FunctionName)
  if (fn === undefined || fn.type !== 'AWS::Lambda::Function') {
    return refused(`its FunctionName ${JSON.stringify(properties.FunctionName)} is not a function of this stack`)
  }

  const gaps: { what: string; why: string }[] = []
  for (const key of Object.keys(properties)) {
    if (!READ.has(key) && !WITHOUT_LOCAL_EFFECT.has(key)) {
      gaps.push({ what: key, why: 'this event source mapping property is not applied locally' })
    }
  }
  const number = (key: string, fallback: number, valid: (value: number) => boolean, range: string): number => {
    const raw = properties[key]
    if (raw === undefined) return fallback
    const value = Number(resources.resolveValue(raw, mapping))
    if (!Number.isInteger(value) || !valid(value)) {
      throw new MappingRefused(`its ${key} ${JSON.stringify(raw)} is not ${range}, which Lambda refuses`)
    }
    return value
  }
  try {
    const startingPosition = resources.resolveValue(properties.StartingPosition, mapping)
    if (startingPosition !== 'TRIM_HORIZON' && startingPosition !== 'LATEST') {
      throw new MappingRefused(
        `its StartingPosition ${JSON.stringify(properties.StartingPosition)} is not TRIM_HORIZON or LATEST, the positions of a DynamoDB stream`,
      )
    }
    const batchSize = number('BatchSize', 100, (value) => value >= 1 && value <= 10_000, 'from 1 to 10,000')
    const window = number(
      'MaximumBatchingWindowInSeconds',
      0,
      (value) => value >= 0 && value <= 300,
      'from 0 to 300 seconds',
    )
    const maximumRetryAttempts = number(
      'MaximumRetryAttempts',
      -1,
      (value) => value >= -1 && value <= 10_000,
      '-1 or from 0 to 10,000',
    )
    const maximumRecordAge = number(
      'MaximumRecordAgeInSeconds',
      -1,
      (value) => value === -1 || (value >= 60 && value <= 604_800),
      '-1 or from 60 to 604,800 seconds',
    )
    const parallelization = number('ParallelizationFactor', 1, (value) => value >= 1 && value <= 10, 'from 1 to 10')
    if (parallelization > 1) {
      gaps.push({
        what: 'ParallelizationFactor',
        why: `${parallelization} is not applied locally: one batch per shard is in flight at a time (factor 1)`,
      })
    }
    const flag = (key: string, fallback: boolean): boolean => {
      const raw = properties[key]
      if (raw === undefined) return fallback
      const value = typeof raw === 'boolean' ? String(raw) : resources.resolveValue(raw, mapping)
      if (value !== 'true' && value !== 'false')
        throw new MappingRefused(`its ${key} ${JSON.stringify(raw)} is not a boolean`)
      return value === 'true'
    }
    const types = Array.isArray(properties.FunctionResponseTypes) ? properties.FunctionResponseTypes : []
    const filters = filtersOf(properties.FilterCriteria)
    const onFailure = onFailureOf(properties.DestinationConfig, resources, mapping, queueExists, gaps)
    return {
      gaps,
      settings: {
        label,
        uuid,
        streamArn,
        functionLogicalId: fn.logicalId,
        functionArn: fn.attributes?.Arn ?? fn.physicalId ?? fn.logicalId,
        startingPosition,
        batchSize,
        batchingWindowMs: window * 1000,
        filters,
        bisect: flag('BisectBatchOnFunctionError', false),
        maximumRetryAttempts,
        maximumRecordAgeMs: maximumRecordAge === -1 ? -1 : maximumRecordAge * 1000,
        reportBatchItemFailures: types.includes('ReportBatchItemFailures'),
        enabled: flag('Enabled', true),
        ...(onFailure === undefined ? {} : { onFailureQueue: onFailure }),
      },
    }
  } catch (error) {
    if (error instanceof MappingRefused) return { gaps: [...gaps, ...refused(error.message).gaps] }
    throw error
  }
}

class MappingRefused extends Error {}

function functionByName(resources: StackResources, name: unknown): StackResource | undefined {
  const value = resources.resolveValue(name)
  if (value === undefined) return undefined
  const plain = value.replace(/^arn:[^:]+:lambda:[^:]*:[^:]*:function:/, '').replace(/:[^:]+$/, '')
  return resources
    .ofType('AWS::Lambda::Function')
    .find((fn) => fn.physicalId === plain || fn.physicalId === value || fn.logicalId === plain)
}

function filtersOf(criteria: unknown): CompiledPattern[] {
  if (criteria === undefined) return []
  const filters = isRecord(criteria) ? criteria.Filters : undefined
  if (filters === undefined) return []
  try {
    return compileFilters(filters as StreamFilter[])
  } catch (error) {
    throw new MappingRefused(`its FilterCriteria is one Lambda refuses: ${(error as Error).message}`)
  }
}

function onFailureOf(
  config: unknown,
  resources: StackResources,
  mapping: StackResource,
  queueExists: (arn: string) => boolean,
  gaps: { what: string; why: string }[],
): string | undefined {
  const onFailure = isRecord(config) && isRecord(config.OnFailure) ? config.OnFailure : undefined
  if (onFailure?.Destination === undefined) return undefined
  const arn = resources.resolveValue(onFailure.Destination, mapping)
  const why = (reason: string) =>
    gaps.push({
      what: 'DestinationConfig.OnFailure',
      why: `${reason}: a batch that exhausts its retries gets a log line naming its records instead`,
    })
  if (arn === undefined) {
    why('its destination cannot be resolved locally')
    return undefined
  }
  if (!/^arn:[^:]+:sqs:/.test(arn)) {
    why(`its destination ${arn} is not an SQS queue, the only on-failure destination the local target delivers to`)
    return undefined
  }
  if (!queueExists(arn)) {
    why(`its destination ${arn} is not a queue the local app runs`)
    return undefined
  }
  return arn
}
