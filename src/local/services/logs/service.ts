import type { StackResource } from '../../../target/index.js'
import { partition } from '../../app/names.js'
import type { Gap } from '../../app/plan.js'
import type { LocalService, StartedService } from '../../app/services.js'
import { AwsServiceError, type Operation, startJsonService } from '../json-protocol.js'
import { FILTER_LIMIT, LocalLogStore } from './store.js'

/**
 * The CloudFormation type the local Logs service brings up.
 *
 * @example
 * app.resources.ofType(LOG_GROUP).map((group) => group.physicalId)
 */
export const LOG_GROUP = 'AWS::Logs::LogGroup'

/** LogGroup properties that change nothing a local read can observe (or that only AWS enforces). */
const WITHOUT_LOCAL_EFFECT = new Set(['LogGroupName', 'RetentionInDays', 'Tags'])

/**
 * The local CloudWatch Logs: every `AWS::Logs::LogGroup` of the stack as a group of an in-memory store (the
 * in-process `apis.logs` the Step Functions service writes execution logs to), served on an AWS JSON 1.1 endpoint
 * (`Logs_20140328`): FilterLogEvents, GetLogEvents, DescribeLogGroups. `RetentionInDays` is applied: older events
 * are not returned.
 *
 * @example
 * const app = await startLocal({ app: 'npx tsx bin/app.ts' })
 * const logs = new CloudWatchLogsClient({ ...app.resources.clientSettings('logs') })
 * await logs.send(new FilterLogEventsCommand({ logGroupName, filterPattern: `{ $.execution_arn = "${executionArn}" }` }))
 */
export const logsService: LocalService = {
  name: 'CloudWatch Logs',
  types: [LOG_GROUP],
  identity(_resource, name, where) {
    return {
      physicalId: name,
      attributes: { Arn: `arn:${partition(where.region)}:logs:${where.region}:${where.account}:log-group:${name}:*` },
    }
  },
  async start(context): Promise<StartedService> {
    const store = new LocalLogStore()
    const gaps: Gap[] = []
    for (const resource of context.resources.ofType(LOG_GROUP)) {
      const name = resource.physicalId ?? resource.logicalId
      const retention = retentionOf(
        resource,
        context.resources.resolveValue(resource.properties?.RetentionInDays, resource),
      )
      if (typeof retention === 'string') gaps.push({ resource, what: 'RetentionInDays', why: retention })
      store.createGroup({
        name,
        arn:
          resource.attributes?.Arn ??
          `arn:aws:logs:${context.where.region}:${context.where.account}:log-group:${name}:*`,
        ...(typeof retention === 'number' ? { retentionInDays: retention } : {}),
      })
      for (const property of Object.keys(resource.properties ?? {})) {
        if (!WITHOUT_LOCAL_EFFECT.has(property)) {
          gaps.push({ resource, what: property, why: 'this log group property is not applied locally' })
        }
      }
    }
    const service = await startJsonService({
      service: 'CloudWatch Logs',
      targetPrefix: 'Logs_20140328',
      jsonVersion: '1.1',
      operations: logsOperations(store),
    })
    return {
      endpoints: { logs: service.endpoint },
      gaps,
      apis: { logs: store },
      stop: () => service.stop(),
    }
  },
}

function retentionOf(resource: StackResource, value: string | undefined): number | string | undefined {
  if (resource.properties?.RetentionInDays === undefined) return undefined
  const days = Number(value)
  return Number.isInteger(days) && days > 0 ? days : `its value ${JSON.stringify(value)} is not a number of days`
}

/**
 * The operations of the local Logs endpoint over a store, as the CloudWatch Logs API reference gives their inputs,
 * outputs and errors.
 *
 * @example
 * const service = await startJsonService({ service: 'CloudWatch Logs', targetPrefix: 'Logs_20140328', jsonVersion: '1.1', operations: logsOperations(store) })
 */
