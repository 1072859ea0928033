/**
 * The in-function HTTP interceptor: sees every outbound HTTP(S) request of the process (node:http,
 * node:https, global fetch, undici, and every client on top of them), answers it from a mock rule,
 * lets it through, and records it, per Lambda invocation.
 *
 * Cost model (what lambda-http-interceptor got wrong): the table is read once per invocation,
 * starting when the invocation starts (a handler that works before calling out never waits for
 * it), and written once, when the handler settles; a call that no rule matches costs a
 * socket-level parse and a map lookup. A call waits for the rules at most `rulesTimeoutMs` after
 * the read started. Rules with `times` or a sequence cost one conditional write per counted call,
 * the claim of its use; rules that answer forever cost nothing more. The calls are also written before a timeout, a
 * crash or `process.exit` (see recorder.ts). Nothing here can fail a call:
 * any problem sends the call to the network and logs one `[stakeout]` line per cause.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { randomBytes } from 'node:crypto'
import { HttpRequestInterceptor } from '@mswjs/interceptors/http'
import { configuredEndpoint, dynamodbEndpointFromEnv } from './aws-environment.js'
import { describeError } from './describe-error.js'
import { OWN_TRAFFIC_HEADER } from './own-traffic.js'
import { claimedUses, needsBody, pickRule } from './pick-rule.js'
import { BODY_WAIT_MS, readBody, recordBodyAsItStreams, settled, withBody } from './recorded-body.js'
import { Recorder, type RecordingState } from './recorder.js'
import { type Redaction, redactHeaders, redactionFromEnv, redactUrl } from './redaction.js'
import {
  DEFAULT_LOCAL_RULES_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RULES_TIMEOUT_MS,
  DEFAULT_TTL_SECONDS,
  ENV,
  type MockResponse,
  type RecordedCall,
  type RequestSnapshot,
} from './schema.js'
import { closeHandlesLeftOpen } from './socket-handles.js'
import type { InterceptorStore, RuleSet } from './store.js'
import type { ParsedRule } from './stored-rule.js'

/** What the interceptor needs to know, read once from the environment. */
export interface InterceptorSettings {
  tableName: string
  functionName: string
  /** Recorded bodies are cut here. */
  maxBodyBytes: number
  /** Which header and query parameter values are recorded as `[REDACTED]` (redaction.ts). */
  redaction: Redaction
  ttlSeconds: number
  /** `host:port` of the Lambda runtime API, never intercepted. */
  runtimeApi: string | undefined
  /** Where the table is, for messages: ` at <endpoint>`, ` in <region>`, or empty. */
  tableLocation?: string
  /** The DynamoDB endpoint, for messages (undefined without a region or endpoint). */
  tableEndpoint?: string
  /** How long a call waits for the invocation's rules, counted from the start of their read. */
  rulesTimeoutMs?: number
}

/** The largest body we record, whatever the setting: items must stay under DynamoDB's 400 KB. */
const MAX_RECORDED_BODY_BYTES = 300_000

/**
 * Reads the interceptor's settings from the function's environment (see `ENV` in schema.ts).
 * Returns the problems found instead of throwing: the interceptor fails open.
 *
 * @example
 * const { settings, problems } = settingsFromEnv(process.env)
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv): {
  settings: InterceptorSettings | undefined
  problems: string[]
} {
  const problems: string[] = []
  const tableName = env[ENV.table]
  const functionName = env.AWS_LAMBDA_FUNCTION_NAME
  if (!tableName) problems.push(`${ENV.table} is not set`)
  if (!functionName) problems.push('AWS_LAMBDA_FUNCTION_NAME is not set')
  const positive = (name: string, fallback: number): number => {
    const raw = env[name]
    if (raw === undefined || raw === '') return fallback
    const value = Number(raw)
    if (Number.isInteger(value) && value > 0) return value
    problems.push(`${name} must be a positive integer, received "${raw}" (using ${fallback})`)
    return fallback
  }
  const maxBodyBytes = Math.min(positive(ENV.maxBodyBytes, DEFAULT_MAX_BODY_BYTES), MAX_RECORDED_BODY_BYTES)
  const tableEndpoint = dynamodbEndpointFromEnv(env)
  const settings =
    tableName && functionName
      ? {
          tableName,
          functionName,
          maxBodyBytes,
          redaction: redactionFromEnv(env),
          ttlSeconds: positive(ENV.ttlSeconds, DEFAULT_TTL_SECONDS),
          runtimeApi: env.AWS_LAMBDA_RUNTIME_API || undefined,
          tableLocation: tableLocation(env),
          rulesTimeoutMs: positive(
            ENV.rulesTimeoutMs,
            configuredEndpoint(env) ? DEFAULT_LOCAL_RULES_TIMEOUT_MS : DEFAULT_RULES_TIMEOUT_MS,
          ),
          ...(tableEndpoint === undefined ? {} : { tableEndpoint }),
        }
      : undefined
  return { settings, problems }
}

/** The rules of one invocation, as loaded. */
interface LoadedRules extends RuleSet {
  /** Some rule matches on the body. */
  matchesBodies: boolean
}

