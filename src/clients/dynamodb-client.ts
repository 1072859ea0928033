import { BatchWriteItemCommand, DynamoDBClient, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import type { DynamoDBOperations, SendOperation } from '../runtime/interceptor/dynamodb-client.js'

/**
 * The DynamoDB client stakeout makes when a user gives an endpoint and/or a region instead of a client.
 *
 * Without an endpoint it is the AWS SDK's default chain. With one (DynamoDB Local, LocalStack), the
 * region falls back to `AWS_REGION`, `AWS_DEFAULT_REGION`, then `us-east-1`, and when this process has
 * no AWS credentials set, `local`/`local` is used: local endpoints accept any, but the SDK refuses to
 * sign a request without some.
 *
 * @example
 * const dynamodb = dynamodbClientFor({ endpoint: 'http://127.0.0.1:8000' })
 */
export function dynamodbClientFor(options: {
  endpoint?: string | undefined
  region?: string | undefined
}): DynamoDBClient {
  const { endpoint, region } = options
  if (endpoint === undefined) return new DynamoDBClient(region === undefined ? {} : { region })
  const env = process.env
  const hasCredentials = env.AWS_ACCESS_KEY_ID !== undefined || env.AWS_PROFILE !== undefined
  return new DynamoDBClient({
    endpoint,
    region: region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(hasCredentials ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  })
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
