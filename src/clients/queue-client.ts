import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs'
import { ArgumentError, atUserLine, failArgument, StakeoutError } from '../errors.js'
import type { ClientSettings } from '../target/index.js'
import { checkClientOrSettings, sdkClientConfig } from './sdk-config.js'

/** Options of {@link QueueClient}: the queue, and how to reach it (a target's `clientSettings('sqs')`). */
export interface QueueClientOptions extends ClientSettings {
  /** The queue's URL (its CloudFormation `Ref`; locally, its URL on the local endpoint). */
  readonly queueUrl: string
  /** An SQS client to use; not with `region`, `endpoint` or `credentials`. @default a new client from those */
  readonly sqs?: SQSClient
}

/** A message as {@link QueueClient} gives it. */
export interface QueueMessage {
  readonly messageId: string
  readonly body: string
  /** The body parsed as JSON, when `json: true` was asked for. */
  readonly json?: unknown
  /** The handle of this receive: {@link QueueClient.delete} takes it. */
  readonly receiptHandle: string
  /** The message's system attributes (`SentTimestamp`, `ApproximateReceiveCount`...), as SQS gives them. */
  readonly attributes: Readonly<Record<string, string>>
  /** Its message attributes; binary values as bytes. */
  readonly messageAttributes: Readonly<
    Record<string, { readonly dataType: string; readonly stringValue?: string; readonly binaryValue?: Uint8Array }>
  >
}

/** Options of {@link QueueClient.messages}. */
export interface PeekOptions {
  /** Parse every body as JSON into `json` (a body that is not JSON throws). @default false */
  readonly json?: boolean
  /** Stop after this many messages. @default 100 */
  readonly limit?: number
}

/** Options of {@link QueueClient.receive}. */
export interface ReceiveOptions {
  /** Parse every body as JSON into `json`. @default false */
  readonly json?: boolean
  /** At most this many messages, 1 to 10. @default 10 */
  readonly max?: number
  /** Long poll up to this many seconds (0 to 20) when the queue is empty. @default 0 */
  readonly waitTimeSeconds?: number
  /** Seconds the received messages stay invisible. @default the queue's VisibilityTimeout */
  readonly visibilityTimeout?: number
  /** Aborts the request. */
  readonly signal?: AbortSignal
}

const OPTION_KEYS: readonly string[] = ['queueUrl', 'sqs', 'region', 'endpoint', 'credentials']
/** How long {@link QueueClient.messages} holds what it saw before it makes it visible again. */
const PEEK_HOLD_SECONDS = 30
/** Receives in a row that bring nothing new before {@link QueueClient.messages} stops. */
const PEEK_EMPTY_ROUNDS = 2

/**
 * Reads an SQS queue from a test, deployed or local: the messages a rule target or an on-failure destination left
 * there, without consuming them ({@link QueueClient.messages}), or consuming them ({@link QueueClient.receive},
 * {@link QueueClient.delete}, {@link QueueClient.purge}). Against the local target, `clientSettings('sqs')` points it
 * at the local endpoint.
 *
 * @example
 * const stack = await resolveTarget()
 * const parked = new QueueClient({ queueUrl: stack.resolve('OnFailureQueue').physicalId, ...stack.clientSettings('sqs') })
 * const messages = await parked.messages({ json: true })
 * expect(messages[0]?.json).toMatchObject({ requestContext: { condition: 'RetryAttemptsExhausted' } })
 * parked.destroy()
 */
export class QueueClient {
  /** The queue's URL. */
  readonly queueUrl: string
  readonly #sqs: SQSClient
  readonly #ownsSqs: boolean

