import { setTimeout as sleep } from 'node:timers/promises'
import { isRecord } from '../../../target/template.js'
import type { LocalQueues } from '../../app/services.js'
import type { InvokeResult } from '../../invoke-handler.js'
import type { StreamMappingSettings } from './mapping.js'
import { type DiscardCondition, describeKeys, invocationRecord } from './on-failure.js'
import type { DynamoDBStreamEventRecord } from './records.js'

/**
 * A record read from the shard, with when this poller read it (the local arrival, for the record's age).
 *
 * @example
 * pending.push({ record: toEventRecord(raw, region, streamArn), readAt: Date.now() })
 */
export interface ReadRecord {
  readonly record: DynamoDBStreamEventRecord
  readonly readAt: number
}

/**
 * What a mapping counts, for `LocalEventSources.stats()` and the stop line.
 *
 * @example
 * const { faultsInjected, retries } = eventSources.stats('Ledger/Dispatch/DynamoDBEventSource')
 */
export interface EventSourceStats {
  /** Records read from the stream. */
  records: number
  /** Records dropped by FilterCriteria (Lambda drops them too, without invoking). */
  filtered: number
  invocations: number
  /** Invocations Lambda would count failed: a function error, an invalid partial batch response, an injected fault. */
  failedInvocations: number
  /** Of those, the ones the `eventSources.fail` fault reported failed after the function ran. */
  faultsInjected: number
  /** Invocations that were retries (of a whole batch or of a partial batch's failed tail). */
  retries: number
  /** Batches split in two by BisectBatchOnFunctionError. */
  bisections: number
  /** Records given up: retries exhausted or too old. */
  discarded: number
  /** On-failure records sent (one per discarded batch). */
  sentToOnFailure: number
}

/**
 * An empty {@link EventSourceStats}.
 *
 * @example
 * const stats = emptyStats()
 */
export function emptyStats(): EventSourceStats {
  return {
    records: 0,
    filtered: 0,
    invocations: 0,
    failedInvocations: 0,
    faultsInjected: 0,
    retries: 0,
    bisections: 0,
    discarded: 0,
    sentToOnFailure: 0,
  }
}

/**
 * What delivering a batch needs from its shard and mapping.
 *
 * @example
 * await deliverBatch(batch, { settings, shardId, stats, invoke, queues, log, faults, now: Date.now, signal, onInFlight, checkpoint })
 */
export interface DeliveryContext {
  readonly settings: StreamMappingSettings
  readonly shardId: string
  readonly stats: EventSourceStats
  readonly invoke: (event: unknown, signal: AbortSignal) => Promise<InvokeResult>
  readonly queues: LocalQueues | undefined
  readonly log: (line: string) => void
  /** The share of invocations to report failed after they ran, and the seeded generator to draw from. */
  readonly faults: { readonly fail: number; readonly random: () => number }
  readonly now: () => number
  readonly signal: AbortSignal
  /** The batch now with the function, for the stop line. */
  onInFlight(records: readonly DynamoDBStreamEventRecord[] | undefined): void
  /** The next `count` records of the shard are done with (delivered, or discarded): always the head, in order. */
  checkpoint(count: number): void
}

/**
 * The local backoff between retries of a failed batch: 50 ms, doubling, at most 250 ms, Lambda's polling interval
 * (its own backoff is not documented; this keeps a test's retries quick: the EventLedger's 10 retries of a poison
 * event take 2.1 s). A bisected half is invoked at once, as splitting is no retry.
 *
 * @example
 * retryDelayMs(1) // 50
 * retryDelayMs(5) // 250
 */
export function retryDelayMs(attempt: number): number {
  return Math.min(50 * 2 ** Math.max(0, attempt - 1), 250)
}

/** With MaximumRetryAttempts -1 a failing batch is retried until it expires: say so once, at this many retries. */
const ENDLESS_RETRIES_NOTICE = 20

/** Before an invocation could happen (the functions not up yet): wait, do not count a retry, as Lambda does. */
const NOT_INVOKED_DELAY_MS = 200

interface Part {
  records: readonly ReadRecord[]
  /** Retries used (bisecting uses none). */
  attempts: number
  /** Times these records were handed to the function. */
  invokes: number
  last?: { result: InvokeResult; failed: boolean }
}

type Outcome =
  | { readonly kind: 'success'; readonly result: InvokeResult }
  | { readonly kind: 'partial'; readonly result: InvokeResult; readonly from: number }
  | { readonly kind: 'failure'; readonly result: InvokeResult }
  | { readonly kind: 'not-invoked'; readonly error: unknown }

