import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams'
import type { LocalQueues } from '../../app/services.js'
import type { InvokeResult } from '../../invoke-handler.js'
import { matchesAnyFilter } from '../eventbridge/pattern.js'
import {
  type DeliveryContext,
  deliverBatch,
  type EventSourceStats,
  emptyStats,
  pause,
  type ReadRecord,
} from './batch-delivery.js'
import type { StreamMappingSettings } from './mapping.js'
import { type DynamoDBStreamEventRecord, eventBytes, INVOKE_PAYLOAD_LIMIT_BYTES, toEventRecord } from './records.js'

/**
 * How quickly a shard is polled: again at once while GetRecords returns records, then after 10 ms growing by half
 * up to 100 ms while it returns none. Lambda polls at 4 a second; locally the goal is an append reaching its
 * function in well under 150 ms, and an empty GetRecords on DynamoDB Local costs about 3 ms.
 *
 * @example
 * const idleDelay = Math.min(delay * POLL_DELAYS_MS.growth, POLL_DELAYS_MS.max)
 */
export const POLL_DELAYS_MS = { first: 10, growth: 1.5, max: 100 } as const
/** How often the stream's shards are listed, to find the children of a closed shard. */
const DESCRIBE_EVERY_MS = 1000
/** GetRecords' own maximum. */
const READ_LIMIT = 1000

/**
 * What a {@link StreamPoller} needs.
 *
 * @example
 * new StreamPoller({ settings, region: 'eu-west-1', client, invoke, queues, log: console.warn, faults: { fail: 0, random: Math.random } })
 */
export interface StreamPollerOptions {
  readonly settings: StreamMappingSettings
  /** The stack's region: each record's `awsRegion`. */
  readonly region: string
  readonly client: DynamoDBStreamsClient
  readonly invoke: (event: unknown, signal: AbortSignal) => Promise<InvokeResult>
  readonly queues: LocalQueues | undefined
  readonly log: (line: string) => void
  readonly faults: { readonly fail: number; readonly random: () => number }
  /** The clock record ages are measured by (a test moves it). */
  readonly now?: () => number
}

/**
 * Polls one mapping's DynamoDB stream and delivers its records to the function: every shard in parallel, one batch
 * in flight per shard, a child shard only once its parent is read to its end (so records of one key stay in order
 * across a split), from StartingPosition. Filtered-out records are dropped and counted.
 *
 * @example
 * const poller = new StreamPoller({ settings, region, client, invoke, queues, log, faults })
 * await poller.start() // LATEST iterators are taken here: what is written after start() is delivered
 * await poller.stop()
 */
export class StreamPoller {
  readonly stats: EventSourceStats = emptyStats()
  readonly #options: StreamPollerOptions
  readonly #abort = new AbortController()
  readonly #now: () => number
  /** Shards by id: `done` once read to their end (or given up), the consumer's loop while running. */
  readonly #shards = new Map<string, ShardEntry>()
  #describing: Promise<void> | undefined
  #started = false

