/**
 * The monthly statement's first step: reads the account's Balance projection. An account the projection does not
 * know fails with `AccountNotFound`, which the statement workflow catches by name.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb'
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'

const dynamodb = new DynamoDBClient({})

/** Thrown for an account the Balance projection does not hold; its name is the error Step Functions sees. */
class AccountNotFound extends Error {
  override name = 'AccountNotFound'
}

export const handler = async (input: { accountId: string }): Promise<{ accountId: string; balance: number }> => {
  const { Item } = await dynamodb.send(
    new GetItemCommand({
      TableName: process.env.BALANCE_TABLE ?? '',
      Key: marshall({ aggregateId: input.accountId }),
      ConsistentRead: true,
    }),
  )
  if (Item === undefined) throw new AccountNotFound(`no account ${input.accountId}`)
  const { balance } = unmarshall(Item) as { balance: number }
  return { accountId: input.accountId, balance }
}
