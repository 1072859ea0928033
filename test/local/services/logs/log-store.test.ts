import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  type FilteredLogEvent,
  FilterLogEventsCommand,
  type FilterLogEventsCommandInput,
  GetLogEventsCommand,
  InvalidParameterException,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type JsonService, startJsonService } from '../../../../src/local/services/json-protocol.js'
import { logsOperations } from '../../../../src/local/services/logs/service.js'
import { LocalLogStore } from '../../../../src/local/services/logs/store.js'

// The store behind the real CloudWatch Logs client: the Logs endpoint as startLocal serves it, without an app.
const NOW = Date.UTC(2026, 11, 1, 12)
let clock = NOW
const store = new LocalLogStore(() => clock)
let service: JsonService
let logs: CloudWatchLogsClient

const BIG = '/aws/vendedlogs/states/Big'
const arnOf = (name: string) => `arn:aws:logs:us-east-1:000000000000:log-group:${name}:*`
const STREAMS = ['states/Big/2026-12-01-11-00/aaaa0001', 'states/Big/2026-12-01-11-00/bbbb0002', 'other/cccc0003']
const TOTAL = 25_000

beforeAll(async () => {
  store.createGroup({ name: BIG, arn: arnOf(BIG) })
  // Three streams written out of time order, as deliveries interleave: event i has timestamp NOW - TOTAL + i.
  for (const [index, stream] of STREAMS.entries()) {
    const events = []
    for (let i = index; i < TOTAL; i += STREAMS.length) {
      events.push({
        timestamp: NOW - TOTAL + i,
        message: JSON.stringify({
          id: String(i),
          type: i % 10 === 0 ? 'TaskFailed' : 'TaskSucceeded',
          execution_arn: `arn:x:${i % 4}`,
        }),
      })
    }
    store.put(BIG, stream, events.reverse())
  }
  store.createGroup({ name: 'Large', arn: arnOf('Large') })
  store.put(
    'Large',
    's',
    Array.from({ length: 25 }, (_, i) => ({ timestamp: NOW + i, message: `${i} ${'x'.repeat(100_000)}` })),
  )
  store.createGroup({ name: 'Terms', arn: arnOf('Terms') })
  store.put(
    'Terms',
    's',
    [
      '[ERROR] disk full',
      '[WARN] disk at 90%',
      'INFO all good',
      'ERROR: "quoted" thing',
      '{"level":"error","count":3}',
    ].map((message, i) => ({ timestamp: NOW + i, message })),
  )
  store.createGroup({ name: 'Kept', arn: arnOf('Kept'), retentionInDays: 1 })
  store.put('Kept', 's', [
    { timestamp: NOW - 2 * 86_400_000, message: 'two days old' },
    { timestamp: NOW - 1000, message: 'fresh' },
  ])
  service = await startJsonService({
    service: 'CloudWatch Logs',
    targetPrefix: 'Logs_20140328',
    jsonVersion: '1.1',
    operations: logsOperations(store),
  })
  logs = new CloudWatchLogsClient({
    endpoint: service.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'stakeoutlocal', secretAccessKey: 'stakeoutlocal' },
  })
})

afterAll(async () => {
  logs?.destroy()
  await service?.stop()
})

async function all(input: FilterLogEventsCommandInput): Promise<{ events: FilteredLogEvent[]; pages: number }> {
  const events: FilteredLogEvent[] = []
  let nextToken: string | undefined
  let pages = 0
  do {
    const page = await logs.send(new FilterLogEventsCommand({ ...input, ...(nextToken ? { nextToken } : {}) }))
    events.push(...(page.events ?? []))
    nextToken = page.nextToken
    pages += 1
    if (pages > 1000) throw new Error('the pages never end')
  } while (nextToken !== undefined)
  return { events, pages }
}

const messages = (events: FilteredLogEvent[]) => events.map((event) => event.message)

