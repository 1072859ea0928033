import { type JsonService, type Operation, startJsonService } from '../json-protocol.js'
import { sqsError } from './errors.js'
import type { MessageAttributeValue } from './md5.js'
import { checkMessage } from './message-checks.js'
import type { LocalQueue, ReceivedMessage } from './queue.js'
import type { LocalQueueSet } from './queues.js'

/** The longest visibility timeout SQS takes: 12 hours. */
const MAX_VISIBILITY = 43_200
const MAX_BATCH = 10
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/

/** The message system attributes ReceiveMessage can ask for on a standard queue (FIFO ones give nothing here). */
const SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
] as const

/** The queue attributes GetQueueAttributes answers. */
const QUEUE_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
  'VisibilityTimeout',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'RedrivePolicy',
  'SqsManagedSseEnabled',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'Policy',
  'RedriveAllowPolicy',
] as const

/** Options of {@link startSqsEndpoint}. */
export interface SqsEndpointOptions {
  /** @default a free port */
  readonly port?: number
}

/**
 * Serves the SQS API of `queues` on 127.0.0.1 (AWS JSON 1.0, `AmazonSQS`, as the AWS SDK v3 speaks it): SendMessage,
 * SendMessageBatch, ReceiveMessage (long polls end as soon as a message arrives, and on stop), DeleteMessage(Batch),
 * ChangeMessageVisibility(Batch), GetQueueUrl, GetQueueAttributes, PurgeQueue. Any other operation is refused naming
 * these; errors carry SQS's codes so the SDK raises its exceptions (`QueueDoesNotExist`...).
 *
 * @example
 * const sqs = await startSqsEndpoint(queues)
 * new SQSClient({ endpoint: sqs.endpoint, region: 'us-east-1', credentials })
 */
export function startSqsEndpoint(queues: LocalQueueSet, options: SqsEndpointOptions = {}): Promise<JsonService> {
  return startJsonService({
    service: 'SQS',
    targetPrefix: 'AmazonSQS',
    jsonVersion: '1.0',
    ...(options.port === undefined ? {} : { port: options.port }),
    operations: sqsOperations(queues),
  })
}

