/**
 * The configuration of an {@link EventStoreClient}: its options (the ledger's tables, functions and queues, and how to
 * reach them), checked.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams'
import type { LambdaClient } from '@aws-sdk/client-lambda'
import type { SQSClient } from '@aws-sdk/client-sqs'
import { failArgument } from '../errors.js'
import { isPlainObject } from '../runtime/interceptor/values.js'
import type { ClientSettings } from '../target/index.js'
import { checkClientOption } from './event-store-sdk-clients.js'

/** A projector's projection table, and the queue its undeliverable events end in (for failure messages). */
export interface ProjectionTableOptions {
  /** The projection table (keyed `aggregateId`). */
  readonly tableName: string
  /** The projector's dead-letter queue URL: where `toEventuallyProject` looks for an event that never arrived. @default none */
  readonly deadLetterQueueUrl?: string
  /** The event types the projector listens to (its rule's detail-types): a failure message names a type outside them. @default unknown */
  readonly eventTypes?: readonly string[]
}

/** Options of {@link EventStoreClient}: the ledger's tables and functions, and how to reach them. */
export interface EventStoreClientOptions {
  /** The ledger table (partition key `aggregateId`, sort key `version`). */
  readonly tableName: string
  /** The snapshot table: {@link EventStoreClient.aggregate} folds from its newest snapshot. @default none (full folds) */
  readonly snapshotTableName?: string
  /** Castore's event store id, written on each aggregate's first event (its `initialEvents` index). @default none */
  readonly eventStoreId?: string
  /** The dispatch function, for {@link EventStoreClient.replay}. @default none (replay refuses) */
  readonly dispatchFunctionName?: string
  /** The dispatch's on-failure queue URL: where `toEventuallyProject` looks for a parked event. @default none */
  readonly onFailureQueueUrl?: string
  /** The projection tables by projector name (as `addProjector` named them), for {@link EventStoreClient.projection}. */
  readonly projections?: Readonly<Record<string, string | ProjectionTableOptions>>
  /** A DynamoDB client, or the settings to make one (a target's `clientSettings('dynamodb')`). @default the SDK's chain */
  readonly dynamodb?: DynamoDBClient | ClientSettings
  /** A Lambda client, or the settings to make one (`clientSettings('lambda')`), for replay. @default the SDK's chain */
  readonly lambda?: LambdaClient | ClientSettings
  /** An SQS client, or the settings to make one (`clientSettings('sqs')`), to peek at queues. @default the SDK's chain */
  readonly sqs?: SQSClient | ClientSettings
  /** A DynamoDB Streams client, or its settings, to place a parked event. @default the `dynamodb` settings */
  readonly streams?: DynamoDBStreamsClient | ClientSettings
}

const OPTION_KEYS: readonly string[] = [
  'tableName',
  'snapshotTableName',
  'eventStoreId',
  'dispatchFunctionName',
  'onFailureQueueUrl',
  'projections',
  'dynamodb',
  'lambda',
  'sqs',
  'streams',
]
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/

/**
 * Checks an {@link EventStoreClient}'s options (the clients or settings too), and returns its projections in their
 * long form (a table name alone becomes `{ tableName }`).
 *
 * @param boundary the constructor: errors point at its caller's line
 * @throws {ArgumentError} an option is missing or malformed (named in the message)
 * @example
 * const projections = readEventStoreOptions({ tableName: 'bank-Ledger' }, EventStoreClient)
 */
export function readEventStoreOptions(
  options: EventStoreClientOptions,
  boundary: Function,
): Readonly<Record<string, ProjectionTableOptions>> {
  const fail = (argument: string, expectation: string, received: unknown): never =>
    failArgument(boundary, 'EventStoreClient', argument, expectation, received)
  if (!isPlainObject(options)) fail('options', 'an object like { tableName }', options)
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) fail(`options.${key}`, `absent (one of ${OPTION_KEYS.join(', ')})`, key)
  }
  const { tableName, snapshotTableName, eventStoreId, dispatchFunctionName, onFailureQueueUrl, projections } = options
  const checkTable = (argument: string, value: unknown) => {
    if (typeof value !== 'string' || !TABLE_NAME.test(value)) {
      fail(argument, 'a DynamoDB table name: 3 to 255 of A-Z a-z 0-9 _ - .', value)
    }
  }
  checkTable('options.tableName', tableName)
  if (snapshotTableName !== undefined) checkTable('options.snapshotTableName', snapshotTableName)
  if (eventStoreId !== undefined && (typeof eventStoreId !== 'string' || eventStoreId === '')) {
    fail('options.eventStoreId', 'a non-empty string', eventStoreId)
  }
  if (dispatchFunctionName !== undefined && (typeof dispatchFunctionName !== 'string' || dispatchFunctionName === '')) {
    fail('options.dispatchFunctionName', "the dispatch function's name or ARN", dispatchFunctionName)
  }
  const checkQueue = (argument: string, value: unknown) => {
    if (typeof value !== 'string' || !URL.canParse(value)) fail(argument, 'a queue URL (https://sqs…)', value)
  }
  if (onFailureQueueUrl !== undefined) checkQueue('options.onFailureQueueUrl', onFailureQueueUrl)
  const tables: Record<string, ProjectionTableOptions> = {}
  if (projections !== undefined) {
    if (!isPlainObject(projections)) {
      fail('options.projections', "an object of projection tables by projector name, { Balance: 'table' }", projections)
    }
    for (const [name, target] of Object.entries(projections)) {
      const argument = `options.projections.${name}`
      if (typeof target === 'string') {
        checkTable(argument, target)
        tables[name] = { tableName: target }
        continue
      }
      if (!isPlainObject(target)) fail(argument, 'a table name, or { tableName, deadLetterQueueUrl? }', target)
      checkTable(`${argument}.tableName`, target.tableName)
      if (target.deadLetterQueueUrl !== undefined)
        checkQueue(`${argument}.deadLetterQueueUrl`, target.deadLetterQueueUrl)
      tables[name] = { ...target }
    }
  }
  for (const service of ['dynamodb', 'lambda', 'sqs', 'streams'] as const) {
    checkClientOption(options[service], `options.${service}`, fail)
  }
  return Object.freeze(tables)
}
