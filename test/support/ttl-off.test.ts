import { DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb'
import { expect, it } from 'vitest'
import { createTableWithoutTtl, localDynamoDB } from './dynamodb.js'

it('createTableWithoutTtl leaves TTL off (tests that plant expired items rely on it)', async () => {
  const client = localDynamoDB()
  const tableName = await createTableWithoutTtl(client)
  const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))
  expect(TimeToLiveDescription?.TimeToLiveStatus).toMatch(/DISABL/)
})