/** The operations of {@link startSqsEndpoint}, by name. */
function sqsOperations(queues: LocalQueueSet): Record<string, Operation> {
  const queueOf = (input: Record<string, unknown>): LocalQueue => {
    const url = input.QueueUrl
    if (url === undefined) throw sqsError('MissingParameter', 'The request must contain the parameter QueueUrl.')
    // A queue URL is scheme://host/<account>/<name>; anything else is not an address at all.
    if (
      typeof url !== 'string' ||
      !URL.canParse(url) ||
      new URL(url).pathname.split('/').filter(Boolean).length !== 2
    ) {
      throw sqsError('InvalidAddress', `The address ${String(url)} is not valid for this endpoint.`)
    }
    return queues.get(url)
  }
  return {
    SendMessage(input) {
      const queue = queueOf(input)
      const message = checkMessage(input, queue.settings.maximumMessageSize)
      return sendResult(queue, message)
    },
    SendMessageBatch(input) {
      const queue = queueOf(input)
      const entries = batchEntries(input, 'SendMessageBatchRequestEntry')
      const checked = entries.map((entry) => {
        const { Id, ...message } = entry
        try {
          return { id: Id as string, message: checkMessage({ ...message }, queue.settings.maximumMessageSize) }
        } catch (error) {
          return { id: Id as string, error }
        }
      })
      const total = checked.reduce((sum, each) => sum + ('message' in each ? each.message.size : 0), 0)
      if (total > queue.settings.maximumMessageSize) {
        throw sqsError(
          'BatchRequestTooLong',
          `Batch requests cannot be longer than ${queue.settings.maximumMessageSize} bytes. You have sent ${total} bytes.`,
        )
      }
      const Successful: unknown[] = []
      const Failed: unknown[] = []
      for (const each of checked) {
        if ('message' in each) Successful.push({ Id: each.id, ...sendResult(queue, each.message) })
        else Failed.push(failure(each.id, each.error))
      }
      return { Successful, Failed }
    },
    async ReceiveMessage(input, context) {
      const queue = queueOf(input)
      const max =
        integerIn(
          input.MaxNumberOfMessages,
          'MaxNumberOfMessages',
          1,
          MAX_BATCH,
          'Must be between 1 and 10, if provided.',
        ) ?? 1
      const visibility =
        integerIn(
          input.VisibilityTimeout,
          'VisibilityTimeout',
          0,
          MAX_VISIBILITY,
          'Must be between 0 and 43200, if provided.',
        ) ?? queue.settings.visibilityTimeout
      const wait =
        integerIn(input.WaitTimeSeconds, 'WaitTimeSeconds', 0, 20, 'Must be >= 0 and <= 20, if provided.') ??
        queue.settings.receiveMessageWaitTimeSeconds
      const systemNames = systemAttributeNames(input)
      const attributeNames = stringList(input.MessageAttributeNames, 'MessageAttributeNames')
      const received = await queue.receive(max, visibility, wait, context.signal)
      if (received.length === 0) return {}
      return { Messages: received.map((each) => receivedMessage(each, systemNames, attributeNames)) }
    },
    DeleteMessage(input) {
      const queue = queueOf(input)
      queue.delete(receiptHandleOf(input))
      return {}
    },
    DeleteMessageBatch(input) {
      const queue = queueOf(input)
      return eachEntry(batchEntries(input, 'DeleteMessageBatchRequestEntry'), (entry) =>
        queue.delete(receiptHandleOf(entry)),
      )
    },
    ChangeMessageVisibility(input) {
      const queue = queueOf(input)
      queue.changeVisibility(receiptHandleOf(input), visibilityOf(input))
      return {}
    },
    ChangeMessageVisibilityBatch(input) {
      const queue = queueOf(input)
      return eachEntry(batchEntries(input, 'ChangeMessageVisibilityBatchRequestEntry'), (entry) =>
        queue.changeVisibility(receiptHandleOf(entry), visibilityOf(entry)),
      )
    },
    GetQueueUrl(input) {
      const name = input.QueueName
      if (typeof name !== 'string' || name === '') {
        throw sqsError('MissingParameter', 'The request must contain the parameter QueueName.')
      }
      const owner = input.QueueOwnerAWSAccountId
      const queue = queues.find(name)
      if (queue === undefined || (owner !== undefined && !queue.settings.arn.includes(`:${String(owner)}:`))) {
        throw sqsError('QueueDoesNotExist', 'The specified queue does not exist.')
      }
      return { QueueUrl: queue.url }
    },
    GetQueueAttributes(input) {
      const queue = queueOf(input)
      const asked = stringList(input.AttributeNames, 'AttributeNames') ?? []
      for (const name of asked) {
        if (name !== 'All' && !(QUEUE_ATTRIBUTES as readonly string[]).includes(name)) {
          throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`)
        }
      }
      const all = queueAttributes(queue)
      const Attributes: Record<string, string> = {}
      for (const [name, value] of Object.entries(all)) {
        if (asked.includes('All') || asked.includes(name)) Attributes[name] = value
      }
      return Object.keys(Attributes).length === 0 ? {} : { Attributes }
    },
    PurgeQueue(input) {
      queueOf(input).purge()
      return {}
    },
  }
}

function sendResult(queue: LocalQueue, message: ReturnType<typeof checkMessage>) {
  const stored = queue.store({
    body: message.body,
    messageAttributes: message.messageAttributes,
    systemAttributes: message.systemAttributes,
    ...(message.delaySeconds === undefined ? {} : { delaySeconds: message.delaySeconds }),
  })
  return {
    MessageId: stored.messageId,
    MD5OfMessageBody: stored.md5OfBody,
    ...(stored.md5OfMessageAttributes === undefined ? {} : { MD5OfMessageAttributes: stored.md5OfMessageAttributes }),
    ...(stored.md5OfMessageSystemAttributes === undefined
      ? {}
      : { MD5OfMessageSystemAttributes: stored.md5OfMessageSystemAttributes }),
  }
}

function receivedMessage(
  { message, receiptHandle }: ReceivedMessage,
  systemNames: ReadonlySet<string>,
  attributeNames: readonly string[] | undefined,
) {
  const all = systemNames.has('All')
  const system: Record<string, string | undefined> = {
    SenderId: message.senderId,
    SentTimestamp: String(message.sentTimestamp),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp:
      message.firstReceiveTimestamp === undefined ? undefined : String(message.firstReceiveTimestamp),
    AWSTraceHeader: message.systemAttributes.AWSTraceHeader?.StringValue,
    DeadLetterQueueSourceArn: message.deadLetterQueueSourceArn,
  }
  const Attributes: Record<string, string> = {}
  for (const [name, value] of Object.entries(system)) {
    if (value !== undefined && (all || systemNames.has(name))) Attributes[name] = value
  }
  const MessageAttributes: Record<string, MessageAttributeValue> = {}
  for (const [name, value] of Object.entries(message.messageAttributes)) {
    if (attributeNames?.some((pattern) => attributeMatches(pattern, name))) MessageAttributes[name] = value
  }
  // SQS gives the MD5 of all the message's attributes, whichever were asked for.
  return {
    MessageId: message.messageId,
    ReceiptHandle: receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(Attributes).length === 0 ? {} : { Attributes }),
    ...(message.md5OfMessageAttributes === undefined ? {} : { MD5OfMessageAttributes: message.md5OfMessageAttributes }),
    ...(Object.keys(MessageAttributes).length === 0 ? {} : { MessageAttributes }),
  }
}

/** `All` and `.*` match every name, `prefix.*` the names with that prefix, anything else the name itself. */
function attributeMatches(pattern: string, name: string): boolean {
  if (pattern === 'All' || pattern === '.*') return true
  if (pattern.endsWith('.*')) return name.startsWith(pattern.slice(0, -1))
  return pattern === name
}

function systemAttributeNames(input: Record<string, unknown>): Set<string> {
  const names = [
    ...(stringList(input.MessageSystemAttributeNames, 'MessageSystemAttributeNames') ?? []),
    ...(stringList(input.AttributeNames, 'AttributeNames') ?? []),
  ]
  for (const name of names) {
    if (name !== 'All' && !(SYSTEM_ATTRIBUTES as readonly string[]).includes(name)) {
      throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`)
    }
  }
  return new Set(names)
}

function queueAttributes(queue: LocalQueue): Record<string, string> {
  const { settings } = queue
  const counts = queue.counts()
  const seconds = String(Math.floor(queue.createdTimestamp / 1000))
  return {
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: seconds,
    LastModifiedTimestamp: seconds,
    QueueArn: settings.arn,
    VisibilityTimeout: String(settings.visibilityTimeout),
    MaximumMessageSize: String(settings.maximumMessageSize),
    MessageRetentionPeriod: String(settings.messageRetentionPeriod),
    DelaySeconds: String(settings.delaySeconds),
    ReceiveMessageWaitTimeSeconds: String(settings.receiveMessageWaitTimeSeconds),
    ...(settings.redrivePolicy === undefined ? {} : { RedrivePolicy: JSON.stringify(settings.redrivePolicy) }),
    ...settings.reported,
  }
}

type Entry = Record<string, unknown>

/**
 * The entries of a batch request, checked as SQS checks them before any runs.
 *
 * @throws {AwsServiceError} EmptyBatchRequest, TooManyEntriesInBatchRequest, InvalidBatchEntryId, BatchEntryIdsNotDistinct
 */
function batchEntries(input: Record<string, unknown>, kind: string): Entry[] {
  const entries = input.Entries
  if (!Array.isArray(entries) || entries.length === 0) {
    throw sqsError('EmptyBatchRequest', `There should be at least one ${kind} in the request.`)
  }
  if (entries.length > MAX_BATCH) {
    throw sqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH}. You have sent ${entries.length}.`,
    )
  }
  const seen = new Set<string>()
  for (const entry of entries as unknown[]) {
    const id = (entry as Entry | null)?.Id
    if (typeof id !== 'string' || !BATCH_ID.test(id)) {
      throw sqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      )
    }
    if (seen.has(id)) throw sqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`)
    seen.add(id)
  }
  return entries as Entry[]
}

