import type { AttributeValue, _Record as StreamsRecord } from '@aws-sdk/client-dynamodb-streams'

/**
 * A DynamoDB attribute value as it travels in JSON (a Lambda event): binary values in base64.
 *
 * @example
 * const value: EventAttributeValue = { B: 'AQL/' }
 */
export type EventAttributeValue = Readonly<Record<string, unknown>>

/**
 * One record of the event Lambda hands a function on a DynamoDB stream ("Using AWS Lambda with Amazon DynamoDB").
 *
 * @example
 * const version = Number(record.dynamodb.NewImage?.version?.N)
 */
export interface DynamoDBStreamEventRecord {
  readonly eventID: string
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE'
  readonly eventVersion: string
  readonly eventSource: 'aws:dynamodb'
  readonly awsRegion: string
  readonly dynamodb: {
    /** Epoch seconds, as the event carries it (GetRecords' SDK gives a Date). */
    readonly ApproximateCreationDateTime?: number
    readonly Keys?: Readonly<Record<string, EventAttributeValue>>
    readonly NewImage?: Readonly<Record<string, EventAttributeValue>>
    readonly OldImage?: Readonly<Record<string, EventAttributeValue>>
    readonly SequenceNumber: string
    readonly SizeBytes?: number
    readonly StreamViewType?: string
  }
  /** Only on a TTL deletion: `{ type: 'Service', principalId: 'dynamodb.amazonaws.com' }`. */
  readonly userIdentity?: { readonly type?: string; readonly principalId?: string }
  readonly eventSourceARN: string
}

/**
 * The event a function on a DynamoDB stream receives.
 *
 * @example
 * export const handler = async (event: DynamoDBStreamEvent) => event.Records.length
 */
export interface DynamoDBStreamEvent {
  readonly Records: readonly DynamoDBStreamEventRecord[]
}

/**
 * A GetRecords record as the function sees it: the fields in the order of the Lambda developer guide's example,
 * `ApproximateCreationDateTime` as epoch seconds, binary values base64 (the event is JSON), `awsRegion` the stack's
 * region (DynamoDB Local says `ddblocal`) and `eventSourceARN` the stream's ARN, which GetRecords leaves out.
 *
 * @example
 * const record = toEventRecord(getRecordsOutput.Records[0], 'eu-west-1', streamArn)
 */
export function toEventRecord(record: StreamsRecord, region: string, streamArn: string): DynamoDBStreamEventRecord {
  const stream = record.dynamodb ?? {}
  const created = stream.ApproximateCreationDateTime
  const dynamodb = {
    ...(created === undefined ? {} : { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) }),
    ...(stream.Keys === undefined ? {} : { Keys: imageOf(stream.Keys) }),
    ...(stream.NewImage === undefined ? {} : { NewImage: imageOf(stream.NewImage) }),
    ...(stream.OldImage === undefined ? {} : { OldImage: imageOf(stream.OldImage) }),
    SequenceNumber: stream.SequenceNumber ?? '',
    ...(stream.SizeBytes === undefined ? {} : { SizeBytes: stream.SizeBytes }),
    ...(stream.StreamViewType === undefined ? {} : { StreamViewType: stream.StreamViewType }),
  }
  return {
    eventID: record.eventID ?? '',
    eventName: (record.eventName ?? 'INSERT') as DynamoDBStreamEventRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb,
    ...(record.userIdentity === undefined
      ? {}
      : {
          userIdentity: {
            ...(record.userIdentity.Type === undefined ? {} : { type: record.userIdentity.Type }),
            ...(record.userIdentity.PrincipalId === undefined ? {} : { principalId: record.userIdentity.PrincipalId }),
          },
        }),
    eventSourceARN: streamArn,
  }
}

function imageOf(image: Record<string, AttributeValue>): Record<string, EventAttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, attributeOf(value)]))
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')

function attributeOf(value: AttributeValue): EventAttributeValue {
  if (value.B !== undefined) return { B: base64(value.B) }
  if (value.BS !== undefined) return { BS: value.BS.map(base64) }
  if (value.M !== undefined) return { M: imageOf(value.M) }
  if (value.L !== undefined) return { L: value.L.map(attributeOf) }
  const { $unknown: _unknown, ...rest } = value as AttributeValue & { $unknown?: unknown }
  return rest
}

/**
 * Lambda's limit on a synchronous invocation's payload: a batch is cut before its event would pass it.
 *
 * @example
 * if (bytes + eventBytes(record) > INVOKE_PAYLOAD_LIMIT_BYTES) cutBatch()
 */
export const INVOKE_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024

/**
 * The bytes a record adds to the event's JSON (its text and the comma between records).
 *
 * @example
 * const size = records.reduce((total, record) => total + eventBytes(record), 16)
 */
export function eventBytes(record: DynamoDBStreamEventRecord): number {
  return Buffer.byteLength(JSON.stringify(record)) + 1
}
