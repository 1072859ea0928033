import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb'
import type { RecordedCall } from '../../src/runtime/interceptor/schema.js'
import { recordedCallItem } from '../../src/runtime/interceptor/store.js'

/**
 * Writes a call into the interceptor table exactly as the in-function runtime records it (the runtime's
 * own item builder), for tests of the test side that need calls without running a function.
 * Free of Vitest, so the Jest suite uses it too.
 */
export async function writeRecordedCall(
  dynamodb: DynamoDBClient,
  tableName: string,
  functionName: string,
  call: RecordedCall,
): Promise<void> {
  const expiresAt = { N: String(Math.floor(Date.now() / 1000) + 3600) }
  await dynamodb.send(
    new PutItemCommand({ TableName: tableName, Item: recordedCallItem(functionName, call, expiresAt) }),
  )
}
