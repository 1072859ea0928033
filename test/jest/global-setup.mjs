// Jest's globalSetup: one DynamoDB Local for the Jest suite, from stakeout/local (loaded with tsx:
// Jest runs this file outside its module system, so neither its transform nor moduleNameMapper apply).
import { tsImport } from 'tsx/esm/api'

/** Starts DynamoDB Local and hands its endpoint to the test workers through the environment. */
export default async function globalSetup() {
  const { startDynamoDBLocal } = await tsImport('../../src/local/index.ts', import.meta.url)
  const dynamodb = await startDynamoDBLocal()
  globalThis.stakeoutJestDynamoDB = dynamodb
  process.env.STAKEOUT_JEST_DYNAMODB_ENDPOINT = dynamodb.endpoint
}
