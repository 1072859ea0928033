import { DynamoDBClient } from '@aws-sdk/client-dynamodb'

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
