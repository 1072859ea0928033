import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb'
import { StakeoutError } from '../../errors.js'
import { constructPath, type StackResource } from '../../target/index.js'
import { isRecord } from '../../target/template.js'

/** A table as created on DynamoDB Local. */
export interface LocalTable {
  readonly name: string
  /** `LatestStreamArn` as DynamoDB Local reports it (the ARN its DynamoDB Streams API knows), when streams are on. */
  readonly streamArn?: string
}

/** Table properties that change nothing a test can observe on DynamoDB Local: read, then left out on purpose. */
const WITHOUT_LOCAL_EFFECT = new Set([
  'TableName',
  'SSESpecification',
  'PointInTimeRecoverySpecification',
  'Tags',
  'DeletionProtectionEnabled',
  'ContributorInsightsSpecification',
  'TableClass',
  'WarmThroughput',
  'OnDemandThroughput',
  'ResourcePolicy',
])
/** Table properties turned into the CreateTable (and UpdateTimeToLive) request. */
const TRANSLATED = new Set([
  'KeySchema',
  'AttributeDefinitions',
  'BillingMode',
  'ProvisionedThroughput',
  'GlobalSecondaryIndexes',
  'LocalSecondaryIndexes',
  'StreamSpecification',
  'TimeToLiveSpecification',
])

/**
 * The properties of an `AWS::DynamoDB::Table` that the local table does not have (a Kinesis stream, an import from
 * S3), for the start-up warning. Empty when the local table is the table the template describes.
 */
export function tableGaps(resource: StackResource, region?: string): string[] {
  const global = resource.type === GLOBAL_TABLE
  const gaps = Object.keys(resource.properties ?? {}).filter((key) =>
    global
      ? !GLOBAL_WITHOUT_LOCAL_EFFECT.has(key) && !GLOBAL_TRANSLATED.has(key)
      : !WITHOUT_LOCAL_EFFECT.has(key) && !TRANSLATED.has(key),
  )
  if (!global) return gaps
  const replicas = resource.properties?.Replicas
  for (const [index, replica] of (Array.isArray(replicas) ? replicas : []).entries()) {
    if (!isLocalReplica(replica, region))
      gaps.push(
        `Replicas[${index}] (${JSON.stringify(isRecord(replica) ? replica.Region : replica)}: only the replica in the stack's region is brought up)`,
      )
    else if (isRecord(replica) && replica.KinesisStreamSpecification !== undefined)
      gaps.push(`Replicas[${index}].KinesisStreamSpecification`)
  }
  return gaps
}

const GLOBAL_TABLE = 'AWS::DynamoDB::GlobalTable'
/** AWS::DynamoDB::GlobalTable properties with no local effect (a replica's own settings are read from Replicas). */
const GLOBAL_WITHOUT_LOCAL_EFFECT = new Set([
  'TableName',
  'SSESpecification',
  'WriteOnDemandThroughputSettings',
  'WarmThroughput',
])
const GLOBAL_TRANSLATED = new Set([
  'KeySchema',
  'AttributeDefinitions',
  'BillingMode',
  'GlobalSecondaryIndexes',
  'LocalSecondaryIndexes',
  'StreamSpecification',
  'TimeToLiveSpecification',
  'Replicas',
  'WriteProvisionedThroughputSettings',
])

/** The replica DynamoDB Local stands for: the one in the stack's region (CDK writes `{ Ref: AWS::Region }`). */
function isLocalReplica(replica: unknown, region: string | undefined): boolean {
  if (!isRecord(replica)) return false
  const where = replica.Region
  return (isRecord(where) && where.Ref === 'AWS::Region') || (region !== undefined && where === region)
}

/**
 * Creates one table of the template on DynamoDB Local, as CloudFormation would create it: key schema, attribute
 * definitions, billing mode and throughput, global and local secondary indexes with their projections, the stream
 * (its view type), then time to live (`UpdateTimeToLive`, as CloudFormation does after the table is active).
 *
 * @throws {StakeoutError} a property is not a plain value the request can take (the message names the table and
 *   the property), or DynamoDB Local refused the table (its message is kept)
 */
