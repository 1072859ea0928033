import { AwsServiceError } from '../json-protocol.js'
import { compileFilterPattern, FilterPatternError } from './filter-pattern.js'

/**
 * One event as the store keeps it (and as FilterLogEvents answers it).
 *
 * @example
 * const [first]: StoredLogEvent[] = store.filter({ group: '/aws/vendedlogs/states/Statement' }).events
 */
export interface StoredLogEvent {
  readonly logStreamName: string
  /** When it happened, epoch milliseconds (what the writer gave). */
  readonly timestamp: number
  readonly message: string
  /** When the store took it, epoch milliseconds. */
  readonly ingestionTime: number
  /** Unique in the store, digits as CloudWatch's are. */
  readonly eventId: string
  /** The order of ingestion, for a stable order among events of the same timestamp. */
  readonly sequence: number
}

/**
 * A log group of the store.
 *
 * @example
 * const group: LocalLogGroup = { name: 'Audit', arn: 'arn:aws:logs:us-east-1:000000000000:log-group:Audit:*', creationTime: Date.now(), retentionInDays: 1 }
 */
export interface LocalLogGroup {
  readonly name: string
  /** `arn:aws:logs:<region>:<account>:log-group:<name>:*`, as DescribeLogGroups' `arn`. */
  readonly arn: string
  readonly creationTime: number
  /** Events older than this many days are not returned (CloudWatch deletes them). */
  readonly retentionInDays?: number
}

/**
 * What {@link LocalLogStore.filter} takes: FilterLogEvents' parameters, checked.
 *
 * @example
 * const filter: LogFilter = { group: 'Audit', filterPattern: '{ $.type = "ExecutionFailed" }', limit: 100 }
 */
export interface LogFilter {
  readonly group: string
  readonly logStreamNames?: readonly string[]
  readonly logStreamNamePrefix?: string
  readonly startTime?: number
  readonly endTime?: number
  readonly filterPattern?: string
  readonly limit?: number
  readonly nextToken?: string
}

/**
 * A page of {@link LocalLogStore.filter}.
 *
 * @example
 * const { events, nextToken }: LogFilterPage = store.filter({ group: 'Audit' })
 */
export interface LogFilterPage {
  readonly events: StoredLogEvent[]
  readonly searchedLogStreams: { logStreamName: string; searchedCompletely: boolean }[]
  readonly nextToken?: string
}

/**
 * FilterLogEvents' default and largest `limit`.
 *
 * @example
 * store.filter({ group: 'Audit', limit: FILTER_LIMIT })
 */
export const FILTER_LIMIT = 10_000
/** FilterLogEvents answers at most 1 MB of events a page (the API reference), then a nextToken. */
const PAGE_BYTES = 1_048_576
const DAY_MS = 86_400_000

interface Stream {
  readonly name: string
  readonly creationTime: number
  readonly events: StoredLogEvent[]
}

interface Group extends LocalLogGroup {
  readonly streams: Map<string, Stream>
}

/**
 * The local CloudWatch Logs store: log groups, their streams and events, in memory for the life of the app. The
 * Step Functions service writes execution logs to it in process; the Logs endpoint reads it (FilterLogEvents,
 * GetLogEvents, DescribeLogGroups).
 *
 * @example
 * const store = new LocalLogStore(() => Date.now())
 * store.createGroup({ name: '/aws/vendedlogs/states/Statement', arn: 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/vendedlogs/states/Statement:*' })
 * store.put('/aws/vendedlogs/states/Statement', 'states/Statement/2026-12-01-12-00/1a2b3c4d', [{ timestamp: Date.now(), message: '{}' }])
 * store.filter({ group: '/aws/vendedlogs/states/Statement', filterPattern: '{ $.type = "ExecutionSucceeded" }' })
 */
export class LocalLogStore {
  readonly #groups = new Map<string, Group>()
  readonly #now: () => number
  #sequence = 0

