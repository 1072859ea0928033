/**
 * The interceptor table, as the runtime sees it: read the rules once per invocation, claim the uses of rules that
 * answer a limited number of calls, write the recorded calls once at the invocation's end. Loaded with `import()`
 * when the first invocation starts, so the layer's INIT loads neither this module nor its DynamoDB client (their
 * own chunk in the layer).
 *
 * A dead or slow table must never hang the function: the client has short connection and request timeouts, each
 * operation an overall deadline, and the interceptor waits for the rules only a short while (interceptor.ts).
 * Failures are returned or thrown to the interceptor, which logs one line and lets the calls go to the network.
 */
import type { AttributeValue, WriteRequest } from '@aws-sdk/client-dynamodb'
import { marshall } from '@aws-sdk/util-dynamodb'
import { createDynamoDBClient, type SendOperation } from './dynamodb-client.js'
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
import { queryAll, writeAll } from './table-io.js'

/** Everything one invocation needs from the table, from one Query. */
export interface RuleSet {
  /** Valid, unexpired rules in creation order. */
  rules: ParsedRule[]
  /** How many calls each rule id has claimed so far (for `times` and sequences), from its use counter. */
  uses: Map<string, number>
  /** Record calls no rule matched too (the `config` item). */
  recordAll: boolean
  /** Rule items that could not be parsed: their sort key and why. */
  corrupt: Array<{ sortKey: string; reason: string }>
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
export interface InterceptorStore {
  /** One (paginated) consistent Query on `<function>#rules`. */
  loadRules(abortSignal?: AbortSignal): Promise<RuleSet>
  /**
   * Claims the next use of a rule, atomically across every process sharing the table: one conditional UpdateItem
   * on the rule's use counter, which only moves while it is below `limit`. Resolves with the claimed use's number
   * (from 0), or undefined when all `limit` uses are already claimed.
   */
  claimUse(ruleId: string, limit: number): Promise<number | undefined>
  /** One BatchWriteItem per 25 calls, unprocessed items retried. Never throws. */
  record(calls: readonly RecordedCall[]): Promise<RecordOutcome>
}

const LOAD_DEADLINE_MS = 3_000
const CLAIM_DEADLINE_MS = 2_000
const RECORD_DEADLINE_MS = 4_000
/** DynamoDB's limit is 400 KB per item; keys, TTL and attribute names take the rest. */
const MAX_CALL_BYTES = 380_000

let client: SendOperation | undefined

/**
 * Opens the interceptor table for one function.
 *
 * @example
 * const store = openInterceptorStore({ tableName, functionName, ttlSeconds: 86_400 })
 * const { rules, uses, recordAll } = await store.loadRules()
 */
export function openInterceptorStore(settings: TableSettings, send?: SendOperation): InterceptorStore {
  const dynamodb = (): SendOperation => {
    if (send) return send
    client ??= createDynamoDBClient()
    return client
  }
  return {
    loadRules: (abortSignal) => loadRules(dynamodb(), settings, abortSignal),
    claimUse: (ruleId, limit) => claimUse(dynamodb(), settings, ruleId, limit),
    record: (calls) => record(dynamodb(), settings, calls),
  }
}

async function loadRules(
  send: SendOperation,
  { tableName, functionName }: TableSettings,
  abortSignal?: AbortSignal,
): Promise<RuleSet> {
  const set: RuleSet = { rules: [], uses: new Map(), recordAll: false, corrupt: [] }
  const deadline = AbortSignal.timeout(LOAD_DEADLINE_MS)
  const signal = abortSignal ? AbortSignal.any([abortSignal, deadline]) : deadline
  const now = Date.now() / 1000
  const items = queryAll(
    send,
    {
      TableName: tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY },
      ExpressionAttributeValues: { ':pk': { S: rulesPartition(functionName) } },
      // Rules written by the test just before this invocation must be seen.
      ConsistentRead: true,
    },
    signal,
  )
  for await (const item of items) {
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
      const uses = Number(item.uses?.N ?? 0)
      if (Number.isInteger(uses) && uses > 0) set.uses.set(sortKey.slice('use#'.length), uses)
    }
  }
  return set
}

async function claimUse(
  send: SendOperation,
  { tableName, functionName, ttlSeconds }: TableSettings,
  ruleId: string,
  limit: number,
): Promise<number | undefined> {
  try {
    const output = await send(
      'UpdateItem',
      {
        TableName: tableName,
        Key: { [PARTITION_KEY]: { S: rulesPartition(functionName) }, [SORT_KEY]: { S: useSortKey(ruleId) } },
        UpdateExpression: 'ADD #uses :one SET #ttl = :expiresAt',
        ConditionExpression: 'attribute_not_exists(#uses) OR #uses < :limit',
        ExpressionAttributeNames: { '#uses': 'uses', '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':one': { N: '1' },
          ':limit': { N: String(limit) },
          ':expiresAt': { N: String(Math.floor(Date.now() / 1000) + ttlSeconds) },
        },
        ReturnValues: 'UPDATED_NEW',
      },
      AbortSignal.timeout(CLAIM_DEADLINE_MS),
    )
    return Number(output.Attributes?.uses?.N) - 1
  } catch (error) {
    // The condition failed: the counter is at its limit. (DynamoDBError and the SDK's error share the name.)
    if ((error as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException') return undefined
    throw error
  }
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

async function record(
  send: SendOperation,
  { tableName, functionName, ttlSeconds }: TableSettings,
  calls: readonly RecordedCall[],
): Promise<RecordOutcome> {
  const expiresAt = { N: String(Math.floor(Date.now() / 1000) + ttlSeconds) }
  const requests: WriteRequest[] = []
  try {
    for (const call of calls) requests.push({ PutRequest: { Item: recordedCallItem(functionName, call, expiresAt) } })
  } catch (error) {
    return { unrecordedCalls: calls.length, error }
  }
  const outcomes = await writeAll(send, tableName, requests, { abortSignal: AbortSignal.timeout(RECORD_DEADLINE_MS) })
  let unrecordedCalls = 0
  let error: unknown
  for (const outcome of outcomes) {
    if (outcome.status === 'fulfilled') continue
    unrecordedCalls += outcome.requests.length
    error ??= outcome.reason
  }
  return error === undefined ? { unrecordedCalls } : { unrecordedCalls, error }
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
