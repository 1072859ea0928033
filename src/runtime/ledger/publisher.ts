/**
 * Publishing the dispatch's events: PutEvents in calls of at most 10 entries, every entry's result checked (a call
 * answers 200 with per-entry failures, which a publisher that reads only the status loses), each entry's size
 * counted as EventBridge counts it.
 */
import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge'
import { describeError } from './log.js'
import { MAX_EVENT_ENTRY_BYTES } from './schema.js'

/** Entries per PutEvents call (the API's maximum). */
export const MAX_ENTRIES_PER_CALL = 10

/**
 * An entry's size as the EventBridge user guide's "Calculating PutEvents event entry size" counts it: the UTF-8 bytes
 * of `Source`, `DetailType`, `Detail` and each resource, plus 14 bytes for a `Time`.
 *
 * @example
 * entrySize({ Source: 'stakeout.ledger', DetailType: 'Credit', Detail: '{}' }) // 23
 */
export function entrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time === undefined ? 0 : 14
  size += Buffer.byteLength(entry.Source ?? '', 'utf8') + Buffer.byteLength(entry.DetailType ?? '', 'utf8')
  if (entry.Detail !== undefined) size += Buffer.byteLength(entry.Detail, 'utf8')
  for (const resource of entry.Resources ?? []) size += Buffer.byteLength(resource, 'utf8')
  return size
}

/**
 * Puts the entries, and answers for each, in order, `undefined` (published) or why it was not. The calls carry at
 * most 10 entries and, on the safe reading of the user guide's "the total entry size must be less than 256KB", at
 * most 256 KB together. A call that fails as a whole (an exception, not per-entry results) is retried one entry a
 * call, so one entry the service refuses cannot fail the nine beside it.
 */
export async function putEntries(
  client: EventBridgeClient,
  entries: readonly PutEventsRequestEntry[],
): Promise<Array<string | undefined>> {
  const results: Array<string | undefined> = new Array(entries.length).fill(undefined)
  const calls: number[][] = []
  let call: number[] = []
  let bytes = 0
  entries.forEach((entry, index) => {
    const size = entrySize(entry)
    if (call.length === MAX_ENTRIES_PER_CALL || (call.length > 0 && bytes + size > MAX_EVENT_ENTRY_BYTES)) {
      calls.push(call)
      call = []
      bytes = 0
    }
    call.push(index)
    bytes += size
  })
  if (call.length > 0) calls.push(call)

  async function send(indexes: readonly number[]): Promise<void> {
    try {
      const out = await client.send(new PutEventsCommand({ Entries: indexes.map((index) => entries[index]!) }))
      const answered = out.Entries ?? []
      if (answered.length !== indexes.length) {
        for (const index of indexes) {
          results[index] = `PutEvents answered ${answered.length} entries for the ${indexes.length} sent`
        }
        return
      }
      indexes.forEach((index, at) => {
        const result = answered[at]
        if (result?.ErrorCode !== undefined || result?.EventId === undefined) {
          results[index] =
            `PutEvents refused the entry: ${result?.ErrorCode ?? 'no EventId'}` +
            (result?.ErrorMessage === undefined ? '' : ` (${result.ErrorMessage})`)
        }
      })
    } catch (error) {
      if (indexes.length > 1) {
        await Promise.all(indexes.map((index) => send([index])))
        return
      }
      for (const index of indexes) results[index] = `PutEvents failed: ${describeError(error)}`
    }
  }

  await Promise.all(calls.map(send))
  return results
}
