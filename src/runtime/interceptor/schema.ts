/**
 * The interceptor table's layout: the one contract between the in-function runtime (reads rules,
 * writes calls) and the test side (`HttpInterceptorClient` writes rules, reads calls).
 *
 * Every item is keyed by the function's name, so the function's IAM policy can be limited to its
 * own items with a `dynamodb:LeadingKeys` condition, and tests against different functions never
 * see each other's state.
 *
 * | pk                  | sk                                   | what                                   |
 * |---------------------|--------------------------------------|----------------------------------------|
 * | `<function>#rules`  | `config`                             | `{ recordAll }`                        |
 * | `<function>#rules`  | `rule#<createdAt ms, 15 digits>#<id>`| `rule`: a {@link StoredRule} as JSON    |
 * | `<function>#rules`  | `use#<ruleId>`                       | `uses`: calls claimed by a rule with `times` or a sequence |
 * | `<function>#calls`  | `call#<ms, 15 digits>#<requestId>#<seq, 6 digits>` | `call`: a {@link RecordedCall} (a map) |
 *
 * Every item carries `expiresAt` (epoch seconds), the table's TTL attribute.
 */

/** Partition key attribute name. */
export const PARTITION_KEY = 'pk'
/** Sort key attribute name. */
export const SORT_KEY = 'sk'
/** TTL attribute name (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt'
/** Sort key of the per-function configuration item. */
export const CONFIG_SORT_KEY = 'config'

/** Environment variables the construct sets on an intercepted function (and `invokeHandler` sets locally). */
export const ENV = {
  /** Name of the interceptor table. */
  table: 'STAKEOUT_INTERCEPTOR_TABLE',
  /** The handler the function was configured with, saved by the wrapper script before it points `_HANDLER` at ours. */
  originalHandler: 'STAKEOUT_ORIGINAL_HANDLER',
  /** A previous `AWS_LAMBDA_EXEC_WRAPPER`, run after ours (chained, not overwritten). */
  nextWrapper: 'STAKEOUT_NEXT_WRAPPER',
  /** Where the layer's files are: `/opt/stakeout` in Lambda. */
  layerDir: 'STAKEOUT_LAYER_DIR',
  /** Maximum recorded body size in bytes (default {@link DEFAULT_MAX_BODY_BYTES}). */
  maxBodyBytes: 'STAKEOUT_MAX_BODY_BYTES',
  /** Header names to redact besides the secret ones (redaction.ts), comma separated. */
  redactHeaders: 'STAKEOUT_REDACT_HEADERS',
  /** Query parameter names to redact in recorded URLs besides the secret ones, comma separated. */
  redactQueryParams: 'STAKEOUT_REDACT_QUERY_PARAMS',
  /** Header names to record in clear though their names are secret (redaction.ts), comma separated. */
  unredactHeaders: 'STAKEOUT_UNREDACT_HEADERS',
  /** Query parameter names to record in clear though their names are secret, comma separated. */
  unredactQueryParams: 'STAKEOUT_UNREDACT_QUERY_PARAMS',
  /** Set to `false` to record secrets in clear (never do this against a shared table). */
  redact: 'STAKEOUT_REDACT',
  /** Seconds a recorded call or a rule lives before TTL removes it (default one day). */
  ttlSeconds: 'STAKEOUT_TTL_SECONDS',
  /** Milliseconds an outbound call waits for the invocation's rules (default {@link DEFAULT_RULES_TIMEOUT_MS}, or {@link DEFAULT_LOCAL_RULES_TIMEOUT_MS} against a local table). */
  rulesTimeoutMs: 'STAKEOUT_RULES_TIMEOUT_MS',
} as const

/** Lambda layer layout: files live under `<layer root>/stakeout/`, so `/opt/stakeout/` in Lambda. */
export const LAYER = {
  dir: 'stakeout',
  wrapper: 'wrapper',
  handlerModule: 'handler.mjs',
  /** What the wrapper script sets `_HANDLER` to (relative to the layer dir). */
  handlerName: 'handler.handler',
  defaultRoot: '/opt/stakeout',
} as const

