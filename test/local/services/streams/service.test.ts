import { randomUUID } from 'node:crypto'
import { PutItemCommand } from '@aws-sdk/client-dynamodb'
import { afterEach, describe, expect, it } from 'vitest'
import { checkFaults } from '../../../../src/local/app/faults.js'
import type { LocalServiceContext, StartedService } from '../../../../src/local/app/services.js'
import { streamEventSources } from '../../../../src/local/services/streams/service.js'
import { type StackResource, StackResources } from '../../../../src/target/index.js'
import { dynamodbEndpoint, localDynamoDB } from '../../../support/dynamodb.js'
import { testQueues } from '../../../support/queues.js'
import { createStreamTable, waitUntil } from './support.js'

const QUEUE = 'arn:aws:sqs:eu-west-1:000000000000:Parked'
const where = { region: 'eu-west-1', account: '000000000000' }
const started: StartedService[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((service) => service.stop()))
})

/** The service started on a stack of one table (a real stream) and two mappings on it, one disabled. */
async function startOn(fail: (event: unknown) => boolean, missingStream = false) {
  const dynamodb = localDynamoDB()
  const { table, streamArn } = await createStreamTable(dynamodb)
  const mapping = (logicalId: string, properties: Record<string, unknown>): StackResource => ({
    stackName: 'S',
    logicalId,
    type: 'AWS::Lambda::EventSourceMapping',
    path: `S/Projector/${logicalId}/Resource`,
    properties: {
      EventSourceArn: { 'Fn::GetAtt': ['Ledger', 'StreamArn'] },
      FunctionName: { Ref: 'Projector' },
      StartingPosition: 'LATEST',
      ...properties,
    },
  })
  const declared: StackResource[] = [
    {
      stackName: 'S',
      logicalId: 'Ledger',
      type: 'AWS::DynamoDB::Table',
      physicalId: table,
      attributes: { StreamArn: missingStream ? `${streamArn.replace(/table\/[^/]+/, 'table/nope')}` : streamArn },
    },
    {
      stackName: 'S',
      logicalId: 'Projector',
      type: 'AWS::Lambda::Function',
      physicalId: 'S-Projector',
      attributes: { Arn: 'arn:aws:lambda:eu-west-1:000000000000:function:S-Projector' },
    },
    { stackName: 'S', logicalId: 'Parked', type: 'AWS::SQS::Queue', physicalId: 'q', attributes: { Arn: QUEUE } },
    mapping('Live', {
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Parked', 'Arn'] } } },
    }),
    mapping('Paused', { Enabled: false }),
  ]
  const resources = new StackResources(
    declared.map((resource) =>
      resource.type === 'AWS::Lambda::EventSourceMapping'
        ? { ...resource, ...(streamEventSources.identity?.(resource, resource.logicalId, where) ?? {}) }
        : resource,
    ),
    { source: 'cloud-assembly', stacks: [{ stackName: 'S' }] },
  )
  const queues = testQueues([QUEUE], where)
  const invoked: { logicalId: string; event: unknown }[] = []
  const lines: string[] = []
  const context: LocalServiceContext = {
    resources,
    where,
    log: (line) => lines.push(line),
    options: { app: 'cdk.out' },
    faults: checkFaults(undefined, startOn),
    dynamodbEndpoint: dynamodbEndpoint(),
    endpoints: { dynamodb: dynamodbEndpoint() },
    invoke: async (logicalId, event) => {
      invoked.push({ logicalId, event })
      const requestId = randomUUID()
      return fail(event)
        ? {
            result: undefined,
            error: { errorType: 'Error', errorMessage: 'refused' },
            logs: '',
            durationMs: 0,
            requestId,
          }
        : { result: null, logs: '', durationMs: 0, requestId }
    },
    apis: { queues },
  }
  const service = await streamEventSources.start(context)
  started.push(service)
  const put = (id: string) => dynamodb.send(new PutItemCommand({ TableName: table, Item: { id: { S: id } } }))
  if (!missingStream) await service.ready?.()
  return { service, queues, invoked, lines, put, resources }
}

describe('streamEventSources', () => {
  it('runs the enabled mapping only, counts what it did, and parks a failed batch in the queue it was given', async () => {
    const { service, queues, invoked, put } = await startOn((event) => JSON.stringify(event).includes('"bad"'))
    await put('good')
    await waitUntil('the first invocation', () => invoked.length === 1)
    await put('bad')
    await waitUntil('the parked batch', () => queues.peek(QUEUE).length === 1)
    expect(invoked.every(({ logicalId }) => logicalId === 'Projector')).toBe(true)
    const stats = service.apis?.eventSources?.stats('S/Projector/Live')
    expect(stats).toMatchObject({ records: 2, invocations: 2, failedInvocations: 1, discarded: 1, sentToOnFailure: 1 })
    expect(queues.peek(QUEUE)).toHaveLength(1)
    expect(Object.keys(service.apis?.eventSources?.stats() ?? {})).toHaveLength(1)
    expect(() => service.apis?.eventSources?.stats('Paused')).toThrow(
      'LocalEventSources.stats: Paused is not a running stream event source mapping (running: Live)',
    )
  })

  it('fails the start naming the mapping when its stream cannot be read', async () => {
    const { service } = await startOn(() => false, true)
    await expect(service.ready?.()).rejects.toThrow(
      /^startLocal: the stream event source S\/Projector\/Live could not read its stream \(.*nope.*\)$/,
    )
  })
})