function tableLocation(env: NodeJS.ProcessEnv): string {
  const endpoint = configuredEndpoint(env)
  if (endpoint) return ` at ${endpoint}`
  return env.AWS_REGION ? ` in ${env.AWS_REGION}` : ''
}

/** One invocation's state. Lives in AsyncLocalStorage: invocations may run concurrently (Node.js 24). */
interface Invocation extends RecordingState {
  /** Read once, from the invocation's start (or, outside any invocation, from the first outbound call). */
  ruleSet: Promise<LoadedRules> | undefined
  /** The rules once read: calls after that need not wait. */
  loaded: LoadedRules | undefined
  /** When calls stop waiting for the rules (epoch ms). */
  rulesDeadline: number
  /** Uses per rule as far as this invocation knows: the table's count, then what its claims returned. */
  uses: Map<string, number>
  seq: number
  /** Causes already logged in this invocation. */
  logged: Set<string>
  /** Bodies of calls gone to the network, still streaming: awaited (bounded) before the invocation's write. */
  bodies: Set<Promise<void>>
}

/** The interceptor installed in this Lambda process (the test side reads what it recorded through `Interceptor`). */
export interface InstalledInterceptor {
  /**
   * Runs one invocation: calls inside are attributed to it, and written before this settles (and before
   * `deadline`, epoch ms, when given: see recorder.ts).
   */
  run<T>(requestId: string, call: () => Promise<T>, deadline?: number): Promise<T>
  /** Opens the table now (its client, its credentials) instead of when the first invocation starts. */
  openTableEarly(): void
  /** Stops intercepting (tests). */
  dispose(): void
}

const EMPTY_RULES: LoadedRules = { rules: [], uses: new Map(), recordAll: false, corrupt: [], matchesBodies: false }

/** Polyfills for Node.js 20 (nodejs20.x): @mswjs/interceptors 0.45 uses `Promise.withResolvers` (Node.js 22+). */
function polyfillForNode20(): void {
  const promise = Promise as unknown as { withResolvers?: () => unknown }
  promise.withResolvers ??= <T>() => {
    let resolve!: (value: T) => void
    let reject!: (reason: unknown) => void
    const created = new Promise<T>((res, rej) => {
      resolve = res
      reject = rej
    })
    return { promise: created, resolve, reject }
  }
}

/**
 * Installs the interceptor in this process.
 *
 * @param settings - from {@link settingsFromEnv}.
 * @param openTable - opens the table; called (and its module loaded) when the first invocation starts.
 * @example
 * const interceptor = installInterceptor(settings, async () => (await import('./store.js')).openInterceptorStore(settings))
 * const result = await interceptor.run(context.awsRequestId, () => userHandler(event, context))
 */
