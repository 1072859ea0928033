/**
 * The two multi-request table operations, once, for both sides of the interceptor: a Query read page after page,
 * and a batch write (25 requests per BatchWriteItem) that retries what DynamoDB leaves unprocessed. Both take a
 * {@link SendOperation}: the layer passes its small client (dynamodb-client.ts), the test side an adapter over the
 * AWS SDK's `DynamoDBClient` (`sendWithSdk` in src/clients/).
 */
import type { AttributeValue, QueryCommandInput, WriteRequest } from '@aws-sdk/client-dynamodb'
import pRetry from 'p-retry'
import type { SendOperation } from './dynamodb-client.js'

/** DynamoDB's limit of requests per BatchWriteItem. */
const BATCH_SIZE = 25

/**
 * Every item of a Query, page after page.
 *
 * @example
 * for await (const item of queryAll(send, { TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues })) {
 *   console.log(item.sk?.S)
 * }
 */
export async function* queryAll(
  send: SendOperation,
  input: QueryCommandInput,
  abortSignal?: AbortSignal,
): AsyncGenerator<Record<string, AttributeValue>> {
  let startKey: Record<string, AttributeValue> | undefined
  do {
    const page = await send(
      'Query',
      startKey === undefined ? input : { ...input, ExclusiveStartKey: startKey },
      abortSignal,
    )
    yield* page.Items ?? []
    startKey = page.LastEvaluatedKey
  } while (startKey !== undefined)
}

/** Thrown by {@link writeAll} when requests are still unprocessed after the last retry (throttling). */
export class UnprocessedWrites extends Error {
  /** The requests DynamoDB did not process. */
  readonly requests: readonly WriteRequest[]

  constructor(tableName: string, requests: readonly WriteRequest[]) {
    super(`DynamoDB left ${requests.length} writes unprocessed in ${tableName} (throttled)`)
    this.name = 'UnprocessedWrites'
    this.requests = requests
  }
}

/** How {@link writeAll} retries and cancels. */
export interface WriteAllOptions {
  /** Retries of a batch's unprocessed requests. @default 5 */
  retries?: number
  /** Longest wait between two retries, in milliseconds. @default 500 */
  maxRetryDelayMs?: number
  /** Ends the writes (and their retries). */
  abortSignal?: AbortSignal
}

/**
 * Writes `requests` in batches of 25, all batches at once, each retrying its unprocessed requests with backoff.
 * Resolves with one outcome per batch (in order), so the caller can tell what was lost.
 *
 * @example
 * const outcomes = await writeAll(send, tableName, items.map((Item) => ({ PutRequest: { Item } })))
 * const failed = outcomes.filter((outcome) => outcome.status === 'rejected')
 */
export function writeAll(
  send: SendOperation,
  tableName: string,
  requests: readonly WriteRequest[],
  { retries = 5, maxRetryDelayMs = 500, abortSignal }: WriteAllOptions = {},
): Promise<Array<PromiseSettledResult<void> & { requests: readonly WriteRequest[] }>> {
  const batches: WriteRequest[][] = []
  for (let index = 0; index < requests.length; index += BATCH_SIZE) {
    batches.push(requests.slice(index, index + BATCH_SIZE))
  }
  return Promise.all(
    batches.map(async (batch) => {
      let pending = batch
      try {
        await pRetry(
          async () => {
            const output = await send('BatchWriteItem', { RequestItems: { [tableName]: pending } }, abortSignal)
            const left = output.UnprocessedItems?.[tableName] ?? []
            if (left.length > 0) {
              pending = left
              throw new UnprocessedWrites(tableName, left)
            }
          },
          {
            retries,
            minTimeout: 50,
            maxTimeout: maxRetryDelayMs,
            factor: 2,
            ...(abortSignal ? { signal: abortSignal } : {}),
            // The client already retried transport errors and throttled requests; only leftovers are retried here.
            shouldRetry: ({ error }) => error instanceof UnprocessedWrites,
          },
        )
        return { status: 'fulfilled' as const, value: undefined, requests: batch }
      } catch (reason) {
        return { status: 'rejected' as const, reason, requests: batch }
      }
    }),
  )
}