/** Recorded bodies are cut at this many bytes (64 KiB), with `bodyTruncated: true`. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024
/** The value that replaces a redacted header or query parameter. */
export const REDACTED = '[REDACTED]'
/**
 * How long an outbound call waits for the invocation's rules before it goes to the network, against DynamoDB in AWS:
 * 300 ms, a small fraction of the 1 to 3 s timeouts HTTP clients are commonly given, and about ten times what a
 * Query takes in the function's region on a new connection.
 */
export const DEFAULT_RULES_TIMEOUT_MS = 300
/**
 * The same against a local table (an `AWS_ENDPOINT_URL_DYNAMODB` or `AWS_ENDPOINT_URL` is set: DynamoDB Local,
 * LocalStack, stakeout's local target): 3 s. There the table shares a test machine's CPU with the test workers (a
 * first read measured 300 to 500 ms on a loaded 2-core machine), and a missed deadline means a mock not applied:
 * a flaky test.
 */
export const DEFAULT_LOCAL_RULES_TIMEOUT_MS = 3_000
/** Default lifetime of rules and recorded calls: one day. */
export const DEFAULT_TTL_SECONDS = 24 * 60 * 60

/** Partition key of a function's rules, config and rule uses. */
export const rulesPartition = (functionName: string): string => `${functionName}#rules`
/** Partition key of a function's recorded calls. */
export const callsPartition = (functionName: string): string => `${functionName}#calls`
const pad = (value: number, width: number): string => String(value).padStart(width, '0')
/** Sort key of a rule: ordered by creation, so the most recent rule is last. */
export const ruleSortKey = (createdAtMs: number, id: string): string => `rule#${pad(createdAtMs, 15)}#${id}`
/** Sort key of a rule's use counter (the calls it has claimed, see store.ts `claimUse`). */
export const useSortKey = (ruleId: string): string => `use#${ruleId}`
/** Sort key of a recorded call: ordered by time, so "calls since T" is one range query. */
export const callSortKey = (timestampMs: number, requestId: string, seq: number): string =>
  `call#${pad(timestampMs, 15)}#${requestId}#${pad(seq, 6)}`
/** Lowest sort key of calls recorded at or after `timestampMs`. */
export const callsSinceSortKey = (timestampMs: number): string => `call#${pad(timestampMs, 15)}`

/**
 * The table item of a rule (a `rule` attribute holding the {@link StoredRule} as JSON, in the
 * `<function>#rules` partition, sorted by creation). The one place that shapes it: the test side's
 * `HttpInterceptorClient` writes it, and so do the tests that plant rules straight into the table.
 *
 * @example
 * new PutItemCommand({ TableName, Item: ruleItem('my-fn', rule, Math.floor(Date.now() / 1000) + 3600) })
 */
export function ruleItem(
  functionName: string,
  rule: StoredRule,
  expiresAtSeconds: number,
): Record<string, { S: string } | { N: string }> {
  return {
    [PARTITION_KEY]: { S: rulesPartition(functionName) },
    [SORT_KEY]: { S: ruleSortKey(rule.createdAt, rule.id) },
    rule: { S: JSON.stringify(rule) },
    [TTL_ATTRIBUTE]: { N: String(expiresAtSeconds) },
  }
}

/** DynamoDB's item size limit: 400 KB, attribute names and values (UTF-8) included. */
export const MAX_ITEM_BYTES = 400 * 1024

/**
 * The size of an item of string and number attributes as DynamoDB counts it against {@link MAX_ITEM_BYTES}:
 * names and values in UTF-8 bytes (a number's digits stand for its size, which they never undercount by much).
 *
 * @example
 * itemSize(ruleItem('my-fn', rule, expiresAt)) // 412
 */
