import { createHash, randomUUID } from 'node:crypto'
import { AwsServiceError, type JsonService, startJsonService } from '../../src/local/services/json-protocol.js'

/**
 * A peek-only SQS for the matcher's tests: ReceiveMessage (AWS JSON 1.0, `AmazonSQS`, on the shared protocol
 * seam, so the real SQS client of the matcher talks to it over HTTP), answering with the messages a test put in a
 * queue and keeping every request, so a test can check the peek left them visible (`VisibilityTimeout: 0`). The
 * local SQS service (src/local/services/sqs) is another helper's; these tests need only what a queue holds.
 */
export interface PeekableQueues {
  readonly endpoint: string
  /** A queue URL on this endpoint. */
  url(name: string): string
  /** Puts a message in a queue (body as JSON, attributes as SQS's String attributes). */
  put(queueUrl: string, body: unknown, attributes?: Record<string, string>): void
  /** Empties a queue. */
  clear(queueUrl: string): void
  /** The ReceiveMessage requests received. */
  readonly receives: Record<string, unknown>[]
  stop(): Promise<void>
}

/** Starts {@link PeekableQueues} on 127.0.0.1. */
export async function startPeekableQueues(): Promise<PeekableQueues> {
  const queues = new Map<
    string,
    { MessageId: string; ReceiptHandle: string; Body: string; MD5OfBody: string; MessageAttributes: object }[]
  >()
  const receives: Record<string, unknown>[] = []
  let service: JsonService | undefined
  service = await startJsonService({
    service: 'SQS',
    targetPrefix: 'AmazonSQS',
    jsonVersion: '1.0',
    operations: {
      ReceiveMessage: (input) => {
        receives.push(input)
        const messages = queues.get(String(input.QueueUrl))
        if (messages === undefined) {
          throw new AwsServiceError('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.')
        }
        return { Messages: messages.slice(0, Number(input.MaxNumberOfMessages ?? 1)) }
      },
    },
  })
  const endpoint = service.endpoint
  return {
    endpoint,
    url: (name) => {
      const url = `${endpoint}/000000000000/${name}`
      if (!queues.has(url)) queues.set(url, [])
      return url
    },
    put: (queueUrl, body, attributes = {}) => {
      const messages = queues.get(queueUrl)
      if (messages === undefined) throw new Error(`no queue ${queueUrl}`)
      const text = JSON.stringify(body)
      messages.push({
        MessageId: randomUUID(),
        ReceiptHandle: randomUUID(),
        Body: text,
        // The SDK checks every received body against it, as SQS sends it.
        MD5OfBody: createHash('md5').update(text).digest('hex'),
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
        ),
      })
    },
    clear: (queueUrl) => {
      queues.get(queueUrl)?.splice(0)
    },
    receives,
    stop: () => service?.stop() ?? Promise.resolve(),
  }
}
