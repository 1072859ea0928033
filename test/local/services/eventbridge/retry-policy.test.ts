// A rule target's RetryPolicy on its own: locally no target fails retriably by itself (a missing one is NO_RESOURCE,
// never retried), so the attempt is a stand-in that fails as EventBridge sorts failures (retriable THROTTLING).
import { describe, expect, it } from 'vitest'
import { checkFaults } from '../../../../src/local/app/faults.js'
import { type AttemptOutcome, TargetDelivery } from '../../../../src/local/services/eventbridge/delivery.js'
import { compilePattern } from '../../../../src/local/services/eventbridge/pattern.js'
import type { EventEnvelope } from '../../../../src/local/services/eventbridge/put-events.js'
import type { LocalRule, LocalTarget } from '../../../../src/local/services/eventbridge/rules.js'
import { queueArnOf, testQueues } from '../../../support/queues.js'

const target: LocalTarget = {
  id: 'q',
  arn: queueArnOf('target'),
  destination: { kind: 'queue', arn: queueArnOf('target') },
  retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 60 },
  deadLetterArn: queueArnOf('dlq'),
}
const rule = {
  name: 'R',
  arn: 'arn:aws:events:us-east-1:000000000000:rule/R',
  targets: [target],
  pattern: compilePattern({ source: ['a'] }),
} as unknown as LocalRule
const event = { id: 'e-1', source: 'a' } as unknown as EventEnvelope

function deliveryFailing(times: number) {
  let calls = 0
  const queues = testQueues(['dlq'])
  const delivery = new TargetDelivery({
    faults: checkFaults(undefined, deliveryFailing),
    attempt: (): AttemptOutcome => {
      calls += 1
      return calls <= times
        ? { delivered: false, retriable: true, code: 'THROTTLING', message: 'Rate exceeded' }
        : { delivered: true }
    },
    queues,
    log: () => {},
    retryDelaysMs: { first: 5, max: 20 },
  })
  return { delivery, queues, calls: () => calls }
}

describe('TargetDelivery: the target’s RetryPolicy', () => {
  it('retries a retriable failure and delivers once it passes', async () => {
    const { delivery, queues, calls } = deliveryFailing(2)
    delivery.dispatch(rule, target, event, event)
    await delivery.idle()
    expect(calls()).toBe(3)
    expect(queues.bodies('dlq')).toEqual([])
  })

  it('sends the event to the DLQ after MaximumRetryAttempts, saying which condition ran out', async () => {
    const { delivery, queues, calls } = deliveryFailing(10)
    delivery.dispatch(rule, target, event, event)
    await delivery.idle()
    expect(calls()).toBe(3)
    const [dead] = queues.peek('dlq')
    expect(JSON.parse(dead?.body ?? '{}')).toEqual(event)
    expect(dead?.messageAttributes).toMatchObject({
      ERROR_CODE: { StringValue: 'THROTTLING' },
      ERROR_MESSAGE: { StringValue: 'Rate exceeded' },
      EXHAUSTED_RETRY_CONDITION: { StringValue: 'MaximumRetryAttempts' },
      RETRY_ATTEMPTS: { StringValue: '2' },
    })
  })
})