function eachEntry(entries: readonly Entry[], run: (entry: Entry) => void) {
  const Successful: unknown[] = []
  const Failed: unknown[] = []
  for (const entry of entries) {
    try {
      run(entry)
      Successful.push({ Id: entry.Id })
    } catch (error) {
      Failed.push(failure(entry.Id as string, error))
    }
  }
  return { Successful, Failed }
}

function failure(id: string, error: unknown) {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    return { Id: id, SenderFault: true, Code: error.code, Message: error.message }
  }
  throw error
}

function receiptHandleOf(input: Record<string, unknown>): string {
  const handle = input.ReceiptHandle
  if (handle === undefined) throw sqsError('MissingParameter', 'The request must contain the parameter ReceiptHandle.')
  if (typeof handle !== 'string' || handle === '') {
    throw sqsError(
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${String(handle)}" is not a valid receipt handle.`,
    )
  }
  return handle
}

function visibilityOf(input: Record<string, unknown>): number {
  const seconds = integerIn(
    input.VisibilityTimeout,
    'VisibilityTimeout',
    0,
    MAX_VISIBILITY,
    'Must be between 0 and 43200.',
  )
  if (seconds === undefined)
    throw sqsError('MissingParameter', 'The request must contain the parameter VisibilityTimeout.')
  return seconds
}

function integerIn(value: unknown, parameter: string, min: number, max: number, reason: string): number | undefined {
  if (value === undefined || value === null) return undefined
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw sqsError(
      'InvalidParameterValue',
      `Value ${String(value)} for parameter ${parameter} is invalid. Reason: ${reason}`,
    )
  }
  return value as number
}

function stringList(value: unknown, parameter: string): string[] | undefined {
  if (value === undefined || value === null) return undefined
  if (!Array.isArray(value) || value.some((each) => typeof each !== 'string')) {
    throw sqsError('InvalidParameterValue', `${parameter} must be a list of strings.`)
  }
  return value as string[]
}
