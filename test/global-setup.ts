import type { TestProject } from 'vitest/node'
import { startDynamoDBLocal } from '../src/local/dynamodb-local.js'
import { buildLayer } from '../scripts/build-layer.mjs'

declare module 'vitest' {
  export interface ProvidedContext {
    /** http://127.0.0.1:<port> of the DynamoDB Local this run started. */
    dynamodbEndpoint: string
    /** Absolute path of the built interceptor layer root (holds `stakeout/`). */
    layerRoot: string
  }
}

/** Once per run: AWS's DynamoDB Local and the interceptor layer, shared by every test file. */
export default async function setup(project: TestProject) {
  const [dynamodb, layer] = await Promise.all([startDynamoDBLocal(), buildLayer()])
  project.provide('dynamodbEndpoint', dynamodb.endpoint)
  project.provide('layerRoot', layer.root)
  return async () => {
    await dynamodb.stop()
  }
}
