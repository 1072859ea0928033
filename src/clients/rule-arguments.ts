/**
 * The arguments of {@link HttpInterceptorClient}'s rule methods, read and checked before anything is written:
 * `mock` sequences, `passThrough` options, lambda-http-interceptor's `createConfigs` configurations (and the
 * shapes that library's users know), and the size check against DynamoDB's item limit.
 */
import { randomUUID } from 'node:crypto'
import { ArgumentError } from '../errors.js'
import {
  itemSize,
  MAX_ITEM_BYTES,
  type MockResponse,
  type RecordedCall,
  ruleItem,
  type StoredRule,
} from '../runtime/interceptor/schema.js'
import { serializeMatcher } from '../runtime/interceptor/serialization.js'
import type { HttpInterceptorClient } from './http-interceptor-client.js'
import { validateMatcher, validateResponse } from './rule-validation.js'

/** A lambda-http-interceptor configuration, accepted by {@link HttpInterceptorClient.createConfigs}. */
export interface InterceptorConfig {
  /** URL, exact or with `*` wildcards. @default every URL */
  url?: string
  /** HTTP method. @default every method */
  method?: string
  /** The exact request body. */
  body?: string
  /** Request headers that must be present with these values. */
  headers?: Record<string, string>
  /** Query parameters that must be present with these values. */
  queryParams?: Record<string, string>
  /** The mocked response, or `{ passThrough: true }` to let the call through and record it. */
  response: {
    passThrough?: boolean
    /** @default 200 */
    status?: number
    headers?: Record<string, string>
    body?: string
  }
}

/** Options of {@link HttpInterceptorClient.pollInterceptedCalls}, as in lambda-http-interceptor. */
export interface PollInterceptedCallsOptions {
  /** Wait until at least this many intercepted calls are recorded. */
  numberOfCallsToExpect: number
  /** Give up after this many ms. @default 10000 */
  timeout?: number
}

/** An intercepted call as lambda-http-interceptor returned it (`queryParams`), plus everything stakeout records. */
export type InterceptedCall = RecordedCall & { queryParams: Record<string, string> }

/** What a rule does, as the client writes it. */
export type RuleFields =
  | { action: 'mock'; responses: MockResponse[] }
  | { action: 'passThrough' }
  | { action: 'passThrough'; times: number }

const CONFIG_KEYS: readonly string[] = ['url', 'method', 'body', 'headers', 'queryParams', 'response']
const CONFIG_RESPONSE_KEYS: readonly string[] = ['passThrough', 'status', 'headers', 'body']

/** The responses of `mock()`, each checked. */
export function validateSequence(callee: string, responses: unknown[], method: string | undefined): MockResponse[] {
  if (responses.length === 0) {
    throw new ArgumentError(callee, 'response', 'a response or a non-empty array of responses', responses)
  }
  return responses.map((response, index) => validateResponse(callee, `response[${index}]`, response, method))
}

/**
 * Refuses a rule DynamoDB would refuse to store (over its item size), naming its size, the limit and
 * the bigger of its two parts: `request` (the matcher) or `response`.
 */
export function checkFitsInItem(
  callee: string,
  functionName: string,
  match: Record<string, unknown>,
  fields: RuleFields,
  parts: { request: [argument: string, value: unknown]; response?: [argument: string, value: unknown] },
): void {
  // The id and times as long as the real ones will be: the size is exact.
  const rule: StoredRule = { id: randomUUID(), createdAt: Date.now(), match, ...fields }
  const size = itemSize(ruleItem(functionName, rule, Math.floor(Date.now() / 1000)))
  if (size <= MAX_ITEM_BYTES) return
  const responsesSize = fields.action === 'mock' ? JSON.stringify(fields.responses).length : 0
  const [argument, received] =
    parts.response !== undefined && responsesSize >= JSON.stringify(match).length ? parts.response : parts.request
  const bytes = (value: number) => value.toLocaleString('en-US')
  throw new ArgumentError(
    callee,
    argument,
    `small enough for a rule of at most 400 KB (DynamoDB's item size limit, ${bytes(MAX_ITEM_BYTES)} bytes): this rule takes ${bytes(size)} bytes`,
    received,
  )
}

