import { randomUUID } from 'node:crypto'
import { PutItemCommand } from '@aws-sdk/client-dynamodb'
import { beforeAll, describe, expect, it } from '@jest/globals'
import { ArgumentError, EventStoreClient } from 'stakeout'
import { jestDynamoDB } from '../support/jest-dynamodb.js'
import { createProjectionTable, createVersionedTable } from '../support/ledger-tables.js'

// Started by global-setup.mjs.
const dynamodb = jestDynamoDB()
const ledgerTable = `ledger-${randomUUID()}`
const balanceTable = `balance-${randomUUID()}`
const SHORT = { timeout: 300, interval: 50 }
const ledger = new EventStoreClient({ tableName: ledgerTable, projections: { Balance: balanceTable }, dynamodb })

beforeAll(async () => {
  await createVersionedTable(dynamodb, ledgerTable)
  await createProjectionTable(dynamodb, balanceTable)
  await dynamodb.send(
    new PutItemCommand({
      TableName: balanceTable,
      Item: { aggregateId: { S: 'acct-1' }, version: { N: '2' }, balance: { N: '30' } },
    }),
  )
})

describe('stakeout/jest registers toEventuallyProject with Jest', () => {
  it('passes at the version with a matching state, and fails with the message otherwise', async () => {
    const balance = ledger.projection('Balance', { aggregateId: 'acct-1' })
    await expect(balance).toEventuallyProject(2, { balance: expect.any(Number) })
    await expect(expect(balance).toEventuallyProject(2, { balance: 40 }, SHORT)).rejects.toThrow(
      /Expected projection Balance of aggregate "acct-1" to reach version 2 with \{"balance": 40\}[\s\S]*At that version, the state does not match:/,
    )
  })

  it('.not waits the window, and fails when the projection is there', async () => {
    const balance = ledger.projection('Balance', { aggregateId: 'acct-1' })
    await expect(balance).not.toEventuallyProject(3, undefined, SHORT)
    await expect(expect(balance).not.toEventuallyProject(2, undefined, SHORT)).rejects.toThrow(
      /not to reach version 2\nIt did, on poll 1: version 2/,
    )
  })

  it('throws an ArgumentError for a bad version', async () => {
    await expect(
      expect(ledger.projection('Balance', { aggregateId: 'acct-1' })).toEventuallyProject(0),
    ).rejects.toThrow(ArgumentError)
  })
})
