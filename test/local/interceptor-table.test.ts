import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb'
import { ArgumentError, HttpInterceptorClient, StakeoutError } from 'stakeout'
import { createInterceptorTable } from 'stakeout/local'
import { afterAll, describe, expect, it } from 'vitest'
import { PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from '../../src/runtime/interceptor/schema.js'
import { dynamodbEndpoint, localDynamoDB } from '../support/dynamodb.js'

const dynamodb = localDynamoDB()
let counter = 0
/** A table name unique to this run, so re-runs against one DynamoDB Local never collide. */
const uniqueName = (label: string) => `table-test-${label}-${process.pid}-${Date.now()}-${counter++}`

afterAll(() => dynamodb.destroy())

async function describeTable(tableName: string) {
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }))
  return Table
}

async function timeToLive(tableName: string) {
  const { TimeToLiveDescription } = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: tableName }))
  return TimeToLiveDescription
}

async function exists(tableName: string): Promise<boolean> {
  try {
    await describeTable(tableName)
    return true
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return false
    throw error
  }
}

/** Creates a table the way a user might have, with another schema than the interceptor's. */
async function createRawTable(
  tableName: string,
  keys: Array<{ name: string; type: 'S' | 'N'; keyType: 'HASH' | 'RANGE' }>,
): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: keys.map((key) => ({ AttributeName: key.name, AttributeType: key.type })),
      KeySchema: keys.map((key) => ({ AttributeName: key.name, KeyType: key.keyType })),
    }),
  )
}