/**
 * Delivers one batch of a shard as Lambda does, until every record of it is checkpointed or discarded: a function
 * error retries the batch (MaximumRetryAttempts, with {@link retryDelayMs}), or splits it in two first when
 * BisectBatchOnFunctionError is on; with ReportBatchItemFailures, a partial response checkpoints before the lowest
 * failed sequence number and retries from there; records older than MaximumRecordAgeInSeconds are discarded before
 * an invocation. A discarded batch goes to the on-failure queue, or else gets one log line naming its records.
 * Resolves early only when `signal` aborts (the app stops).
 *
 * @example
 * await deliverBatch(batch, context)
 */
export async function deliverBatch(batch: readonly ReadRecord[], context: DeliveryContext): Promise<void> {
  const { settings, stats } = context
  const parts: Part[] = [{ records: batch, attempts: 0, invokes: 0 }]
  let notInvoked = 0
  while (parts.length > 0 && !context.signal.aborted) {
    const part = parts[0] as Part
    if (settings.maximumRecordAgeMs !== -1) {
      const now = context.now()
      const expired = part.records.filter((read) => now - read.readAt > settings.maximumRecordAgeMs).length
      if (expired > 0) {
        discard(part.records.slice(0, expired), part, 'RecordAgeExceeded', context)
        context.checkpoint(expired)
        part.records = part.records.slice(expired)
        if (part.records.length === 0) parts.shift()
        continue
      }
    }
    const records = part.records.map((read) => read.record)
    context.onInFlight(records)
    const outcome = await invokeOnce(records, context)
    context.onInFlight(undefined)
    if (outcome.kind === 'not-invoked') {
      if (context.signal.aborted) return
      // Said at the second try: a first refusal is most often the app stopping its functions before this service.
      if (++notInvoked === 2) {
        context.log(
          `event source ${settings.label}: could not invoke ${settings.functionLogicalId} (${(outcome.error as Error).message}); retrying every ${NOT_INVOKED_DELAY_MS} ms`,
        )
      }
      await pause(NOT_INVOKED_DELAY_MS, context.signal)
      continue
    }
    part.invokes += 1
    part.last = { result: outcome.result, failed: outcome.kind === 'failure' }
    if (outcome.kind === 'success') {
      context.checkpoint(part.records.length)
      parts.shift()
      continue
    }
    if (outcome.kind === 'partial') {
      context.checkpoint(outcome.from)
      part.records = part.records.slice(outcome.from)
      // With bisect on, Lambda splits the batch at the returned sequence number: a split, not a retry.
      if (settings.bisect && outcome.from > 0) continue
    } else if (settings.bisect && part.records.length > 1) {
      const half = Math.ceil(part.records.length / 2)
      const { attempts, invokes, last } = part
      parts.splice(
        0,
        1,
        { records: part.records.slice(0, half), attempts, invokes, last },
        { records: part.records.slice(half), attempts, invokes, last },
      )
      stats.bisections += 1
      continue
    }
    if (settings.maximumRetryAttempts !== -1 && part.attempts >= settings.maximumRetryAttempts) {
      discard(part.records, part, 'RetryAttemptsExhausted', context)
      context.checkpoint(part.records.length)
      parts.shift()
      continue
    }
    part.attempts += 1
    stats.retries += 1
    if (settings.maximumRetryAttempts === -1 && part.attempts === ENDLESS_RETRIES_NOTICE) {
      context.log(
        `event source ${settings.label}: a batch of ${part.records.length} from sequence number ` +
          `${part.records[0]?.record.dynamodb.SequenceNumber} (shard ${context.shardId}) has failed ${part.attempts} times` +
          `${lastError(part)}; MaximumRetryAttempts -1 retries it until it expires, holding up the shard`,
      )
    }
    await pause(retryDelayMs(part.attempts), context.signal)
  }
}

async function invokeOnce(records: readonly DynamoDBStreamEventRecord[], context: DeliveryContext): Promise<Outcome> {
  const { settings, stats } = context
  let result: InvokeResult
  try {
    result = await context.invoke({ Records: records }, context.signal)
  } catch (error) {
    return { kind: 'not-invoked', error }
  }
  stats.invocations += 1
  const failed = (): Outcome => {
    stats.failedInvocations += 1
    return { kind: 'failure', result }
  }
  if (result.error !== undefined) return failed()
  // The fault draws only when on, so a run without it leaves the seeded sequence to the other faults.
  if (context.faults.fail > 0 && context.faults.random() < context.faults.fail) {
    stats.faultsInjected += 1
    context.log(
      `event source ${settings.label}: fault: invocation ${result.requestId} of ${settings.functionLogicalId} ` +
        `reported failed after it ran (${records.length} record${records.length === 1 ? '' : 's'} from ${records[0]?.dynamodb.SequenceNumber}, shard ${context.shardId})`,
    )
    return failed()
  }
  if (!settings.reportBatchItemFailures) return { kind: 'success', result }
  const partial = partialFailure(result.result, records)
  if (partial === undefined) return { kind: 'success', result }
  if (typeof partial === 'string') {
    context.log(
      `event source ${settings.label}: ${settings.functionLogicalId} answered an invalid partial batch response (${partial}): ` +
        'the whole batch counts failed, as Lambda counts it',
    )
    return failed()
  }
  return { kind: 'partial', result, from: partial }
}

