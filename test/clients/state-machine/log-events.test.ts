import { describe, expect, it } from 'vitest'
import { parseExpressLogEvent, parseExpressLogEvents } from '../../../src/clients/state-machine/log-events.js'

// Messages shaped as Step Functions writes Express history events to CloudWatch Logs (developer
// guide "cw-logs"; shared/reference/aws-facts.md): every value a string, payloads as JSON text.
const ARN =
  'arn:aws:states:eu-west-1:123456789012:express:MonthlyStatement:d0dbefd8-a0f6-b402-da4c-f4863def7456:7fa0cfbe'
const OTHER = 'arn:aws:states:eu-west-1:123456789012:express:MonthlyStatement:aaaa:bbbb'
const STREAM = 'states/MonthlyStatement/2026-12-01-10-00/7851b2d9'

function message(fields: Record<string, unknown>): string {
  return JSON.stringify(fields)
}

const started = message({
  id: '1',
  type: 'ExecutionStarted',
  details: {
    input: '{"accountId":"acc-1","month":"2026-11"}',
    inputDetails: { truncated: false },
    roleArn: 'arn:aws:iam::123456789012:role/statement',
  },
  previous_event_id: '0',
  event_timestamp: '1668095539607',
  execution_arn: ARN,
})
const entered = message({
  id: '2',
  type: 'TaskStateEntered',
  details: { name: 'ReadBalance', input: '{"accountId":"acc-1"}', inputDetails: { truncated: 'false' } },
  previous_event_id: '1',
  event_timestamp: '1668095539650',
  execution_arn: ARN,
})
const succeeded = message({
  id: '3',
  type: 'ExecutionSucceeded',
  details: { output: '{"balance":120,"path":"positive"}', outputDetails: { truncated: false } },
  previous_event_id: '2',
  event_timestamp: '1668095539702',
  execution_arn: ARN,
  redrive_count: '0',
})

