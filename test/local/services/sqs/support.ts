import { SQSClient } from '@aws-sdk/client-sqs'
import type { JsonService } from '../../../../src/local/services/json-protocol.js'
import type { QueueSettings } from '../../../../src/local/services/sqs/queue.js'
import type { LocalQueueSet } from '../../../../src/local/services/sqs/queues.js'
import { QUEUE_DEFAULTS, queueArn, startLocalQueues } from '../../../../src/local/services/sqs/service.js'

export const where = { region: 'eu-west-1', account: '123456789012' }
const credentials = { accessKeyId: 'stakeoutlocal', secretAccessKey: 'stakeoutlocal' }

/** A standard queue's settings: SQS's defaults, then `overrides`. */
export function queue(name: string, overrides: Partial<QueueSettings> = {}): QueueSettings {
  return { ...QUEUE_DEFAULTS, name, url: '', arn: queueArn(where, name), ...overrides }
}

export interface Started {
  readonly queues: LocalQueueSet
  readonly endpoint: JsonService
  readonly sqs: SQSClient
  readonly lost: string[]
  /** The URL of a queue by name. */
  url(name: string): string
  stop(): Promise<void>
}

/** The queues and their endpoint, with a real SDK client on it (no retries: each error is seen as SQS gave it). */
export async function startQueues(settings: readonly QueueSettings[]): Promise<Started> {
  const lost: string[] = []
  const { queues, endpoint } = await startLocalQueues(settings, where, (line) => lost.push(line))
  const sqs = new SQSClient({ endpoint: endpoint.endpoint, region: where.region, credentials, maxAttempts: 1 })
  return {
    queues,
    endpoint,
    sqs,
    lost,
    url(name) {
      const found = queues.find(name)
      if (found === undefined) throw new Error(`no queue ${name}`)
      return found.url
    },
    async stop() {
      sqs.destroy()
      await endpoint.stop()
    },
  }
}
