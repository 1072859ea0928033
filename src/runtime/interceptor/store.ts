/**
 * The interceptor table, as the runtime sees it: read the rules once per invocation, write the
 * recorded calls and rule uses once at its end. Loaded with `import()` on the first outbound call,
 * so a function that makes none never loads the AWS SDK (this module is its own chunk in the layer).
 *
 * A dead or slow table must never hang the function: short connection and request timeouts, one
 * SDK retry, and an overall deadline per operation. Failures are returned or thrown to the
 * interceptor, which logs one line and lets the calls go to the network.
 */
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DynamoDBClient,
  QueryCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb'
import { marshall } from '@aws-sdk/util-dynamodb'
import pRetry from 'p-retry'
import { OWN_TRAFFIC_HEADER, ownTrafficAgents } from './own-traffic.js'
import {
  CONFIG_SORT_KEY,
  callSortKey,
  callsPartition,
  PARTITION_KEY,
  type RecordedCall,
  rulesPartition,
  SORT_KEY,
  TTL_ATTRIBUTE,
  useSortKey,
} from './schema.js'
import { type ParsedRule, parseStoredRule } from './stored-rule.js'

/** Everything one invocation needs from the table, from one Query. */
export interface RuleSet {
  /** Valid, unexpired rules in creation order. */
  rules: ParsedRule[]
  /** How many calls each rule id has handled so far (for `times`). */
  uses: Map<string, number>
  /** Record calls no rule matched too (the `config` item). */
  recordAll: boolean
  /** Rule items that could not be parsed: their sort key and why. */
  corrupt: Array<{ sortKey: string; reason: string }>
}

/** One call handled by a rule, stored as a `use#` item so `times` holds across invocations. */
export interface RuleUse {
  ruleId: string
  requestId: string
  seq: number
}

/** How a write went: the number of recorded calls that could not be written, and why. */
export interface RecordOutcome {
  unrecordedCalls: number
  error?: unknown
}

/** Where the table is and how long items live. */
export interface TableSettings {
  tableName: string
  functionName: string
  ttlSeconds: number
}

/** The table operations the interceptor uses. */
export interface InterceptorTable {
  /** One (paginated) consistent Query on `<function>#rules`. */
  loadRules(): Promise<RuleSet>
  /** One BatchWriteItem per 25 items, unprocessed items retried. Never throws. */
  record(calls: readonly RecordedCall[], uses: readonly RuleUse[]): Promise<RecordOutcome>
}

const BATCH_SIZE = 25
const LOAD_DEADLINE_MS = 3_000
const RECORD_DEADLINE_MS = 4_000
/** DynamoDB's limit is 400 KB per item; keys, TTL and attribute names take the rest. */
const MAX_CALL_BYTES = 380_000

let client: DynamoDBClient | undefined

function dynamodb(): DynamoDBClient {
  if (client) return client
  client = new DynamoDBClient({
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, ...ownTrafficAgents() },
  })
  // In the deserialize step the request is final (signed), so the marker does not break SigV4.
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> } | undefined
      if (request?.headers) request.headers[OWN_TRAFFIC_HEADER] = '1'
      return next(args)
    },
    { step: 'deserialize', priority: 'low', name: 'stakeoutOwnTraffic' },
  )
  return client
}

/**
 * Opens the interceptor table for one function.
 *
 * @example
 * const table = openInterceptorTable({ tableName, functionName, ttlSeconds: 86_400 })
 * const { rules, uses, recordAll } = await table.loadRules()
 */
export function openInterceptorTable(settings: TableSettings): InterceptorTable {
  return {
    loadRules: () => loadRules(settings),
    record: (calls, uses) => record(settings, calls, uses),
  }
}

async function loadRules({ tableName, functionName }: TableSettings): Promise<RuleSet> {
  const set: RuleSet = { rules: [], uses: new Map(), recordAll: false, corrupt: [] }
  const abortSignal = AbortSignal.timeout(LOAD_DEADLINE_MS)
  const now = Date.now() / 1000
  let startKey: Record<string, AttributeValue> | undefined
  do {
    const page = await dynamodb().send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        ExpressionAttributeValues: { ':pk': { S: rulesPartition(functionName) } },
        // Rules written by the test just before this invocation must be seen.
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
      { abortSignal },
    )
    for (const item of page.Items ?? []) {
      const sortKey = item[SORT_KEY]?.S ?? ''
      // TTL deletes lazily (up to days later): an expired item is already gone for us.
      const expiresAt = Number(item[TTL_ATTRIBUTE]?.N ?? Number.POSITIVE_INFINITY)
      if (expiresAt < now) continue
      if (sortKey === CONFIG_SORT_KEY) {
        set.recordAll = item.recordAll?.BOOL === true
      } else if (sortKey.startsWith('rule#')) {
        try {
          const json = item.rule?.S
          if (json === undefined) throw new Error('the item has no string attribute "rule"')
          set.rules.push(parseStoredRule(json))
        } catch (error) {
          set.corrupt.push({ sortKey, reason: error instanceof Error ? error.message : String(error) })
        }
      } else if (sortKey.startsWith('use#')) {
        const ruleId = item.ruleId?.S ?? sortKey.split('#')[1] ?? ''
        set.uses.set(ruleId, (set.uses.get(ruleId) ?? 0) + 1)
      }
    }
    startKey = page.LastEvaluatedKey
  } while (startKey)
  return set
}

