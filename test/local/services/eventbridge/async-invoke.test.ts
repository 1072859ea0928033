// Lambda's asynchronous invocation queue on its own: the invoke is a stand-in that answers as the local pool does
// (an InvokeResult, or the pool's FunctionThrottledError past the reserved concurrency), so throttles and ages can be
// forced; the real processes behind it are exercised in delivery.test.ts.
import { describe, expect, it } from 'vitest'
import type { InvokeResult } from '../../../../src/local/invoke-handler.js'
import {
  AsyncInvokeQueue,
  type AsyncInvokeQueueOptions,
  LOCAL_ASYNC_CONCURRENCY,
} from '../../../../src/local/services/async-invoke.js'
import { FunctionThrottledError } from '../../../../src/local/services/lambda-api.js'
import { queueArnOf, testQueues } from '../../../support/queues.js'

const ok = (result: unknown): InvokeResult => ({ result, logs: '', durationMs: 1, requestId: 'r' })

function queueWith(invoke: AsyncInvokeQueueOptions['invoke'], extra: Partial<AsyncInvokeQueueOptions> = {}) {
  const lines: string[] = []
  const queues = testQueues(['failures', 'successes'])
  const queue = new AsyncInvokeQueue({
    invoke,
    functionArn: (logicalId) => `arn:aws:lambda:us-east-1:000000000000:function:${logicalId}`,
    queues,
    log: (line) => lines.push(line),
    ...extra,
  })
  return { queue, queues, lines }
}

describe('AsyncInvokeQueue', () => {
  it('runs a burst of events to one function at most LOCAL_ASYNC_CONCURRENCY at a time, and every one of them', async () => {
    const running = new Map<string, number>()
    const most = new Map<string, number>()
    const seen: number[] = []
    const { queue } = queueWith(async (id, event) => {
      running.set(id, (running.get(id) ?? 0) + 1)
      most.set(id, Math.max(most.get(id) ?? 0, running.get(id) ?? 0))
      await new Promise((resolve) => setTimeout(resolve, 2))
      running.set(id, (running.get(id) ?? 0) - 1)
      seen.push((event as { n: number }).n)
      return ok(null)
    })
    for (let n = 0; n < 100; n++) queue.enqueue(n % 2 === 0 ? 'even' : 'odd', { n })
    await queue.idle()
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, n) => n))
    expect(most).toEqual(
      new Map([
        ['even', LOCAL_ASYNC_CONCURRENCY],
        ['odd', LOCAL_ASYNC_CONCURRENCY],
      ]),
    )
  })

  it('tries a throttled event again until it runs, without counting the throttles as retries', async () => {
    let calls = 0
    const { queue, queues } = queueWith(async (_id, event) => {
      calls += 1
      if (calls <= 4)
        throw new FunctionThrottledError('function f', 'ReservedFunctionConcurrentInvocationLimitExceeded', 'busy')
      return ok({ echoed: event })
    })
    queue.enqueue(
      'f',
      { n: 1 },
      { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60, onSuccess: queueArnOf('successes') },
    )
    await queue.idle()
    expect(calls).toBe(5)
    expect(queues.bodies('successes')).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({ condition: 'Success', approximateInvokeCount: 1 }),
        responseContext: { statusCode: 200, executedVersion: '$LATEST' },
        responsePayload: { echoed: { n: 1 } },
      }),
    ])
  })

  it('sends every event of a function at reserved concurrency 0 to OnFailure without running it', async () => {
    let calls = 0
    const { queue, queues } = queueWith(
      async () => {
        calls += 1
        return ok(null)
      },
      { reservedConcurrency: () => 0 },
    )
    queue.enqueue(
      'f',
      { n: 2 },
      { maximumRetryAttempts: 2, maximumEventAgeSeconds: 60, onFailure: queueArnOf('failures') },
    )
    await queue.idle()
    expect(calls).toBe(0)
    const [record] = queues.bodies('failures') as Array<Record<string, unknown>>
    expect(record?.requestContext).toMatchObject({ condition: 'RetriesExhausted', approximateInvokeCount: 0 })
    expect(record?.requestPayload).toEqual({ n: 2 })
    expect(record).not.toHaveProperty('responseContext')
  })

  it('gives up on an event older than MaximumEventAgeInSeconds with EventAgeExceeded', async () => {
    const { queue, queues } = queueWith(
      async () => {
        throw new FunctionThrottledError('function f', 'ReservedFunctionConcurrentInvocationLimitExceeded', 'busy')
      },
      { throttleDelaysMs: { first: 400, max: 400 } },
    )
    // An age limit of 0.3 s (AWS allows 60 s and more; the queue takes what the config says).
    queue.enqueue(
      'f',
      { n: 3 },
      { maximumRetryAttempts: 2, maximumEventAgeSeconds: 0.3, onFailure: queueArnOf('failures') },
    )
    await queue.idle()
    expect((queues.bodies('failures')[0] as { requestContext: unknown }).requestContext).toMatchObject({
      condition: 'EventAgeExceeded',
      approximateInvokeCount: 0,
    })
  })

  it('ends at stop() with one line naming what it had not delivered', async () => {
    const { queue, lines } = queueWith(
      async () => {
        throw new FunctionThrottledError('function f', 'ReservedFunctionConcurrentInvocationLimitExceeded', 'busy')
      },
      { throttleDelaysMs: { first: 60_000, max: 60_000 } },
    )
    queue.enqueue('f', { n: 1 })
    queue.enqueue('g', { n: 2 })
    await new Promise((resolve) => setTimeout(resolve, 50))
    await queue.stop()
    await queue.stop()
    expect(lines).toEqual([
      expect.stringMatching(
        /^stakeout local Lambda: stopped with 2 asynchronous invocations not delivered: f \(request .*\), g \(request/,
      ),
    ])
    expect(queue.pending).toBe(0)
  })
})
