import { randomBytes, randomUUID } from 'node:crypto'
import { sqsError } from './errors.js'
import { type MessageAttributeValue, md5OfAttributes, md5OfBody } from './md5.js'

/** A queue's settings, from its template properties (SQS's defaults where absent). */
export interface QueueSettings {
  readonly name: string
  readonly url: string
  readonly arn: string
  /** Seconds a received message stays invisible. @default 30 */
  readonly visibilityTimeout: number
  /** Seconds a message is kept. @default 345600 (4 days) */
  readonly messageRetentionPeriod: number
  /** Seconds every new message waits before it can be received. @default 0 */
  readonly delaySeconds: number
  /** The long poll of a ReceiveMessage that gives no WaitTimeSeconds. @default 0 */
  readonly receiveMessageWaitTimeSeconds: number
  /** The largest message (body and attributes), in bytes. @default 262144 */
  readonly maximumMessageSize: number
  /** Where a message goes once received more than `maxReceiveCount` times. */
  readonly redrivePolicy?: { readonly deadLetterTargetArn: string; readonly maxReceiveCount: number }
  /** The template's other attributes GetQueueAttributes reports as given (SqsManagedSseEnabled...). */
  readonly reported?: Readonly<Record<string, string>>
}

/** A message as a queue holds it. */
export interface StoredMessage {
  readonly messageId: string
  readonly body: string
  readonly md5OfBody: string
  readonly messageAttributes: Readonly<Record<string, MessageAttributeValue>>
  readonly md5OfMessageAttributes: string | undefined
  readonly systemAttributes: Readonly<Record<string, MessageAttributeValue>>
  readonly md5OfMessageSystemAttributes: string | undefined
  /** When it was sent (ms since the epoch): kept when it moves to a dead-letter queue, as SQS keeps it. */
  readonly sentTimestamp: number
  readonly senderId: string
  receiveCount: number
  firstReceiveTimestamp: number | undefined
  /** Until then (ms) it cannot be received: its delay, or its visibility timeout once received. */
  visibleAt: number
  /** The handle of its latest receive: only it deletes the message or changes its visibility. */
  receiptHandle: string | undefined
  /** The ARN of the queue it was moved from, once a redrive moved it. */
  deadLetterQueueSourceArn?: string
}

/** What a send gives to a queue. */
export interface MessageToStore {
  readonly body: string
  readonly messageAttributes?: Readonly<Record<string, MessageAttributeValue>>
  readonly systemAttributes?: Readonly<Record<string, MessageAttributeValue>>
  /** Overrides the queue's DelaySeconds. */
  readonly delaySeconds?: number
  readonly senderId?: string
}

/** One message of a receive, with the handle of this receive. */
export interface ReceivedMessage {
  readonly message: StoredMessage
  readonly receiptHandle: string
}

/** Purges closer together than this are refused (PurgeQueueInProgress), as SQS refuses them. */
const PURGE_INTERVAL_MS = 60_000

/**
 * One local queue: its messages in send order, each visible, delayed or in flight. Every change is synchronous, so
 * two receives never take the same visible message; a long poll waits on {@link LocalQueue.changed}.
 *
 * @example
 * const queue = new LocalQueue(settings, () => deadLetterQueue, console.warn)
 * queue.store({ body: 'hello' })
 * const [received] = await queue.receive(10, 30, 20, signal)
 * queue.delete(received.receiptHandle)
 */
export class LocalQueue {
  readonly settings: QueueSettings
  /** Its URL (GetQueueUrl's answer): the endpoint's, once it is up. */
  url: string
  readonly createdTimestamp = Date.now()
  readonly #messages = new Map<string, StoredMessage>()
  readonly #waiters = new Set<() => void>()
  readonly #lost: (line: string) => void
  #lastPurge: number | undefined
  /** The dead-letter queue, looked up when a message must move (the queues are created together). */
  readonly #deadLetterQueue: () => LocalQueue | undefined

