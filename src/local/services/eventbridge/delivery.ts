import type { RunFaults } from '../../app/faults.js'
import type { LocalQueues } from '../../app/services.js'
import type { EventEnvelope } from './put-events.js'
import type { LocalRule, LocalTarget } from './rules.js'

/** What the delivery faults did in a run: a test reads it to prove they happened. */
export interface FaultCounts {
  /** Deliveries sent twice. */
  readonly duplicated: number
  /** Deliveries sent in another order than they were matched. */
  readonly reordered: number
  /** Deliveries held back by `delayMs`. */
  readonly delayed: number
}

/** One attempt's outcome, as EventBridge sorts a target's errors: retried (throttling, a transient failure) or not. */
export type AttemptOutcome =
  | { readonly delivered: true }
  | { readonly delivered: false; readonly retriable: boolean; readonly code: string; readonly message: string }

/** Options of {@link TargetDelivery}. */
export interface TargetDeliveryOptions {
  readonly faults: RunFaults
  /** Makes one attempt to hand `payload` to the target. */
  readonly attempt: (
    target: LocalTarget,
    payload: unknown,
    event: EventEnvelope,
  ) => Promise<AttemptOutcome> | AttemptOutcome
  /** The dead-letter queues. */
  readonly queues?: LocalQueues
  readonly log: (line: string) => void
  /**
   * How long deliveries to one target are held to be shuffled when `reorder` is on.
   * @default 25
   */
  readonly reorderWindowMs?: number
  /** Backoff of a retried delivery: EventBridge's is exponential with jitter over up to 24 h; locally 20 ms doubling to 1 s. */
  readonly retryDelaysMs?: { readonly first: number; readonly max: number }
}

interface Delivery {
  readonly rule: LocalRule
  readonly target: LocalTarget
  readonly event: EventEnvelope
  readonly payload: unknown
  readonly matchedAt: number
  /** The order it was matched in, to count what the reorder fault moved. */
  readonly sequence: number
  retries: number
  timer?: NodeJS.Timeout | undefined
}

/**
 * Delivers matched events to rule targets as EventBridge does: one attempt, retried under the target's
 * `RetryPolicy` when the failure is retriable, and an event that cannot be delivered goes to the target's
 * `DeadLetterConfig` queue with EventBridge's message attributes (`RULE_ARN`, `TARGET_ARN`, `ERROR_CODE`,
 * `ERROR_MESSAGE`, `EXHAUSTED_RETRY_CONDITION`, `RETRY_ATTEMPTS`), or without one to a log line. With the run's
 * faults on, it duplicates a share of deliveries, delays each, and shuffles what is pending for a target within a
 * short window, every choice from the seeded `faults.random()`, and counts what it did ({@link TargetDelivery.counts}).
 *
 * @example
 * const delivery = new TargetDelivery({ faults, attempt: (target, payload) => send(target, payload), queues, log })
 * delivery.dispatch(rule, rule.targets[0], event)
 */
export class TargetDelivery {
  readonly #options: TargetDeliveryOptions
  readonly #pending = new Set<Delivery>()
  readonly #reorderBuffers = new Map<LocalTarget, { items: Delivery[]; timer: NodeJS.Timeout }>()
  readonly #idleWaiters: Array<() => void> = []
  readonly #counts = { duplicated: 0, reordered: 0, delayed: 0 }
  #sequence = 0
  #stopped = false

  constructor(options: TargetDeliveryOptions) {
    this.#options = options
  }

