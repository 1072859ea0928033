import {
  DescribeEventBusCommand,
  ListRulesCommand,
  PutEventsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { entrySize, PUT_EVENTS_MAX_BYTES } from '../../../../src/local/services/eventbridge/put-events.js'
import { queueArn, type StartedBus, settled, startBus } from './support.js'

// One bus for the file: a custom bus and the default one, rules of each operator family, SQS targets in memory.
let bus: StartedBus
const toQueue = (name: string, extra: Record<string, unknown> = {}) => ({ Id: name, Arn: queueArn(name), ...extra })

beforeAll(async () => {
  bus = await startBus(
    {
      Orders: { Type: 'AWS::Events::EventBus', Properties: { Name: 'orders' } },
      AllOrders: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventBusName: { Ref: 'Orders' },
          EventPattern: { source: ['shop'], 'detail-type': [{ prefix: 'Order' }] },
          Targets: [toQueue('all-orders')],
        },
      },
      BigOrders: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventBusName: 'orders',
          EventPattern: { detail: { amount: [{ numeric: ['>', 100] }] } },
          Targets: [toQueue('big')],
        },
      },
      NotTest: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventBusName: { Ref: 'Orders' },
          EventPattern: { detail: { status: [{ 'anything-but': ['test'] }], id: [{ exists: true }] } },
          Targets: [toQueue('real')],
        },
      },
      EitherOr: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventBusName: { Ref: 'Orders' },
          EventPattern: {
            $or: [{ detail: { vip: [true] } }, { detail: { country: [{ 'equals-ignore-case': 'nz' }] } }],
          },
          Targets: [toQueue('special')],
        },
      },
      Shaped: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventBusName: { Ref: 'Orders' },
          EventPattern: { source: ['shaper'] },
          Targets: [toQueue('fixed', { Input: '{"fixed":true}' }), toQueue('details', { InputPath: '$.detail.order' })],
        },
      },
      Ghost: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventBusName: { Ref: 'Orders' },
          EventPattern: { source: ['ghostly'] },
          Targets: [toQueue('ghost', { DeadLetterConfig: { Arn: queueArn('dlq') } }), toQueue('ghost2')],
        },
      },
      OnDefault: {
        Type: 'AWS::Events::Rule',
        Properties: { EventPattern: { source: [{ suffix: '.app' }] }, Targets: [toQueue('default')] },
      },
      Nightly: {
        Type: 'AWS::Events::Rule',
        Properties: { ScheduleExpression: 'rate(1 day)', Targets: [toQueue('default')] },
      },
      Broken: {
        Type: 'AWS::Events::Rule',
        Properties: { EventPattern: { source: [{ prefix: 42 }] }, Targets: [toQueue('default')] },
      },
      Transformed: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventPattern: { source: ['x'] },
          Targets: [toQueue('default', { InputTransformer: { InputTemplate: '"<a>"', InputPathsMap: { a: '$.id' } } })],
        },
      },
      Policy: { Type: 'AWS::Events::EventBusPolicy', Properties: { StatementId: 'all', EventBusName: 'orders' } },
    },
    { queues: ['all-orders', 'big', 'real', 'special', 'fixed', 'details', 'dlq', 'default'] },
  )
}, 60_000)

afterAll(async () => {
  await bus?.stop()
})

const put = (entries: Array<Record<string, unknown>>) =>
  bus.client.send(new PutEventsCommand({ Entries: entries as never }))
const order = (detail: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  EventBusName: 'orders',
  Source: 'shop',
  DetailType: 'OrderPlaced',
  Detail: JSON.stringify(detail),
  ...extra,
})
const ids = (queue: string) => bus.queues.bodies(queue).map((event) => (event as { id: string }).id)

