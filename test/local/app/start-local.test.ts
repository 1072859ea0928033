import { access } from 'node:fs/promises'
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb'
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalApp, startLocal } from '../../../src/local/index.js'
import { LOCAL_APP_ENV, resolveTarget } from '../../../src/target/index.js'
import { CATALOG_COMMAND, CATALOG_DIR, isAlive } from './support.js'

// One start for the whole file: the catalogue app, synthesized from its app command as the CDK CLI runs it.
let app: LocalApp
const lines: string[] = []
let dynamodb: DynamoDBClient

beforeAll(async () => {
  app = await startLocal({ app: CATALOG_COMMAND, cwd: CATALOG_DIR, log: (line) => lines.push(line) })
  dynamodb = new DynamoDBClient({ ...app.resources.clientSettings('dynamodb') })
}, 180_000)

afterAll(async () => {
  dynamodb?.destroy()
  await app?.stop()
})

const books = () => app.resources.resolve('Books')
const describeBooks = async () =>
  (await dynamodb.send(new DescribeTableCommand({ TableName: books().physicalId }))).Table

describe('startLocal with an app command', () => {
  it('prints one progress line per step, each with its time', () => {
    const steps = lines.filter((line) => !line.startsWith('startLocal:'))
    expect(steps.map((line) => line.split(':')[0])).toEqual(['synth', 'DynamoDB Local', 'tables', 'SQS', 'functions'])
    for (const line of steps) expect(line).toMatch(/ in \d+\.\d\d s/)
    expect(steps[3]).toMatch(/^SQS: sqs at http:\/\/127\.0\.0\.1:\d+ in /)
    expect(steps[4]).toMatch(/^functions: 3 Node.js ready, Lambda Invoke API at http:\/\/127\.0\.0\.1:\d+ in /)
    expect(steps[0]).toContain(`CatalogStack from ${JSON.stringify(CATALOG_COMMAND)}`)
  })

  it('names tables as CloudFormation does when the template names none, and keeps an explicit name', () => {
    expect(books().physicalId).toMatch(new RegExp(`^CatalogStack-${books().logicalId}-[A-Z0-9]{12}$`))
    expect(app.resources.resolve('Loans').physicalId).toBe('catalog-loans')
    const addBook = app.resources.resolve('AddBook', { type: 'AWS::Lambda::Function' })
    expect(addBook.physicalId).toMatch(new RegExp(`^CatalogStack-${addBook.logicalId}-[A-Za-z0-9]{12}$`))
    expect(app.resources.source).toBe('local')
  })

  it('creates the table as the template describes it: keys, GSI and LSI projections, billing, stream, TTL', async () => {
    const table = await describeBooks()
    expect(table?.KeySchema).toEqual([
      { AttributeName: 'shelf', KeyType: 'HASH' },
      { AttributeName: 'isbn', KeyType: 'RANGE' },
    ])
    expect(table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST')
    expect(table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' })
    expect(table?.GlobalSecondaryIndexes).toEqual([
      expect.objectContaining({
        IndexName: 'byAuthor',
        KeySchema: [
          { AttributeName: 'author', KeyType: 'HASH' },
          { AttributeName: 'year', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['title'] },
      }),
    ])
    expect(table?.LocalSecondaryIndexes).toEqual([
      expect.objectContaining({
        IndexName: 'byTitle',
        KeySchema: [
          { AttributeName: 'shelf', KeyType: 'HASH' },
          { AttributeName: 'title', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      }),
    ])
    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: books().physicalId }))
    expect(ttl.TimeToLiveDescription).toEqual({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' })
    const loans = await dynamodb.send(new DescribeTableCommand({ TableName: 'catalog-loans' }))
    expect(loans.Table?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 3, WriteCapacityUnits: 2 })
  })

  it('invokes a function that writes to the table through the AWS SDK, with its environment resolved and its layer loaded', async () => {
    const out = await app.invoke('AddBook', {
      shelf: 'S1',
      isbn: '978-0',
      title: 'Dune',
      author: 'Herbert',
      year: 1965,
    })
    expect(out.error).toBeUndefined()
    const result = out.result as { label: string; variables: Record<string, string> }
    expect(result.label).toBe('shelf S1 (from the Shelf layer)')
    const name = books().physicalId
    const table = await describeBooks()
    expect(result.variables).toEqual({
      BOOKS_TABLE: name,
      BOOKS_URL: `dynamodb://us-east-1/${name}`,
      BOOKS_LABEL: `CatalogStack/${name}@000000000000`,
      BOOKS_STREAM: table?.LatestStreamArn,
      LOANS_ARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/catalog-loans',
      ARN_SERVICE: 'dynamodb',
      PARTITION: 'aws',
      URL_SUFFIX: 'amazonaws.com',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_DYNAMODB: app.endpoints.dynamodb,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: app.endpoints.dynamodb,
      AWS_ENDPOINT_URL_LAMBDA: app.endpoints.lambda,
      AWS_ENDPOINT_URL_SQS: app.endpoints.sqs,
      AWS_LAMBDA_FUNCTION_NAME: app.resources.resolve('AddBook', { type: 'AWS::Lambda::Function' }).physicalId,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    })
    const item = await dynamodb.send(
      new GetItemCommand({ TableName: name, Key: { shelf: { S: 'S1' }, isbn: { S: '978-0' } } }),
    )
    expect(item.Item?.title).toEqual({ S: 'Dune' })
  })

  it('reuses a warm environment, and gives a concurrent invocation a second one', async () => {
    const event = (isbn: string, holdMs = 0) => ({ shelf: 'S2', isbn, title: 't', author: 'a', year: 1, holdMs })
    const first = (await app.invoke('CatalogStack/AddBook', event('1'))).result as { pid: number; invocations: number }
    const second = (await app.invoke('CatalogStack/AddBook', event('2'))).result as { pid: number; invocations: number }
    expect(second.pid).toBe(first.pid)
    expect(second.invocations).toBe(first.invocations + 1)
    const [a, b] = await Promise.all([app.invoke('AddBook', event('3', 300)), app.invoke('AddBook', event('4', 300))])
    const pids = [(a.result as { pid: number }).pid, (b.result as { pid: number }).pid]
    expect(new Set(pids).size).toBe(2)
    expect(pids).toContain(first.pid)
  })

  it('runs a nodejs24.x function whose handler is in another file, with ARNs of the other function', async () => {
    const out = await app.invoke('Describe', { hello: 'world' })
    const addBook = app.resources.resolve('AddBook', { type: 'AWS::Lambda::Function' })
    expect(out.result).toEqual({
      echo: { hello: 'world' },
      addBookArn: `arn:aws:lambda:us-east-1:000000000000:function:${addBook.physicalId}`,
      addBookName: addBook.physicalId,
      selfRegion: 'us-east-1',
    })
  })

  it('runs a function with inline code (Code.fromInline), written to index.js as CloudFormation does', async () => {
    expect((await app.invoke('Shelves', { count: 21 })).result).toEqual({ inline: true, shelves: 42 })
  })

  it('refuses to invoke the Python function, saying why', async () => {
    await expect(app.invoke('Report', {})).rejects.toThrow(
      'function CatalogStack/Report: it runs python3.12, which the local target does not run: only Node.js functions (nodejs20.x, nodejs22.x, nodejs24.x) run locally',
    )
  })

  it('lists what it does not bring up in one warning: the Python function, IAM as not enforced', () => {
    const warnings = lines.filter((line) => line.startsWith('startLocal:'))
    expect(warnings).toHaveLength(1)
    const report = app.resources.resolve('Report', { type: 'AWS::Lambda::Function' })
    expect(warnings[0]?.split('\n')).toEqual([
      'startLocal: CatalogStack runs locally without these:',
      `  AWS::Lambda::Function ${report.logicalId} CatalogStack/Report: it runs python3.12, which the local target does not run: only Node.js functions (nodejs20.x, nodejs22.x, nodejs24.x) run locally; invoking it fails`,
      '  4 AWS::IAM::Role, 1 AWS::IAM::Policy: not enforced locally (every function may call every local service)',
    ])
  })

  it('resolves the outputs, and resolveValue against the local names as against a deployed stack', () => {
    const name = books().physicalId
    const addBook = app.resources.resolve('AddBook', { type: 'AWS::Lambda::Function' })
    expect(app.resources.stacks[0]?.outputs).toEqual({
      BooksTableName: name,
      AddBookArn: addBook.attributes?.Arn,
      DescribeName: app.resources.resolve('Describe', { type: 'AWS::Lambda::Function' }).physicalId,
      BooksEndpoint: `https://dynamodb.us-east-1.amazonaws.com/${name}`,
    })
    expect(app.resources.resolveValue({ Ref: books().logicalId })).toBe(name)
    expect(app.resources.resolveValue({ 'Fn::GetAtt': [books().logicalId, 'Arn'] })).toBe(
      `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`,
    )
    expect(() =>
      app.resources.requireValue({ 'Fn::GetAtt': [books().logicalId, 'Bogus'] }, undefined, 'the test value'),
    ).toThrow(
      `Cannot resolve the test value: { Fn::GetAtt: [${books().logicalId}, Bogus] }: CatalogStack/Books (AWS::DynamoDB::Table) has no Bogus here (this target knows its Arn, StreamArn)`,
    )
  })

  it('writes a manifest that resolveTarget() reads in another process, with client settings for the local services', async () => {
    const target = await resolveTarget({ env: { [LOCAL_APP_ENV]: app.manifestPath } })
    expect(target.source).toBe('local')
    expect(target.resolve('Books').physicalId).toBe(books().physicalId)
    const client = new DynamoDBClient({ ...target.clientSettings('dynamodb') })
    try {
      const table = await client.send(new DescribeTableCommand({ TableName: target.resolve('Books').physicalId }))
      expect(table.Table?.TableStatus).toBe('ACTIVE')
    } finally {
      client.destroy()
    }
    expect(app.endpoints).toEqual({
      dynamodb: target.clientSettings('dynamodb').endpoint,
      lambda: target.clientSettings('lambda').endpoint,
      sqs: target.clientSettings('sqs').endpoint,
      region: 'us-east-1',
    })
  })

  it('serves the functions over the Lambda Invoke API, by name and by ARN, to the real Lambda client', async () => {
    const target = await resolveTarget({ env: { [LOCAL_APP_ENV]: app.manifestPath } })
    const lambda = new LambdaClient({ ...target.clientSettings('lambda') })
    try {
      const describe = target.resolve('Describe', { type: 'AWS::Lambda::Function' })
      for (const name of [describe.physicalId, describe.attributes?.Arn]) {
        const out = await lambda.send(
          new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ via: 'api' }) }),
        )
        expect(out.FunctionError).toBeUndefined()
        expect(JSON.parse(new TextDecoder().decode(out.Payload))).toMatchObject({ echo: { via: 'api' } })
      }
      await expect(lambda.send(new InvokeCommand({ FunctionName: 'NoSuchFunction' }))).rejects.toThrow(
        expect.objectContaining({ name: 'ResourceNotFoundException' }),
      )
    } finally {
      lambda.destroy()
    }
  })

  // Last: it stops the app the other tests share.
  it('stops every function process and DynamoDB Local, removes its files, and is safe to call twice', async () => {
    const pids = app.pids()
    expect(pids.length).toBeGreaterThanOrEqual(4) // java, two AddBook environments, Describe
    expect(pids.every(isAlive)).toBe(true)
    await Promise.all([app.stop(), app.stop()])
    // stop() resolves once every process has exited: none may be left a moment later.
    expect(pids.filter(isAlive)).toEqual([])
    await expect(access(app.manifestPath)).rejects.toThrow(/ENOENT/)
    await expect(app.invoke('AddBook', {})).rejects.toThrow('LocalApp.invoke: the local app was stopped')
  })
})