export function itemSize(item: Record<string, { S: string } | { N: string }>): number {
  let size = 0
  for (const [name, value] of Object.entries(item)) {
    size += Buffer.byteLength(name) + Buffer.byteLength('S' in value ? value.S : value.N)
  }
  return size
}

/** A JSON-safe RegExp, as rules are stored. */
export interface SerializedRegExp {
  $regex: string
  flags: string
}

/** Matches a string: exactly (string) or by pattern (RegExp). */
export type TextMatcher = string | RegExp

/**
 * Which requests a rule (or an assertion) is about. Every given field must match.
 *
 * - `url`: a pattern where `*` matches any run of characters (`/` included), or a RegExp tested
 *   against the whole URL. A string pattern without `?` is compared with the URL minus its query
 *   string and fragment; scheme and host compare case-insensitively.
 * - `method`: case-insensitive.
 * - `query`: each named parameter must be present with that value (others may be there too).
 * - `headers`: each named header (case-insensitive name) must match.
 * - `body`: text (exact), RegExp, or an object matched partially against the JSON body.
 */
export interface RequestMatcher {
  url: TextMatcher
  method?: string
  query?: Record<string, TextMatcher>
  headers?: Record<string, TextMatcher>
  body?: TextMatcher | { [key: string]: unknown }
}

/** The keys of a {@link RequestMatcher}: any other key in a matcher is a mistake (or a corrupt rule). */
export const MATCHER_KEYS: readonly string[] = ['url', 'method', 'query', 'headers', 'body']

/** What a mock answers. */
export interface MockResponse {
  /** HTTP status, 200–599 (a 1xx is not a final answer, so it cannot be mocked). @default 200 */
  status?: number
  headers?: Record<string, string>
  /** A JSON body (sets `content-type: application/json`). Not with `body`. */
  json?: unknown
  /** A text body. Not with `json`. */
  body?: string
  /** Wait this long before answering, in ms. @default 0 */
  delayMs?: number
  /** Fail the request with a network error instead of answering. */
  networkError?: boolean
  /**
   * How many calls this response answers. A single mock answers forever by default; in a sequence
   * every response answers once by default, except the last, which answers forever.
   */
  times?: number
}

/** The keys of a {@link MockResponse}: any other key in a response is a mistake (or a corrupt rule). */
export const RESPONSE_KEYS: readonly string[] = [
  'status',
  'headers',
  'json',
  'body',
  'delayMs',
  'networkError',
  'times',
]

/** A rule as stored in the table (RegExps serialized). */
export interface StoredRule {
  id: string
  createdAt: number
  /** Request matcher, RegExps as {@link SerializedRegExp}. */
  match: Record<string, unknown>
  action: 'mock' | 'passThrough'
  /** For `mock`: the responses, in order. */
  responses?: MockResponse[]
  /** For `passThrough`: how many calls it applies to. @default unlimited */
  times?: number
}

/** The request as the matcher sees it. */
export interface RequestSnapshot {
  url: string
  method: string
  /** Lower-case names. */
  headers: Record<string, string>
  body?: string
}

/** One outbound call, as recorded by the runtime and returned by `calls()`. */
export interface RecordedCall extends RequestSnapshot {
  /** When the call started (ISO 8601). */
  timestamp: string
  /** The Lambda invocation's request id. */
  requestId: string
  /** Order of the call within its invocation, from 0. */
  seq: number
  /** What happened: answered by a mock, passed through by a rule, or no rule matched (recorded with `recordAll`). */
  action: 'mock' | 'passThrough' | 'unmatched'
  /** The rule that matched, if any. */
  ruleId?: string
  /** Body size in bytes before any cut. */
  bodySize?: number
  /** True when `body` was cut at the maximum size. */
  bodyTruncated?: boolean
  /** The response status (mocked, or the real one for a pass-through that answered before the invocation ended). */
  status?: number
  /**
   * Set when a `networkError` mock failed the call. A passed-through call that fails on the real network
   * is recorded without it (and without `status`): the interception library reports no event for that.
   */
  error?: string
}