  /** What the faults did so far. */
  get counts(): FaultCounts {
    return { ...this.#counts }
  }

  /** Deliveries not yet handed to their target (held, buffered, waiting for a retry or in an attempt). */
  get pending(): number {
    return this.#pending.size
  }

  /** Starts delivering one matched event to one target (synchronously drawing its faults, in call order). */
  dispatch(rule: LocalRule, target: LocalTarget, event: EventEnvelope, payload: unknown): void {
    if (this.#stopped) {
      this.#options.log(
        `stakeout local EventBridge: event ${event.id} not delivered to ${target.arn}: the local app is stopping`,
      )
      return
    }
    const faults = this.#options.faults
    const { duplicate, delayMs } = faults.eventBridge
    let copies = 1
    if (duplicate > 0 && faults.random() < duplicate) {
      copies = 2
      this.#counts.duplicated += 1
    }
    for (let copy = 0; copy < copies; copy += 1) {
      const delivery: Delivery = {
        rule,
        target,
        event,
        payload,
        matchedAt: Date.now(),
        sequence: this.#sequence++,
        retries: 0,
      }
      this.#pending.add(delivery)
      const [min, max] = delayMs
      const delay = max > min ? min + faults.random() * (max - min) : min
      if (delay > 0) {
        this.#counts.delayed += 1
        delivery.timer = setTimeout(() => this.#release(delivery), delay)
      } else {
        this.#release(delivery)
      }
    }
  }

  /** Resolves once nothing is pending. */
  idle(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  /** Cancels what is pending and logs it once. Idempotent. */
  stop(): void {
    if (this.#stopped) return
    this.#stopped = true
    const undelivered = [...this.#pending]
    for (const delivery of undelivered) clearTimeout(delivery.timer)
    for (const buffer of this.#reorderBuffers.values()) clearTimeout(buffer.timer)
    this.#reorderBuffers.clear()
    this.#pending.clear()
    this.#wake()
    if (undelivered.length > 0) {
      const listed = undelivered
        .slice(0, 10)
        .map((delivery) => `event ${delivery.event.id} to ${delivery.target.arn}`)
        .join(', ')
      this.#options.log(
        `stakeout local EventBridge: stopped with ${undelivered.length} deliver${undelivered.length === 1 ? 'y' : 'ies'} not made: ${listed}${undelivered.length > 10 ? ', ...' : ''}`,
      )
    }
  }

  /** After its delay: into the target's reorder window, or straight to the target. */
  #release(delivery: Delivery): void {
    delivery.timer = undefined
    if (this.#stopped) return
    if (!this.#options.faults.eventBridge.reorder) {
      void this.#attempt(delivery)
      return
    }
    const buffer = this.#reorderBuffers.get(delivery.target)
    if (buffer !== undefined) {
      buffer.items.push(delivery)
      return
    }
    const items = [delivery]
    const timer = setTimeout(() => this.#flush(delivery.target), this.#options.reorderWindowMs ?? 25)
    this.#reorderBuffers.set(delivery.target, { items, timer })
  }

  /** Shuffles what the window held (Fisher–Yates on the seeded generator) and delivers it in that order. */
  #flush(target: LocalTarget): void {
    const buffer = this.#reorderBuffers.get(target)
    this.#reorderBuffers.delete(target)
    if (buffer === undefined || this.#stopped) return
    const items = buffer.items
    const random = this.#options.faults.random
    for (let index = items.length - 1; index > 0; index -= 1) {
      const other = Math.floor(random() * (index + 1))
      ;[items[index], items[other]] = [items[other] as Delivery, items[index] as Delivery]
    }
    const inOrder = [...items].sort((a, b) => a.sequence - b.sequence)
    this.#counts.reordered += items.filter((item, index) => item !== inOrder[index]).length
    for (const item of items) void this.#attempt(item)
  }

  async #attempt(delivery: Delivery): Promise<void> {
    if (this.#stopped) return
    let outcome: AttemptOutcome
    try {
      outcome = await this.#options.attempt(delivery.target, delivery.payload, delivery.event)
    } catch (error) {
      outcome = { delivered: false, retriable: true, code: 'INTERNAL_ERROR', message: String(error) }
    }
    if (this.#stopped) return
    if (outcome.delivered) {
      this.#finish(delivery)
      return
    }
    const policy = delivery.target.retryPolicy
    const aged = Date.now() - delivery.matchedAt > policy.maximumEventAgeSeconds * 1000
    if (outcome.retriable && !aged && delivery.retries < policy.maximumRetryAttempts) {
      delivery.retries += 1
      const { first, max } = this.#options.retryDelaysMs ?? { first: 20, max: 1000 }
      delivery.timer = setTimeout(
        () => {
          delivery.timer = undefined
          void this.#attempt(delivery)
        },
        Math.min(max, first * 2 ** (delivery.retries - 1)),
      )
      return
    }
    const exhausted = outcome.retriable ? (aged ? 'MaximumEventAgeInSeconds' : 'MaximumRetryAttempts') : undefined
    this.#deadLetter(delivery, outcome.code, outcome.message, exhausted)
    this.#finish(delivery)
  }

  #deadLetter(delivery: Delivery, code: string, message: string, exhausted: string | undefined): void {
    const { target, rule, event } = delivery
    const why = `${code}: ${message}${exhausted === undefined ? '' : ` (retries exhausted: ${exhausted}, ${delivery.retries} retries)`}`
    const dlq = target.deadLetterArn
    if (dlq === undefined) {
      this.#options.log(
        `stakeout local EventBridge: event ${event.id} of rule ${rule.name} not delivered to ${target.arn}, and the target has no DeadLetterConfig: ${why}`,
      )
      return
    }
    const text = (value: string) => ({ DataType: 'String', StringValue: value })
    try {
      const queues = this.#options.queues
      if (queues === undefined || !queues.has(dlq)) throw new Error(`${dlq} is not a queue of the local app`)
      queues.send(dlq, {
        body: JSON.stringify(event),
        messageAttributes: {
          RULE_ARN: text(rule.arn),
          TARGET_ARN: text(target.arn),
          ERROR_CODE: text(code),
          ERROR_MESSAGE: text(message),
          ...(exhausted === undefined ? {} : { EXHAUSTED_RETRY_CONDITION: text(exhausted) }),
          // The user guide names the attribute, not its data type: a String holding the number.
          RETRY_ATTEMPTS: text(String(delivery.retries)),
        },
      })
    } catch (error) {
      this.#options.log(
        `stakeout local EventBridge: event ${event.id} of rule ${rule.name} not delivered to ${target.arn} (${why}), nor to its dead-letter queue: ${(error as Error).message}`,
      )
    }
  }

  #finish(delivery: Delivery): void {
    this.#pending.delete(delivery)
    if (this.#pending.size === 0) this.#wake()
  }

  #wake(): void {
    for (const resolve of this.#idleWaiters.splice(0)) resolve()
  }
}