describe('FilterLogEvents over a large log', () => {
  it('answers 10,000 events a page by default, then a nextToken, and every event once in time order', async () => {
    const first = await logs.send(new FilterLogEventsCommand({ logGroupName: BIG }))
    expect(first.events).toHaveLength(10_000)
    expect(first.nextToken).toEqual(expect.any(String))
    const { events, pages } = await all({ logGroupName: BIG })
    expect(pages).toBe(3)
    expect(events).toHaveLength(TOTAL)
    expect(new Set(events.map((event) => event.eventId)).size).toBe(TOTAL)
    expect(events.map((event) => event.timestamp)).toEqual(Array.from({ length: TOTAL }, (_, i) => NOW - TOTAL + i))
    expect(events[7]).toEqual({
      logStreamName: STREAMS[1],
      timestamp: NOW - TOTAL + 7,
      message: JSON.stringify({ id: '7', type: 'TaskSucceeded', execution_arn: 'arn:x:3' }),
      ingestionTime: NOW,
      eventId: expect.stringMatching(/^\d{56}$/),
    })
  })

  it('pages by limit, and a filter pattern pages over what matches', async () => {
    const { events, pages } = await all({
      logGroupName: BIG,
      limit: 7,
      filterPattern: '{ $.execution_arn = "arn:x:1" }',
      startTime: NOW - 100,
    })
    expect(events.map((event) => JSON.parse(event.message ?? '').id)).toEqual(
      Array.from({ length: 100 }, (_, i) => TOTAL - 100 + i)
        .filter((i) => i % 4 === 1)
        .map(String),
    )
    expect(pages).toBeGreaterThanOrEqual(4)
  })

  it('keeps events from startTime to endTime, both included, and of the streams asked for', async () => {
    const { events } = await all({
      logGroupName: BIG,
      startTime: NOW - 10,
      endTime: NOW - 7,
      logStreamNames: [STREAMS[0]!],
    })
    expect(events.map((event) => event.timestamp)).toEqual([NOW - 10, NOW - 7])
    const prefixed = await all({ logGroupName: BIG, startTime: NOW - 3, logStreamNamePrefix: 'other/' })
    expect(prefixed.events.map((event) => event.logStreamName)).toEqual([STREAMS[2]])
  })

  it('answers at most 1 MB of events a page', async () => {
    const first = await logs.send(new FilterLogEventsCommand({ logGroupName: 'Large' }))
    expect(first.events).toHaveLength(10)
    const { events } = await all({ logGroupName: 'Large' })
    expect(events.map((event) => event.message?.split(' ')[0])).toEqual(Array.from({ length: 25 }, (_, i) => String(i)))
  })

  it('takes the group by logGroupIdentifier, its ARN with or without :*', async () => {
    for (const logGroupIdentifier of [arnOf(BIG), arnOf(BIG).slice(0, -2), BIG]) {
      const page = await logs.send(new FilterLogEventsCommand({ logGroupIdentifier, limit: 1 }))
      expect(page.events).toHaveLength(1)
    }
  })
})

describe('filter patterns', () => {
  const matching = async (filterPattern: string) =>
    messages((await all({ logGroupName: 'Terms', filterPattern })).events)

  it('matches terms, all of them, case-sensitively', async () => {
    expect(await matching('ERROR')).toEqual(['[ERROR] disk full', 'ERROR: "quoted" thing'])
    expect(await matching('ERROR disk')).toEqual(['[ERROR] disk full'])
    expect(await matching('error')).toEqual(['{"level":"error","count":3}'])
  })

  it('matches a quoted phrase, any of ?terms, and leaves out -terms', async () => {
    expect(await matching('"disk at 90%"')).toEqual(['[WARN] disk at 90%'])
    expect(await matching('"\\"quoted\\""')).toEqual(['ERROR: "quoted" thing'])
    expect(await matching('?WARN ?INFO')).toEqual(['[WARN] disk at 90%', 'INFO all good'])
    expect(await matching('disk -WARN')).toEqual(['[ERROR] disk full'])
  })

  it('matches JSON patterns: equality, wildcards, numbers, && and ||, and skips messages that are not JSON', async () => {
    expect(await matching('{ $.level = "error" }')).toEqual(['{"level":"error","count":3}'])
    expect(await matching('{ $.level = "err*" }')).toEqual(['{"level":"error","count":3}'])
    expect(await matching('{ $.count >= 3 && $.level != "warn" }')).toEqual(['{"level":"error","count":3}'])
    expect(await matching('{ $.count > 3 || $.missing NOT EXISTS }')).toEqual(['{"level":"error","count":3}'])
    expect(await matching('{ ($.count < 3) }')).toEqual([])
    const arn = await all({
      logGroupName: BIG,
      filterPattern: '{ $.type = "TaskFailed" && $.execution_arn = "arn:x:2" }',
      startTime: NOW - 40,
    })
    expect(arn.events.map((event) => JSON.parse(event.message ?? '').id)).toEqual(['24970', '24990'])
  })

  it('refuses the forms it does not evaluate, and malformed patterns, as InvalidParameterException', async () => {
    for (const [pattern, reason] of [
      ['[ip, user, status = 500]', /space-delimited filter patterns/],
      ['%ERROR|WARN%', /regular-expression filter patterns/],
      ['{ $.level = }', /invalid JSON filter pattern/],
      ['{ $.level = "error"', /must end with }/],
      ['disk:full', /put it in double quotes/],
      ['?WARN disk', /cannot be mixed/],
    ] as const) {
      const error = await logs
        .send(new FilterLogEventsCommand({ logGroupName: 'Terms', filterPattern: pattern }))
        .catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(InvalidParameterException)
      expect((error as Error).message).toMatch(reason)
    }
  })
})