describe('parseExpressLogEvents', () => {
  it('returns numbers and decoded JSON for the documented events', () => {
    const { events, skipped } = parseExpressLogEvents([
      { message: started, timestamp: 1668095539607, logStreamName: STREAM },
      { message: entered, timestamp: 1668095539650, logStreamName: STREAM },
      { message: succeeded, timestamp: 1668095539702, logStreamName: STREAM },
    ])

    expect(skipped).toEqual([])
    expect(events).toEqual([
      {
        id: 1,
        previousEventId: 0,
        type: 'ExecutionStarted',
        timestamp: 1668095539607,
        executionArn: ARN,
        details: {
          input: {
            parsed: true,
            value: { accountId: 'acc-1', month: '2026-11' },
            text: '{"accountId":"acc-1","month":"2026-11"}',
            truncated: false,
          },
          roleArn: 'arn:aws:iam::123456789012:role/statement',
        },
        logStreamName: STREAM,
      },
      {
        id: 2,
        previousEventId: 1,
        type: 'TaskStateEntered',
        timestamp: 1668095539650,
        executionArn: ARN,
        details: {
          name: 'ReadBalance',
          input: { parsed: true, value: { accountId: 'acc-1' }, text: '{"accountId":"acc-1"}', truncated: false },
        },
        logStreamName: STREAM,
      },
      {
        id: 3,
        previousEventId: 2,
        type: 'ExecutionSucceeded',
        timestamp: 1668095539702,
        executionArn: ARN,
        redriveCount: 0,
        details: {
          output: {
            parsed: true,
            value: { balance: 120, path: 'positive' },
            text: '{"balance":120,"path":"positive"}',
            truncated: false,
          },
        },
        logStreamName: STREAM,
      },
    ])
  })

  it('keeps the raw text of a payload AWS truncated, flagged, without throwing', () => {
    const cut = `{"statement":"${'x'.repeat(40)}`
    const { events } = parseExpressLogEvents([
      {
        message: message({
          id: '1',
          type: 'ExecutionStarted',
          details: { input: cut, inputDetails: { truncated: true } },
          previous_event_id: '0',
          event_timestamp: '1668095539607',
          execution_arn: ARN,
        }),
      },
      {
        message: message({
          id: '2',
          type: 'PassStateExited',
          details: { name: 'Format', output: cut, outputDetails: { truncated: 'true' } },
          previous_event_id: '1',
          event_timestamp: '1668095539608',
          execution_arn: ARN,
        }),
      },
    ])

    expect(events.map((event) => event.details.input ?? event.details.output)).toEqual([
      { parsed: false, text: cut, truncated: true },
      { parsed: false, text: cut, truncated: true },
    ])
  })

  it('keeps the error and cause of a failed execution', () => {
    const event = parseExpressLogEvent({
      message: message({
        id: '7',
        type: 'ExecutionFailed',
        details: { error: 'UnknownAccount', cause: 'no account acc-404' },
        previous_event_id: '6',
        event_timestamp: '1668095539800',
        execution_arn: ARN,
      }),
    })

    expect(event).toMatchObject({
      id: 7,
      type: 'ExecutionFailed',
      details: { error: 'UnknownAccount', cause: 'no account acc-404' },
    })
  })

  it('orders the events by execution and id, and drops an event delivered twice', () => {
    const of = (arn: string, id: number) =>
      message({
        id: String(id),
        type: 'PassStateEntered',
        details: { name: `S${id}` },
        previous_event_id: String(id - 1),
        event_timestamp: String(1668095539600 + id),
        execution_arn: arn,
      })
    const { events } = parseExpressLogEvents([
      { message: of(ARN, 3) },
      { message: of(OTHER, 2) },
      { message: of(ARN, 1) },
      { message: of(ARN, 3) },
      { message: of(OTHER, 1) },
      { message: of(ARN, 2) },
    ])

    expect(events.map((event) => [event.executionArn === ARN ? 'arn' : 'other', event.id])).toEqual([
      ['other', 1],
      ['other', 2],
      ['arn', 1],
      ['arn', 2],
      ['arn', 3],
    ])
  })

  it('skips, with the reason, what is not a history event, and keeps the rest', () => {
    const valid = {
      id: '1',
      type: 'ExecutionStarted',
      previous_event_id: '0',
      event_timestamp: '1',
      execution_arn: ARN,
    }
    const { events, skipped } = parseExpressLogEvents([
      { message: 'START RequestId: 1 Version: $LATEST', logStreamName: STREAM },
      { message: '[1,2]' },
      { message: message({ ...valid, id: 'one' }) },
      { message: message({ ...valid, id: '-1' }) },
      { message: message({ ...valid, id: -1 }) },
      { message: message({ ...valid, id: 1.5 }) },
      { message: message({ ...valid, previous_event_id: undefined }) },
      { message: message({ ...valid, event_timestamp: '2026-12-01T10:00:00Z' }) },
      { message: message({ ...valid, type: '' }) },
      { message: message({ ...valid, execution_arn: 42 }) },
      {},
      { message: started },
    ])

    expect(events.map((event) => event.type)).toEqual(['ExecutionStarted'])
    expect(skipped.map((entry) => entry.reason)).toEqual([
      'the message is not JSON',
      'the message is not a JSON object',
      'it has no integer id',
      'it has no integer id',
      'it has no integer id',
      'it has no integer id',
      'it has no integer previous_event_id',
      'it has no event_timestamp in epoch milliseconds',
      'it has no type',
      'it has no execution_arn',
      'the message is not JSON',
    ])
    expect(skipped[0]).toEqual({
      message: 'START RequestId: 1 Version: $LATEST',
      reason: 'the message is not JSON',
      logStreamName: STREAM,
    })
  })

  it('reads an event without details, and a payload that is JSON text of null', () => {
    const { events } = parseExpressLogEvents([
      {
        message: message({
          id: '4',
          type: 'ChoiceStateExited',
          details: { name: 'Positive?', output: 'null', outputDetails: {} },
          previous_event_id: '3',
          event_timestamp: '1668095539700',
          execution_arn: ARN,
        }),
      },
      {
        message: message({
          id: '5',
          type: 'ExecutionAborted',
          previous_event_id: '4',
          event_timestamp: '1668095539701',
          execution_arn: ARN,
        }),
      },
    ])

    expect(events[0]?.details.output).toEqual({ parsed: true, value: null, text: 'null', truncated: false })
    expect(events[1]?.details).toEqual({})
  })
})
