import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb'
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'
import { failArgument, StakeoutError } from '../../errors.js'
import { checkClients } from './dispatch-aggregate.js'
import { defaultDynamoDB, lazily, requireVariable } from './environment.js'
import { describeError, logNotice } from './log.js'
import {
  AGGREGATE_ID_ATTRIBUTE,
  LEDGER_ENV,
  LEDGER_EVENT_SOURCE,
  type LedgerEvent,
  type LedgerEventDetail,
  type ProjectorResult,
  VERSION_ATTRIBUTE,
} from './schema.js'

/**
 * The EventBridge event a projector's rule delivers: a dispatched (or replayed) aggregate in `detail`.
 *
 * @example
 * const event: LedgerBusEvent<{ balance: number }> = {
 *   'detail-type': 'Credit', source: 'stakeout.ledger',
 *   detail: { aggregateId: 'account-1', version: 3, aggregate: { balance: 75 }, lastEvent },
 * }
 */
export interface LedgerBusEvent<Aggregate = unknown, Payload = unknown, Metadata = unknown> {
  /** The event's type, or `stakeout.replay`. */
  readonly 'detail-type': string
  /** `stakeout.ledger`. */
  readonly source: string
  readonly detail: LedgerEventDetail<Aggregate, Payload, Metadata>
  readonly id?: string
  readonly time?: string
}

/**
 * Options of {@link defineProjector}.
 *
 * @example
 * const options: DefineProjectorOptions<{ balance: number }> = { project: (account) => ({ balance: account.balance }) }
 */
export interface DefineProjectorOptions<Aggregate, Payload = unknown, Metadata = unknown> {
  /**
   * The projection of the aggregate as of `lastEvent` (a replay too): an object, stored as the item
   * `{ aggregateId, version, ...projection }`. It may repeat `aggregateId` and `version`, not change them.
   */
  readonly project: (
    aggregate: Aggregate,
    lastEvent: LedgerEvent<Payload, Metadata>,
  ) => Record<string, unknown> | Promise<Record<string, unknown>>
  /** The DynamoDB client, for tests; see `LedgerClients`. @default new DynamoDBClient({}) */
  readonly clients?: { readonly dynamodb?: DynamoDBClient }
}

/**
 * The handler {@link defineProjector} returns: one bus event in, what it did with it out.
 *
 * @example
 * const result = await handler(event) // { aggregateId: 'account-1', version: 3, outcome: 'written' }
 */
export type ProjectorHandler<Aggregate = unknown, Payload = unknown, Metadata = unknown> = (
  event: LedgerBusEvent<Aggregate, Payload, Metadata>,
  context?: unknown,
) => Promise<ProjectorResult>

/**
 * A projector: a Lambda handler for the events the projector's rule delivers from the ledger's bus. It writes
 * `{ aggregateId, version, ...await project(aggregate, lastEvent) }` to its projection table
 * (`STAKEOUT_PROJECTION_TABLE`) with a conditional put that succeeds only when the stored version is absent or
 * lower. So a duplicate delivery or an older one arriving late (EventBridge delivers at least once, in no order) is
 * a no-op: the handler answers `{ outcome: 'duplicate' | 'older', storedVersion }` and logs one line. Events are
 * state-carried, so the newest one alone makes the right projection. A replay (`stakeout.replay`) is projected like
 * any other event. An event that is not the ledger's, or a `project` result that is not an object or changes
 * `aggregateId` or `version`, fails the invocation with an error saying so (EventBridge retries it, then it goes to
 * the projector's dead-letter queue).
 *
 * @throws {ArgumentError} an option is not what it must be (at definition, so the function fails its INIT)
 * @example
 * // src/balance-projector.ts
 * import { defineProjector } from 'stakeout/runtime'
 *
 * type Account = { balance: number }
 * export const handler = defineProjector<Account>({
 *   project: (account, lastEvent) => ({ balance: account.balance, updatedAt: lastEvent.timestamp }),
 * })
 */