export function installInterceptor(
  settings: InterceptorSettings,
  openTable: () => Promise<InterceptorStore>,
): InstalledInterceptor {
  polyfillForNode20()
  const invocations = new AsyncLocalStorage<Invocation>()
  // Marks our own table work. Every request made inside it is ours, not only the table's: the AWS SDK also fetches
  // credentials over HTTP (container endpoint, SSO, STS). Intercepted, such a request would wait for the rules it is
  // helping to read: a deadlock.
  const ownWork = new AsyncLocalStorage<true>()
  let outside: Invocation | undefined
  /** Recorded calls waiting for their real response's status, by @mswjs/interceptors request id. */
  const awaitingStatus = new Map<string, { call: RecordedCall; invocation: Invocation }>()
  const corruptLogged = new Set<string>()
  let table: Promise<InterceptorStore> | undefined
  const tableOnce = (): Promise<InterceptorStore> => {
    table ??= openTable().catch((error: unknown) => {
      // A module that failed to load must not stay broken for the life of the sandbox.
      table = undefined
      throw error
    })
    return table
  }

  const newInvocation = (requestId: string, inInvocation: boolean, deadline?: number): Invocation => ({
    requestId,
    ...(deadline === undefined ? {} : { deadline }),
    ruleSet: undefined,
    loaded: undefined,
    rulesDeadline: 0,
    uses: new Map(),
    calls: [],
    seq: 0,
    logged: new Set(),
    bodies: new Set(),
    inInvocation,
    closed: false,
  })

  const checkTable = (action: string): string =>
    `Check that table ${settings.tableName} exists${settings.tableLocation ?? ''} and that the function's role allows ${action} on it.`

  const logOnce = (invocation: Invocation | undefined, cause: string, message: string): void => {
    if (invocation) {
      if (invocation.logged.has(cause)) return
      invocation.logged.add(cause)
    }
    console.warn(`[stakeout] ${message}`)
  }

  const rulesTimeoutMs = settings.rulesTimeoutMs ?? DEFAULT_RULES_TIMEOUT_MS

  const readRules = (invocation: Invocation): Promise<LoadedRules> => {
    if (invocation.ruleSet) return invocation.ruleSet
    invocation.rulesDeadline = Date.now() + rulesTimeoutMs
    invocation.ruleSet = (async () => {
      let loaded: LoadedRules
      try {
        const set = await ownWork.run(true, async () => (await tableOnce()).loadRules())
        for (const { sortKey, reason } of set.corrupt) {
          if (corruptLogged.has(sortKey)) continue
          corruptLogged.add(sortKey)
          console.warn(`[stakeout] ignoring corrupt rule ${sortKey} in table ${settings.tableName}: ${reason}`)
        }
        for (const [ruleId, used] of set.uses)
          invocation.uses.set(ruleId, Math.max(used, invocation.uses.get(ruleId) ?? 0))
        loaded = { ...set, matchesBodies: set.rules.some(hasBodyMatcher) }
      } catch (error) {
        // A table that did not answer in time was already named by the deadline's line: one line per cause.
        if (!invocation.logged.has('rules-deadline')) {
          logOnce(
            invocation,
            'rules',
            `could not read the rules of ${settings.functionName} from table ${settings.tableName} (${describeError(error)}): outbound calls go to the network and are not recorded. ${checkTable('dynamodb:Query')}`,
          )
        }
        loaded = EMPTY_RULES
      }
      invocation.loaded = loaded
      return loaded
    })()
    return invocation.ruleSet
  }

  /** The invocation's rules, or undefined when they did not arrive by the deadline (the call then goes to the network). */
  const rulesInTime = (invocation: Invocation): Promise<LoadedRules | undefined> => {
    if (invocation.loaded) return Promise.resolve(invocation.loaded)
    const reading = readRules(invocation)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        logOnce(
          invocation,
          'rules-deadline',
          `the rules of ${settings.functionName} were not read from table ${settings.tableName} at ${settings.tableEndpoint ?? '(no endpoint)'} within ${rulesTimeoutMs} ms (${ENV.rulesTimeoutMs}): outbound calls go to the network, unrecorded, until they arrive. ${checkTable('dynamodb:Query')}`,
        )
        resolve(undefined)
      }, invocation.rulesDeadline - Date.now())
      void reading.then((rules) => {
        clearTimeout(timer)
        resolve(rules)
      })
    })
  }

  /**
   * Claims the next use of a rule with `times` or a sequence, for every process sharing the table (store.ts).
   * Resolves with the claimed use, undefined when every counted use was claimed already, or 'failed' (logged).
   */
  const claimUse = async (
    invocation: Invocation,
    rule: ParsedRule,
    limit: number,
  ): Promise<number | undefined | 'failed'> => {
    try {
      const claimed = await ownWork.run(true, async () => (await tableOnce()).claimUse(rule.id, limit))
      invocation.uses.set(
        rule.id,
        Math.max(claimed === undefined ? limit : claimed + 1, invocation.uses.get(rule.id) ?? 0),
      )
      return claimed
    } catch (error) {
      logOnce(
        invocation,
        `claim:${rule.id}`,
        `could not claim a use of rule ${rule.id} in table ${settings.tableName} (${describeError(error)}): the call goes to the network. ${checkTable('dynamodb:UpdateItem')}`,
      )
      return 'failed'
    }
  }

  /**
   * Picks the rule that answers a call and, for a rule with `times` or a sequence, claims the use that says how.
   * The claim is sent in the same synchronous step as the pick, and every claim is one atomic conditional write:
   * parallel calls in one invocation, concurrent invocations and other sandboxes each get a different use, and
   * so each response of a sequence exactly once, in the order the table took the claims.
   */
  const pickAndClaim = async (
    invocation: Invocation,
    ruleSet: LoadedRules,
    snapshot: RequestSnapshot,
    readBodyIfNeeded: () => Promise<void>,
  ): Promise<ReturnType<typeof pickRule>> => {
    if (ruleSet.rules.length === 0) return undefined
    while (true) {
      const picked = pickRule(ruleSet.rules, snapshot, invocation.uses)
      if (!picked) return undefined
      const limit = claimedUses(picked.rule)
      // From here on the rule answers every call alike: nothing left to claim, no round trip.
      if ((invocation.uses.get(picked.rule.id) ?? 0) >= limit) return picked
      const claimed = await claimUse(invocation, picked.rule, limit)
      if (claimed === 'failed') return undefined
      if (claimed !== undefined) return pickRule([picked.rule], snapshot, new Map([[picked.rule.id, claimed]]))
      // Others claimed every counted use first: the rule now answers its last response forever, or is used up and
      // an older rule (or the network) gets the call.
      await readBodyIfNeeded()
    }
  }

  const write = async (calls: RecordedCall[]): Promise<void> => {
    try {
      const outcome = await ownWork.run(true, async () => (await tableOnce()).record(calls))
      if (outcome.error !== undefined) {
        console.warn(
          `[stakeout] could not record ${outcome.unrecordedCalls} of ${calls.length} outbound calls in table ${settings.tableName} (${describeError(outcome.error)}). ${checkTable('dynamodb:BatchWriteItem')}`,
        )
      }
    } catch (error) {
      console.warn(
        `[stakeout] could not record ${calls.length} outbound calls in table ${settings.tableName} (${describeError(error)}). ${checkTable('dynamodb:BatchWriteItem')}`,
      )
    }
  }
  const recorder = new Recorder(settings, write)

  const runtimeApiPrefix = settings.runtimeApi ? `http://${settings.runtimeApi}/` : undefined
  const interceptor = new HttpRequestInterceptor()
  interceptor.on('request', async ({ request, requestId, controller }) => {
    // The whole listener is guarded: @mswjs/interceptors would turn an exception into a 500.
    let invocation: Invocation | undefined
    try {
      if (ownWork.getStore()) return
      if (request.headers.has(OWN_TRAFFIC_HEADER)) {
        request.headers.delete(OWN_TRAFFIC_HEADER)
        return
      }
      if (runtimeApiPrefix && request.url.startsWith(runtimeApiPrefix)) return

      const startedAt = Date.now()
      // A call outside any invocation (INIT, a timer between invocations) is written with the next
      // invocation's calls; a call still running after its invocation flushed keeps its request id.
      invocation = invocations.getStore()
      if (!invocation) {
        outside ??= newInvocation(`init-${randomBytes(4).toString('hex')}`, false)
        invocation = outside
      }
      const seq = invocation.seq++

      const ruleSet = await rulesInTime(invocation)
      // Most calls: nothing could answer them and nothing records them.
      if (!ruleSet || (ruleSet.rules.length === 0 && !ruleSet.recordAll)) return
      const snapshot: RequestSnapshot = {
        url: request.url,
        method: request.method,
        headers: headersOf(request),
      }
      // A body is awaited only when a rule needs it to choose, or to record a mocked call: awaiting waits for the
      // whole body (a streamed upload would be held) and buffers it.
      let body =
        ruleSet.matchesBodies && needsBody(ruleSet.rules, snapshot, invocation.uses)
          ? await readBody(request)
          : undefined
      if (body?.text !== undefined) snapshot.body = body.text

      const readBodyIfNeeded = async (): Promise<void> => {
        if (body !== undefined || !ruleSet.matchesBodies || !needsBody(ruleSet.rules, snapshot, invocation!.uses))
          return
        body = await readBody(request)
        if (body.text !== undefined) snapshot.body = body.text
      }
      let picked = await pickAndClaim(invocation, ruleSet, snapshot, readBodyIfNeeded)
      // Built before anything is recorded: a mock that cannot answer must not be recorded as having answered.
      let answer: Response | undefined
      if (picked?.response && !picked.response.networkError) {
        try {
          answer = mockResponse(picked.response)
        } catch (error) {
          logOnce(
            invocation,
            `answer:${picked.rule.id}`,
            `rule ${picked.rule.id} cannot answer ${request.method} ${redactUrl(request.url, settings.redaction)} (${describeError(error)}): the call goes to the network. Fix the rule's response.`,
          )
          picked = undefined
        }
      }
      if (!picked && !ruleSet.recordAll) return
      // A call that goes to the network is not held: its body is recorded as it streams, beside the request.
      if (picked?.response) body ??= await readBody(request)

      const call: RecordedCall = {
        url: redactUrl(snapshot.url, settings.redaction),
        method: snapshot.method,
        headers: redactHeaders(snapshot.headers, settings.redaction),
        timestamp: new Date(startedAt).toISOString(),
        requestId: invocation.requestId,
        seq,
        action: picked ? picked.rule.action : 'unmatched',
      }
      if (body) withBody(call, body, settings.maxBodyBytes)
      else recordBodyAsItStreams(request, call, settings.maxBodyBytes, invocation.bodies)
      if (picked) call.ruleId = picked.rule.id
      const response = picked?.response
      if (response?.networkError) call.error = 'network error (mocked)'
      else if (response) call.status = response.status ?? 200
      else awaitingStatus.set(requestId, { call, invocation })
      recorder.keep(invocation, call)

      if (response) {
        if (response.delayMs) await new Promise((resolve) => setTimeout(resolve, response.delayMs))
        if (response.networkError) {
          controller.errorWith(
            Object.assign(
              new Error(
                `stakeout: mocked network error for ${request.method} ${redactUrl(request.url, settings.redaction)}`,
              ),
              {
                code: 'ECONNRESET',
              },
            ),
          )
        } else if (answer) {
          controller.respondWith(answer)
        }
      }
    } catch (error) {
      logOnce(
        invocation,
        `listener:${describeError(error)}`,
        `could not handle ${request.method} ${redactUrl(request.url, settings.redaction)} (${describeError(error)}): the call goes to the network`,
      )
    }
  })
  interceptor.on('response', ({ requestId, response, responseType }) => {
    if (responseType !== 'original') return
    // An interim answer (100 Continue, 103 Early Hints) is followed by the final one, which is the call's status.
    if (response.status >= 100 && response.status < 200 && response.status !== 101) return
    const awaiting = awaitingStatus.get(requestId)
    if (!awaiting) return
    awaitingStatus.delete(requestId)
    awaiting.call.status = response.status
    // Written before its answer came (close to the deadline): written again, now with its status.
    if (recorder.wasWritten(awaiting.call)) recorder.rewrite(awaiting.invocation, awaiting.call)
  })
  interceptor.apply()
  const stopClosingHandles = closeHandlesLeftOpen()

  const flush = async (invocation: Invocation): Promise<void> => {
    // Calls outside invocations read the rules afresh after each flush (the test may have changed them).
    outside = undefined
    await settled(invocation.bodies, BODY_WAIT_MS)
    const written = await recorder.end(invocation)
    // Calls still running when their invocation ends are written as they are: their status would land nowhere.
    for (const [requestId, { call }] of awaitingStatus) {
      if (written.has(call)) awaitingStatus.delete(requestId)
    }
  }

  return {
    async run(requestId, call, deadline) {
      const invocation = newInvocation(requestId, true, deadline)
      recorder.begin(invocation)
      return invocations.run(invocation, async () => {
        // Read while the handler works: its first call then finds the rules there, or waits less.
        void readRules(invocation)
        let outcome: { ok: true; value: Awaited<ReturnType<typeof call>> } | { ok: false; error: unknown }
        try {
          outcome = { ok: true, value: await call() }
        } catch (error) {
          outcome = { ok: false, error }
        }
        // Lambda freezes the sandbox once the response is posted: write before returning.
        await flush(invocation)
        if (outcome.ok) return outcome.value
        throw outcome.error
      })
    },
    openTableEarly() {
      void ownWork.run(true, () => tableOnce().catch(() => undefined))
    },
    dispose() {
      interceptor.dispose()
      stopClosingHandles()
      recorder.dispose()
    },
  }
}

function hasBodyMatcher(rule: ParsedRule): boolean {
  return rule.match.body !== undefined
}

/** Lower-case names (the Fetch API's), repeated headers joined with `, `. */
function headersOf(request: Request): Record<string, string> {
  const headers: Record<string, string> = {}
  request.headers.forEach((value, name) => {
    headers[name] = value
  })
  return headers
}

function mockResponse(mock: MockResponse): Response {
  const status = mock.status ?? 200
  const headers = new Headers(mock.headers)
  let body: string | null = mock.body ?? null
  if (mock.json !== undefined) {
    body = JSON.stringify(mock.json)
    if (!headers.has('content-type')) headers.set('content-type', 'application/json')
  }
  // The Fetch API refuses a body on 204, 205 and 304.
  if (status === 204 || status === 205 || status === 304) body = null
  return new Response(body, { status, headers })
}