/**
 * The table item of one recorded call (schema.ts: a `call` map in the `<function>#calls` partition), cut
 * to fit DynamoDB's item size. The one place that shapes it: tests that plant calls use it too.
 *
 * @example
 * const item = recordedCallItem('my-fn', call, { N: String(Math.floor(Date.now() / 1000) + 3600) })
 */
export function recordedCallItem(
  functionName: string,
  call: RecordedCall,
  expiresAt: AttributeValue.NMember,
): Record<string, AttributeValue> {
  return {
    [PARTITION_KEY]: { S: callsPartition(functionName) },
    [SORT_KEY]: { S: callSortKey(Date.parse(call.timestamp), call.requestId, call.seq) },
    call: { M: marshall(fitInItem(call), { removeUndefinedValues: true }) },
    [TTL_ATTRIBUTE]: expiresAt,
  }
}

class UnprocessedItems extends Error {}

async function record(
  { tableName, functionName, ttlSeconds }: TableSettings,
  calls: readonly RecordedCall[],
  uses: readonly RuleUse[],
): Promise<RecordOutcome> {
  const expiresAt = { N: String(Math.floor(Date.now() / 1000) + ttlSeconds) }
  const requests: Array<{ request: WriteRequest; calls: number }> = []
  try {
    for (const call of calls) {
      requests.push({ request: { PutRequest: { Item: recordedCallItem(functionName, call, expiresAt) } }, calls: 1 })
    }
    for (const use of uses) {
      const item: Record<string, AttributeValue> = {
        [PARTITION_KEY]: { S: rulesPartition(functionName) },
        [SORT_KEY]: { S: useSortKey(use.ruleId, use.requestId, use.seq) },
        ruleId: { S: use.ruleId },
        [TTL_ATTRIBUTE]: expiresAt,
      }
      requests.push({ request: { PutRequest: { Item: item } }, calls: 0 })
    }
  } catch (error) {
    return { unrecordedCalls: calls.length, error }
  }

  const abortSignal = AbortSignal.timeout(RECORD_DEADLINE_MS)
  const batches: Array<typeof requests> = []
  for (let index = 0; index < requests.length; index += BATCH_SIZE) {
    batches.push(requests.slice(index, index + BATCH_SIZE))
  }
  const outcomes = await Promise.allSettled(
    batches.map((batch) =>
      writeBatch(
        tableName,
        batch.map(({ request }) => request),
        abortSignal,
      ),
    ),
  )
  let unrecordedCalls = 0
  let error: unknown
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') return
    unrecordedCalls += batches[index]!.reduce((sum, { calls }) => sum + calls, 0)
    error ??= outcome.reason
  })
  return error === undefined ? { unrecordedCalls } : { unrecordedCalls, error }
}

async function writeBatch(tableName: string, requests: WriteRequest[], abortSignal: AbortSignal): Promise<void> {
  let pending = requests
  await pRetry(
    async () => {
      const output = await dynamodb().send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }), {
        abortSignal,
      })
      const unprocessed = output.UnprocessedItems?.[tableName]
      if (unprocessed && unprocessed.length > 0) {
        pending = unprocessed
        throw new UnprocessedItems(`${unprocessed.length} items left unprocessed (throttled)`)
      }
    },
    {
      retries: 5,
      minTimeout: 50,
      maxTimeout: 500,
      signal: abortSignal,
      // The SDK already retried transport errors; only throttled leftovers are worth another try.
      shouldRetry: ({ error }) => error instanceof UnprocessedItems,
    },
  )
}

/** Cuts the body (then long header values and the URL) so the item stays under DynamoDB's 400 KB. */
function fitInItem(call: RecordedCall): RecordedCall {
  let size = Buffer.byteLength(JSON.stringify(call))
  if (size <= MAX_CALL_BYTES) return call
  const fitted: RecordedCall = { ...call, headers: { ...call.headers } }
  if (fitted.body !== undefined) {
    const keep = Math.max(0, Buffer.byteLength(fitted.body) - (size - MAX_CALL_BYTES) - 1024)
    fitted.body = Buffer.from(fitted.body).subarray(0, keep).toString()
    fitted.bodyTruncated = true
    size = Buffer.byteLength(JSON.stringify(fitted))
  }
  if (size > MAX_CALL_BYTES) {
    for (const [name, value] of Object.entries(fitted.headers)) {
      if (value.length > 1024) fitted.headers[name] = `${value.slice(0, 1024)}…`
    }
    if (fitted.url.length > 8192) fitted.url = `${fitted.url.slice(0, 8192)}…`
  }
  return fitted
}