  constructor(settings: QueueSettings, deadLetterQueue: () => LocalQueue | undefined, lost: (line: string) => void) {
    this.settings = settings
    this.url = settings.url
    this.#deadLetterQueue = deadLetterQueue
    this.#lost = lost
  }

  /** Stores a message; its id. */
  store(input: MessageToStore): StoredMessage {
    const now = Date.now()
    const messageAttributes = input.messageAttributes ?? {}
    const systemAttributes = input.systemAttributes ?? {}
    const message: StoredMessage = {
      messageId: randomUUID(),
      body: input.body,
      md5OfBody: md5OfBody(input.body),
      messageAttributes,
      md5OfMessageAttributes: md5OfAttributes(messageAttributes),
      systemAttributes,
      md5OfMessageSystemAttributes: md5OfAttributes(systemAttributes),
      sentTimestamp: now,
      senderId: input.senderId ?? 'AIDALOCALSTAKEOUT',
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      visibleAt: now + (input.delaySeconds ?? this.settings.delaySeconds) * 1000,
      receiptHandle: undefined,
    }
    this.#messages.set(message.messageId, message)
    this.#notify()
    return message
  }

  /**
   * Takes a message moved here by a redrive: same id, body, attributes and sent time (SQS counts a dead-lettered
   * message's retention from its first enqueue). Its receive count starts again: the Developer Guide does not say
   * whether SQS keeps it, and a count that starts at 1 in the DLQ is the reading a test cannot mistake.
   */
  adopt(message: StoredMessage, from: string): void {
    message.receiveCount = 0
    message.firstReceiveTimestamp = undefined
    message.receiptHandle = undefined
    message.visibleAt = Date.now()
    message.deadLetterQueueSourceArn = from
    this.#messages.set(message.messageId, message)
    this.#notify()
  }

  /**
   * Takes up to `max` visible messages, in send order, each made invisible for `visibilityTimeout` seconds with a new
   * receipt handle. A message already received `maxReceiveCount` times moves to the dead-letter queue instead.
   */
  take(max: number, visibilityTimeout: number): ReceivedMessage[] {
    const now = Date.now()
    this.#expire(now)
    const taken: ReceivedMessage[] = []
    const redrive = this.settings.redrivePolicy
    for (const message of this.#messages.values()) {
      if (taken.length >= max) break
      if (message.visibleAt > now) continue
      if (redrive !== undefined && message.receiveCount >= redrive.maxReceiveCount) {
        const target = this.#deadLetterQueue()
        if (target !== undefined) {
          this.#messages.delete(message.messageId)
          target.adopt(message, this.settings.arn)
          continue
        }
      }
      message.receiveCount += 1
      message.firstReceiveTimestamp ??= now
      message.visibleAt = now + visibilityTimeout * 1000
      message.receiptHandle = receiptHandle(message.messageId)
      taken.push({ message, receiptHandle: message.receiptHandle })
    }
    return taken
  }

