import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb'
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from '../../../../src/eventually.js'
import { type LocalApp, startLocal } from '../../../../src/local/index.js'
import { synthesizeTestApp } from '../../../support/synth-app.js'
import { buildShop } from './fixtures/shop/shop-stack.js'

// One start for the file: the shop synthesized in this process, its functions real processes on DynamoDB Local.
let app: LocalApp
let dynamodb: DynamoDBClient
const lines: string[] = []

beforeAll(async () => {
  app = await startLocal({ app: await synthesizeTestApp('shop', buildShop), log: (line) => lines.push(line) })
  dynamodb = new DynamoDBClient({ ...app.resources.clientSettings('dynamodb') })
}, 180_000)

afterAll(async () => {
  dynamodb?.destroy()
  await app?.stop()
})

const seen = async (id: string) => {
  const table = app.resources.resolve('Seen', { type: 'AWS::DynamoDB::Table' }).physicalId
  const out = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { id: { S: id } } }))
  return out.Item === undefined ? undefined : JSON.parse(out.Item.event?.S ?? '{}')
}

describe('startLocal with the local EventBridge', () => {
  it('routes what a function puts through AWS_ENDPOINT_URL_EVENTBRIDGE to the rule’s function target', async () => {
    const { result } = await app.invoke('Publisher', {
      entries: [
        { Source: 'shop', DetailType: 'OrderPlaced', Detail: JSON.stringify({ total: 30 }) },
        { Source: 'shop', DetailType: 'OrderPlaced', Detail: JSON.stringify({ total: 0 }) },
        { Source: 'shop', DetailType: 'Refund', Detail: JSON.stringify({ total: 30 }) },
      ],
    })
    const out = result as { FailedEntryCount: number; Entries: Array<{ EventId: string }>; endpoint: string }
    expect(out.FailedEntryCount).toBe(0)
    expect(out.endpoint).toBe(app.endpoints.eventbridge)
    const [placed, free, refund] = out.Entries.map((entry) => entry.EventId)
    const { last } = await eventually(
      () => seen(placed ?? ''),
      (item) => item !== undefined,
      { timeout: 20_000 },
    )
    expect(last).toMatchObject({ id: placed, source: 'shop', 'detail-type': 'OrderPlaced', detail: { total: 30 } })
    expect(last).toMatchObject({ region: 'us-east-1', account: '000000000000', version: '0' })
    // The other two did not match (total not > 0, detail-type not Order*): nothing invoked the recorder for them.
    expect(await seen(free ?? '')).toBeUndefined()
    expect(await seen(refund ?? '')).toBeUndefined()
  })

  it('runs an Event invoke through the Lambda API in the asynchronous queue, with the function’s EventInvokeConfig', async () => {
    const lambda = new LambdaClient({ ...app.resources.clientSettings('lambda'), maxAttempts: 1 })
    try {
      const name = app.resources.resolve('Recorder', { type: 'AWS::Lambda::Function' }).physicalId
      const ok = await lambda.send(
        new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: JSON.stringify({ id: 'direct-1' }) }),
      )
      expect(ok.StatusCode).toBe(202)
      await eventually(
        () => seen('direct-1'),
        (item) => item !== undefined,
        { timeout: 20_000 },
      )
      const failing = await lambda.send(
        new InvokeCommand({
          FunctionName: name,
          InvocationType: 'Event',
          Payload: JSON.stringify({ id: 'x', fail: true }),
        }),
      )
      expect(failing.StatusCode).toBe(202)
      // Recorder has retryAttempts 0 (its EventInvokeConfig) and no destination: one line, after one attempt.
      const { last } = await eventually(
        () => lines.filter((line) => line.includes('discarded')),
        (found) => found.length > 0,
        { timeout: 20_000 },
      )
      expect(last).toEqual([
        expect.stringMatching(
          /of Recorder\w* discarded.*failed 1 time \(MaximumRetryAttempts 0\): Error: told to fail$/,
        ),
      ])
    } finally {
      lambda.destroy()
    }
  })

  it('names the bus and rules as CloudFormation does, and says in the warning what it does not run', () => {
    expect(app.resources.resolve('Bus', { type: 'AWS::Events::EventBus' }).physicalId).toBe('shop-bus')
    expect(app.resources.resolve('Orders', { type: 'AWS::Events::Rule' }).physicalId).toMatch(
      /^shop-bus\|ShopStack-Orders[A-Z0-9]*-[A-Z0-9]{12}$/,
    )
    expect(
      lines.some((line) =>
        line.startsWith('EventBridge: 1 rule on 2 buses; asynchronous invocations retry after 0.1 s and 0.2 s'),
      ),
    ).toBe(true)
    const warning = lines.find((line) => line.startsWith('startLocal: ShopStack runs locally without these:')) ?? ''
    expect(warning).toMatch(
      /AWS::Events::Rule Nightly\S* ShopStack\/Nightly ScheduleExpression: schedules are not run locally/,
    )
  })
})
