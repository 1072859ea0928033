import { randomBytes } from 'node:crypto'
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb'
import { dynamodbClientFor } from '../clients/dynamodb-client.js'
import { failArgument, StakeoutError } from '../errors.js'
import { PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from '../runtime/interceptor/schema.js'

/** Options of {@link createInterceptorTable}. */
export interface LocalInterceptorTableOptions {
  /**
   * The DynamoDB endpoint, e.g. DynamoDB Local's `http://127.0.0.1:8000`. Not with `dynamodb`.
   * With an endpoint, the region is `AWS_REGION` (else `us-east-1`), and when this process has no
   * AWS credentials set, `local`/`local` is used: DynamoDB Local and LocalStack accept any.
   * @default the AWS SDK's chain (a real AWS account)
   */
  readonly endpoint?: string
  /**
   * A DynamoDB client to use (never destroyed by stakeout). Not with `endpoint`.
   * @default a new client for `endpoint`
   */
  readonly dynamodb?: DynamoDBClient
  /**
   * The table's name (3 to 255 letters, digits, `_`, `-` or `.`). An existing table of that name is
   * reused when it has the interceptor table's key schema.
   * @default `stakeout-interceptor-<12 random hex digits>`
   */
  readonly tableName?: string
}

/** An interceptor table made on a local (or any) DynamoDB endpoint by {@link createInterceptorTable}. */
export interface LocalInterceptorTable {
  /** The table's name: pass it as `tableName` to `startHandler`'s `interceptor`, `useInterceptor` or `HttpInterceptorClient`. */
  readonly tableName: string
  /** Deletes the table (with every rule and recorded call in it). Idempotent; a table already gone is fine. */
  delete(): Promise<void>
}

const CALLEE = 'createInterceptorTable'
const OPTION_NAMES = ['endpoint', 'dynamodb', 'tableName']
/** DynamoDB's rule for table names (the same one the HttpInterceptor construct checks). */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/
/** How long a real AWS table may stay CREATING; DynamoDB Local creates tables ACTIVE at once. */
const ACTIVE_WAIT_SECONDS = 300

/** The key schema the HttpInterceptor construct deploys: `pk` (string) HASH, `sk` (string) RANGE. */
const KEY_SCHEMA = [
  { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
  { AttributeName: SORT_KEY, KeyType: 'RANGE' },
] as const
const EXPECTED_SCHEMA = `${PARTITION_KEY} (string, HASH) and ${SORT_KEY} (string, RANGE)`

/**
 * Creates the table the `HttpInterceptor` construct deploys (`pk` and `sk` strings, on-demand
 * billing, TTL on `expiresAt`) on DynamoDB Local, LocalStack or any DynamoDB endpoint, so a
 * function run by `startHandler`/`invokeHandler` with `interceptor: { tableName, ... }` can be
 * mocked and asserted on with `useInterceptor` and `toHaveCalled` without a deployed stack.
 *
 * Idempotent: an existing table of that name with the interceptor's key schema is reused (its TTL
 * turned on if it is off).
 *
 * @throws {ArgumentError} a bad option (names it and what it must be)
 * @throws {StakeoutError} the table exists with another key schema, or with TTL on another attribute
 * @example
 * import { createInterceptorTable, startDynamoDBLocal, startHandler } from 'stakeout/local'
 *
 * const ddb = await startDynamoDBLocal()
 * const { tableName } = await createInterceptorTable({ endpoint: ddb.endpoint })
 * const fn = await startHandler({
 *   entry: 'src/credit-account.ts',
 *   interceptor: { functionName: 'CreditAccount', tableName, endpoint: ddb.endpoint },
 * })
 * // in a test file: useInterceptor(() => ({ functionName: 'CreditAccount', tableName, endpoint: ddb.endpoint }))
 */
export async function createInterceptorTable(
  options: LocalInterceptorTableOptions = {},
): Promise<LocalInterceptorTable> {
  checkOptions(options)
  const tableName = options.tableName ?? `stakeout-interceptor-${randomBytes(6).toString('hex')}`
  const connect = (): { client: DynamoDBClient; owned: boolean } =>
    options.dynamodb !== undefined
      ? { client: options.dynamodb, owned: false }
      : { client: dynamodbClientFor({ endpoint: options.endpoint }), owned: true }

  const { client, owned } = connect()
  try {
    await createTable(client, tableName)
    await enableTimeToLive(client, tableName)
  } finally {
    // A client made here is used for these few requests only: its sockets must not outlive them.
    if (owned) client.destroy()
  }

  let deleting: Promise<void> | undefined
  return {
    tableName,
    delete() {
      deleting ??= (async () => {
        const { client, owned } = connect()
        try {
          await client.send(new DeleteTableCommand({ TableName: tableName }))
        } catch (error) {
          if (errorName(error) !== 'ResourceNotFoundException') throw error
        } finally {
          if (owned) client.destroy()
        }
      })()
      return deleting
    },
  }
}

function checkOptions(options: LocalInterceptorTableOptions): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    failArgument(createInterceptorTable, CALLEE, 'options', 'an object like { endpoint, tableName? }', options)
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) {
      failArgument(
        createInterceptorTable,
        CALLEE,
        `options.${key}`,
        `absent (known options: ${OPTION_NAMES.join(', ')})`,
        key,
      )
    }
  }
  const { endpoint, dynamodb, tableName } = options
  if (endpoint !== undefined && !isHttpUrl(endpoint)) {
    failArgument(
      createInterceptorTable,
      CALLEE,
      'options.endpoint',
      'an http(s) URL like http://127.0.0.1:8000',
      endpoint,
    )
  }
  if (dynamodb !== undefined && typeof (dynamodb as { send?: unknown } | null)?.send !== 'function') {
    failArgument(createInterceptorTable, CALLEE, 'options.dynamodb', 'a DynamoDBClient', dynamodb)
  }
  if (endpoint !== undefined && dynamodb !== undefined) {
    failArgument(
      createInterceptorTable,
      CALLEE,
      'options.endpoint',
      'left out when options.dynamodb is given (the client has its own endpoint)',
      endpoint,
    )
  }
  if (tableName !== undefined && (typeof tableName !== 'string' || !TABLE_NAME.test(tableName))) {
    failArgument(
      createInterceptorTable,
      CALLEE,
      'options.tableName',
      'a DynamoDB table name (3 to 255 letters, digits, _, - or .)',
      tableName,
    )
  }
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string' || !URL.canParse(value)) return false
  const { protocol } = new URL(value)
  return protocol === 'http:' || protocol === 'https:'
}