  /**
   * @param options the queue and how to reach it (see {@link QueueClientOptions})
   * @throws {ArgumentError} an option is missing or malformed (named in the message)
   */
  constructor(options: QueueClientOptions) {
    const fail = (argument: string, expectation: string, received: unknown): never =>
      failArgument(QueueClient, 'QueueClient', argument, expectation, received)
    if (options === null || typeof options !== 'object') fail('options', 'an object like { queueUrl }', options)
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.includes(key)) fail(`options.${key}`, `absent (one of ${OPTION_KEYS.join(', ')})`, key)
    }
    const { queueUrl, sqs } = options
    if (typeof queueUrl !== 'string' || !URL.canParse(queueUrl)) {
      fail(
        'options.queueUrl',
        "the queue's URL, such as https://sqs.eu-west-1.amazonaws.com/123456789012/jobs",
        queueUrl,
      )
    }
    checkClientOrSettings(
      options,
      { option: 'sqs', value: sqs, expectation: 'an SQSClient from @aws-sdk/client-sqs' },
      fail,
      'http://127.0.0.1:9324',
    )
    this.queueUrl = queueUrl
    this.#ownsSqs = sqs === undefined
    this.#sqs = sqs ?? new SQSClient(sdkClientConfig(options))
  }

  /**
   * The messages in the queue, looked at without consuming them: it receives until a couple of receives in a row
   * bring nothing new, holding each message it saw (invisible for 30 s) so the next receive reaches the others, then
   * makes them all visible again at once (ChangeMessageVisibility to 0).
   *
   * What SQS does not guarantee: a standard queue's receive samples its servers, so a peek may miss messages (more
   * likely on a near-empty queue; retry through `eventually`); messages already in flight (held by a consumer) are not
   * seen; for the moment of the peek, consumers do not get the messages it holds; and every message seen counts a
   * receive (ApproximateReceiveCount), which counts toward a redrive policy's maxReceiveCount. Against the local
   * target, `LocalApp.messages(ref)` shows every message without receiving any.
   *
   * @example
   * const parked = await queue.messages({ json: true })
   * expect(parked.map((message) => message.json)).toContainEqual(expect.objectContaining({ aggregateId: 'a-1' }))
   */
  async messages(options: PeekOptions = {}): Promise<QueueMessage[]> {
    const { json = false, limit = 100 } = this.#check(options, ['json', 'limit'], this.messages)
    if (!Number.isInteger(limit) || limit < 1) {
      throw atUserLine(
        new ArgumentError('QueueClient.messages', 'options.limit', 'a positive integer', limit),
        this.messages,
      )
    }
    const seen = new Map<string, Message>()
    let emptyRounds = 0
    try {
      while (seen.size < limit && emptyRounds < PEEK_EMPTY_ROUNDS) {
        const { Messages = [] } = await this.#guard('ReceiveMessage', () =>
          this.#sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: this.queueUrl,
              MaxNumberOfMessages: Math.min(10, limit - seen.size),
              VisibilityTimeout: PEEK_HOLD_SECONDS,
              MessageSystemAttributeNames: ['All'],
              MessageAttributeNames: ['All'],
            }),
          ),
        )
        const fresh = Messages.filter((message) => message.MessageId !== undefined && !seen.has(message.MessageId))
        for (const message of fresh) seen.set(message.MessageId as string, message)
        emptyRounds = fresh.length === 0 ? emptyRounds + 1 : 0
      }
    } finally {
      await this.#release([...seen.values()])
    }
    return [...seen.values()].map((message) => toQueueMessage(message, json))
  }

  /**
   * Receives messages, as a consumer does: they stay invisible for the visibility timeout and come back after it
   * unless deleted ({@link QueueClient.delete}).
   *
   * @example
   * const [message] = await queue.receive({ waitTimeSeconds: 5, json: true })
   * await queue.delete([message])
   */
  async receive(options: ReceiveOptions = {}): Promise<QueueMessage[]> {
    const checked = this.#check(
      options,
      ['json', 'max', 'waitTimeSeconds', 'visibilityTimeout', 'signal'],
      this.receive,
    )
    const { json = false, max = 10, waitTimeSeconds = 0, visibilityTimeout, signal } = checked
    const { Messages = [] } = await this.#guard('ReceiveMessage', () =>
      this.#sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: waitTimeSeconds,
          ...(visibilityTimeout === undefined ? {} : { VisibilityTimeout: visibilityTimeout }),
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        signal === undefined ? {} : { abortSignal: signal },
      ),
    )
    return Messages.map((message) => toQueueMessage(message, json))
  }

  /**
   * Deletes received messages (by their receipt handles), in batches of 10.
   *
   * @throws {StakeoutError} SQS refused some (a handle no longer valid), named with why
   * @example
   * await queue.delete(await queue.receive())
   */
  async delete(messages: readonly Pick<QueueMessage, 'receiptHandle'>[]): Promise<void> {
    if (!Array.isArray(messages)) {
      throw atUserLine(
        new ArgumentError('QueueClient.delete', 'messages', 'an array of received messages', messages),
        this.delete,
      )
    }
    for (let start = 0; start < messages.length; start += 10) {
      const batch = messages.slice(start, start + 10)
      const out = await this.#guard('DeleteMessageBatch', () =>
        this.#sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: batch.map((message, index) => ({ Id: `m${start + index}`, ReceiptHandle: message.receiptHandle })),
          }),
        ),
      )
      if ((out.Failed ?? []).length > 0) {
        const why = (out.Failed ?? []).map((entry) => `${entry.Id}: ${entry.Code} ${entry.Message ?? ''}`.trim())
        throw new StakeoutError(
          `QueueClient.delete: SQS did not delete ${why.length} message(s) of ${this.queueUrl}: ${why.join('; ')}`,
        )
      }
    }
  }

  /**
   * Deletes every message of the queue (PurgeQueue). SQS allows one purge a queue every 60 seconds and refuses the
   * next with `PurgeQueueInProgress` (the local endpoint too); on AWS, messages sent during the purge's minute may be
   * deleted as well.
   *
   * @example
   * beforeAll(() => queue.purge())
   */
  async purge(): Promise<void> {
    await this.#guard('PurgeQueue', () => this.#sqs.send(new PurgeQueueCommand({ QueueUrl: this.queueUrl })))
  }

  /**
   * Closes the connections of the SQS client this client made (a client given as `sqs` is yours to close).
   *
   * @example
   * afterAll(() => queue.destroy())
   */
  destroy(): void {
    if (this.#ownsSqs) this.#sqs.destroy()
  }

  /** Makes what a peek held visible again, in batches of 10; one that no longer can be is left as it is. */
  async #release(messages: readonly Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += 10) {
      const batch = messages.slice(start, start + 10)
      await this.#guard('ChangeMessageVisibilityBatch', () =>
        this.#sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: batch.map((message, index) => ({
              Id: `m${start + index}`,
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        ),
      )
    }
  }

  /** Runs one SQS request; a refusal becomes a {@link StakeoutError} naming the operation, the queue and SQS's error. */
  async #guard<T>(operation: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request()
    } catch (error) {
      const { name, message } = error as Error
      throw new StakeoutError(`QueueClient: SQS refused ${operation} on ${this.queueUrl}: ${name}: ${message}`, {
        cause: error,
      })
    }
  }

  #check<T extends object>(options: T, keys: readonly string[], boundary: Function): T {
    const callee = `QueueClient.${boundary.name}`
    if (options === null || typeof options !== 'object') {
      throw atUserLine(new ArgumentError(callee, 'options', 'an object', options), boundary)
    }
    for (const key of Object.keys(options)) {
      if (!keys.includes(key)) {
        throw atUserLine(
          new ArgumentError(callee, `options.${key}`, `absent (one of ${keys.join(', ')})`, key),
          boundary,
        )
      }
    }
    return options
  }
}

function toQueueMessage(message: Message, json: boolean): QueueMessage {
  const body = message.Body ?? ''
  const messageAttributes: Record<string, { dataType: string; stringValue?: string; binaryValue?: Uint8Array }> = {}
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      ...(value.BinaryValue === undefined ? {} : { binaryValue: value.BinaryValue }),
    }
  }
  const base = {
    messageId: message.MessageId ?? '',
    body,
    receiptHandle: message.ReceiptHandle ?? '',
    attributes: { ...message.Attributes } as Record<string, string>,
    messageAttributes,
  }
  if (!json) return base
  try {
    return { ...base, json: JSON.parse(body) as unknown }
  } catch {
    throw new StakeoutError(
      `QueueClient: message ${base.messageId} has a body that is not JSON (asked for json: true): ${JSON.stringify(body.slice(0, 200))}`,
    )
  }
}