export function logsOperations(store: LocalLogStore): Record<string, Operation> {
  return {
    FilterLogEvents(input) {
      const group = groupOf(input)
      const logStreamNames = optionalStrings(input, 'logStreamNames')
      const logStreamNamePrefix = optional(input, 'logStreamNamePrefix', 'string')
      if (logStreamNames !== undefined && logStreamNamePrefix !== undefined) {
        throw invalid('logStreamNames and logStreamNamePrefix are mutually exclusive parameters.')
      }
      const startTime = optional(input, 'startTime', 'number')
      const endTime = optional(input, 'endTime', 'number')
      if (startTime !== undefined && endTime !== undefined && startTime > endTime) {
        throw invalid('startTime must be less than or equal to endTime.')
      }
      const limit = optional(input, 'limit', 'number')
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > FILTER_LIMIT)) {
        throw invalid(
          `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${FILTER_LIMIT}`,
        )
      }
      for (const unsupported of ['unmask']) {
        if (input[unsupported] === true) throw invalid(`${unsupported} is not supported by the local CloudWatch Logs.`)
      }
      const page = store.filter({
        group,
        ...(logStreamNames === undefined ? {} : { logStreamNames }),
        ...(logStreamNamePrefix === undefined ? {} : { logStreamNamePrefix }),
        ...(startTime === undefined ? {} : { startTime }),
        ...(endTime === undefined ? {} : { endTime }),
        ...(limit === undefined ? {} : { limit }),
        ...optionalEntry('filterPattern', optional(input, 'filterPattern', 'string')),
        ...optionalEntry('nextToken', optional(input, 'nextToken', 'string')),
      })
      return {
        events: page.events.map(({ logStreamName, timestamp, message, ingestionTime, eventId }) => ({
          logStreamName,
          timestamp,
          message,
          ingestionTime,
          eventId,
        })),
        searchedLogStreams: page.searchedLogStreams,
        ...optionalEntry('nextToken', page.nextToken),
      }
    },
    GetLogEvents(input) {
      const group = groupOf(input)
      const stream = optional(input, 'logStreamName', 'string')
      if (stream === undefined) throw invalid('logStreamName is required.')
      const limit = optional(input, 'limit', 'number')
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > FILTER_LIMIT)) {
        throw invalid(
          `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${FILTER_LIMIT}`,
        )
      }
      const page = store.streamEvents({
        group,
        stream,
        ...optionalEntry('startTime', optional(input, 'startTime', 'number')),
        ...optionalEntry('endTime', optional(input, 'endTime', 'number')),
        ...optionalEntry('limit', limit),
        ...optionalEntry('nextToken', optional(input, 'nextToken', 'string')),
        ...optionalEntry('startFromHead', optional(input, 'startFromHead', 'boolean')),
      })
      return {
        events: page.events.map(({ timestamp, message, ingestionTime }) => ({ timestamp, message, ingestionTime })),
        nextForwardToken: page.nextForwardToken,
        nextBackwardToken: page.nextBackwardToken,
      }
    },
    DescribeLogGroups(input) {
      const prefix = optional(input, 'logGroupNamePrefix', 'string')
      const pattern = optional(input, 'logGroupNamePattern', 'string')
      if (prefix !== undefined && pattern !== undefined) {
        throw invalid('logGroupNamePrefix and logGroupNamePattern are mutually exclusive parameters.')
      }
      const limit = optional(input, 'limit', 'number') ?? 50
      if (!Number.isInteger(limit) || limit < 1 || limit > 50) {
        throw invalid(
          `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 50`,
        )
      }
      const token = optional(input, 'nextToken', 'string')
      const after = token === undefined ? undefined : Buffer.from(token, 'base64url').toString('utf8')
      const groups = store
        .groups()
        .filter(
          (group) =>
            (prefix === undefined || group.name.startsWith(prefix)) &&
            (pattern === undefined || group.name.toLowerCase().includes(pattern.toLowerCase())) &&
            (after === undefined || group.name > after),
        )
      const page = groups.slice(0, limit)
      const last = page.at(-1)
      return {
        logGroups: page.map((group) => ({
          logGroupName: group.name,
          creationTime: group.creationTime,
          ...optionalEntry('retentionInDays', group.retentionInDays),
          metricFilterCount: 0,
          arn: group.arn,
          logGroupArn: group.arn.replace(/:\*$/, ''),
          storedBytes: 0,
          logGroupClass: 'STANDARD',
        })),
        ...(groups.length > limit && last !== undefined
          ? { nextToken: Buffer.from(last.name).toString('base64url') }
          : {}),
      }
    },
  }
}

/** The group of `logGroupName` or `logGroupIdentifier` (exactly one), as FilterLogEvents and GetLogEvents take it. */
function groupOf(input: Record<string, unknown>): string {
  const name = optional(input, 'logGroupName', 'string')
  const identifier = optional(input, 'logGroupIdentifier', 'string')
  if (name !== undefined && identifier !== undefined) {
    throw invalid('LogGroup name and LogGroup ARN are mutually exclusive parameters.')
  }
  const group = name ?? identifier
  if (group === undefined) throw invalid('Either logGroupName or logGroupIdentifier must be specified.')
  return group
}

function optional(input: Record<string, unknown>, field: string, type: 'string'): string | undefined
function optional(input: Record<string, unknown>, field: string, type: 'number'): number | undefined
function optional(input: Record<string, unknown>, field: string, type: 'boolean'): boolean | undefined
function optional(input: Record<string, unknown>, field: string, type: string): unknown {
  const value = input[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== type) throw invalid(`${field} must be a ${type}.`)
  return value
}

function optionalStrings(input: Record<string, unknown>, field: string): string[] | undefined {
  const value = input[field]
  if (value === undefined || value === null) return undefined
  if (!Array.isArray(value) || value.some((each) => typeof each !== 'string'))
    throw invalid(`${field} must be a list of strings.`)
  return value as string[]
}

function optionalEntry<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}

function invalid(message: string): AwsServiceError {
  return new AwsServiceError('InvalidParameterException', message)
}