  constructor(options: StreamPollerOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  /** Lists the shards and takes the first iterators; polling goes on in the background until {@link stop}. */
  async start(): Promise<void> {
    if (this.#started) return
    this.#started = true
    const shards = await this.#describe()
    const latest = this.#options.settings.startingPosition === 'LATEST'
    for (const shard of shards) {
      const id = shard.ShardId ?? ''
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined
      const state: ShardState = { pending: [], inFlight: undefined }
      // LATEST: the open shards from now on; closed ones hold only the past.
      if (latest && closed) {
        this.#shards.set(id, { shard, done: true, state })
        continue
      }
      const entry: ShardEntry = { shard, done: false, state }
      const iterator = latest ? await this.#iterator(id, 'LATEST') : undefined
      if (iterator !== undefined) entry.iterator = iterator
      this.#shards.set(id, entry)
    }
    this.#launchReady()
    void this.#watch()
  }

  /** Ends polling; resolves once no batch is with the function. Says what was read and not delivered. */
  async stop(): Promise<void> {
    if (this.#abort.signal.aborted) return
    const withFunction = new Map([...this.#shards].map(([id, { state }]) => [id, state.inFlight]))
    this.#abort.abort()
    await Promise.all([...this.#shards.values()].map((entry) => entry.running))
    const unfinished = [...this.#shards.entries()].flatMap(([id, { state }]) => {
      if (state.pending.length === 0) return []
      const inFlight = withFunction.get(id)
      const still = inFlight !== undefined && inFlight[0] === state.pending[0]?.record
      const sequence = (read: ReadRecord | undefined) => read?.record.dynamodb.SequenceNumber
      return [
        `shard ${id}: ${state.pending.length} read and not delivered (sequence numbers ${sequence(state.pending[0])} to ` +
          `${sequence(state.pending[state.pending.length - 1])})${still ? `, a batch of ${inFlight.length} of them with the function when it stopped` : ''}`,
      ]
    })
    if (unfinished.length > 0) {
      this.#options.log(
        `event source ${this.#options.settings.label}: stopped with records undelivered (${unfinished.join('; ')})`,
      )
    }
  }

  /** Starts a consumer for each shard whose parent is done (or gone from the stream). */
  #launchReady(): void {
    for (const [id, entry] of this.#shards) {
      if (entry.done || entry.running !== undefined || this.#abort.signal.aborted) continue
      const parent = entry.shard.ParentShardId
      if (parent !== undefined && this.#shards.has(parent) && !this.#shards.get(parent)?.done) continue
      entry.running = this.#consume(id, entry).finally(() => {
        entry.done = true
        this.#refresh()
      })
    }
  }

  /** Lists the shards again (children of a closed shard) and launches those that may start. */
  #refresh(): void {
    if (this.#abort.signal.aborted) return
    this.#describing ??= this.#describe()
      .then((shards) => {
        for (const shard of shards) {
          const id = shard.ShardId ?? ''
          if (!this.#shards.has(id)) this.#shards.set(id, { shard, done: false, state: { pending: [] } })
        }
        this.#launchReady()
      })
      .catch((error: unknown) => {
        if (!this.#abort.signal.aborted) {
          this.#options.log(
            `event source ${this.#options.settings.label}: DescribeStream failed (${(error as Error).message})`,
          )
        }
      })
      .finally(() => {
        this.#describing = undefined
      })
  }

  async #watch(): Promise<void> {
    while (!this.#abort.signal.aborted) {
      await pause(DESCRIBE_EVERY_MS, this.#abort.signal)
      this.#refresh()
    }
  }

  async #describe(): Promise<Shard[]> {
    const shards: Shard[] = []
    let exclusiveStartShardId: string | undefined
    do {
      const out = await this.#options.client.send(
        new DescribeStreamCommand({
          StreamArn: this.#options.settings.streamArn,
          ...(exclusiveStartShardId === undefined ? {} : { ExclusiveStartShardId: exclusiveStartShardId }),
        }),
        { abortSignal: this.#abort.signal },
      )
      shards.push(...(out.StreamDescription?.Shards ?? []))
      exclusiveStartShardId = out.StreamDescription?.LastEvaluatedShardId
    } while (exclusiveStartShardId !== undefined)
    return shards
  }

  async #iterator(shardId: string, type: ShardIteratorType, sequenceNumber?: string): Promise<string | undefined> {
    const out = await this.#options.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.#options.settings.streamArn,
        ShardId: shardId,
        ShardIteratorType: type,
        ...(sequenceNumber === undefined ? {} : { SequenceNumber: sequenceNumber }),
      }),
      { abortSignal: this.#abort.signal },
    )
    return out.ShardIterator
  }

