/**
 * The interceptor the fixture runs use: an HttpInterceptorClient on the parent run's DynamoDB Local
 * table (STAKEOUT_RUN_ENDPOINT, STAKEOUT_RUN_TABLE) for one function (STAKEOUT_RUN_FUNCTION), and
 * `record(url)`, which writes a call as the in-function runtime does.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { HttpInterceptorClient } from 'stakeout'
import { answeredCall, writeRecordedCall } from '../../support/recorded-calls.js'

export function fixtureInterceptor() {
  const {
    STAKEOUT_RUN_ENDPOINT: endpoint,
    STAKEOUT_RUN_TABLE: tableName,
    STAKEOUT_RUN_FUNCTION: functionName,
  } = process.env
  if (endpoint === undefined || tableName === undefined || functionName === undefined) {
    throw new Error('STAKEOUT_RUN_ENDPOINT, _TABLE and _FUNCTION are set by test/matchers/runner-runs.test.ts')
  }
  const dynamodb = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  const api = new HttpInterceptorClient({ functionName, tableName, dynamodb })
  return {
    api,
    record: (url: string) => writeRecordedCall(dynamodb, tableName, functionName, answeredCall({ url })),
    close: () => dynamodb.destroy(),
  }
}
