/**
 * How the bank's commands read and write the ledger, with the plain AWS SDK: fold an account from its events
 * (a consistent Query), then append the next event with a conditional put on its version. Two commands racing on
 * one account cannot both win: the loser's put fails its condition, and it folds again and re-decides.
 */
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb'
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'
import { type Account, type AccountEvent, applyAccountEvent, NEW_ACCOUNT, type StoredAccountEvent } from '../account.js'

const dynamodb = new DynamoDBClient({})
const LEDGER_TABLE = process.env.LEDGER_TABLE ?? ''

/** An account as of its latest event. */
export interface FoldedAccount {
  readonly account: Account
  readonly version: number
}

/** Folds the account from every event of it in the ledger. */
export async function loadAccount(accountId: string): Promise<FoldedAccount> {
  let account = NEW_ACCOUNT
  let version = 0
  let startKey: Record<string, unknown> | undefined
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName: LEDGER_TABLE,
        KeyConditionExpression: 'aggregateId = :id',
        ExpressionAttributeValues: marshall({ ':id': accountId }),
        ConsistentRead: true,
        ...(startKey === undefined ? {} : { ExclusiveStartKey: marshall(startKey) }),
      }),
    )
    for (const item of page.Items ?? []) {
      const event = unmarshall(item) as StoredAccountEvent
      account = applyAccountEvent(account, event)
      version = event.version
    }
    startKey = page.LastEvaluatedKey === undefined ? undefined : unmarshall(page.LastEvaluatedKey)
  } while (startKey !== undefined)
  return { account, version }
}

/**
 * Decides and appends: `decide` sees the current account and returns the event to append, or a refusal. When
 * another command appended first, the account is folded again and `decide` runs again (up to 5 times).
 */
export async function appendAccountEvent<Refusal>(
  accountId: string,
  decide: (account: Account) => AccountEvent | Refusal,
  isEvent: (decision: AccountEvent | Refusal) => decision is AccountEvent,
): Promise<{ readonly version: number; readonly account: Account } | { readonly refused: Refusal }> {
  for (let attempt = 1; ; attempt++) {
    const { account, version } = await loadAccount(accountId)
    const decision = decide(account)
    if (!isEvent(decision)) return { refused: decision }
    const next = version + 1
    const timestamp = new Date().toISOString()
    try {
      await dynamodb.send(
        new PutItemCommand({
          TableName: LEDGER_TABLE,
          Item: marshall({ aggregateId: accountId, version: next, ...decision, timestamp }),
          ConditionExpression: 'attribute_not_exists(version)',
        }),
      )
      return { version: next, account: applyAccountEvent(account, { ...decision, version: next, timestamp }) }
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) || attempt >= 5) throw error
    }
  }
}
