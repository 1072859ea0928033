import { describe, expect, it } from 'vitest'
import { readMapping } from '../../../../src/local/services/streams/mapping.js'
import { streamEventSources } from '../../../../src/local/services/streams/service.js'
import { type StackResource, StackResources } from '../../../../src/target/index.js'

const STREAM = 'arn:aws:dynamodb:ddblocal:000000000000:table/Ledger/stream/2026-12-01T12:00:00.000'
const QUEUE = 'arn:aws:sqs:eu-west-1:000000000000:Parked'

/** A stack of a table with a stream, a function, a queue and one mapping with these properties. */
function stackWith(properties: Record<string, unknown>): { mapping: StackResource; resources: StackResources } {
  const resources: StackResource[] = [
    {
      stackName: 'S',
      logicalId: 'Ledger',
      type: 'AWS::DynamoDB::Table',
      physicalId: 'Ledger',
      attributes: { Arn: 'arn:aws:dynamodb:eu-west-1:000000000000:table/Ledger', StreamArn: STREAM },
    },
    {
      stackName: 'S',
      logicalId: 'Projector',
      type: 'AWS::Lambda::Function',
      physicalId: 'S-Projector-abc',
      attributes: { Arn: 'arn:aws:lambda:eu-west-1:000000000000:function:S-Projector-abc' },
    },
    { stackName: 'S', logicalId: 'Parked', type: 'AWS::SQS::Queue', physicalId: 'q', attributes: { Arn: QUEUE } },
    {
      stackName: 'S',
      logicalId: 'Mapping',
      type: 'AWS::Lambda::EventSourceMapping',
      path: 'S/Projector/DynamoDBEventSource/Resource',
      properties: {
        EventSourceArn: { 'Fn::GetAtt': ['Ledger', 'StreamArn'] },
        FunctionName: { Ref: 'Projector' },
        StartingPosition: 'TRIM_HORIZON',
        ...properties,
      },
    },
  ]
  const stack = new StackResources(resources, { source: 'cloud-assembly', stacks: [{ stackName: 'S' }] })
  return { mapping: stack.resolve('Mapping'), resources: stack }
}

const read = (properties: Record<string, unknown>, queues: readonly string[] = [QUEUE]) => {
  const { mapping, resources } = stackWith(properties)
  return readMapping(mapping, resources, 'uuid-1', (arn) => queues.includes(arn))
}

describe('readMapping', () => {
  it('gives Lambda’s defaults for what the mapping leaves out', () => {
    expect(read({})).toEqual({
      gaps: [],
      settings: {
        label: 'S/Projector/DynamoDBEventSource',
        uuid: 'uuid-1',
        streamArn: STREAM,
        functionLogicalId: 'Projector',
        functionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:S-Projector-abc',
        startingPosition: 'TRIM_HORIZON',
        batchSize: 100,
        batchingWindowMs: 0,
        filters: [],
        bisect: false,
        maximumRetryAttempts: -1,
        maximumRecordAgeMs: -1,
        reportBatchItemFailures: false,
        enabled: true,
      },
    })
  })

  it('reads what CDK’s DynamoEventSource writes', () => {
    const { settings, gaps } = read({
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 2,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 120,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      Enabled: false,
      FilterCriteria: { Filters: [{ Pattern: '{"eventName":["INSERT"]}' }] },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Parked', 'Arn'] } } },
    })
    expect(gaps).toEqual([])
    expect(settings).toMatchObject({
      batchSize: 10,
      batchingWindowMs: 2000,
      bisect: true,
      maximumRetryAttempts: 3,
      maximumRecordAgeMs: 120_000,
      reportBatchItemFailures: true,
      enabled: false,
      onFailureQueue: QUEUE,
    })
    expect(settings?.filters).toHaveLength(1)
  })

  it('refuses a mapping of another source, naming it', () => {
    expect(read({ EventSourceArn: 'arn:aws:sqs:eu-west-1:000000000000:Jobs' })).toEqual({
      gaps: [
        {
          what: '',
          why: 'its source arn:aws:sqs:eu-west-1:000000000000:Jobs is not a DynamoDB stream: the local target runs DynamoDB stream mappings only; the mapping is not run',
        },
      ],
    })
  })

  it.each([
    [{ BatchSize: 0 }, /its BatchSize 0 is not from 1 to 10,000, which Lambda refuses/],
    [{ MaximumRecordAgeInSeconds: 30 }, /its MaximumRecordAgeInSeconds 30 is not -1 or from 60 to 604,800 seconds/],
    [{ MaximumRetryAttempts: -2 }, /its MaximumRetryAttempts -2 is not -1 or from 0 to 10,000/],
    [{ StartingPosition: 'AT_TIMESTAMP' }, /its StartingPosition "AT_TIMESTAMP" is not TRIM_HORIZON or LATEST/],
    [
      { FilterCriteria: { Filters: [{ Pattern: '{"eventName":"INSERT"}' }] } },
      /its FilterCriteria is one Lambda refuses/,
    ],
  ])('refuses a value Lambda would refuse: %j', (properties, why) => {
    const { settings, gaps } = read(properties)
    expect(settings).toBeUndefined()
    expect(gaps).toEqual([{ what: '', why: expect.stringMatching(why) }])
  })

  it('names what it does not apply, and runs the rest', () => {
    const { settings, gaps } = read({
      ParallelizationFactor: 4,
      TumblingWindowInSeconds: 30,
      Tags: [{ Key: 'a', Value: 'b' }],
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:sns:eu-west-1:000000000000:Topic' } },
    })
    expect(settings).toBeDefined()
    expect(gaps).toEqual([
      { what: 'TumblingWindowInSeconds', why: 'this event source mapping property is not applied locally' },
      {
        what: 'ParallelizationFactor',
        why: '4 is not applied locally: one batch per shard is in flight at a time (factor 1)',
      },
      {
        what: 'DestinationConfig.OnFailure',
        why: expect.stringMatching(/^its destination arn:aws:sns:\S+ is not an SQS queue/),
      },
    ])
  })

  it('names an on-failure queue the local app does not run', () => {
    const { settings, gaps } = read(
      { DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Parked', 'Arn'] } } } },
      [],
    )
    expect(settings?.onFailureQueue).toBeUndefined()
    expect(gaps).toEqual([
      { what: 'DestinationConfig.OnFailure', why: expect.stringMatching(/is not a queue the local app runs/) },
    ])
  })
})

describe('streamEventSources.identity', () => {
  it('gives a mapping one UUID for the whole start, as its Ref, with its Id and ARN', () => {
    const { mapping } = stackWith({})
    const where = { region: 'eu-west-1', account: '123456789012' }
    const first = streamEventSources.identity?.(mapping, 'ignored', where)
    expect(first?.physicalId).toMatch(/^[0-9a-f-]{36}$/)
    expect(first?.attributes).toEqual({
      Id: first?.physicalId,
      EventSourceMappingArn: `arn:aws:lambda:eu-west-1:123456789012:event-source-mapping:${first?.physicalId}`,
    })
    expect(streamEventSources.identity?.(mapping, 'ignored', where)).toEqual(first)
  })
})