  /** One shard: read, filter, batch, deliver, until it is closed and drained or the app stops. */
  async #consume(shardId: string, entry: ShardEntry): Promise<void> {
    const { settings, log } = this.#options
    const signal = this.#abort.signal
    const { state } = entry
    let iterator: string | undefined
    let lastRead: string | undefined
    let delay = 0
    let readErrors = 0
    const context: DeliveryContext = {
      settings,
      shardId,
      stats: this.stats,
      invoke: this.#options.invoke,
      queues: this.#options.queues,
      log,
      faults: this.#options.faults,
      now: this.#now,
      signal,
      onInFlight: (records) => {
        state.inFlight = records
      },
      checkpoint: (count) => {
        state.pending.splice(0, count)
      },
    }
    try {
      iterator = entry.iterator ?? (await this.#iterator(shardId, 'TRIM_HORIZON'))
    } catch (error) {
      if (!signal.aborted)
        log(`event source ${settings.label}: shard ${shardId} not read (${(error as Error).message})`)
      return
    }
    let open = iterator !== undefined
    while (!signal.aborted) {
      if (open && state.pending.length < settings.batchSize) {
        try {
          const out = await this.#options.client.send(
            new GetRecordsCommand({ ShardIterator: iterator, Limit: READ_LIMIT }),
            { abortSignal: signal },
          )
          readErrors = 0
          iterator = out.NextShardIterator
          open = iterator !== undefined
          const readAt = this.#now()
          for (const raw of out.Records ?? []) {
            const record = toEventRecord(raw, this.#options.region, settings.streamArn)
            lastRead = record.dynamodb.SequenceNumber
            this.stats.records += 1
            if (!matchesAnyFilter(settings.filters, record)) {
              this.stats.filtered += 1
              continue
            }
            state.pending.push({ record, readAt })
          }
          delay =
            (out.Records?.length ?? 0) > 0
              ? 0
              : Math.min(delay === 0 ? POLL_DELAYS_MS.first : delay * POLL_DELAYS_MS.growth, POLL_DELAYS_MS.max)
        } catch (error) {
          if (signal.aborted) return
          const recovered = await this.#recover(shardId, error, lastRead).catch(() => undefined)
          if (recovered !== undefined) {
            iterator = recovered
            continue
          }
          if (readErrors++ === 0)
            log(
              `event source ${settings.label}: GetRecords on shard ${shardId} failed (${(error as Error).message}); retrying`,
            )
          await pause(Math.min(100 * readErrors, 1000), signal)
          continue
        }
      }
      if (state.pending.length === 0) {
        if (!open) return
        await pause(delay, signal)
        continue
      }
      const first = state.pending[0] as ReadRecord
      const windowLeft = settings.batchingWindowMs - (this.#now() - first.readAt)
      if (open && state.pending.length < settings.batchSize && windowLeft > 0) {
        await pause(Math.min(windowLeft, Math.max(delay, POLL_DELAYS_MS.first)), signal)
        continue
      }
      await deliverBatch(takeBatch(state.pending, settings.batchSize), context)
    }
  }

  /** A new iterator after an expired or trimmed one; `undefined` for any other error. */
  async #recover(shardId: string, error: unknown, lastRead: string | undefined): Promise<string | undefined> {
    const name = (error as Error).name
    if (name === 'ExpiredIteratorException') {
      return lastRead === undefined
        ? this.#iterator(shardId, 'TRIM_HORIZON')
        : this.#iterator(shardId, 'AFTER_SEQUENCE_NUMBER', lastRead)
    }
    if (name === 'TrimmedDataAccessException') {
      this.#options.log(
        `event source ${this.#options.settings.label}: shard ${shardId} was trimmed past the records not yet read; reading on from the oldest left`,
      )
      return this.#iterator(shardId, 'TRIM_HORIZON')
    }
    return undefined
  }
}

interface ShardState {
  /** Read, filtered in, not yet checkpointed: the head is the batch in flight. */
  pending: ReadRecord[]
  inFlight?: readonly DynamoDBStreamEventRecord[] | undefined
}

interface ShardEntry {
  shard: Shard
  /** Read to its end (or given up): its children may start. */
  done: boolean
  state: ShardState
  /** The first iterator, when taken at start (LATEST). */
  iterator?: string
  running?: Promise<void>
}

/** The next batch: up to BatchSize records, cut before the event would pass Lambda's 6 MB payload. */
function takeBatch(pending: readonly ReadRecord[], batchSize: number): ReadRecord[] {
  const batch: ReadRecord[] = []
  let bytes = 16
  for (const read of pending) {
    if (batch.length >= batchSize) break
    bytes += eventBytes(read.record)
    if (batch.length > 0 && bytes > INVOKE_PAYLOAD_LIMIT_BYTES) break
    batch.push(read)
  }
  return batch
}
