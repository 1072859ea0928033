import { randomUUID } from 'node:crypto'
import type { LocalQueues } from '../app/services.js'
import type { InvokeResult } from '../invoke-handler.js'
import { FunctionThrottledError, functionErrorPayload } from './lambda-api.js'

/**
 * A function's asynchronous invocation settings, as its `AWS::Lambda::EventInvokeConfig` gives them (or Lambda's
 * defaults without one).
 */
export interface AsyncInvokeConfig {
  /** `MaximumRetryAttempts`: retries after a function error, 0 to 2. Lambda's default is 2. */
  readonly maximumRetryAttempts: number
  /** `MaximumEventAgeInSeconds`: how long an event may wait in the queue, 60 to 21,600. Lambda's default is 21,600. */
  readonly maximumEventAgeSeconds: number
  /** `DestinationConfig.OnFailure.Destination`: the ARN of the SQS queue that gets the invocation record of a failure. */
  readonly onFailure?: string
  /** `DestinationConfig.OnSuccess.Destination`: the ARN of the SQS queue that gets the invocation record of a success. */
  readonly onSuccess?: string
}

/** Lambda's defaults: two retries, six hours in the queue, no destination. */
export const DEFAULT_ASYNC_INVOKE_CONFIG: AsyncInvokeConfig = {
  maximumRetryAttempts: 2,
  maximumEventAgeSeconds: 21_600,
}

/**
 * How long the local queue waits before each retry after a function error. Lambda waits about one minute, then two
 * (Lambda developer guide, "asynchronous invocation"); locally the same two steps are 600 times shorter, so a test
 * sees the retries in a fraction of a second.
 */
export const LOCAL_RETRY_DELAYS_MS: readonly [number, number] = [100, 200]

/**
 * How long the local queue waits before trying a throttled event again: Lambda starts at one second and doubles up
 * to five minutes; locally from 20 ms up to 1 s. A throttled attempt is not a retry (it does not count against
 * `MaximumRetryAttempts`): only the event's age ends it.
 */
export const LOCAL_THROTTLE_DELAYS_MS = { first: 20, max: 1000 } as const

/**
 * How many asynchronous invocations of one function the local queue runs at once. Lambda's own queue scales with the
 * account's concurrency; on one machine, a burst of events (a bus delivering 1,000 events to a projector) would
 * otherwise start as many Node.js environments at once and starve the machine. The others wait in the queue, as
 * Lambda's queue holds events it cannot run yet: the order and the retries are unchanged, only the parallelism.
 */
export const LOCAL_ASYNC_CONCURRENCY = 4

/** Options of {@link AsyncInvokeQueue}. */
export interface AsyncInvokeQueueOptions {
  /** Runs one invocation of the function of that logical id (the local app's pool). */
  readonly invoke: (
    logicalId: string,
    event: unknown,
    options: { readonly signal?: AbortSignal },
  ) => Promise<InvokeResult>
  /** The function's ARN, for the invocation record (`requestContext.functionArn`). */
  readonly functionArn: (logicalId: string) => string
  /** The function's `ReservedConcurrentExecutions`, if set: at 0, Lambda sends every event to the destination at once. */
  readonly reservedConcurrency?: (logicalId: string) => number | undefined
  /** Where the destination records go: the local queues. */
  readonly queues?: LocalQueues
  /** One line for each event that ends undelivered without a destination, and one at stop for what was pending. */
  readonly log: (line: string) => void
  /** @default {@link LOCAL_RETRY_DELAYS_MS} */
  readonly retryDelaysMs?: readonly [number, number]
  /** @default {@link LOCAL_THROTTLE_DELAYS_MS} */
  readonly throttleDelaysMs?: { readonly first: number; readonly max: number }
  /** @default {@link LOCAL_ASYNC_CONCURRENCY} */
  readonly concurrency?: number
}

/** The record Lambda sends to a destination (Lambda developer guide, "Capturing records of asynchronous invocations"). */
export interface InvocationRecord {
  readonly version: '1.0'
  readonly timestamp: string
  readonly requestContext: {
    readonly requestId: string
    readonly functionArn: string
    readonly condition: 'Success' | 'RetriesExhausted' | 'EventAgeExceeded'
    readonly approximateInvokeCount: number
  }
  readonly requestPayload: unknown
  readonly responseContext?: {
    readonly statusCode: number
    readonly executedVersion: '$LATEST'
    readonly functionError?: 'Unhandled'
  }
  readonly responsePayload?: unknown
}

interface Pending {
  readonly requestId: string
  readonly logicalId: string
  readonly event: unknown
  readonly config: AsyncInvokeConfig
  readonly enqueuedAt: number
  attempts: number
  throttles: number
  timer?: NodeJS.Timeout | undefined
  last?: InvokeResult
}

