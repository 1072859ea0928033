/**
 * One batch of the ledger's stream: each INSERT record's aggregate folded to the record's version, in version order
 * per aggregate, and published; the records that could not be are reported as batch item failures, and every record
 * of an aggregate after a failed one with them, so Lambda retries (from the lowest failed sequence number) and never
 * skips a version.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge'
import { unmarshall } from '@aws-sdk/util-dynamodb'
import { StakeoutError } from '../../errors.js'
import { AggregateFold, type FoldSettings, FoldStopped, toJson } from './fold.js'
import { describeError, logFailure, logNotice } from './log.js'
import { entrySize, putEntries } from './publisher.js'
import {
  AGGREGATE_ID_ATTRIBUTE,
  LEDGER_EVENT_SOURCE,
  type LedgerEvent,
  MAX_EVENT_ENTRY_BYTES,
  VERSION_ATTRIBUTE,
} from './schema.js'

/**
 * A DynamoDB stream record as Lambda delivers it (the parts the dispatch reads).
 *
 * @example
 * const record: LedgerStreamRecord = { eventName: 'INSERT', dynamodb: { SequenceNumber: '100', NewImage } }
 */
export interface LedgerStreamRecord {
  /** `INSERT`, `MODIFY` or `REMOVE`; the dispatch folds INSERTs only. */
  readonly eventName?: string
  readonly eventID?: string
  readonly dynamodb?: {
    /** The record's place in its shard: what a batch item failure names. */
    readonly SequenceNumber?: string
    readonly Keys?: Record<string, AttributeValue>
    readonly NewImage?: Record<string, AttributeValue>
  }
}

/**
 * The event Lambda invokes the dispatch with: a batch of the ledger's stream records.
 *
 * @example
 * const event: LedgerStreamEvent = { Records: [{ eventName: 'INSERT', dynamodb: { SequenceNumber: '100', NewImage } }] }
 */
export interface LedgerStreamEvent {
  readonly Records: readonly LedgerStreamRecord[]
}

/**
 * Lambda's partial batch response for streams: the records to retry, by sequence number (Lambda resumes from the
 * lowest).
 *
 * @example
 * const response: StreamBatchResponse = { batchItemFailures: [{ itemIdentifier: '100' }] }
 */
export interface StreamBatchResponse {
  readonly batchItemFailures: Array<{ readonly itemIdentifier: string }>
}

/** What became of one record of the batch (the dispatch's own account, for tests and the bench). */
export interface RecordReport {
  readonly sequenceNumber: string
  readonly aggregateId?: string
  readonly version?: number
  readonly outcome: 'published' | 'failed' | 'skipped'
  /** Why it failed or was skipped. */
  readonly reason?: string
  /** Ledger and snapshot items read to fold it (the first record of an aggregate also pays for its snapshot). */
  readonly itemsRead: number
}

/** The batch response and the account of each record, in the batch's order. */
export interface BatchReport extends StreamBatchResponse {
  readonly records: readonly RecordReport[]
}

interface Placed {
  readonly index: number
  readonly sequenceNumber: string
  readonly aggregateId: string
  readonly version: number
}

interface Publication {
  readonly aggregateId: string
  readonly version: number
  readonly entry: PutEventsRequestEntry
}