export async function createTable(
  client: DynamoDBClient,
  resource: StackResource,
  name: string,
  region?: string,
): Promise<LocalTable> {
  const who = `table ${constructPath(resource) ?? resource.logicalId}`
  const properties = resource.properties ?? {}
  const input =
    resource.type === GLOBAL_TABLE
      ? createTableInput(asTable(properties, region), name, who)
      : createTableInput(properties, name, who)
  let streamArn: string | undefined
  try {
    const created = await client.send(new CreateTableCommand(input))
    streamArn = created.TableDescription?.LatestStreamArn
  } catch (error) {
    throw new StakeoutError(`${who}: DynamoDB Local refused CreateTable: ${(error as Error).message}`, { cause: error })
  }
  const ttl = properties.TimeToLiveSpecification
  if (isRecord(ttl) && ttl.Enabled === true) {
    if (typeof ttl.AttributeName !== 'string') throw notPlain(who, 'TimeToLiveSpecification.AttributeName', ttl)
    try {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
        }),
      )
    } catch (error) {
      throw new StakeoutError(`${who}: DynamoDB Local refused UpdateTimeToLive: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }
  return streamArn === undefined ? { name } : { name, streamArn }
}

/**
 * An AWS::DynamoDB::GlobalTable's properties as the AWS::DynamoDB::Table of its local replica: the same keys,
 * indexes, stream and TTL. Its billing mode defaults to PROVISIONED, as CloudFormation's does; provisioned capacity
 * is autoscaled there, so the table gets the autoscaling minimum (or the replica's fixed read capacity): DynamoDB
 * Local does not throttle, so the numbers have no local effect.
 */
function asTable(properties: Record<string, unknown>, region: string | undefined): Record<string, unknown> {
  const replicas = Array.isArray(properties.Replicas) ? properties.Replicas : []
  const replica = replicas.find((each) => isLocalReplica(each, region))
  const local = isRecord(replica) ? replica : {}
  const provisioned = (properties.BillingMode ?? 'PROVISIONED') === 'PROVISIONED'
  const capacity = (settings: unknown, fixed: string, autoscaled: string): number => {
    if (!isRecord(settings)) return 1
    if (typeof settings[fixed] === 'number') return settings[fixed]
    const scaling = settings[autoscaled]
    return isRecord(scaling) && typeof scaling.MinCapacity === 'number' ? scaling.MinCapacity : 1
  }
  const throughput = (write: unknown, read: unknown) => ({
    ReadCapacityUnits: capacity(read, 'ReadCapacityUnits', 'ReadCapacityAutoScalingSettings'),
    WriteCapacityUnits: capacity(write, 'WriteCapacityUnits', 'WriteCapacityAutoScalingSettings'),
  })
  const replicaIndexes = Array.isArray(local.GlobalSecondaryIndexes)
    ? local.GlobalSecondaryIndexes.filter(isRecord)
    : []
  const table: Record<string, unknown> = {
    KeySchema: properties.KeySchema,
    AttributeDefinitions: properties.AttributeDefinitions,
    BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    LocalSecondaryIndexes: properties.LocalSecondaryIndexes,
    StreamSpecification: properties.StreamSpecification,
    TimeToLiveSpecification: properties.TimeToLiveSpecification,
  }
  if (provisioned) {
    table.ProvisionedThroughput = throughput(
      properties.WriteProvisionedThroughputSettings,
      local.ReadProvisionedThroughputSettings,
    )
  }
  if (Array.isArray(properties.GlobalSecondaryIndexes)) {
    table.GlobalSecondaryIndexes = properties.GlobalSecondaryIndexes.filter(isRecord).map((index) => {
      const read = replicaIndexes.find((each) => each.IndexName === index.IndexName)?.ReadProvisionedThroughputSettings
      return {
        IndexName: index.IndexName,
        KeySchema: index.KeySchema,
        Projection: index.Projection,
        ...(provisioned ? { ProvisionedThroughput: throughput(index.WriteProvisionedThroughputSettings, read) } : {}),
      }
    })
  }
  return Object.fromEntries(Object.entries(table).filter(([, value]) => value !== undefined))
}

function createTableInput(properties: Record<string, unknown>, name: string, who: string): CreateTableCommandInput {
  const plain = (property: string): unknown => {
    const value = properties[property]
    if (value !== undefined && containsIntrinsic(value)) throw notPlain(who, property, value)
    return value
  }
  const provisioned = (plain('BillingMode') ?? 'PROVISIONED') === 'PROVISIONED'
  const input: Record<string, unknown> = {
    TableName: name,
    KeySchema: plain('KeySchema'),
    AttributeDefinitions: plain('AttributeDefinitions'),
    BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
  }
  if (provisioned) input.ProvisionedThroughput = plain('ProvisionedThroughput')
  const throughputOf = (index: Record<string, unknown>) =>
    provisioned ? { ProvisionedThroughput: index.ProvisionedThroughput } : {}
  const gsis = plain('GlobalSecondaryIndexes')
  if (Array.isArray(gsis) && gsis.length > 0) {
    input.GlobalSecondaryIndexes = gsis.filter(isRecord).map((index) => ({
      IndexName: index.IndexName,
      KeySchema: index.KeySchema,
      Projection: index.Projection,
      ...throughputOf(index),
    }))
  }
  const lsis = plain('LocalSecondaryIndexes')
  if (Array.isArray(lsis) && lsis.length > 0) {
    input.LocalSecondaryIndexes = lsis
      .filter(isRecord)
      .map((index) => ({ IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection }))
  }
  const stream = plain('StreamSpecification')
  if (isRecord(stream) && typeof stream.StreamViewType === 'string') {
    input.StreamSpecification = { StreamEnabled: true, StreamViewType: stream.StreamViewType }
  }
  return input as unknown as CreateTableCommandInput
}

function containsIntrinsic(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsIntrinsic)
  if (!isRecord(value)) return false
  return Object.entries(value).some(
    ([key, inner]) => key === 'Ref' || key.startsWith('Fn::') || containsIntrinsic(inner),
  )
}

function notPlain(who: string, property: string, value: unknown): StakeoutError {
  return new StakeoutError(
    `${who}: its ${property} is ${JSON.stringify(value)}, which the local target does not evaluate for a table (only ` +
      'plain values): write it as a plain value in the stack.',
  )
}