/**
 * Lambda's asynchronous invocation queue for the local app: an event handed to it (an `Event` invoke, a rule's Lambda
 * target) is accepted at once and run in the background; a function error is retried `MaximumRetryAttempts` times
 * (after short local delays, see {@link LOCAL_RETRY_DELAYS_MS}), a throttled attempt is tried again until the event
 * is older than `MaximumEventAgeInSeconds`, and an event that fails for good goes to the `OnFailure` destination as
 * Lambda's invocation record, or, without one, to one log line saying what and why. Nothing is dropped silently:
 * {@link AsyncInvokeQueue.stop} ends what is in flight and logs, once, what was not delivered.
 *
 * @example
 * const queue = new AsyncInvokeQueue({ invoke: context.invoke, functionArn: (id) => arns.get(id)!, queues, log })
 * queue.enqueue('Projector1A2B3C', event, { maximumRetryAttempts: 1, maximumEventAgeSeconds: 60, onFailure: dlqArn })
 * await queue.stop()
 */
export class AsyncInvokeQueue {
  readonly #options: AsyncInvokeQueueOptions
  readonly #pending = new Set<Pending>()
  readonly #stopping = new AbortController()
  readonly #idleWaiters: Array<() => void> = []
  /** Per function: how many of its invocations run now, and the attempts waiting for a turn, in order. */
  readonly #slots = new Map<string, { running: number; waiting: Array<() => void> }>()
  #stopped: Promise<void> | undefined

  constructor(options: AsyncInvokeQueueOptions) {
    this.#options = options
  }

  /** How many events are queued or running. */
  get pending(): number {
    return this.#pending.size
  }