describe('the local EventBridge: PutEvents', () => {
  it('delivers the documented envelope, with the id PutEvents answered and the entry Time to the second', async () => {
    const out = await put([
      order({ id: 'o-1', amount: 5 }, { Time: new Date('2026-03-04T05:06:07.890Z'), Resources: ['arn:aws:x'] }),
    ])
    await settled(bus)
    expect(out.FailedEntryCount).toBe(0)
    const delivered = bus.queues
      .bodies('all-orders')
      .find((event) => (event as { id: string }).id === out.Entries?.[0]?.EventId)
    expect(delivered).toEqual({
      version: '0',
      id: out.Entries?.[0]?.EventId,
      'detail-type': 'OrderPlaced',
      source: 'shop',
      account: '000000000000',
      time: '2026-03-04T05:06:07Z',
      region: 'us-east-1',
      resources: ['arn:aws:x'],
      detail: { id: 'o-1', amount: 5 },
    })
  })

  it('fails bad entries one by one, with the codes and words AWS answers, and delivers the good ones', async () => {
    const out = await put([
      { EventBusName: 'orders', DetailType: 'OrderPlaced', Detail: '{}' },
      { EventBusName: 'orders', Source: 'shop', Detail: '{}' },
      { EventBusName: 'orders', Source: 'shop', DetailType: 'OrderPlaced' },
      order({}, { Detail: '[1, 2]' }),
      order({}, { Detail: '{"open": ' }),
      order({}, { Detail: '"text"' }),
      order({}, { EventBusName: 'nope' }),
      order({}, { Source: 'aws.s3' }),
      order({ id: 'good' }),
    ])
    expect(out.FailedEntryCount).toBe(8)
    expect(out.Entries?.slice(0, 8).map((entry) => [entry.ErrorCode, entry.ErrorMessage?.split(' (')[0]])).toEqual([
      ['InvalidArgument', 'Parameter Source is not valid. Reason: Source is a required argument.'],
      ['InvalidArgument', 'Parameter DetailType is not valid. Reason: DetailType is a required argument.'],
      ['InvalidArgument', 'Parameter Detail is not valid. Reason: Detail is a required argument.'],
      ['MalformedDetail', 'Detail is malformed.'],
      ['MalformedDetail', 'Detail is malformed.'],
      ['MalformedDetail', 'Detail is malformed.'],
      ['ResourceNotFoundException', 'Event bus nope does not exist.'],
      ['NotAuthorizedForSourceException', 'Not authorized for the source.'],
    ])
    expect(out.Entries?.slice(0, 8).every((entry) => entry.EventId === undefined)).toBe(true)
    await settled(bus)
    expect(ids('all-orders')).toContain(out.Entries?.[8]?.EventId)
  })

  it('refuses a request of no entry or of more than 10 as a whole, with ValidationException', async () => {
    const many = Array.from({ length: 11 }, () => order({}))
    await expect(put(many)).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Member must have length less than or equal to 10'),
    })
    await expect(put([])).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Member must have length greater than or equal to 1'),
    })
  })

  it('takes a request of exactly 1 MiB of entries, counted as the user guide does, and refuses one byte more', async () => {
    const sized = (total: number, resources: string[]) => {
      const base = {
        EventBusName: 'orders',
        Source: 'sizer',
        DetailType: 'Big',
        Time: new Date(),
        Resources: resources,
      }
      const padding = total - entrySize({ ...base, Detail: '{"p":""}' })
      return { ...base, Detail: JSON.stringify({ p: 'é'.repeat(Math.floor(padding / 2)) + 'x'.repeat(padding % 2) }) }
    }
    // Two-byte characters and a resource: the size is UTF-8 bytes, not characters.
    const exact = sized(PUT_EVENTS_MAX_BYTES / 2, ['arn:aws:one'])
    expect(entrySize(exact) * 2).toBe(PUT_EVENTS_MAX_BYTES)
    const accepted = await put([exact, exact])
    expect(accepted.FailedEntryCount).toBe(0)
    const over = { ...exact, Resources: ['arn:aws:one', 'x'] }
    await expect(put([exact, over])).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    })
  })

  it('takes EventBusName as a name or an ARN, and keeps the default bus apart from the custom one', async () => {
    const arn = 'arn:aws:events:us-east-1:000000000000:event-bus/orders'
    const out = await put([
      order({ n: 'by-arn' }, { EventBusName: arn }),
      order({ n: 'default' }, { EventBusName: undefined, Source: 'shop.app' }),
      order({ n: 'custom' }, { Source: 'shop.app' }),
      order({ n: 'other-account' }, { EventBusName: 'arn:aws:events:us-east-1:111111111111:event-bus/orders' }),
    ])
    await settled(bus)
    expect(out.Entries?.[3]?.ErrorCode).toBe('ResourceNotFoundException')
    expect(ids('all-orders')).toContain(out.Entries?.[0]?.EventId)
    expect(ids('default')).toContain(out.Entries?.[1]?.EventId)
    expect(ids('default')).not.toContain(out.Entries?.[2]?.EventId)
  })

  it('routes by the rules’ patterns: prefix, numeric, anything-but with exists, $or with equals-ignore-case', async () => {
    const out = await put([
      order({ id: 'a', amount: 150, status: 'paid' }),
      order({ id: 'b', amount: 100, status: 'test' }, { DetailType: 'Refund' }),
      order({ amount: 101, status: 'paid', country: 'NZ' }),
      order({ id: 'd', vip: true, status: 'test' }),
    ])
    await settled(bus)
    const [a, b, c, d] = (out.Entries ?? []).map((entry) => entry.EventId)
    expect(ids('all-orders')).toEqual(expect.arrayContaining([a, c, d]))
    expect(ids('all-orders')).not.toContain(b)
    expect(ids('big')).toEqual(expect.arrayContaining([a, c]))
    expect(ids('big')).not.toContain(b)
    expect(ids('real')).toContain(a)
    expect(ids('real')).not.toContain(b) // status test
    expect(ids('real')).not.toContain(c) // no id
    expect(ids('special')).toEqual(expect.arrayContaining([c, d]))
    expect(ids('special')).not.toContain(a)
  })

  it('hands a target its Input instead of the event, or the part at its InputPath', async () => {
    await put([order({ order: { id: 'o-9', lines: 2 } }, { Source: 'shaper' })])
    await settled(bus)
    expect(bus.queues.peek('fixed').map((message) => message.body)).toEqual(['{"fixed":true}'])
    expect(bus.queues.bodies('details')).toEqual([{ id: 'o-9', lines: 2 }])
  })

  it('sends what it cannot deliver to the target’s DLQ with EventBridge’s attributes, and logs it without a DLQ', async () => {
    const out = await put([order({ n: 1 }, { Source: 'ghostly' })])
    await settled(bus)
    const id = out.Entries?.[0]?.EventId
    const dead = bus.queues.peek('dlq')
    expect(dead.map((message) => JSON.parse(message.body).id)).toEqual([id])
    expect(dead[0]?.messageAttributes).toEqual({
      RULE_ARN: {
        DataType: 'String',
        StringValue: `arn:aws:events:us-east-1:000000000000:rule/orders/${ruleName('Ghost')}`,
      },
      TARGET_ARN: { DataType: 'String', StringValue: queueArn('ghost') },
      ERROR_CODE: { DataType: 'String', StringValue: 'NO_RESOURCE' },
      ERROR_MESSAGE: {
        DataType: 'String',
        StringValue: expect.stringContaining(`The target ${queueArn('ghost')} does not exist`),
      },
      RETRY_ATTEMPTS: { DataType: 'String', StringValue: '0' },
    })
    expect(bus.lines.filter((line) => line.includes(`event ${id}`) && line.includes(queueArn('ghost2')))).toEqual([
      expect.stringContaining('has no DeadLetterConfig: NO_RESOURCE'),
    ])
  })

  it('names what it does not run: schedules, a pattern that does not compile, InputTransformer, the bus policy', () => {
    const gaps = (bus.service.gaps ?? []).map((gap) => `${gap.resource?.logicalId} ${gap.what}: ${gap.why}`)
    expect(gaps).toEqual(
      expect.arrayContaining([
        'Nightly ScheduleExpression: schedules are not run locally',
        expect.stringMatching(/^Broken EventPattern: its pattern does not compile.*prefix/),
        expect.stringMatching(/^Transformed Targets\[0\] \(default\): its InputTransformer is not applied locally/),
      ]),
    )
    expect(bus.service.gaps?.find((gap) => gap.resource?.logicalId === 'Policy')?.notEnforced).toBe(true)
  })

  it('gives a rule on a custom bus the Ref <bus>|<name> and its ARN rule/<bus>/<name>', () => {
    const rule = bus.resources.resolve('AllOrders')
    expect(rule.physicalId).toMatch(/^orders\|Shop-AllOrders-[A-Z0-9]{12}$/)
    expect(rule.attributes?.Arn).toBe(`arn:aws:events:us-east-1:000000000000:rule/orders/${ruleName('AllOrders')}`)
    const onDefault = bus.resources.resolve('OnDefault')
    expect(onDefault.physicalId).not.toContain('|')
    expect(onDefault.attributes?.Arn).toBe(`arn:aws:events:us-east-1:000000000000:rule/${onDefault.physicalId}`)
    expect(bus.resources.resolve('Orders').attributes).toEqual({
      Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/orders',
      Name: 'orders',
    })
  })

  it('answers DescribeEventBus and ListRules, and refuses other operations naming the ones it serves', async () => {
    expect(await bus.client.send(new DescribeEventBusCommand({ Name: 'orders' }))).toMatchObject({
      Name: 'orders',
      Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/orders',
    })
    await expect(bus.client.send(new DescribeEventBusCommand({ Name: 'nope' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    )
    const listed = await bus.client.send(new ListRulesCommand({ EventBusName: 'orders', NamePrefix: 'Shop-Big' }))
    expect(listed.Rules?.map((rule) => JSON.parse(rule.EventPattern ?? ''))).toEqual([
      { detail: { amount: [{ numeric: ['>', 100] }] } },
    ])
    const { CreateEventBusCommand } = await import('@aws-sdk/client-eventbridge')
    await expect(bus.client.send(new CreateEventBusCommand({ Name: 'x' }))).rejects.toMatchObject({
      message: expect.stringContaining('it implements DescribeEventBus, ListRules, PutEvents'),
    })
  })

  it('delivers every event of 40 concurrent PutEvents of 10 entries exactly once', async () => {
    const before = new Set(ids('all-orders'))
    const outs = await Promise.all(
      Array.from({ length: 40 }, (_, call) =>
        put(Array.from({ length: 10 }, (_, index) => order({ call, index }, { DetailType: 'OrderBulk' }))),
      ),
    )
    await settled(bus)
    const sent = outs.flatMap((out) => (out.Entries ?? []).map((entry) => entry.EventId))
    expect(sent).toHaveLength(400)
    const delivered = ids('all-orders').filter((id) => !before.has(id))
    expect(delivered.toSorted()).toEqual(sent.toSorted())
  })
})

function ruleName(logicalId: string): string {
  const physicalId = bus.resources.resolve(logicalId).physicalId ?? ''
  return physicalId.slice(physicalId.indexOf('|') + 1)
}