  /** @param now the clock (ingestion times, retention) */
  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /** Adds a log group (a stack's `AWS::Logs::LogGroup`). */
  createGroup(group: Omit<LocalLogGroup, 'creationTime'> & { creationTime?: number }): void {
    this.#groups.set(group.name, {
      ...group,
      creationTime: group.creationTime ?? this.#now(),
      streams: new Map(),
    })
  }

  /** The groups, by name. */
  groups(): LocalLogGroup[] {
    return [...this.#groups.values()]
      .map(({ streams: _streams, ...group }) => group)
      .sort((a, b) => (a.name < b.name ? -1 : 1))
  }

  /** The name of the group a name or ARN (with or without the trailing `:*`) names, or `undefined`. */
  groupName(identifier: string): string | undefined {
    if (this.#groups.has(identifier)) return identifier
    const match = /^arn:[\w-]+:logs:[^:]*:[^:]*:log-group:(.+?)(:\*)?$/.exec(identifier)
    return match !== null && this.#groups.has(match[1] ?? '') ? match[1] : undefined
  }

  /** Whether a group of that name or ARN exists. */
  has(identifier: string): boolean {
    return this.groupName(identifier) !== undefined
  }

  /**
   * Appends events to a stream of a group (the stream is created on first use, as a vended log delivery does).
   *
   * @throws {AwsServiceError} ResourceNotFoundException: the group does not exist
   */
  put(identifier: string, streamName: string, events: readonly { timestamp: number; message: string }[]): void {
    const group = this.#group(identifier)
    let stream = group.streams.get(streamName)
    if (stream === undefined) {
      stream = { name: streamName, creationTime: this.#now(), events: [] }
      group.streams.set(streamName, stream)
    }
    const ingestionTime = this.#now()
    for (const event of events) {
      const sequence = this.#sequence++
      stream.events.push({
        logStreamName: streamName,
        timestamp: event.timestamp,
        message: event.message,
        ingestionTime,
        // CloudWatch's ids are 56 digits; these keep the shape, unique by the ingestion sequence.
        eventId: `${String(event.timestamp).padStart(16, '0')}${String(sequence).padStart(40, '0')}`,
        sequence,
      })
    }
  }

  /**
   * FilterLogEvents over one group: the events of its streams (or of the named ones), between `startTime` and
   * `endTime` inclusive, that match the pattern, in time order, a page at a time (`limit`, at most 1 MB).
   *
   * @throws {AwsServiceError} ResourceNotFoundException (no such group), InvalidParameterException (a bad pattern
   *   or token)
   */
  filter(filter: LogFilter): LogFilterPage {
    const group = this.#group(filter.group)
    let matches: (message: string) => boolean
    try {
      matches = compileFilterPattern(filter.filterPattern ?? '')
    } catch (error) {
      if (error instanceof FilterPatternError) {
        throw new AwsServiceError('InvalidParameterException', `Invalid filter pattern: ${error.message}`)
      }
      throw error
    }
    const after = filter.nextToken === undefined ? undefined : readToken(filter.nextToken)
    const oldest = this.#oldestKept(group)
    const streams = [...group.streams.values()].filter(
      (stream) =>
        (filter.logStreamNames === undefined || filter.logStreamNames.includes(stream.name)) &&
        (filter.logStreamNamePrefix === undefined || stream.name.startsWith(filter.logStreamNamePrefix)),
    )
    const candidates = streams
      .flatMap((stream) => stream.events)
      .filter(
        (event) =>
          event.timestamp >= Math.max(filter.startTime ?? 0, oldest) &&
          (filter.endTime === undefined || event.timestamp <= filter.endTime) &&
          (after === undefined || compareKey(event, after) > 0),
      )
      .sort((a, b) => compareKey(a, { timestamp: b.timestamp, sequence: b.sequence }))
    const limit = filter.limit ?? FILTER_LIMIT
    const events: StoredLogEvent[] = []
    let bytes = 0
    let last: StoredLogEvent | undefined
    let more = false
    for (const event of candidates) {
      if (events.length === limit || (events.length > 0 && bytes + Buffer.byteLength(event.message) > PAGE_BYTES)) {
        more = true
        break
      }
      last = event
      if (!matches(event.message)) continue
      events.push(event)
      bytes += Buffer.byteLength(event.message)
    }
    return {
      events,
      searchedLogStreams: streams.map((stream) => ({ logStreamName: stream.name, searchedCompletely: !more })),
      ...(more && last !== undefined ? { nextToken: writeToken(last) } : {}),
    }
  }

  /**
   * GetLogEvents over one stream: from the head (oldest first) or the tail, a page of `limit`, with the forward and
   * backward tokens CloudWatch gives (`f/...`, `b/...`; the same token again once there is nothing more).
   *
   * @throws {AwsServiceError} ResourceNotFoundException: no such group or stream
   */
  streamEvents(options: {
    readonly group: string
    readonly stream: string
    readonly startTime?: number
    readonly endTime?: number
    readonly limit?: number
    readonly nextToken?: string
    readonly startFromHead?: boolean
  }): { events: StoredLogEvent[]; nextForwardToken: string; nextBackwardToken: string } {
    const group = this.#group(options.group)
    const stream = group.streams.get(options.stream)
    if (stream === undefined)
      throw new AwsServiceError('ResourceNotFoundException', 'The specified log stream does not exist.')
    const oldest = this.#oldestKept(group)
    const all = stream.events
      .filter(
        (event) =>
          event.timestamp >= Math.max(options.startTime ?? 0, oldest) &&
          (options.endTime === undefined || event.timestamp < options.endTime),
      )
      .sort((a, b) => compareKey(a, b))
    const limit = options.limit ?? FILTER_LIMIT
    // A token is a position in the stream's ordered events: f/<n> reads forward from n, b/<n> backward before n.
    let direction: 'f' | 'b' = options.startFromHead === true ? 'f' : 'b'
    let position = direction === 'f' ? 0 : all.length
    if (options.nextToken !== undefined) {
      const match = /^([fb])\/(\d+)$/.exec(options.nextToken)
      if (match === null) throw new AwsServiceError('InvalidParameterException', 'The specified nextToken is invalid.')
      direction = match[1] as 'f' | 'b'
      position = Math.min(Number(match[2]), all.length)
    }
    const start = direction === 'f' ? position : Math.max(0, position - limit)
    const end = direction === 'f' ? Math.min(all.length, position + limit) : position
    return {
      events: all.slice(start, end),
      nextForwardToken: `f/${end}`,
      nextBackwardToken: `b/${start}`,
    }
  }

  #group(identifier: string): Group {
    const name = this.groupName(identifier)
    const group = name === undefined ? undefined : this.#groups.get(name)
    if (group === undefined)
      throw new AwsServiceError('ResourceNotFoundException', 'The specified log group does not exist.')
    return group
  }

  /** The oldest timestamp a group's retention keeps (0 when it keeps all). */
  #oldestKept(group: Group): number {
    return group.retentionInDays === undefined ? 0 : this.#now() - group.retentionInDays * DAY_MS
  }
}

interface Key {
  readonly timestamp: number
  readonly sequence: number
}

function compareKey(a: Key, b: Key): number {
  return a.timestamp - b.timestamp || a.sequence - b.sequence
}

function writeToken(last: Key): string {
  return Buffer.from(JSON.stringify([last.timestamp, last.sequence])).toString('base64url')
}

function readToken(token: string): Key {
  try {
    const [timestamp, sequence] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[]
    if (typeof timestamp === 'number' && typeof sequence === 'number') return { timestamp, sequence }
  } catch {
    // fall through: the same answer as a token of the wrong shape
  }
  throw new AwsServiceError('InvalidParameterException', 'The specified nextToken is invalid.')
}