describe('the errors and the other operations', () => {
  it('answers ResourceNotFoundException for a group it does not have, and InvalidParameterException for bad arguments', async () => {
    await expect(logs.send(new FilterLogEventsCommand({ logGroupName: 'Nope' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    )
    await expect(logs.send(new FilterLogEventsCommand({ logGroupName: 'Nope' }))).rejects.toThrow(
      'The specified log group does not exist.',
    )
    await expect(
      logs.send(new FilterLogEventsCommand({ logGroupName: BIG, logGroupIdentifier: BIG })),
    ).rejects.toBeInstanceOf(InvalidParameterException)
    await expect(logs.send(new FilterLogEventsCommand({}))).rejects.toBeInstanceOf(InvalidParameterException)
    await expect(logs.send(new FilterLogEventsCommand({ logGroupName: BIG, limit: 10_001 }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    )
    await expect(logs.send(new FilterLogEventsCommand({ logGroupName: BIG, nextToken: 'garbage' }))).rejects.toThrow(
      'The specified nextToken is invalid.',
    )
    await expect(
      logs.send(new FilterLogEventsCommand({ logGroupName: BIG, startTime: 2, endTime: 1 })),
    ).rejects.toBeInstanceOf(InvalidParameterException)
  })

  it('applies RetentionInDays: older events are not returned', async () => {
    expect(messages((await all({ logGroupName: 'Kept' })).events)).toEqual(['fresh'])
    clock = NOW + 86_400_000
    try {
      expect(messages((await all({ logGroupName: 'Kept' })).events)).toEqual([])
    } finally {
      clock = NOW
    }
  })

  it('answers GetLogEvents from the head or the tail, with forward and backward tokens', async () => {
    const head = await logs.send(
      new GetLogEventsCommand({ logGroupName: 'Terms', logStreamName: 's', startFromHead: true, limit: 2 }),
    )
    expect(messages(head.events ?? [])).toEqual(['[ERROR] disk full', '[WARN] disk at 90%'])
    const next = await logs.send(
      new GetLogEventsCommand({
        logGroupName: 'Terms',
        logStreamName: 's',
        nextToken: head.nextForwardToken,
        limit: 2,
      }),
    )
    expect(messages(next.events ?? [])).toEqual(['INFO all good', 'ERROR: "quoted" thing'])
    const tail = await logs.send(new GetLogEventsCommand({ logGroupName: 'Terms', logStreamName: 's', limit: 1 }))
    expect(messages(tail.events ?? [])).toEqual(['{"level":"error","count":3}'])
    const end = await logs.send(
      new GetLogEventsCommand({ logGroupName: 'Terms', logStreamName: 's', nextToken: 'f/5' }),
    )
    expect(end.events).toEqual([])
    expect(end.nextForwardToken).toBe('f/5')
    await expect(logs.send(new GetLogEventsCommand({ logGroupName: 'Terms', logStreamName: 'nope' }))).rejects.toThrow(
      'The specified log stream does not exist.',
    )
  })

  it('answers DescribeLogGroups by prefix, a page at a time', async () => {
    const first = await logs.send(new DescribeLogGroupsCommand({ limit: 2 }))
    expect(first.logGroups?.map((group) => group.logGroupName)).toEqual([BIG, 'Kept'])
    const second = await logs.send(new DescribeLogGroupsCommand({ limit: 2, nextToken: first.nextToken }))
    expect(second.logGroups?.map((group) => group.logGroupName)).toEqual(['Large', 'Terms'])
    expect(second.nextToken).toBeUndefined()
    const kept = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'Ke' }))
    expect(kept.logGroups).toEqual([
      expect.objectContaining({
        logGroupName: 'Kept',
        retentionInDays: 1,
        arn: arnOf('Kept'),
        logGroupArn: arnOf('Kept').slice(0, -2),
      }),
    ])
  })
})