/**
 * Reads a ReportBatchItemFailures response ("Configuring partial batch response with DynamoDB and Lambda"): no
 * response, no list or an empty one is a success (`undefined`); the index of the lowest failed record otherwise;
 * an empty, null or misnamed `itemIdentifier` makes the whole batch fail (a string saying why). An identifier that
 * is no sequence number of the batch, or a response that is no object, the docs do not cover: they fail the batch
 * too, the reading that loses nothing.
 *
 * @example
 * partialFailure({ batchItemFailures: [{ itemIdentifier: '200' }] }, records) // the index of record 200
 */
export function partialFailure(
  response: unknown,
  records: readonly DynamoDBStreamEventRecord[],
): number | string | undefined {
  if (response === null || response === undefined) return undefined
  if (!isRecord(response)) return `${JSON.stringify(response)} is not an object`
  const failures = response.batchItemFailures
  if (failures === null || failures === undefined) return undefined
  if (!Array.isArray(failures)) return `batchItemFailures ${JSON.stringify(failures)} is not a list`
  let lowest: number | undefined
  for (const [index, failure] of failures.entries()) {
    const id = isRecord(failure) ? failure.itemIdentifier : undefined
    if (typeof id !== 'string' || id === '') {
      return `batchItemFailures[${index}] has no itemIdentifier: ${JSON.stringify(failure)}`
    }
    const position = records.findIndex((record) => record.dynamodb.SequenceNumber === id)
    if (position === -1) return `batchItemFailures[${index}].itemIdentifier ${id} is no sequence number of the batch`
    lowest = lowest === undefined ? position : Math.min(lowest, position)
  }
  return lowest
}

function discard(records: readonly ReadRecord[], part: Part, condition: DiscardCondition, context: DeliveryContext) {
  const { settings, stats } = context
  stats.discarded += records.length
  const events = records.map((read) => read.record)
  const first = events[0]?.dynamodb.SequenceNumber
  const last = events[events.length - 1]?.dynamodb.SequenceNumber
  const what =
    `${events.length} record${events.length === 1 ? '' : 's'} of shard ${context.shardId} ` +
    `(sequence numbers ${first}${first === last ? '' : ` to ${last}`}; ${events.map(describeKeys).join(', ')})`
  const why = `${condition === 'RetryAttemptsExhausted' ? 'its retries were exhausted' : 'it passed MaximumRecordAgeInSeconds'}${lastError(part)}`
  if (settings.onFailureQueue === undefined || context.queues === undefined) {
    context.log(`event source ${settings.label}: lost ${what}: ${why} and the mapping has no on-failure destination`)
    return
  }
  const body = invocationRecord({
    records: events,
    condition,
    functionArn: settings.functionArn,
    shardId: context.shardId,
    streamArn: settings.streamArn,
    invokeCount: part.invokes,
    ...(part.last === undefined ? {} : { last: part.last }),
    now: context.now(),
  })
  try {
    context.queues.send(settings.onFailureQueue, { body: JSON.stringify(body) })
    stats.sentToOnFailure += 1
  } catch (error) {
    context.log(
      `event source ${settings.label}: lost ${what}: ${why} and its on-failure record could not be sent to ` +
        `${settings.onFailureQueue} (${(error as Error).message})`,
    )
  }
}

/** `(last error: Error: boom)` of the last failed invocation of a part, for loss lines. */
function lastError(part: Part): string {
  if (part.last?.failed !== true) return ''
  const error = part.last.result.error
  return error === undefined
    ? ' (the last invocation was reported failed by a fault or an invalid response)'
    : ` (last error: ${error.errorType}: ${error.errorMessage})`
}

/**
 * Waits, or ends early (without throwing) when the app stops.
 *
 * @example
 * await pause(retryDelayMs(attempt), signal)
 */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return
  await sleep(ms, undefined, { signal }).catch(() => {})
}
