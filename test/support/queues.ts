import { LocalQueueSet } from '../../src/local/services/sqs/queues.js'
import { QUEUE_DEFAULTS } from '../../src/local/services/sqs/service.js'
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../src/target/index.js'

/** Where a test's queues live: their ARNs' region and account. */
export interface QueuesWhere {
  readonly region: string
  readonly account: string
}

/**
 * The real in-process queues of a local app, for the tests of a service that sends to them (the bus, a stream
 * mapping): a queue that was not created is refused as SQS refuses it, and a message is checked as SendMessage
 * checks it.
 */
export class TestQueues extends LocalQueueSet {
  /** The bodies held by a queue (name, ARN or URL), parsed, in the order they were sent. */
  bodies(queue: string): unknown[] {
    return this.peek(queue).map((message) => JSON.parse(message.body) as unknown)
  }
}

/**
 * Standard queues with SQS's default settings, each given by name or by ARN (then of `where`'s account).
 *
 * @example
 * const queues = testQueues(['dlq'])
 * queues.send(queueArnOf('dlq'), { body: '{}' })
 * expect(queues.bodies('dlq')).toEqual([{}])
 */
export function testQueues(
  queues: readonly string[],
  where: QueuesWhere = { region: LOCAL_REGION, account: LOCAL_ACCOUNT },
): TestQueues {
  const settings = queues.map((queue) => {
    if (!queue.startsWith('arn:')) return { ...QUEUE_DEFAULTS, name: queue, url: '', arn: queueArnOf(queue, where) }
    const [, , service, region, account, name] = queue.split(':')
    if (service !== 'sqs' || account !== where.account || region !== where.region || !name)
      throw new Error(`testQueues: ${queue} must be an SQS queue ARN of ${where.region} and account ${where.account}`)
    return { ...QUEUE_DEFAULTS, name, url: '', arn: queue }
  })
  // Retention is SQS's four days: a test never reaches it, and a drop would still be said.
  return new TestQueues(settings, where.account, console.warn)
}

/** The ARN of a queue named `name` in `where`. */
export function queueArnOf(
  name: string,
  where: QueuesWhere = { region: LOCAL_REGION, account: LOCAL_ACCOUNT },
): string {
  return `arn:aws:sqs:${where.region}:${where.account}:${name}`
}