describe('createInterceptorTable', () => {
  it("creates the HttpInterceptor construct's table: pk/sk strings, on demand, TTL on expiresAt", async () => {
    const table = await createInterceptorTable({ dynamodb })

    expect(table.tableName).toMatch(/^stakeout-interceptor-[0-9a-f]{12}$/)
    const description = await describeTable(table.tableName)
    expect(description?.TableStatus).toBe('ACTIVE')
    expect(description?.KeySchema).toEqual([
      { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
      { AttributeName: SORT_KEY, KeyType: 'RANGE' },
    ])
    expect(description?.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: PARTITION_KEY, AttributeType: 'S' },
        { AttributeName: SORT_KEY, AttributeType: 'S' },
      ]),
    )
    expect(description?.AttributeDefinitions).toHaveLength(2)
    expect(description?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST')
    expect(await timeToLive(table.tableName)).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: TTL_ATTRIBUTE })
    await table.delete()
  })

  it('makes a fresh name on every call', async () => {
    const [a, b] = await Promise.all([createInterceptorTable({ dynamodb }), createInterceptorTable({ dynamodb })])
    expect(a.tableName).not.toBe(b.tableName)
    await Promise.all([a.delete(), b.delete()])
  })

  it('reaches an endpoint with a client of its own (local credentials when none are set)', async () => {
    const tableName = uniqueName('endpoint')
    const table = await createInterceptorTable({ endpoint: dynamodbEndpoint(), tableName })

    expect(table.tableName).toBe(tableName)
    expect(await timeToLive(tableName)).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: TTL_ATTRIBUTE })
    await table.delete()
    expect(await exists(tableName)).toBe(false)
  })

  it('gives a table HttpInterceptorClient can write rules to and read calls from', async () => {
    const table = await createInterceptorTable({ dynamodb })
    const api = new HttpInterceptorClient({ functionName: 'table-test', tableName: table.tableName, dynamodb })

    const mock = await api.mock('https://api-1/*', { status: 204 })
    expect(mock.id).toEqual(expect.any(String))
    expect(await api.calls()).toEqual([])
    await table.delete()
  })

  it('is idempotent: the same name again reuses the table and keeps its items', async () => {
    const tableName = uniqueName('again')
    const first = await createInterceptorTable({ dynamodb, tableName })
    const key = { [PARTITION_KEY]: { S: 'fn#rules' }, [SORT_KEY]: { S: 'config' } }
    await dynamodb.send(new PutItemCommand({ TableName: tableName, Item: { ...key, recordAll: { BOOL: true } } }))

    const second = await createInterceptorTable({ dynamodb, tableName })

    expect(second.tableName).toBe(first.tableName)
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: key }))
    expect(Item?.recordAll).toEqual({ BOOL: true })
    expect(await timeToLive(tableName)).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: TTL_ATTRIBUTE })
    await second.delete()
  })

  it('turns TTL on for an existing table with the right keys but no TTL', async () => {
    const tableName = uniqueName('no-ttl')
    await createRawTable(tableName, [
      { name: PARTITION_KEY, type: 'S', keyType: 'HASH' },
      { name: SORT_KEY, type: 'S', keyType: 'RANGE' },
    ])
    expect((await timeToLive(tableName))?.TimeToLiveStatus).toBe('DISABLED')

    const table = await createInterceptorTable({ dynamodb, tableName })

    expect(await timeToLive(tableName)).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: TTL_ATTRIBUTE })
    await table.delete()
  })

  it('names the mismatch when the table exists without a sort key', async () => {
    const tableName = uniqueName('hash-only')
    await createRawTable(tableName, [{ name: PARTITION_KEY, type: 'S', keyType: 'HASH' }])

    const creating = createInterceptorTable({ dynamodb, tableName })

    await expect(creating).rejects.toThrow(StakeoutError)
    await expect(creating).rejects.toThrow(
      `createInterceptorTable: table ${tableName} already exists with key schema pk (string, HASH), but an ` +
        'interceptor table needs pk (string, HASH) and sk (string, RANGE). Pass another tableName, or delete that table.',
    )
    await dynamodb.send(new DeleteTableCommand({ TableName: tableName }))
  })

  it('names the mismatch when the keys have other names or types', async () => {
    const renamed = uniqueName('renamed')
    await createRawTable(renamed, [
      { name: 'PK', type: 'S', keyType: 'HASH' },
      { name: 'SK', type: 'S', keyType: 'RANGE' },
    ])
    const numeric = uniqueName('numeric')
    await createRawTable(numeric, [
      { name: PARTITION_KEY, type: 'S', keyType: 'HASH' },
      { name: SORT_KEY, type: 'N', keyType: 'RANGE' },
    ])

    await expect(createInterceptorTable({ dynamodb, tableName: renamed })).rejects.toThrow(
      'already exists with key schema PK (string, HASH) and SK (string, RANGE), but an interceptor table needs',
    )
    await expect(createInterceptorTable({ dynamodb, tableName: numeric })).rejects.toThrow(
      'already exists with key schema pk (string, HASH) and sk (number, RANGE), but an interceptor table needs',
    )
    await dynamodb.send(new DeleteTableCommand({ TableName: renamed }))
    await dynamodb.send(new DeleteTableCommand({ TableName: numeric }))
  })

  it('names the mismatch when the table expires items by another attribute', async () => {
    const tableName = uniqueName('other-ttl')
    await createRawTable(tableName, [
      { name: PARTITION_KEY, type: 'S', keyType: 'HASH' },
      { name: SORT_KEY, type: 'S', keyType: 'RANGE' },
    ])
    await dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      }),
    )

    await expect(createInterceptorTable({ dynamodb, tableName })).rejects.toThrow(
      `createInterceptorTable: table ${tableName} already exists with TTL on attribute ttl, but an interceptor ` +
        "table's items expire by expiresAt.",
    )
    await dynamodb.send(new DeleteTableCommand({ TableName: tableName }))
  })

  it('delete() removes the table, and is safe to call again or after the table is gone', async () => {
    const table = await createInterceptorTable({ dynamodb })
    expect(await exists(table.tableName)).toBe(true)

    await table.delete()
    expect(await exists(table.tableName)).toBe(false)
    await expect(table.delete()).resolves.toBeUndefined()

    const other = await createInterceptorTable({ endpoint: dynamodbEndpoint() })
    await dynamodb.send(new DeleteTableCommand({ TableName: other.tableName }))
    await expect(other.delete()).resolves.toBeUndefined()
  })

  describe('bad arguments', () => {
    const cases: Array<[string, unknown, string]> = [
      [
        'options null',
        null,
        'createInterceptorTable: options must be an object like { endpoint, tableName? }, received null',
      ],
      [
        'options a string',
        'http://127.0.0.1:8000',
        'options must be an object like { endpoint, tableName? }, received string',
      ],
      [
        'an unknown option',
        { table: 'x' },
        "options.table must be absent (known options: endpoint, dynamodb, tableName), received string 'table'",
      ],
      [
        'endpoint not a URL',
        { endpoint: '127.0.0.1:8000' },
        "options.endpoint must be an http(s) URL like http://127.0.0.1:8000, received string '127.0.0.1:8000'",
      ],
      [
        'endpoint not http',
        { endpoint: 'ftp://127.0.0.1' },
        'options.endpoint must be an http(s) URL like http://127.0.0.1:8000',
      ],
      [
        'endpoint a number',
        { endpoint: 8000 },
        'options.endpoint must be an http(s) URL like http://127.0.0.1:8000, received number 8000',
      ],
      [
        'dynamodb not a client',
        { dynamodb: { endpoint: 'x' } },
        'options.dynamodb must be a DynamoDBClient, received object',
      ],
      [
        'endpoint and dynamodb',
        { endpoint: 'http://127.0.0.1:8000', dynamodb },
        'options.endpoint must be left out when options.dynamodb is given',
      ],
      [
        'tableName too short',
        { dynamodb, tableName: 'ab' },
        "options.tableName must be a DynamoDB table name (3 to 255 letters, digits, _, - or .), received string 'ab'",
      ],
      [
        'tableName with a space',
        { dynamodb, tableName: 'my table' },
        'options.tableName must be a DynamoDB table name',
      ],
      [
        'tableName a number',
        { dynamodb, tableName: 42 },
        'options.tableName must be a DynamoDB table name (3 to 255 letters, digits, _, - or .), received number 42',
      ],
    ]
    it.each(cases)('%s: an ArgumentError naming it', async (_, options, message) => {
      const creating = createInterceptorTable(options as never)
      await expect(creating).rejects.toThrow(ArgumentError)
      await expect(creating).rejects.toThrow(message)
    })

    it('points the stack at the caller’s line', async () => {
      const error = await createInterceptorTable({ tableName: 'x' }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ArgumentError)
      expect((error as Error).stack?.split('\n')[1]).toContain('interceptor-table.test.ts')
    })
  })
})
