import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
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
