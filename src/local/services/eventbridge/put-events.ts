import { randomUUID } from 'node:crypto'
import { AwsServiceError } from '../json-protocol.js'

/**
 * PutEvents' limit on a request, all entries together, counted as the EventBridge user guide's "Calculating PutEvents
 * event entry size" says. AWS raised it from 256 KB to 1 MB on 29 January 2026 (AWS Compute Blog, "serverless
 * services now support payloads up to 1 MB"); an entry total of exactly 1,048,576 bytes is accepted and one byte more
 * refused, as measured against AWS.
 */
export const PUT_EVENTS_MAX_BYTES = 1_048_576

/** PutEvents takes 1 to 10 entries (API reference). */
export const PUT_EVENTS_MAX_ENTRIES = 10

/** The event EventBridge delivers: the envelope of the user guide's "Amazon EventBridge events". */
export interface EventEnvelope {
  readonly version: '0'
  readonly id: string
  readonly 'detail-type': string
  readonly source: string
  readonly account: string
  readonly time: string
  readonly region: string
  readonly resources: readonly string[]
  readonly detail: Record<string, unknown>
}

/** One entry's outcome: the event to route (with the bus it goes to), or its error as PutEvents reports it. */
export type EntryOutcome =
  | { readonly event: EventEnvelope; readonly bus: string }
  | { readonly errorCode: string; readonly errorMessage: string }

/**
 * The size of one `PutEventsRequestEntry` as the user guide computes it: 14 bytes for a `Time`, the UTF-8 bytes of
 * `Source`, `DetailType`, `Detail` and of each of `Resources`.
 *
 * @example
 * entrySize({ Source: 'shop', DetailType: 'OrderPlaced', Detail: '{}' })   // 4 + 11 + 2 = 17
 */
export function entrySize(entry: Readonly<Record<string, unknown>>): number {
  const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0)
  let size = entry.Time === undefined || entry.Time === null ? 0 : 14
  size += bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail)
  if (Array.isArray(entry.Resources)) for (const resource of entry.Resources) size += bytes(resource)
  return size
}

/**
 * The whole-request checks of PutEvents, in the words AWS answers them with (`ValidationException`, 400): 1 to 10
 * entries, each an object, their total size at most {@link PUT_EVENTS_MAX_BYTES}, no `EndpointId` (global endpoints
 * are not local).
 *
 * @throws {AwsServiceError} the request as a whole is refused
 * @example
 * const entries = checkPutEventsRequest(input) // then eventOf(entry, ...) for each
 */
export function checkPutEventsRequest(input: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>>[] {
  const entries = input.Entries
  if (entries === undefined || entries === null) {
    throw validation(
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    )
  }
  if (!Array.isArray(entries)) throw new AwsServiceError('SerializationException', 'Entries must be a list.')
  if (entries.length < 1 || entries.length > PUT_EVENTS_MAX_ENTRIES) {
    throw validation(
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${
        entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${PUT_EVENTS_MAX_ENTRIES}`
      }`,
    )
  }
  if (entries.some((entry) => entry === null || typeof entry !== 'object' || Array.isArray(entry))) {
    throw new AwsServiceError('SerializationException', 'Each of Entries must be a PutEventsRequestEntry object.')
  }
  if (input.EndpointId !== undefined) {
    throw validation(
      `EndpointId ${JSON.stringify(input.EndpointId)}: the local bus has no global endpoints; leave EndpointId unset to put events on a bus`,
    )
  }
  const total = (entries as Record<string, unknown>[]).reduce((sum, entry) => sum + entrySize(entry), 0)
  if (total > PUT_EVENTS_MAX_BYTES) throw validation('Total size of the entries in the request is over the limit.')
  return entries as Record<string, unknown>[]
}

/**
 * One entry's checks and its event, as PutEvents reports them per entry (AWS answers these with 200 and
 * `FailedEntryCount`, in its own words: recorded against AWS by LocalStack's validated snapshots):
 * a missing `Source`, `DetailType` or `Detail` is `InvalidArgument` ("Parameter Source is not valid. Reason: Source
 * is a required argument."), a `Detail` that is not a JSON object is `MalformedDetail` ("Detail is malformed."), a
 * `Source` starting with `aws.` is `NotAuthorizedForSourceException`. A bus that does not exist is a per-entry
 * `ResourceNotFoundException` here, where AWS accepts the event and drops it (aws/aws-sdk#186, still so in 2025):
 * locally the loss shows instead of passing silently.
 *
 * @param busOf the bus an `EventBusName` (a name or an ARN, or none for the default bus) names, or `undefined`
 * @example
 * eventOf({ Source: 'shop', DetailType: 'OrderPlaced' }, where, busOf)
 * // { errorCode: 'InvalidArgument', errorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.' }
 */
export function eventOf(
  entry: Readonly<Record<string, unknown>>,
  where: { readonly region: string; readonly account: string },
  busOf: (eventBusName: string | undefined) => string | undefined,
): EntryOutcome {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    const value = entry[field]
    if (typeof value !== 'string' || value === '') {
      return {
        errorCode: 'InvalidArgument',
        errorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      }
    }
  }
  const source = entry.Source as string
  if (source.startsWith('aws.')) {
    return { errorCode: 'NotAuthorizedForSourceException', errorMessage: 'Not authorized for the source.' }
  }
  let detail: unknown
  try {
    detail = JSON.parse(entry.Detail as string)
  } catch {
    detail = undefined
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
    return { errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' }
  }
  const resources = entry.Resources ?? []
  if (!Array.isArray(resources) || resources.some((resource) => typeof resource !== 'string')) {
    return {
      errorCode: 'InvalidArgument',
      errorMessage: 'Parameter Resources is not valid. Reason: Resources must be a list of strings.',
    }
  }
  const busName = entry.EventBusName
  if (busName !== undefined && typeof busName !== 'string') {
    return {
      errorCode: 'InvalidArgument',
      errorMessage: 'Parameter EventBusName is not valid. Reason: EventBusName must be a string.',
    }
  }
  const bus = busOf(busName === '' ? undefined : busName)
  if (bus === undefined) {
    return {
      errorCode: 'ResourceNotFoundException',
      errorMessage:
        `Event bus ${busName} does not exist. (AWS accepts an event for a bus that does not exist and drops it; ` +
        'the local bus fails the entry so the loss shows.)',
    }
  }
  const time = timeOf(entry.Time)
  if (time === undefined) {
    return {
      errorCode: 'InvalidArgument',
      errorMessage: 'Parameter Time is not valid. Reason: Time must be a timestamp.',
    }
  }
  return {
    bus,
    event: {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType as string,
      source,
      account: where.account,
      time,
      region: where.region,
      resources: resources as string[],
      detail: detail as Record<string, unknown>,
    },
  }
}

/** An event's `time`: the entry's `Time` (epoch seconds on the wire) or now, to the second as EventBridge writes it. */
function timeOf(value: unknown): string | undefined {
  const date =
    value === undefined || value === null
      ? new Date()
      : typeof value === 'number'
        ? new Date(value * 1000)
        : typeof value === 'string'
          ? new Date(/^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : value)
          : new Date(Number.NaN)
  if (Number.isNaN(date.getTime())) return undefined
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function validation(message: string): AwsServiceError {
  return new AwsServiceError('ValidationException', message)
}
