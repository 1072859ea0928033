import type { LocalQueueMessage, LocalQueues, QueueMessageInput } from '../../app/services.js'
import { noSuchQueue } from './errors.js'
import { checkMessage } from './message-checks.js'
import { LocalQueue, type QueueSettings, type StoredMessage } from './queue.js'

/**
 * The queues of a local app, found by URL (any URL whose path ends in `/<account>/<name>`: the SDK sends the
 * QueueUrl in the body), ARN or name: what the endpoint serves and the in-process {@link LocalQueues} API.
 *
 * @example
 * const queues = new LocalQueueSet(settings, '000000000000', console.warn)
 * queues.send('arn:aws:sqs:us-east-1:000000000000:parked', { body: '{"requestContext":{}}' })
 * queues.peek('parked')
 */
export class LocalQueueSet implements LocalQueues {
  readonly #byName = new Map<string, LocalQueue>()
  readonly #account: string

  /**
   * @param lost where a line goes for messages SQS itself drops (past MessageRetentionPeriod)
   */
  constructor(settings: readonly QueueSettings[], account: string, lost: (line: string) => void) {
    this.#account = account
    const byArn = new Map<string, LocalQueue>()
    for (const each of settings) {
      const target = each.redrivePolicy?.deadLetterTargetArn
      const queue = new LocalQueue(each, () => (target === undefined ? undefined : byArn.get(target)), lost)
      this.#byName.set(each.name, queue)
      byArn.set(each.arn, queue)
    }
  }

  /** Every queue. */
  all(): LocalQueue[] {
    return [...this.#byName.values()]
  }

  /** The queue of a URL, ARN or name; `undefined` for none. */
  find(queue: string): LocalQueue | undefined {
    if (typeof queue !== 'string' || queue === '') return undefined
    if (queue.startsWith('arn:')) {
      const [, , service, , account, name] = queue.split(':')
      return service === 'sqs' && account === this.#account && name !== undefined ? this.#byName.get(name) : undefined
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(queue)) {
      if (!URL.canParse(queue)) return undefined
      const [account, name, ...rest] = new URL(queue).pathname.split('/').filter(Boolean).slice(-2)
      if (rest.length > 0 || account !== this.#account || name === undefined) return undefined
      return this.#byName.get(decodeURIComponent(name))
    }
    return this.#byName.get(queue)
  }

  /**
   * The queue of a URL, ARN or name.
   *
   * @throws {AwsServiceError} QueueDoesNotExist
   */
  get(queue: unknown): LocalQueue {
    const found = typeof queue === 'string' ? this.find(queue) : undefined
    if (found === undefined) throw noSuchQueue()
    return found
  }

  has(queue: string): boolean {
    return this.find(queue) !== undefined
  }

  send(queue: string, message: QueueMessageInput): { readonly messageId: string } {
    const target = this.get(queue)
    const checked = checkMessage(
      {
        MessageBody: message.body,
        ...(message.messageAttributes === undefined ? {} : { MessageAttributes: message.messageAttributes }),
        ...(message.messageGroupId === undefined ? {} : { MessageGroupId: message.messageGroupId }),
        ...(message.messageDeduplicationId === undefined
          ? {}
          : { MessageDeduplicationId: message.messageDeduplicationId }),
      },
      target.settings.maximumMessageSize,
    )
    const stored = target.store({
      body: checked.body,
      messageAttributes: checked.messageAttributes,
      // An AWS service sends as itself, not as a user.
      senderId: 'AROALOCALSERVICE',
    })
    return { messageId: stored.messageId }
  }

  peek(queue: string): LocalQueueMessage[] {
    const now = Date.now()
    return this.get(queue)
      .peek()
      .map((message) => describeMessage(message, now))
  }
}

/** A stored message as a test sees it. */
function describeMessage(message: StoredMessage, now = Date.now()): LocalQueueMessage {
  const state = message.visibleAt <= now ? 'visible' : message.receiptHandle === undefined ? 'delayed' : 'inFlight'
  return {
    messageId: message.messageId,
    body: message.body,
    md5OfBody: message.md5OfBody,
    messageAttributes: message.messageAttributes,
    sentTimestamp: message.sentTimestamp,
    receiveCount: message.receiveCount,
    state,
    ...(message.firstReceiveTimestamp === undefined ? {} : { firstReceiveTimestamp: message.firstReceiveTimestamp }),
    ...(message.deadLetterQueueSourceArn === undefined
      ? {}
      : { deadLetterQueueSourceArn: message.deadLetterQueueSourceArn }),
  }
}