  /**
   * Accepts one event for the function, as Lambda's queue does: it runs in the background.
   *
   * @returns the invocation's request id (the same for every retry, as Lambda's)
   */
  enqueue(logicalId: string, event: unknown, config: AsyncInvokeConfig = DEFAULT_ASYNC_INVOKE_CONFIG): string {
    const item: Pending = {
      requestId: randomUUID(),
      logicalId,
      event,
      config,
      enqueuedAt: Date.now(),
      attempts: 0,
      throttles: 0,
    }
    if (this.#stopped !== undefined) {
      this.#options.log(
        `stakeout local Lambda: asynchronous invocation ${item.requestId} of ${logicalId} not run: the local app is stopping`,
      )
      return item.requestId
    }
    this.#pending.add(item)
    this.#schedule(item, 0)
    return item.requestId
  }

  /** Resolves once nothing is queued or running (a test's way to wait for the retries to end). */
  idle(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  /** Ends the invocations in flight, cancels the retries, and logs once what was not delivered. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      const undelivered = [...this.#pending]
      this.#stopping.abort()
      for (const slot of this.#slots.values()) for (const wake of slot.waiting.splice(0)) wake()
      for (const item of undelivered) clearTimeout(item.timer)
      this.#pending.clear()
      this.#wake()
      if (undelivered.length > 0) {
        const listed = undelivered
          .slice(0, 10)
          .map(
            (item) =>
              `${item.logicalId} (request ${item.requestId}, ${item.attempts} attempt${item.attempts === 1 ? '' : 's'})`,
          )
          .join(', ')
        this.#options.log(
          `stakeout local Lambda: stopped with ${undelivered.length} asynchronous invocation${undelivered.length === 1 ? '' : 's'} not delivered: ${listed}${undelivered.length > 10 ? ', ...' : ''}`,
        )
      }
    })()
    return this.#stopped
  }

  /** Waits for a turn to run one invocation of the function (at most `concurrency` at once); returns its release. */
  async #turn(logicalId: string): Promise<() => void> {
    let slot = this.#slots.get(logicalId)
    if (slot === undefined) {
      slot = { running: 0, waiting: [] }
      this.#slots.set(logicalId, slot)
    }
    const limit = this.#options.concurrency ?? LOCAL_ASYNC_CONCURRENCY
    if (slot.running >= limit) {
      // The releasing invocation hands its turn over: `running` stays as it is.
      const held = slot
      await new Promise<void>((resolve) => held.waiting.push(resolve))
    } else {
      slot.running += 1
    }
    const held = slot
    let released = false
    return () => {
      if (released) return
      released = true
      const next = held.waiting.shift()
      if (next === undefined) held.running -= 1
      else next()
    }
  }

  #schedule(item: Pending, delayMs: number): void {
    item.timer = setTimeout(() => {
      item.timer = undefined
      void this.#attempt(item).catch((error: unknown) => {
        this.#finish(item)
        this.#options.log(
          `stakeout local Lambda: asynchronous invocation ${item.requestId} of ${item.logicalId} lost to a local error: ${String(error)}`,
        )
      })
    }, delayMs)
  }

  async #attempt(item: Pending): Promise<void> {
    if (this.#stopping.signal.aborted) return
    const { config } = item
    if (Date.now() - item.enqueuedAt > config.maximumEventAgeSeconds * 1000) {
      await this.#fail(
        item,
        'EventAgeExceeded',
        `it waited longer than its MaximumEventAgeInSeconds (${config.maximumEventAgeSeconds})`,
      )
      return
    }
    if (this.#options.reservedConcurrency?.(item.logicalId) === 0) {
      // The Lambda developer guide: at reserved concurrency 0, events go to the destination without any retries.
      await this.#fail(
        item,
        'RetriesExhausted',
        'its ReservedConcurrentExecutions is 0, so Lambda runs none of its events',
      )
      return
    }
    let result: InvokeResult
    const release = await this.#turn(item.logicalId)
    try {
      if (this.#stopping.signal.aborted) return
      result = await this.#options.invoke(item.logicalId, item.event, { signal: this.#stopping.signal })
    } catch (error) {
      if (this.#stopping.signal.aborted) return
      if (error instanceof FunctionThrottledError) {
        const { first, max } = this.#options.throttleDelaysMs ?? LOCAL_THROTTLE_DELAYS_MS
        item.throttles += 1
        this.#schedule(item, Math.min(max, first * 2 ** (item.throttles - 1)))
        return
      }
      // The function could not run at all (not run locally): no retry will change that.
      item.attempts += 1
      await this.#fail(item, 'RetriesExhausted', (error as Error).message)
      return
    } finally {
      release()
    }
    if (this.#stopping.signal.aborted) return
    item.attempts += 1
    item.last = result
    if (result.error === undefined) {
      if (config.onSuccess !== undefined)
        await this.#send(item, config.onSuccess, this.#record(item, 'Success'), 'OnSuccess')
      this.#finish(item)
      return
    }
    if (item.attempts <= config.maximumRetryAttempts) {
      const delays = this.#options.retryDelaysMs ?? LOCAL_RETRY_DELAYS_MS
      this.#schedule(item, delays[Math.min(item.attempts - 1, delays.length - 1)] ?? 0)
      return
    }
    await this.#fail(
      item,
      'RetriesExhausted',
      `it failed ${item.attempts} time${item.attempts === 1 ? '' : 's'} (MaximumRetryAttempts ${config.maximumRetryAttempts}): ${result.error.errorType}: ${result.error.errorMessage}`,
    )
  }

  async #fail(item: Pending, condition: 'RetriesExhausted' | 'EventAgeExceeded', why: string): Promise<void> {
    const destination = item.config.onFailure
    if (destination === undefined) {
      this.#options.log(
        `stakeout local Lambda: asynchronous invocation ${item.requestId} of ${item.logicalId} discarded, as Lambda discards it without an OnFailure destination: ${why}`,
      )
    } else {
      await this.#send(item, destination, this.#record(item, condition), 'OnFailure')
    }
    this.#finish(item)
  }

  /** The invocation record, shaped as the Lambda developer guide's example. */
  #record(item: Pending, condition: InvocationRecord['requestContext']['condition']): InvocationRecord {
    const last = item.last
    return {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: item.requestId,
        functionArn: `${this.#options.functionArn(item.logicalId)}:$LATEST`,
        condition,
        approximateInvokeCount: item.attempts,
      },
      requestPayload: item.event,
      ...(last === undefined
        ? {}
        : {
            responseContext: {
              statusCode: 200,
              executedVersion: '$LATEST' as const,
              ...(last.error === undefined ? {} : { functionError: 'Unhandled' as const }),
            },
            responsePayload: last.error === undefined ? last.result : functionErrorPayload(last.error),
          }),
    }
  }

  async #send(item: Pending, destination: string, record: InvocationRecord, kind: string): Promise<void> {
    const queues = this.#options.queues
    try {
      if (queues === undefined || !queues.has(destination)) {
        throw new Error(`the destination ${destination} is not a queue of the local app`)
      }
      queues.send(destination, { body: JSON.stringify(record) })
    } catch (error) {
      this.#options.log(
        `stakeout local Lambda: the ${kind} record of asynchronous invocation ${item.requestId} of ${item.logicalId} was not delivered: ${(error as Error).message}`,
      )
    }
  }

  #finish(item: Pending): void {
    this.#pending.delete(item)
    if (this.#pending.size === 0) this.#wake()
  }

  #wake(): void {
    for (const resolve of this.#idleWaiters.splice(0)) resolve()
  }
}
