import { DynamoDBClient } from '@aws-sdk/client-dynamodb'

/**
 * A client of the DynamoDB Local that test/jest/global-setup.mjs started for the Jest run (its endpoint in
 * `STAKEOUT_JEST_DYNAMODB_ENDPOINT`).
 *
 * @throws {Error} the variable is not set: the file was not run through jest.config.cjs
 * @example
 * const dynamodb = jestDynamoDB()
 */
export function jestDynamoDB(): DynamoDBClient {
  const endpoint = process.env.STAKEOUT_JEST_DYNAMODB_ENDPOINT
  if (endpoint === undefined) throw new Error('STAKEOUT_JEST_DYNAMODB_ENDPOINT is not set: run through jest.config.cjs')
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
}
