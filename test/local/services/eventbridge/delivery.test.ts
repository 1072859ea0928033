import { PutEventsCommand } from '@aws-sdk/client-eventbridge'
import { afterEach, describe, expect, it } from 'vitest'
import type { LocalFaults } from '../../../../src/local/app/types.js'
import { queueArn, type StartedBus, settled, startBus, type Template } from './support.js'

let started: StartedBus[] = []
afterEach(async () => {
  await Promise.all(started.map((bus) => bus.stop()))
  started = []
})

async function bus(template: Template, options: { queues?: string[]; faults?: LocalFaults } = {}) {
  const one = await startBus(template, options)
  started.push(one)
  return one
}

const put = (on: StartedBus, entries: Array<Record<string, unknown>>) =>
  on.client.send(new PutEventsCommand({ Entries: entries as never }))
const event = (n: number) => ({ Source: 'shop', DetailType: 'OrderPlaced', Detail: JSON.stringify({ n }) })

describe('the local EventBridge: Lambda targets through the asynchronous invocation queue', () => {
  const template = (handler: string, config: Record<string, unknown> | undefined): Template => ({
    Projector: {
      Type: 'AWS::Lambda::Function',
      Properties: { Handler: handler, FunctionName: 'projector', Runtime: 'nodejs22.x' },
    },
    ToProjector: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventPattern: { source: ['shop'] },
        Targets: [{ Id: 'fn', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:projector' }],
      },
    },
    ...(config === undefined
      ? {}
      : {
          Config: {
            Type: 'AWS::Lambda::EventInvokeConfig',
            Properties: { FunctionName: { Ref: 'Projector' }, Qualifier: '$LATEST', ...config },
          },
        }),
  })

  it('invokes the function with the event, once when it succeeds', async () => {
    const local = await bus(template('targets.record', undefined))
    const out = await put(local, [event(1)])
    await settled(local)
    expect(local.invocations).toEqual([
      { logicalId: 'Projector', event: expect.objectContaining({ id: out.Entries?.[0]?.EventId, detail: { n: 1 } }) },
    ])
  })

  it('retries a failing function MaximumRetryAttempts times, then sends Lambda’s invocation record to OnFailure', async () => {
    const local = await bus(
      template('targets.fail', {
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: queueArn('failures') } },
      }),
      { queues: ['failures'] },
    )
    const out = await put(local, [event(7)])
    await settled(local)
    expect(local.invocations).toHaveLength(2)
    const [record] = local.queues.bodies('failures') as Array<Record<string, unknown>>
    expect(record).toEqual({
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:projector:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 2,
      },
      requestPayload: expect.objectContaining({ id: out.Entries?.[0]?.EventId, detail: { n: 7 } }),
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: expect.objectContaining({ errorType: 'Error', errorMessage: 'refused 7' }),
    })
    expect(local.queues.bodies('failures')).toHaveLength(1)
  })

  it('retries twice by default and, without a destination, says in one line that the event was discarded', async () => {
    const local = await bus(template('targets.fail', undefined))
    await put(local, [event(3)])
    await settled(local)
    expect(local.invocations).toHaveLength(3)
    expect(local.lines.filter((line) => line.includes('discarded'))).toEqual([
      expect.stringMatching(
        /asynchronous invocation .* of Projector discarded.*failed 3 times \(MaximumRetryAttempts 2\): Error: refused 3/,
      ),
    ])
  })

  it('sends an event for a function that is not in the stack to the rule target’s DLQ at once (NO_RESOURCE)', async () => {
    const local = await bus(
      {
        ToNowhere: {
          Type: 'AWS::Events::Rule',
          Properties: {
            EventPattern: { source: ['shop'] },
            Targets: [
              {
                Id: 'gone',
                Arn: 'arn:aws:lambda:us-east-1:000000000000:function:gone',
                RetryPolicy: { MaximumRetryAttempts: 3 },
                DeadLetterConfig: { Arn: queueArn('dlq') },
              },
            ],
          },
        },
      },
      { queues: ['dlq'] },
    )
    const out = await put(local, [event(1)])
    await settled(local)
    const [dead] = local.queues.peek('dlq')
    expect(JSON.parse(dead?.body ?? '{}').id).toBe(out.Entries?.[0]?.EventId)
    expect(dead?.messageAttributes?.ERROR_CODE?.StringValue).toBe('NO_RESOURCE')
    expect(dead?.messageAttributes?.TARGET_ARN?.StringValue).toBe('arn:aws:lambda:us-east-1:000000000000:function:gone')
    expect(dead?.messageAttributes?.RETRY_ATTEMPTS?.StringValue).toBe('0')
  })
})

describe('the local EventBridge: delivery faults', () => {
  const toQueue: Template = {
    All: {
      Type: 'AWS::Events::Rule',
      Properties: { EventPattern: { source: ['shop'] }, Targets: [{ Id: 'q', Arn: queueArn('seen') }] },
    },
  }
  /** Three PutEvents of 10 entries, one after the other, each delivered before the next: the sequence the queue saw. */
  async function run(faults: LocalFaults) {
    const local = await bus(toQueue, { queues: ['seen'], faults })
    for (let call = 0; call < 3; call += 1) {
      await put(
        local,
        Array.from({ length: 10 }, (_, index) => event(call * 10 + index)),
      )
      await settled(local)
    }
    const sequence = local.queues.bodies('seen').map((body) => (body as { detail: { n: number } }).detail.n)
    return { sequence, counts: local.service.apis?.events?.faultCounts() }
  }

  it('duplicates and reorders deliveries, the same way for the same seed, and counts what it did', async () => {
    const faults = { seed: 7, eventBridge: { duplicate: 0.3, reorder: true } }
    const first = await run(faults)
    const again = await run(faults)
    const other = await run({ ...faults, seed: 8 })
    expect(again.sequence).toEqual(first.sequence)
    expect(other.sequence).not.toEqual(first.sequence)
    const inOrder = Array.from({ length: 30 }, (_, n) => n)
    expect(first.sequence).not.toEqual(inOrder)
    expect(new Set(first.sequence)).toEqual(new Set(inOrder))
    expect(first.counts?.duplicated).toBe(first.sequence.length - 30)
    expect(first.counts?.duplicated).toBeGreaterThan(0)
    expect(first.counts?.reordered).toBeGreaterThan(0)
  })

  it('delivers every event exactly once and in order with no fault on', async () => {
    const plain = await run({})
    expect(plain.sequence).toEqual(Array.from({ length: 30 }, (_, n) => n))
    expect(plain.counts).toEqual({ duplicated: 0, reordered: 0, delayed: 0 })
  })

  it('delays deliveries, and at stop() logs once what it had not delivered yet', async () => {
    const local = await bus(toQueue, { queues: ['seen'], faults: { seed: 1, eventBridge: { delayMs: 60_000 } } })
    await put(local, [event(1), event(2)])
    expect(local.service.apis?.events?.faultCounts().delayed).toBe(2)
    await local.service.stop()
    expect(local.queues.bodies('seen')).toEqual([])
    expect(local.lines.filter((line) => line.includes('not made'))).toEqual([
      expect.stringMatching(
        /^stakeout local EventBridge: stopped with 2 deliveries not made: event \S+ to arn:aws:sqs/,
      ),
    ])
    expect(local.lines.at(-1)).toBe('EventBridge faults (seed 1): 0 duplicated, 0 reordered, 2 delayed')
  })
})