/** Folds and publishes one stream batch; see the module's comment. */
export async function dispatchBatch<Aggregate>(
  event: LedgerStreamEvent,
  settings: FoldSettings<Aggregate>,
  eventBridge: EventBridgeClient,
  eventBusName: string,
): Promise<BatchReport> {
  const records = event.Records
  const reports: Array<RecordReport | undefined> = new Array(records.length).fill(undefined)
  const byAggregate = new Map<string, Placed[]>()

  records.forEach((record, index) => {
    const sequenceNumber = record?.dynamodb?.SequenceNumber
    if (typeof sequenceNumber !== 'string' || sequenceNumber === '') {
      throw new StakeoutError(
        `dispatchAggregate: Records[${index}] has no dynamodb.SequenceNumber: the event is not a batch of DynamoDB ` +
          'stream records',
      )
    }
    if (record.eventName !== 'INSERT') {
      const reason = `a ${String(record.eventName)} record, not an appended event (the ledger's mapping filters INSERTs)`
      reports[index] = { sequenceNumber, outcome: 'skipped', reason, itemsRead: 0 }
      logNotice(`dispatchAggregate: skipped record ${sequenceNumber}: ${reason}`)
      return
    }
    const key = keyOf(record)
    if (typeof key === 'string') {
      reports[index] = { sequenceNumber, outcome: 'failed', reason: key, itemsRead: 0 }
      return
    }
    const placed = { index, sequenceNumber, ...key }
    const group = byAggregate.get(key.aggregateId)
    if (group === undefined) byAggregate.set(key.aggregateId, [placed])
    else group.push(placed)
  })

  const publications: Publication[] = []
  // Per aggregate, the lowest version that failed and why.
  const stops = new Map<string, FoldStopped>()
  const itemsRead = new Map<number, number>()

  await Promise.all(
    [...byAggregate].map(async ([aggregateId, group]) => {
      group.sort((a, b) => a.version - b.version)
      const versions = [...new Set(group.map((record) => record.version))]
      const fold = new AggregateFold(settings, aggregateId)
      const wanted = new Set(versions)
      let charged = 0
      const charge = (version: number) => {
        for (const record of group)
          if (record.version === version) itemsRead.set(record.index, fold.count.items - charged)
        charged = fold.count.items
      }
      try {
        for (const run of runs(versions, settings.snapshotEvery)) {
          const first = run[0]!
          const last = run[run.length - 1]!
          if (
            fold.state === undefined ||
            (settings.snapshotEvery !== undefined && first - fold.state.version > settings.snapshotEvery)
          ) {
            // Below the record's version: the fold must read the record's own event, its lastEvent.
            await fold.start(first - 1)
          }
          await fold.foldTo(last, (ledgerEvent, aggregate) => {
            if (!wanted.has(ledgerEvent.version)) return
            publications.push({
              aggregateId,
              version: ledgerEvent.version,
              entry: entryFor(ledgerEvent, aggregate, eventBusName),
            })
            charge(ledgerEvent.version)
          })
        }
      } catch (error) {
        const stop =
          error instanceof FoldStopped ? error : new FoldStopped((fold.state?.version ?? 0) + 1, describeError(error))
        stops.set(aggregateId, stop)
        // The reads that led nowhere are the failed record's cost.
        const failed = versions.find((version) => version >= stop.version)
        if (failed !== undefined) charge(failed)
      } finally {
        await fold.saveSnapshot()
      }
    }),
  )

  const results = await putEntries(
    eventBridge,
    publications.map((publication) => publication.entry),
  )
  publications.forEach((publication, at) => {
    const reason = results[at]
    if (reason === undefined) return
    const known = stops.get(publication.aggregateId)
    if (known === undefined || publication.version < known.version) {
      stops.set(publication.aggregateId, new FoldStopped(publication.version, reason))
    }
  })

  const failures: Array<{ itemIdentifier: string }> = []
  for (const [aggregateId, group] of byAggregate) {
    const stop = stops.get(aggregateId)
    const firstFailed = stop === undefined ? undefined : group.find((record) => record.version >= stop.version)?.version
    for (const record of group) {
      const base = {
        sequenceNumber: record.sequenceNumber,
        aggregateId,
        version: record.version,
        itemsRead: itemsRead.get(record.index) ?? 0,
      }
      if (stop === undefined || firstFailed === undefined || record.version < firstFailed) {
        reports[record.index] = { ...base, outcome: 'published' }
        continue
      }
      const reason =
        record.version === firstFailed
          ? stop.reason
          : `version ${firstFailed} of the aggregate failed before it in this batch, and versions are dispatched in order`
      reports[record.index] = { ...base, outcome: 'failed', reason }
    }
  }

  // Every record was placed in a group, skipped or refused above: none can be left without an account.
  const done = reports.map((report, index) => {
    if (report === undefined)
      throw new StakeoutError(`dispatchAggregate: Records[${index}] was left unaccounted (a bug)`)
    return report
  })
  for (const report of done) {
    if (report.outcome !== 'failed') continue
    failures.push({ itemIdentifier: report.sequenceNumber })
    const what =
      report.aggregateId === undefined
        ? `record ${report.sequenceNumber}`
        : `${report.aggregateId} version ${report.version} (record ${report.sequenceNumber})`
    logFailure(
      `dispatchAggregate: ${what} failed: ${report.reason}; reported as a batch item failure, so Lambda retries it`,
    )
  }
  return { batchItemFailures: failures, records: done }
}

