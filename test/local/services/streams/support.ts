import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams'
import type { InvokeResult } from '../../../../src/local/invoke-handler.js'
import type { StreamMappingSettings } from '../../../../src/local/services/streams/mapping.js'
import type { DynamoDBStreamEvent } from '../../../../src/local/services/streams/records.js'
import { StreamPoller, type StreamPollerOptions } from '../../../../src/local/services/streams/stream-poller.js'
import { dynamodbEndpoint, LOCAL_AWS_ENV, localDynamoDB } from '../../../support/dynamodb.js'
import { type TestQueues, testQueues } from '../../../support/queues.js'

/** A fresh table keyed by `id` with a NEW_AND_OLD_IMAGES stream; its name and stream ARN. */
export async function createStreamTable(client: DynamoDBClient): Promise<{ table: string; streamArn: string }> {
  const table = `streams-${randomUUID()}`
  const created = await client.send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  )
  const streamArn = created.TableDescription?.LatestStreamArn
  if (streamArn === undefined) throw new Error(`table ${table} has no stream`)
  return { table, streamArn }
}

/** A handler run in process: what it returns or throws is the invocation's outcome. */
export type TestHandler = (event: DynamoDBStreamEvent) => unknown

/** Everything a poller test needs: the table, a poller with a recording function, the queues and the log. */
export interface PollerRig {
  readonly table: string
  readonly streamArn: string
  readonly dynamodb: DynamoDBClient
  readonly poller: StreamPoller
  readonly queues: TestQueues
  readonly log: string[]
  /** Every event the function got, in order, with the request id it was answered under. */
  readonly invocations: { event: DynamoDBStreamEvent; requestId: string }[]
  stop(): Promise<void>
}

/** Where a poller test's function and queues live. */
export const POLLER_WHERE = { region: 'eu-west-1', account: '123456789012' } as const

/** The mapping settings of a test: Lambda's defaults unless given. */
export function settingsFor(streamArn: string, overrides: Partial<StreamMappingSettings> = {}): StreamMappingSettings {
  return {
    label: 'Test/Mapping',
    uuid: randomUUID(),
    streamArn,
    functionLogicalId: 'Projector',
    functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:Projector',
    startingPosition: 'TRIM_HORIZON',
    batchSize: 100,
    batchingWindowMs: 0,
    filters: [],
    bisect: false,
    maximumRetryAttempts: -1,
    maximumRecordAgeMs: -1,
    reportBatchItemFailures: false,
    enabled: true,
    ...overrides,
  }
}

/**
 * A poller on a fresh table, its function the handler (a throw is a function error), its queues the mapping's
 * on-failure queue (of {@link POLLER_WHERE}) when it has one. Not started: write first
 * when the test needs records waiting before the first read.
 */
export async function pollerRig(
  handler: TestHandler,
  overrides: Partial<StreamMappingSettings> = {},
  options: Partial<Pick<StreamPollerOptions, 'faults' | 'now'>> = {},
): Promise<PollerRig> {
  const dynamodb = localDynamoDB()
  const { table, streamArn } = await createStreamTable(dynamodb)
  const client = new DynamoDBStreamsClient({
    endpoint: dynamodbEndpoint(),
    region: LOCAL_AWS_ENV.AWS_REGION,
    credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
  })
  const queues = testQueues(overrides.onFailureQueue === undefined ? [] : [overrides.onFailureQueue], POLLER_WHERE)
  const log: string[] = []
  const invocations: PollerRig['invocations'] = []
  const poller = new StreamPoller({
    settings: settingsFor(streamArn, overrides),
    region: POLLER_WHERE.region,
    client,
    queues,
    log: (line) => log.push(line),
    faults: options.faults ?? { fail: 0, random: Math.random },
    ...(options.now === undefined ? {} : { now: options.now }),
    invoke: async (event, signal) => {
      const requestId = randomUUID()
      const typed = structuredClone(event) as DynamoDBStreamEvent
      invocations.push({ event: typed, requestId })
      // As the pool does: a stop aborts the invocation in flight.
      const aborted = new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true }),
      )
      aborted.catch(() => {})
      try {
        const result = await Promise.race([handler(typed), aborted])
        return { result: result ?? null, logs: '', durationMs: 0, requestId } satisfies InvokeResult
      } catch (error) {
        if (signal.aborted) throw error
        return {
          result: undefined,
          error: { errorType: (error as Error).name, errorMessage: (error as Error).message },
          logs: '',
          durationMs: 0,
          requestId,
        } satisfies InvokeResult
      }
    },
  })
  return {
    table,
    streamArn,
    dynamodb,
    poller,
    queues,
    log,
    invocations,
    async stop() {
      await poller.stop()
      client.destroy()
      dynamodb.destroy()
    },
  }
}

/** Waits until `condition` holds, polling every 10 ms; fails after `timeoutMs` saying what it waited for. */
export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`)
    await sleep(10)
  }
}

/** The sequence numbers of an event's records. */
export function sequenceNumbers(event: DynamoDBStreamEvent): string[] {
  return event.Records.map((record) => record.dynamodb.SequenceNumber)
}

/** The `id` keys of an event's records. */
export function ids(event: DynamoDBStreamEvent): string[] {
  return event.Records.map((record) => String(record.dynamodb.Keys?.id?.S))
}