  /**
   * Takes messages as {@link LocalQueue.take} does, waiting up to `waitSeconds` for one to arrive (or to become
   * visible) when none is there: a long poll. Ends early, empty, when `signal` aborts.
   */
  async receive(
    max: number,
    visibilityTimeout: number,
    waitSeconds: number,
    signal: AbortSignal,
  ): Promise<ReceivedMessage[]> {
    const deadline = Date.now() + waitSeconds * 1000
    for (;;) {
      const taken = this.take(max, visibilityTimeout)
      const now = Date.now()
      if (taken.length > 0 || now >= deadline || signal.aborted) return taken
      const next = Math.min(deadline, this.#nextVisible(now))
      await this.changed(next - now, signal)
    }
  }

  /** Resolves on the next send (or visibility change), after `ms`, or when `signal` aborts: whichever is first. */
  changed(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#waiters.delete(done)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, Math.max(0, ms))
      this.#waiters.add(done)
      signal.addEventListener('abort', done, { once: true })
    })
  }

  /**
   * Deletes the message of `handle`. A handle of a message already deleted succeeds, as SQS's DeleteMessage does; one
   * replaced by a later receive leaves the message, as SQS says a stale handle may.
   *
   * @throws {AwsServiceError} ReceiptHandleIsInvalid: not a handle this service gave
   */
  delete(handle: string): void {
    const message = this.#messages.get(messageIdOf(handle))
    if (message !== undefined && message.receiptHandle === handle) this.#messages.delete(message.messageId)
  }

  /**
   * Makes the message of `handle` visible again after `seconds` from now (0: now).
   *
   * @throws {AwsServiceError} ReceiptHandleIsInvalid (not a handle), MessageNotInflight (its visibility timeout has
   * passed), InvalidParameterValue (the message is gone or was received again since)
   */
  changeVisibility(handle: string, seconds: number): void {
    const message = this.#messages.get(messageIdOf(handle))
    if (message === undefined || message.receiptHandle !== handle) {
      throw sqsError(
        'InvalidParameterValue',
        `Value ${handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
      )
    }
    const now = Date.now()
    if (message.visibleAt <= now) throw sqsError('MessageNotInflight', 'Message is not in flight.')
    message.visibleAt = now + seconds * 1000
    this.#notify()
  }

  /**
   * Deletes every message.
   *
   * @throws {AwsServiceError} PurgeQueueInProgress: the last purge was less than 60 seconds ago
   */
  purge(): void {
    const now = Date.now()
    if (this.#lastPurge !== undefined && now - this.#lastPurge < PURGE_INTERVAL_MS) {
      throw sqsError(
        'PurgeQueueInProgress',
        `Only one PurgeQueue operation on ${this.settings.name} is allowed every 60 seconds.`,
      )
    }
    this.#lastPurge = now
    this.#messages.clear()
  }

  /** Every message it holds, visible, delayed or in flight, in send order: nothing changes. */
  peek(): StoredMessage[] {
    this.#expire(Date.now())
    return [...this.#messages.values()]
  }

  /** The counts GetQueueAttributes reports. */
  counts(): { visible: number; inFlight: number; delayed: number } {
    const now = Date.now()
    this.#expire(now)
    let visible = 0
    let inFlight = 0
    let delayed = 0
    for (const message of this.#messages.values()) {
      if (message.visibleAt <= now) visible += 1
      else if (message.receiptHandle !== undefined) inFlight += 1
      else delayed += 1
    }
    return { visible, inFlight, delayed }
  }

  #nextVisible(now: number): number {
    let next = Number.POSITIVE_INFINITY
    for (const message of this.#messages.values()) {
      if (message.visibleAt > now && message.visibleAt < next) next = message.visibleAt
    }
    return next
  }

  #expire(now: number): void {
    const retention = this.settings.messageRetentionPeriod * 1000
    let expired = 0
    for (const message of this.#messages.values()) {
      if (message.sentTimestamp + retention > now) continue
      this.#messages.delete(message.messageId)
      expired += 1
    }
    if (expired > 0) {
      this.#lost(
        `SQS: ${expired} message(s) of ${this.settings.name} deleted: older than its MessageRetentionPeriod (${this.settings.messageRetentionPeriod} s)`,
      )
    }
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter()
  }
}

/** A new receipt handle: the message id and random bytes, so every receive gives another. */
function receiptHandle(messageId: string): string {
  return Buffer.from(`${messageId} ${randomBytes(24).toString('base64url')}`, 'utf8').toString('base64')
}

/**
 * The message id a handle names.
 *
 * @throws {AwsServiceError} ReceiptHandleIsInvalid: not a handle a local queue gave
 */
function messageIdOf(handle: string): string {
  const [messageId, random] = Buffer.from(handle, 'base64').toString('utf8').split(' ')
  if (messageId === undefined || random === undefined || !/^[0-9a-f-]{36}$/.test(messageId)) {
    throw sqsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`)
  }
  return messageId
}
