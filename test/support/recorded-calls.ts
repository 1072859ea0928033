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

let nextSeq = 0

/**
 * A call as a mock rule answered it, made now: `{ method: 'GET', action: 'mock', ruleId: 'r1', status: 200, ... }`
 * with `fields` on top (a field given as `undefined` removes that default when written).
 */
export function answeredCall(
  fields: { [K in keyof RecordedCall]?: RecordedCall[K] | undefined } & Pick<RecordedCall, 'url'>,
): RecordedCall {
  return {
    method: 'GET',
    headers: {},
    timestamp: new Date().toISOString(),
    requestId: 'request-1',
    seq: nextSeq++,
    action: 'mock',
    ruleId: 'r1',
    status: 200,
    ...fields,
  } as RecordedCall
}
