/**
 * Finding an event among the messages of the ledger's queues without taking them: a peek is a ReceiveMessage with
 * `VisibilityTimeout: 0`, so the messages stay visible to whoever drains the queue (it does count as a receive, in
 * `ApproximateReceiveCount`).
 *
 * The dispatch's on-failure queue holds Lambda's on-failure records for a DynamoDB stream (Lambda developer guide,
 * "Using AWS Lambda with Amazon DynamoDB", on-failure destinations): no stream record, only where the batch was,
 * `DDBStreamBatchInfo { shardId, startSequenceNumber, endSequenceNumber, approximateArrivalOfFirstRecord,
 * approximateArrivalOfLastRecord, batchSize, streamArn }`. The event is placed in a batch by reading the stream
 * between the two sequence numbers (GetRecords: the record's keys name the aggregate and version); when the stream
 * cannot be read (its records are kept 24 hours), by its timestamp against the batch's arrival times, which says
 * "probably".
 *
 * A projector's dead-letter queue holds either the EventBridge event itself (a delivery EventBridge gave up on, with
 * `ERROR_CODE` / `ERROR_MESSAGE` message attributes) or Lambda's on-failure record of an asynchronous invocation
 * (`requestContext`, `requestPayload`: the event, `responsePayload`: the error).
 */
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams'
import { type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs'
import { isPlainObject } from '../runtime/interceptor/values.js'
import { AGGREGATE_ID_ATTRIBUTE, type LedgerEvent, VERSION_ATTRIBUTE } from '../runtime/ledger/schema.js'
import type { LazyClients } from './event-store-sdk-clients.js'

/** Where an event was found parked, and what the record there says. */
export interface Parked {
  /** The queue's URL. */
  readonly queueUrl: string
  /** How it was placed: the stream's records, the batch's arrival times, or the event in the message. */
  readonly by: 'stream records' | 'arrival times' | 'message body'
  /** Why it was parked, as the record says: `RetryAttemptsExhausted`, an error message, an EventBridge error code. */
  readonly reason?: string
  /** When the record was written, if it says. */
  readonly timestamp?: string
}

/** How many ReceiveMessage calls one peek makes (each takes up to 10 messages, from a sample of SQS's servers). */
const PEEK_ROUNDS = 3
/** Stream reads per parked batch, at most: a batch holds up to 10,000 records, GetRecords returns up to 1,000. */
const STREAM_READS = 12
/** DynamoDB stream arrival times have a resolution of a second; the event's own timestamp is the writer's clock. */
const ARRIVAL_SLACK_MS = 2000

/** The messages of a queue, peeked at without hiding them, deduplicated. */
async function peek(clients: LazyClients, queueUrl: string, abortSignal: AbortSignal | undefined): Promise<Message[]> {
  const seen = new Map<string, Message>()
  for (let round = 0; round < PEEK_ROUNDS; round++) {
    const { Messages = [] } = await clients.sqs().send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
      abortSignal === undefined ? {} : { abortSignal },
    )
    if (Messages.length === 0) break
    for (const message of Messages) seen.set(message.MessageId ?? message.ReceiptHandle ?? String(seen.size), message)
  }
  return [...seen.values()]
}

/**
 * The first parked record `place` says holds the event, among the queue's messages with a JSON object for a body.
 */
async function findParked(
  clients: LazyClients,
  queueUrl: string,
  abortSignal: AbortSignal | undefined,
  place: (body: Record<string, unknown>, message: Message) => Parked | undefined | Promise<Parked | undefined>,
): Promise<Parked | undefined> {
  for (const message of await peek(clients, queueUrl, abortSignal)) {
    const body = parseBody(message)
    if (body === undefined) continue
    const parked = await place(body, message)
    if (parked !== undefined) return parked
  }
  return undefined
}

/** When the record says it was written, if it does. */
function writtenAt(body: Record<string, unknown>): { timestamp?: string } {
  return typeof body.timestamp === 'string' ? { timestamp: body.timestamp } : {}
}

function parseBody(message: Message): Record<string, unknown> | undefined {
  try {
    const body: unknown = JSON.parse(message.Body ?? '')
    return isPlainObject(body) ? body : undefined
  } catch {
    return undefined
  }
}

interface BatchInfo {
  shardId: string
  startSequenceNumber: string
  endSequenceNumber: string
  approximateArrivalOfFirstRecord?: string
  approximateArrivalOfLastRecord?: string
  streamArn: string
}

function batchInfo(body: Record<string, unknown>): BatchInfo | undefined {
  const info = body.DDBStreamBatchInfo
  if (!isPlainObject(info)) return undefined
  const { shardId, startSequenceNumber, endSequenceNumber, streamArn } = info
  if (
    typeof shardId !== 'string' ||
    typeof startSequenceNumber !== 'string' ||
    typeof endSequenceNumber !== 'string' ||
    typeof streamArn !== 'string'
  ) {
    return undefined
  }
  return info as unknown as BatchInfo
}