async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  let status: string | undefined
  try {
    const created = await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: PARTITION_KEY, AttributeType: 'S' },
          { AttributeName: SORT_KEY, AttributeType: 'S' },
        ],
        KeySchema: [...KEY_SCHEMA],
      }),
    )
    status = created.TableDescription?.TableStatus
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw error
    const { Table: existing } = await client.send(new DescribeTableCommand({ TableName: tableName }))
    if (existing === undefined) throw error
    assertInterceptorKeys(tableName, existing)
    status = existing.TableStatus
  }
  // TTL can be changed on an ACTIVE table only.
  if (status !== 'ACTIVE') {
    await waitUntilTableExists(
      { client, maxWaitTime: ACTIVE_WAIT_SECONDS, minDelay: 1, maxDelay: 5 },
      { TableName: tableName },
    )
  }
}

function assertInterceptorKeys(tableName: string, table: TableDescription): void {
  const types = new Map((table.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]))
  const keys = table.KeySchema ?? []
  const matches =
    keys.length === KEY_SCHEMA.length &&
    KEY_SCHEMA.every(
      (expected, index) =>
        keys[index]?.AttributeName === expected.AttributeName &&
        keys[index]?.KeyType === expected.KeyType &&
        types.get(expected.AttributeName) === 'S',
    )
  if (matches) return
  const actual = keys.length === 0 ? 'no key schema' : keys.map((key) => describeKey(key, types)).join(' and ')
  throw new StakeoutError(
    `${CALLEE}: table ${tableName} already exists with key schema ${actual}, but an interceptor table needs ` +
      `${EXPECTED_SCHEMA}. Pass another tableName, or delete that table.`,
  )
}

function describeKey(
  key: { AttributeName?: string | undefined; KeyType?: string | undefined },
  types: Map<string | undefined, string | undefined>,
): string {
  const type = { S: 'string', N: 'number', B: 'binary' }[types.get(key.AttributeName) ?? ''] ?? 'unknown type'
  return `${key.AttributeName} (${type}, ${key.KeyType})`
}

async function enableTimeToLive(client: DynamoDBClient, tableName: string): Promise<void> {
  if (await hasInterceptorTimeToLive(client, tableName)) return
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    )
  } catch (error) {
    // Someone else (another worker creating the same table) turned it on in between: that is the goal.
    if (!(await hasInterceptorTimeToLive(client, tableName))) throw error
  }
}

/** True when TTL is on (or turning on) for `expiresAt`; throws when it is on for another attribute. */
async function hasInterceptorTimeToLive(client: DynamoDBClient, tableName: string): Promise<boolean> {
  const { TimeToLiveDescription: ttl } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))
  const status = ttl?.TimeToLiveStatus
  if (status !== 'ENABLED' && status !== 'ENABLING') return false
  if (ttl?.AttributeName === TTL_ATTRIBUTE) return true
  throw new StakeoutError(
    `${CALLEE}: table ${tableName} already exists with TTL on attribute ${ttl?.AttributeName}, but an interceptor ` +
      `table's items expire by ${TTL_ATTRIBUTE}. Pass another tableName, or delete that table.`,
  )
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined
}
