import { BatchWriteItemCommand, DynamoDBClient, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import type { DynamoDBOperations, SendOperation } from '../runtime/interceptor/dynamodb-client.js'
import type { ClientSettings } from '../target/index.js'
import { sdkClientConfig } from './sdk-config.js'

/**
 * The DynamoDB client stakeout makes when a user (or a target's `clientSettings('dynamodb')`) gives an endpoint, a
 * region and/or credentials instead of a client: see {@link sdkClientConfig} for the fallbacks.
 *
 * @example
 * const dynamodb = dynamodbClientFor({ endpoint: 'http://127.0.0.1:8000' })
 */
export function dynamodbClientFor(options: {
  endpoint?: string | undefined
  region?: string | undefined
  credentials?: ClientSettings['credentials'] | undefined
}): DynamoDBClient {
  const { endpoint, region, credentials } = options
  return new DynamoDBClient(
    sdkClientConfig({
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(region === undefined ? {} : { region }),
      ...(credentials === undefined ? {} : { credentials }),
    }),
  )
}

/**
 * The operations of the shared table code (the runtime's table-io.ts: paginated Query, batch write with retry)
 * sent through an AWS SDK client: the test side keeps the full client (its credential chain and retries, or the
 * client a user passes in), the layer its own small one.
 *
 * @example
 * for await (const item of queryAll(sendWithSdk(dynamodb), input)) keys.push(item)
 */
export function sendWithSdk(client: DynamoDBClient): SendOperation {
  const send = (operation: keyof DynamoDBOperations, input: object, abortSignal?: AbortSignal) => {
    const options = abortSignal === undefined ? {} : { abortSignal }
    switch (operation) {
      case 'Query':
        return client.send(new QueryCommand(input as DynamoDBOperations['Query']['input']), options)
      case 'BatchWriteItem':
        return client.send(new BatchWriteItemCommand(input as DynamoDBOperations['BatchWriteItem']['input']), options)
      case 'UpdateItem':
        return client.send(new UpdateItemCommand(input as DynamoDBOperations['UpdateItem']['input']), options)
    }
  }
  return send as SendOperation
}
