import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalApp, startLocal } from '../../../src/local/index.js'
import { isAlive, synthesizeReview } from './support.js'

// One start of the review app, an app written to break the local target (see fixtures/review/review-stack.ts).
let app: LocalApp
const lines: string[] = []
let dynamodb: DynamoDBClient
let lambda: LambdaClient

beforeAll(async () => {
  app = await startLocal({ app: await synthesizeReview(), log: (line) => lines.push(line) })
  dynamodb = new DynamoDBClient({ ...app.resources.clientSettings('dynamodb') })
  lambda = new LambdaClient({ ...app.resources.clientSettings('lambda'), maxAttempts: 1 })
}, 180_000)

afterAll(async () => {
  dynamodb?.destroy()
  lambda?.destroy()
  await app?.stop()
})

const warning = () => lines.find((line) => line.startsWith('startLocal:')) ?? ''
const nameOf = (id: string) => app.resources.resolve(id, { type: 'AWS::Lambda::Function' }).physicalId ?? ''
interface Probed {
  pid: number
  context: Record<string, unknown>
  env: Record<string, string>
}

describe('startLocal with the review app', () => {
  it('gives the handler the context and variables Lambda gives, from the template’s name, memory and timeout', async () => {
    const out = await app.invoke('Probe', {})
    const { context, env } = out.result as Probed
    const name = nameOf('Probe')
    expect(context).toEqual({
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
      memoryLimitInMB: '512',
      awsRequestId: out.requestId,
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: expect.stringMatching(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/),
      remainingMs: expect.any(Number),
    })
    expect(context.remainingMs).toBeLessThanOrEqual(2000)
    expect(env).toMatchObject({ PROBE_TABLE: 'review-scores', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512' })
  })

  it('creates a table named in the template with a number key, a KEYS_ONLY GSI, provisioned billing, TTL off', async () => {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: 'review-scores' }))
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'player', KeyType: 'HASH' }])
    expect(Table?.AttributeDefinitions).toContainEqual({ AttributeName: 'player', AttributeType: 'N' })
    expect(Table?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 4, WriteCapacityUnits: 1 })
    expect(Table?.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: 'byLevel',
      Projection: { ProjectionType: 'KEYS_ONLY' },
      ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 1 },
    })
    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: 'review-scores' }))
    expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED')
  })

  it('brings up a TableV2 (AWS::DynamoDB::GlobalTable) as its one replica in the stack’s region', async () => {
    const events = app.resources.resolve('Events')
    expect(events.type).toBe('AWS::DynamoDB::GlobalTable')
    expect(events.physicalId).toMatch(new RegExp(`^ReviewStack-${events.logicalId}-[A-Z0-9]{12}$`))
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: events.physicalId }))
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'id', KeyType: 'HASH' },
      { AttributeName: 'at', KeyType: 'RANGE' },
    ])
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST')
    expect(Table?.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: 'byType',
      Projection: { ProjectionType: 'ALL' },
    })
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' })
    expect(events.attributes).toEqual({
      Arn: `arn:aws:dynamodb:us-east-1:000000000000:table/${events.physicalId}`,
      StreamArn: Table?.LatestStreamArn,
    })
    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: events.physicalId }))
    expect(ttl.TimeToLiveDescription).toEqual({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' })
    expect(warning()).not.toContain('GlobalTable')
    // Provisioned: the replica's fixed reads, the autoscaling minimum of writes.
    const ledger = await dynamodb.send(
      new DescribeTableCommand({ TableName: app.resources.resolve('Ledger').physicalId }),
    )
    expect(ledger.Table?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 5, WriteCapacityUnits: 2 })
  })

  it('ends an invocation that never answers at the template’s timeout, and replaces its environment', async () => {
    const first = (await app.invoke('Probe', {})).result as Probed
    const [spin, hang] = await Promise.all([app.invoke('Probe', { spin: true }), app.invoke('Probe', { hang: true })])
    for (const out of [spin, hang]) {
      expect(out.error).toMatchObject({
        errorType: 'Sandbox.Timedout',
        errorMessage: expect.stringMatching(new RegExp(`${out.requestId} Task timed out after 2\\.00 seconds$`)),
      })
    }
    expect(isAlive(first.pid)).toBe(false)
    expect(((await app.invoke('Probe', {})).result as Probed).pid).not.toBe(first.pid)
  })

  it('fails only the invocation whose environment crashed, not the one running beside it', async () => {
    const [crashed, beside] = await Promise.all([
      app.invoke('Probe', { crash: true, holdMs: 200 }),
      app.invoke('Probe', { holdMs: 600 }),
    ])
    expect(crashed.error).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${crashed.requestId} Error: Runtime exited with error: exit status 3`,
    })
    expect(beside.error).toBeUndefined()
  })

  it('runs 20 concurrent invocations in 20 environments, through app.invoke and through the Invoke API', async () => {
    const direct = await Promise.all(Array.from({ length: 20 }, () => app.invoke('Probe', { holdMs: 300 })))
    expect(direct.filter((out) => out.error !== undefined)).toEqual([])
    expect(new Set(direct.map((out) => (out.result as Probed).pid)).size).toBe(20)
    const viaApi = await Promise.all(
      Array.from({ length: 20 }, () =>
        lambda.send(new InvokeCommand({ FunctionName: nameOf('Probe'), Payload: JSON.stringify({ holdMs: 300 }) })),
      ),
    )
    expect(viaApi.filter((out) => out.FunctionError !== undefined)).toEqual([])
    const pids = viaApi.map((out) => (JSON.parse(new TextDecoder().decode(out.Payload)) as Probed).pid)
    expect(new Set(pids).size).toBe(20)
  })

  it('throttles a function past its ReservedConcurrentExecutions, as Lambda does: TooManyRequestsException', async () => {
    const three = await Promise.allSettled(Array.from({ length: 3 }, () => app.invoke('Limited', { holdMs: 500 })))
    expect(three.filter((out) => out.status === 'fulfilled')).toHaveLength(2)
    expect(three.filter((out) => out.status === 'rejected')).toEqual([
      {
        status: 'rejected',
        reason: expect.objectContaining({
          message:
            'function ReviewStack/Limited: Rate Exceeded. (TooManyRequestsException, ' +
            'ReservedFunctionConcurrentInvocationLimitExceeded): its ReservedConcurrentExecutions is 2, and 2 ' +
            'invocations are running',
        }),
      },
    ])
    const viaApi = await Promise.allSettled(
      Array.from({ length: 3 }, () =>
        lambda.send(new InvokeCommand({ FunctionName: nameOf('Limited'), Payload: JSON.stringify({ holdMs: 500 }) })),
      ),
    )
    expect(viaApi.filter((out) => out.status === 'rejected')).toEqual([
      {
        status: 'rejected',
        reason: expect.objectContaining({
          name: 'TooManyRequestsException',
          message: 'Rate Exceeded.',
          Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
          $metadata: expect.objectContaining({ httpStatusCode: 429 }),
        }),
      },
    ])
  })

  it('refuses a function whose variables pass Lambda’s 4 KB, as Lambda refuses to create it', async () => {
    const oversized = app.resources.resolve('Oversized', { type: 'AWS::Lambda::Function' })
    const reason =
      'its environment variables take 4,129 bytes (names and values), over the 4 KB (4,096 bytes) Lambda allows a ' +
      'function: Lambda refuses to create it, so the deploy would fail'
    expect(warning()).toContain(`  AWS::Lambda::Function ${oversized.logicalId} ReviewStack/Oversized: ${reason}`)
    await expect(app.invoke('Oversized', {})).rejects.toThrow(`function ReviewStack/Oversized: ${reason}`)
  })

  it('refuses a function whose name or variable name Lambda does not accept, saying so rather than crashing', async () => {
    await expect(app.invoke('Unicode', {})).rejects.toThrow(
      'function ReviewStack/Unicode: its FunctionName "prüfung" is not a name Lambda accepts (1 to 64 letters, digits, - or _): Lambda refuses to create it, so the deploy would fail',
    )
    await expect(app.invoke('Umlaut', {})).rejects.toThrow(
      'function ReviewStack/Umlaut: its environment variable "ÄPFEL" is not a name Lambda accepts (a letter, then letters, digits or _): Lambda refuses to create it, so the deploy would fail',
    )
  })

  it('refuses a function whose variable is an SSM parameter or an import, naming it, never a made-up value', async () => {
    await expect(app.invoke('Imported', {})).rejects.toThrow(
      'Cannot resolve environment variable PROBE_IMPORTED of function ReviewStack/Imported: { Fn::ImportValue: SharedBucketName }: Fn::ImportValue is not evaluated here',
    )
    await expect(app.invoke('Parameterized', {})).rejects.toThrow(
      /environment variable PROBE_PARAMETER of function ReviewStack\/Parameterized: .* is the SSM parameter \/review\/api-url \(a template parameter of type AWS::SSM::Parameter::Value<String>\), which this target does not read/,
    )
  })

  // Last: it stops the app the other tests share.
  it('ends the invocations in flight on stop() with an error saying so, through both ways in', async () => {
    const direct = app.invoke('Slow', { holdMs: 60_000 })
    const viaApi = lambda.send(
      new InvokeCommand({ FunctionName: nameOf('Slow'), Payload: JSON.stringify({ holdMs: 60_000 }) }),
    )
    // Both are running once the pool has two environments of Slow besides the ones already warm.
    const before = app.pids().length
    while (app.pids().length < before + 2) await new Promise((resolve) => setTimeout(resolve, 20))
    const pids = app.pids()
    // Settled as stop() ends them, so neither rejection goes unhandled in the meantime.
    const ended = Promise.allSettled([direct, viaApi])
    await Promise.all([app.stop(), app.stop()])
    const [directEnd, viaApiEnd] = await ended
    expect(directEnd).toMatchObject({
      status: 'rejected',
      reason: expect.objectContaining({
        message:
          'function ReviewStack/Slow: the local app was stopped during this invocation (stop() ends the invocations in flight)',
      }),
    })
    expect(viaApiEnd).toMatchObject({
      status: 'rejected',
      reason: expect.objectContaining({
        name: 'ServiceException',
        // Whichever stop reaches it first: the function's pool, or the Invoke API's own.
        message: expect.stringMatching(
          /^Invocation of .+ failed: (StakeoutError: function ReviewStack\/Slow: the local app was stopped during this invocation|the local Lambda endpoint stopped)/,
        ),
      }),
    })
    expect(pids.filter(isAlive)).toEqual([])
  })
})
