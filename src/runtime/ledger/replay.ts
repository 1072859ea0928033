/**
 * A replay: each named aggregate folded to its current version and published with the replay detail-type, which
 * every projector's rule matches. The reducer folds the ledger's events only; the replay is no event of the ledger.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge'
import { ArgumentError, StakeoutError } from '../../errors.js'
import { AggregateFold, type FoldSettings } from './fold.js'
import { readEvent } from './ledger-io.js'
import { describeError } from './log.js'
import { putEntries } from './publisher.js'
import { REPLAY_DETAIL_TYPE, REPLAY_REQUEST_KEY, type ReplayResult } from './schema.js'
import { entryFor } from './stream-batch.js'

/**
 * The event that asks the dispatch for a replay (invoke it synchronously; it answers a {@link ReplayResult}).
 *
 * @example
 * const request: ReplayRequest = { stakeoutReplay: { aggregateIds: ['account-1', 'account-2'] } }
 */
export interface ReplayRequest {
  readonly [REPLAY_REQUEST_KEY]: { readonly aggregateIds: readonly string[] }
}

/** Whether the event is a replay request (it has the {@link REPLAY_REQUEST_KEY} key). */
export function isReplayRequest(event: unknown): event is ReplayRequest {
  return typeof event === 'object' && event !== null && REPLAY_REQUEST_KEY in event
}

/** The request's aggregate ids, each once, in order; a malformed request is refused naming what is wrong. */
export function replayIds(request: ReplayRequest): string[] {
  const body: unknown = request[REPLAY_REQUEST_KEY]
  const ids = typeof body === 'object' && body !== null ? (body as { aggregateIds?: unknown }).aggregateIds : undefined
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string' && id !== '')) {
    throw new ArgumentError(
      'dispatchAggregate (replay request)',
      `${REPLAY_REQUEST_KEY}.aggregateIds`,
      'a non-empty array of aggregate ids (non-empty strings)',
      ids,
    )
  }
  return [...new Set(ids as string[])]
}

/** Replays the aggregates; throws naming each that could not be published, after publishing the others. */
export async function replay<Aggregate>(
  request: ReplayRequest,
  settings: FoldSettings<Aggregate>,
  eventBridge: EventBridgeClient,
  eventBusName: string,
): Promise<ReplayResult> {
  const ids = replayIds(request)
  const folded = await Promise.all(
    ids.map(async (aggregateId) => {
      const fold = new AggregateFold(settings, aggregateId)
      try {
        await fold.start(undefined)
        await fold.foldTo(undefined, () => {})
        let lastEvent = fold.lastEvent
        const version = fold.state?.version ?? 0
        // Started from a snapshot with nothing after it: the event at that version is the last one.
        if (lastEvent === undefined && version > 0) {
          lastEvent = await readEvent(settings.dynamodb, settings.ledgerTable, aggregateId, version, fold.count)
        }
        if (lastEvent === undefined) return { aggregateId, missing: true as const }
        const entry = entryFor(lastEvent, fold.state!.aggregate, eventBusName, REPLAY_DETAIL_TYPE)
        return { aggregateId, version, entry }
      } catch (error) {
        return { aggregateId, failed: describeError(error) }
      } finally {
        await fold.saveSnapshot()
      }
    }),
  )
  const toPublish = folded.flatMap((one) => ('entry' in one && one.entry !== undefined ? [one] : []))
  const results = await putEntries(
    eventBridge,
    toPublish.map((one) => one.entry),
  )
  const failed = [
    ...folded.flatMap((one) => ('failed' in one ? [`${one.aggregateId}: ${one.failed}`] : [])),
    ...toPublish.flatMap((one, at) => (results[at] === undefined ? [] : [`${one.aggregateId}: ${results[at]}`])),
  ]
  const replayed = toPublish
    .filter((_, at) => results[at] === undefined)
    .map((one) => ({ aggregateId: one.aggregateId, version: one.version }))
  const missing = folded.flatMap((one) => ('missing' in one ? [one.aggregateId] : []))
  if (failed.length > 0) {
    throw new StakeoutError(
      `dispatchAggregate: the replay failed for ${failed.join('; ')}. Replayed: ` +
        `${replayed.map((one) => `${one.aggregateId} (version ${one.version})`).join(', ') || 'none'}; ` +
        `not in the ledger: ${missing.join(', ') || 'none'}`,
    )
  }
  return { replayed, missing }
}