export function defineProjector<Aggregate = unknown, Payload = unknown, Metadata = unknown>(
  options: DefineProjectorOptions<Aggregate, Payload, Metadata>,
): ProjectorHandler<Aggregate, Payload, Metadata> {
  const fail = (argument: string, expectation: string, received: unknown): never =>
    failArgument(defineProjector, 'defineProjector', argument, expectation, received)
  if (options === null || typeof options !== 'object') fail('options', 'an object: { project }', options)
  for (const key of Object.keys(options)) {
    if (key !== 'project' && key !== 'clients') fail(`options.${key}`, 'project or clients (an unknown option)', key)
  }
  const { project, clients } = options
  if (typeof project !== 'function') fail('options.project', 'a function (aggregate, lastEvent) => projection', project)
  checkClients(clients, fail)
  const dynamodb = lazily(clients?.dynamodb, defaultDynamoDB)

  return async (event) => {
    const tableName = requireVariable('defineProjector', LEDGER_ENV.projectionTable)
    const name = process.env[LEDGER_ENV.projectorName] ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'projector'
    const detail = ledgerDetail(event)
    const { aggregateId, version } = detail
    const projection: unknown = await project(
      detail.aggregate as Aggregate,
      detail.lastEvent as LedgerEvent<Payload, Metadata>,
    )
    if (projection === null || typeof projection !== 'object' || Array.isArray(projection)) {
      throw new StakeoutError(
        `defineProjector (${name}): project must return an object (the projection item's attributes), received ` +
          `${projection === null ? 'null' : Array.isArray(projection) ? 'an array' : typeof projection} for ` +
          `${aggregateId} version ${version}`,
      )
    }
    for (const [attribute, expected] of [
      [AGGREGATE_ID_ATTRIBUTE, aggregateId],
      [VERSION_ATTRIBUTE, version],
    ] as const) {
      const given = (projection as Record<string, unknown>)[attribute]
      if (given !== undefined && given !== expected) {
        throw new StakeoutError(
          `defineProjector (${name}): project returned ${attribute} ${JSON.stringify(given)} for ${aggregateId} ` +
            `version ${version}: the projection's ${attribute} is the event's, so leave it out`,
        )
      }
    }
    let item: Record<string, AttributeValue>
    try {
      item = marshall({ ...projection, aggregateId, version }, { removeUndefinedValues: true })
    } catch (error) {
      throw new StakeoutError(
        `defineProjector (${name}): project's result for ${aggregateId} version ${version} is not storable in ` +
          `DynamoDB: ${describeError(error)}`,
      )
    }
    try {
      await dynamodb().send(
        new PutItemCommand({
          TableName: tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#version) OR #version < :version',
          ExpressionAttributeNames: { '#version': VERSION_ATTRIBUTE },
          ExpressionAttributeValues: { ':version': { N: String(version) } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      )
      return { aggregateId, version, outcome: 'written' }
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error
      const stored = error.Item === undefined ? undefined : unmarshall(error.Item)[VERSION_ATTRIBUTE]
      const storedVersion = typeof stored === 'number' ? stored : undefined
      const outcome = storedVersion === version ? 'duplicate' : 'older'
      logNotice(
        `defineProjector (${name}): ${aggregateId} version ${version} not written: ` +
          (outcome === 'duplicate'
            ? 'the projection is at that version already (a duplicate delivery)'
            : `the projection is at version ${storedVersion ?? 'unknown'} already (an older delivery, out of order)`),
      )
      return { aggregateId, version, outcome, ...(storedVersion === undefined ? {} : { storedVersion }) }
    }
  }
}

/** The event's ledger detail; anything else is refused, naming what is wrong. */
function ledgerDetail(event: unknown): LedgerEventDetail & { lastEvent: LedgerEvent } {
  const refuse = (what: string): never => {
    throw new StakeoutError(`defineProjector: the event is not one of the ledger's bus events: ${what}`)
  }
  if (event === null || typeof event !== 'object') return refuse(`received ${event === null ? 'null' : typeof event}`)
  const { source, detail } = event as { source?: unknown; detail?: unknown }
  if (source !== LEDGER_EVENT_SOURCE) refuse(`its source is ${JSON.stringify(source)}, not "${LEDGER_EVENT_SOURCE}"`)
  if (detail === null || typeof detail !== 'object') return refuse('it has no detail object')
  const { aggregateId, version, lastEvent } = detail as Record<string, unknown>
  if (typeof aggregateId !== 'string' || aggregateId === '') refuse('detail.aggregateId must be a non-empty string')
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    refuse(`detail.version must be a whole number from 1, received ${JSON.stringify(version)}`)
  }
  if (!('aggregate' in detail)) refuse('detail.aggregate is missing')
  if (lastEvent === null || typeof lastEvent !== 'object') refuse('detail.lastEvent must be the event (an object)')
  return detail as LedgerEventDetail & { lastEvent: LedgerEvent }
}