/** `passThrough()`'s options: its `times`, if any. */
export function readPassThroughOptions(options: unknown): number | undefined {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ArgumentError('passThrough', 'options', 'an object like { times: 1 }', options)
  }
  for (const [key, value] of Object.entries(options)) {
    if (key !== 'times')
      throw new ArgumentError('passThrough', `options.${key}`, 'absent (unknown key; use times)', value)
  }
  const { times } = options as { times?: unknown }
  if (times === undefined) return undefined
  if (typeof times !== 'number' || !Number.isInteger(times) || times <= 0) {
    throw new ArgumentError('passThrough', 'options.times', 'a positive integer', times)
  }
  return times
}

/** lambda-http-interceptor configurations, as rules to write. */
export function readConfigs(
  configs: unknown,
  functionName: string,
): Array<{ match: Record<string, unknown>; fields: RuleFields }> {
  const callee = 'createConfigs'
  if (!Array.isArray(configs)) throw new ArgumentError(callee, 'configs', 'an array of { url, response }', configs)
  return configs.map((config: unknown, index) => {
    const argument = `configs[${index}]`
    if (config === null || typeof config !== 'object' || Array.isArray(config)) {
      throw new ArgumentError(callee, argument, 'an object like { url, response }', config)
    }
    const fields = config as Record<string, unknown>
    for (const key of Object.keys(fields)) {
      if (!CONFIG_KEYS.includes(key)) {
        throw new ArgumentError(callee, `${argument}.${key}`, `absent (one of ${CONFIG_KEYS.join(', ')})`, fields[key])
      }
    }
    const request: Record<string, unknown> = { url: fields.url ?? '*' }
    for (const key of ['method', 'body', 'headers'] as const) if (fields[key] !== undefined) request[key] = fields[key]
    const matcher = validateMatcher(callee, argument, request)
    if (fields.queryParams !== undefined) {
      const query = fields.queryParams
      if (query === null || typeof query !== 'object' || Array.isArray(query)) {
        throw new ArgumentError(callee, `${argument}.queryParams`, 'an object of strings', query)
      }
      for (const [name, value] of Object.entries(query)) {
        if (typeof value !== 'string')
          throw new ArgumentError(callee, `${argument}.queryParams.${name}`, 'a string', value)
      }
      matcher.query = query as Record<string, string>
    }
    if (typeof matcher.body !== 'undefined' && typeof matcher.body !== 'string') {
      throw new ArgumentError(callee, `${argument}.body`, 'a string (the exact body)', matcher.body)
    }
    const response = fields.response
    if (response === null || typeof response !== 'object' || Array.isArray(response)) {
      throw new ArgumentError(
        callee,
        `${argument}.response`,
        'an object like { status, body } or { passThrough: true }',
        response,
      )
    }
    const { passThrough, ...answer } = response as Record<string, unknown>
    for (const key of Object.keys(response)) {
      if (!CONFIG_RESPONSE_KEYS.includes(key)) {
        throw new ArgumentError(
          callee,
          `${argument}.response.${key}`,
          `absent (one of ${CONFIG_RESPONSE_KEYS.join(', ')})`,
          (response as Record<string, unknown>)[key],
        )
      }
    }
    if (passThrough !== undefined && typeof passThrough !== 'boolean') {
      throw new ArgumentError(callee, `${argument}.response.passThrough`, 'a boolean', passThrough)
    }
    const match = serializeMatcher(matcher, callee, argument)
    if (passThrough === true) return { match, fields: { action: 'passThrough' } }
    const mocked = validateResponse(callee, `${argument}.response`, answer, matcher.method)
    const mockFields: RuleFields = { action: 'mock', responses: [mocked] }
    checkFitsInItem(callee, functionName, match, mockFields, {
      request: [argument, config],
      response: [`${argument}.response`, response],
    })
    return { match, fields: mockFields }
  })
}

/** A recorded URL's query, as lambda-http-interceptor's `queryParams`. */
export function queryParamsOf(url: string): Record<string, string> {
  const search = URL.canParse(url) ? new URL(url).searchParams : new URLSearchParams(url.split('?')[1] ?? '')
  return Object.fromEntries(search)
}
