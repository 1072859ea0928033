import { DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb'
import { inject } from 'vitest'
import { createInterceptorTable as createTable } from '../../src/local/interceptor-table.js'
import { TTL_ATTRIBUTE } from '../../src/runtime/interceptor/schema.js'

/** Credentials and region DynamoDB Local accepts (it ignores them with -sharedDb). */
export const LOCAL_AWS_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
} as const

/** The endpoint of the DynamoDB Local started by test/global-setup.ts. */
export function dynamodbEndpoint(): string {
  return inject('dynamodbEndpoint')
}

/** A DynamoDB client for the run's DynamoDB Local. */
export function localDynamoDB(endpoint = dynamodbEndpoint()): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: LOCAL_AWS_ENV.AWS_REGION,
    credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
  })
}

/**
 * Creates a fresh interceptor table (the HttpInterceptor construct's schema, through stakeout/local's
 * `createInterceptorTable`) and returns its name. Tables live until DynamoDB Local stops with the run.
 */
export async function createInterceptorTable(client = localDynamoDB()): Promise<string> {
  const { tableName } = await createTable({ dynamodb: client })
  return tableName
}

/**
 * An interceptor table with TTL OFF, for the tests that plant already-expired items to check they are
 * ignored: with TTL on, DynamoDB Local deletes expired items on its own (every few seconds), and such a
 * test would then pass without checking anything.
 */
export async function createTableWithoutTtl(client = localDynamoDB()): Promise<string> {
  const { tableName } = await createTable({ dynamodb: client })
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: false },
    }),
  )
  return tableName
}
