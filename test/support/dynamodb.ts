import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { inject } from 'vitest'
import { createInterceptorTable as createTable } from '../../src/local/interceptor-table.js'

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
