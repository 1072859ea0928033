/**
 * Where the interceptor table is, as the Lambda environment says: the region and the DynamoDB endpoint, read the
 * way the AWS SDK reads them (`AWS_ENDPOINT_URL_DYNAMODB`, then `AWS_ENDPOINT_URL`, then the regional endpoint).
 * Its own small module: the interceptor names the endpoint in its messages without loading the DynamoDB client.
 */

/** The region, from `AWS_REGION` (set by Lambda) or `AWS_DEFAULT_REGION`; undefined when neither is set. */
export function regionFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  return env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined
}

/**
 * The DynamoDB endpoint the layer talks to, or undefined when there is neither an endpoint variable nor a region.
 *
 * @example
 * dynamodbEndpointFromEnv({ AWS_REGION: 'eu-west-1' }) // 'https://dynamodb.eu-west-1.amazonaws.com'
 * dynamodbEndpointFromEnv({ AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000' }) // 'http://127.0.0.1:8000'
 */
export function dynamodbEndpointFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const configured = configuredEndpoint(env)
  if (configured) return configured
  const region = regionFromEnv(env)
  if (!region) return undefined
  return `https://dynamodb.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`
}

/** True when the credentials are in the environment variables, as Lambda always sets them. */
export function hasCredentialsInEnv(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)
}

/**
 * The endpoint set by a variable (`AWS_ENDPOINT_URL_DYNAMODB`, else `AWS_ENDPOINT_URL`): a local table (DynamoDB
 * Local, LocalStack, stakeout's local target) rather than DynamoDB in AWS.
 */
export function configuredEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  return env.AWS_ENDPOINT_URL_DYNAMODB || env.AWS_ENDPOINT_URL || undefined
}