/**
 * The on-failure record of the dispatch that covers `event`, if the queue holds one.
 *
 * @example
 * const parked = await findInOnFailureQueue(clients, queueUrl, event)
 */
export async function findInOnFailureQueue(
  clients: LazyClients,
  queueUrl: string,
  event: LedgerEvent,
  abortSignal?: AbortSignal,
): Promise<Parked | undefined> {
  return findParked(clients, queueUrl, abortSignal, async (body) => {
    const info = batchInfo(body)
    if (info === undefined) return undefined
    const context = isPlainObject(body.requestContext) ? body.requestContext : {}
    const reason = typeof context.condition === 'string' ? context.condition : undefined
    const record = { queueUrl, ...(reason === undefined ? {} : { reason }), ...writtenAt(body) }
    const inStream = await batchHolds(clients, info, event, abortSignal).catch(() => undefined)
    if (inStream === true) return { ...record, by: 'stream records' }
    if (inStream === false) return undefined
    return arrivedWithin(info, event) ? { ...record, by: 'arrival times' } : undefined
  })
}

/** Whether the stream records of the batch hold the event; `undefined` when the stream cannot tell. */
async function batchHolds(
  clients: LazyClients,
  info: BatchInfo,
  event: LedgerEvent,
  abortSignal: AbortSignal | undefined,
): Promise<boolean | undefined> {
  const options = abortSignal === undefined ? {} : { abortSignal }
  const streams = clients.streams()
  const { ShardIterator } = await streams.send(
    new GetShardIteratorCommand({
      StreamArn: info.streamArn,
      ShardId: info.shardId,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      SequenceNumber: info.startSequenceNumber,
    }),
    options,
  )
  const end = BigInt(info.endSequenceNumber)
  let iterator = ShardIterator
  for (let read = 0; read < STREAM_READS && iterator !== undefined; read++) {
    const { Records = [], NextShardIterator } = await streams.send(
      new GetRecordsCommand({ ShardIterator: iterator }),
      options,
    )
    for (const record of Records) {
      const sequence = record.dynamodb?.SequenceNumber
      if (sequence !== undefined && BigInt(sequence) > end) return false
      const keys = record.dynamodb?.Keys
      if (
        keys?.[AGGREGATE_ID_ATTRIBUTE]?.S === event.aggregateId &&
        keys[VERSION_ATTRIBUTE]?.N === String(event.version)
      ) {
        return true
      }
      if (sequence !== undefined && BigInt(sequence) === end) return false
    }
    if (Records.length === 0) return undefined
    iterator = NextShardIterator
  }
  return undefined
}

function arrivedWithin(info: BatchInfo, event: LedgerEvent): boolean {
  const first = Date.parse(info.approximateArrivalOfFirstRecord ?? '')
  const last = Date.parse(info.approximateArrivalOfLastRecord ?? '')
  const at = Date.parse(event.timestamp)
  if (Number.isNaN(first) || Number.isNaN(last) || Number.isNaN(at)) return false
  return at >= first - ARRIVAL_SLACK_MS && at <= last + ARRIVAL_SLACK_MS
}

/**
 * The message of a projector's dead-letter queue that holds `event` (the dispatch's state-carried event for its
 * aggregate and version), if any.
 *
 * @example
 * const parked = await findInDeadLetterQueue(clients, queueUrl, event)
 */
export async function findInDeadLetterQueue(
  clients: LazyClients,
  queueUrl: string,
  event: LedgerEvent,
  abortSignal?: AbortSignal,
): Promise<Parked | undefined> {
  return findParked(clients, queueUrl, abortSignal, (body, message) => {
    // A Lambda on-failure record carries the event as requestPayload; EventBridge's DLQ, the event itself.
    const lambdaRecord = isPlainObject(body.requestPayload)
    const delivered = lambdaRecord ? (body.requestPayload as Record<string, unknown>) : body
    const detail = isPlainObject(delivered.detail) ? delivered.detail : undefined
    if (detail?.aggregateId !== event.aggregateId || detail?.version !== event.version) return undefined
    let reason: string | undefined
    if (lambdaRecord) {
      const response = isPlainObject(body.responsePayload) ? body.responsePayload : {}
      const context = isPlainObject(body.requestContext) ? body.requestContext : {}
      reason = [context.condition, response.errorType, response.errorMessage]
        .filter((part): part is string => typeof part === 'string')
        .join(': ')
    } else {
      const attributes = message.MessageAttributes ?? {}
      reason = [attributes.ERROR_CODE?.StringValue, attributes.ERROR_MESSAGE?.StringValue]
        .filter((part): part is string => typeof part === 'string')
        .join(': ')
    }
    return {
      queueUrl,
      by: 'message body',
      ...(reason === '' || reason === undefined ? {} : { reason }),
      ...writtenAt(body),
    }
  })
}
