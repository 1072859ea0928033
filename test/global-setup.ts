import type { TestProject } from 'vitest/node'
import { startDynamoDBLocal } from '../src/local/dynamodb-local.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** http://127.0.0.1:<port> of the DynamoDB Local this run started. */
    dynamodbEndpoint: string
  }
}

/** Once per run: AWS DynamoDB Local, shared by every test file. */
export default async function setup(project: TestProject) {
  const dynamodb = await startDynamoDBLocal()
  project.provide('dynamodbEndpoint', dynamodb.endpoint)
  return async () => {
    await dynamodb.stop()
  }
}
