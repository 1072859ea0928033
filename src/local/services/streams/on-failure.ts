import type { InvokeResult } from '../../invoke-handler.js'
import type { DynamoDBStreamEventRecord } from './records.js'

/**
 * Why Lambda discarded a batch, as the on-failure record's `requestContext.condition` says it.
 *
 * @example
 * const condition: DiscardCondition = 'RetryAttemptsExhausted'
 */
export type DiscardCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded'

/**
 * The record Lambda sends to a stream mapping's on-failure destination ("Retaining discarded records for a DynamoDB
 * event source"): where the discarded records were, not the records themselves.
 *
 * @example
 * const parked = JSON.parse(message.Body) as StreamInvocationRecord
 * parked.DDBStreamBatchInfo.startSequenceNumber
 */
export interface StreamInvocationRecord {
  readonly requestContext: {
    readonly requestId: string
    readonly functionArn: string
    readonly condition: DiscardCondition
    readonly approximateInvokeCount: number
  }
  readonly responseContext?: {
    readonly statusCode: number
    readonly executedVersion: string
    readonly functionError?: string
  }
  readonly version: '1.0'
  readonly timestamp: string
  readonly DDBStreamBatchInfo: {
    readonly shardId: string
    readonly startSequenceNumber: string
    readonly endSequenceNumber: string
    readonly approximateArrivalOfFirstRecord: string
    readonly approximateArrivalOfLastRecord: string
    readonly batchSize: number
    readonly streamArn: string
  }
}

/**
 * What {@link invocationRecord} is built from.
 *
 * @example
 * invocationRecord({ records, condition: 'RecordAgeExceeded', functionArn, shardId, streamArn, invokeCount: 0, now: Date.now() })
 */
export interface DiscardedBatch {
  readonly records: readonly DynamoDBStreamEventRecord[]
  readonly condition: DiscardCondition
  readonly functionArn: string
  readonly shardId: string
  readonly streamArn: string
  /** How many times these records were handed to the function. */
  readonly invokeCount: number
  /** The last invocation of them, with whether Lambda counted it failed; none when they expired before any. */
  readonly last?: { readonly result: InvokeResult; readonly failed: boolean }
  readonly now: number
}

/**
 * The on-failure record of a discarded batch, in the field order of the Lambda developer guide's example. The
 * arrival times are the records' `ApproximateCreationDateTime` in whole seconds (`2019-11-14T00:13:19Z`), as the
 * example shows them. A batch discarded for its age before it was ever invoked has no `responseContext`: the docs
 * show only invoked batches, and there is no response to describe (the safe reading).
 *
 * @example
 * queues.send(onFailureQueue, { body: JSON.stringify(invocationRecord(discarded)) })
 */
export function invocationRecord(batch: DiscardedBatch): StreamInvocationRecord {
  const first = batch.records[0]
  const last = batch.records[batch.records.length - 1]
  const arrival = (record: DynamoDBStreamEventRecord | undefined) => {
    const seconds = record?.dynamodb.ApproximateCreationDateTime ?? Math.floor(batch.now / 1000)
    return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
  }
  return {
    requestContext: {
      requestId: batch.last?.result.requestId ?? '',
      functionArn: batch.functionArn,
      condition: batch.condition,
      approximateInvokeCount: batch.invokeCount,
    },
    ...(batch.last === undefined
      ? {}
      : {
          responseContext: {
            statusCode: 200,
            executedVersion: '$LATEST',
            ...(batch.last.failed ? { functionError: 'Unhandled' } : {}),
          },
        }),
    version: '1.0',
    timestamp: new Date(batch.now).toISOString(),
    DDBStreamBatchInfo: {
      shardId: batch.shardId,
      startSequenceNumber: first?.dynamodb.SequenceNumber ?? '',
      endSequenceNumber: last?.dynamodb.SequenceNumber ?? '',
      approximateArrivalOfFirstRecord: arrival(first),
      approximateArrivalOfLastRecord: arrival(last),
      batchSize: batch.records.length,
      streamArn: batch.streamArn,
    },
  }
}

/**
 * The keys of a record as `a=1 b=2`, for loss lines.
 *
 * @example
 * describeKeys(record) // 'aggregateId=orders-1 version=2'
 */
export function describeKeys(record: DynamoDBStreamEventRecord): string {
  const keys = record.dynamodb.Keys ?? {}
  return Object.entries(keys)
    .map(([name, value]) => `${name}=${String(Object.values(value)[0])}`)
    .join(' ')
}