/**
 * The versions split where reading on from the previous one would cost more than a snapshot could save: within a run
 * one Query reads them all; a new run looks for a newer snapshot first. Without snapshots, one run.
 */
function runs(versions: readonly number[], snapshotEvery: number | undefined): number[][] {
  const out: number[][] = []
  for (const version of versions) {
    const run = out[out.length - 1]
    const previous = run?.[run.length - 1]
    if (
      run !== undefined &&
      previous !== undefined &&
      (snapshotEvery === undefined || version - previous <= snapshotEvery)
    ) {
      run.push(version)
    } else out.push([version])
  }
  return out
}

/** The record's aggregate id and version, or why it has none. */
function keyOf(record: LedgerStreamRecord): { aggregateId: string; version: number } | string {
  const image = record.dynamodb?.NewImage ?? record.dynamodb?.Keys
  if (image === undefined) return 'the record has neither NewImage nor Keys: the stream must carry new images'
  let item: Record<string, unknown>
  try {
    item = unmarshall(image as Record<string, AttributeValue>)
  } catch (error) {
    return `the record's image is not DynamoDB JSON: ${describeError(error)}`
  }
  const aggregateId = item[AGGREGATE_ID_ATTRIBUTE]
  const version = item[VERSION_ATTRIBUTE]
  if (typeof aggregateId !== 'string' || aggregateId === '') {
    return `not a ledger event: ${AGGREGATE_ID_ATTRIBUTE} must be a non-empty string, received ${JSON.stringify(aggregateId)}`
  }
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return `not a ledger event of ${aggregateId}: ${VERSION_ATTRIBUTE} must be a whole number from 1, received ${JSON.stringify(version)}`
  }
  return { aggregateId, version }
}

/**
 * The PutEvents entry of the aggregate as of `event`; one over EventBridge's 256 KB stops the fold there, with the
 * aggregate, the version and the size in the reason.
 */
export function entryFor(
  event: LedgerEvent,
  aggregate: unknown,
  eventBusName: string,
  detailType = event.type,
): PutEventsRequestEntry {
  const aggregateJson = toJson(aggregate, event.aggregateId, event.version)
  const detail = `{"aggregateId":${JSON.stringify(event.aggregateId)},"version":${event.version},"aggregate":${aggregateJson},"lastEvent":${JSON.stringify(event)}}`
  const entry: PutEventsRequestEntry = {
    Source: LEDGER_EVENT_SOURCE,
    DetailType: detailType,
    Detail: detail,
    EventBusName: eventBusName,
  }
  const size = entrySize(entry)
  if (size > MAX_EVENT_ENTRY_BYTES) {
    throw new FoldStopped(
      event.version,
      `the event of ${event.aggregateId} at version ${event.version} is ${size.toLocaleString('en-US')} bytes, over ` +
        `EventBridge's entry limit of ${MAX_EVENT_ENTRY_BYTES.toLocaleString('en-US')} bytes (256 KB): make the ` +
        'aggregate smaller (keep large data elsewhere and carry a reference)',
    )
  }
  return entry
}
