/**
 * The bank's ledger, tested with stakeout's public API only. Credit and Debit append to the `Ledger` construct's
 * table; its dispatch folds each account and publishes it; the Balance and LastTransaction projectors keep their
 * tables. `npm run example` runs this on this machine under delivery faults (the example project's
 * STAKEOUT_LOCAL_FAULTS: events duplicated, reordered and delayed, dispatch invocations failed after they ran), so
 * every expectation below also proves the projectors idempotent and order-proof.
 */
import { DeleteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { configure, eventually, resolveTarget, useEventStore, useFunction, VersionConflictError } from 'stakeout'
import { describe, expect, it } from 'vitest'

// An event reaches a projection through three functions (the dispatch, the bus's target, the projector), each
// with a cold start on first use: on a busy 2-core machine that is seconds, not the 3 s stakeout waits by default.
configure({ timeout: 20_000 })

import { type Account, applyAccountEvent, NEW_ACCOUNT } from './account.js'

const ledger = useEventStore('Ledger')
const creditAccount = useFunction('CreditAccount')
const debitAccount = useFunction('DebitAccount')

async function command(fn: typeof creditAccount, accountId: string, amount: number) {
  const out = await fn.invoke({ accountId, amount })
  if (out.error) throw new Error(`${out.error.errorType}: ${out.error.errorMessage}\n${out.logs}`)
  return out.result as { accepted: boolean; reason?: string; version?: number; balance?: number }
}

describe('the ledger', () => {
  it('projects the balance and the last transaction of credits and debits', async () => {
    const accountId = ledger.aggregateId('account')

    expect(await command(creditAccount, accountId, 80)).toMatchObject({ accepted: true, version: 1, balance: 80 })
    expect(await command(debitAccount, accountId, 30)).toMatchObject({ accepted: true, version: 2, balance: 50 })

    await expect(ledger.projection('Balance', { aggregateId: accountId })).toEventuallyProject(2, { balance: 50 })
    await expect(ledger.projection('LastTransaction', { aggregateId: accountId })).toEventuallyProject(2, {
      lastTransaction: { type: 'Debit', amount: 30, version: 2 },
    })
  })

  it('refuses an overdraft and appends nothing', async () => {
    const accountId = ledger.aggregateId('account')
    await command(creditAccount, accountId, 40)

    expect(await command(debitAccount, accountId, 41)).toEqual({
      accepted: false,
      reason: 'insufficient funds',
      balance: 40,
    })
    expect(await ledger.events(accountId)).toHaveLength(1)
    await expect(ledger.projection('Balance', { aggregateId: accountId })).toEventuallyProject(1, { balance: 40 })
  })

  it('lets one of two racing debits win when the balance covers only one', async () => {
    const accountId = ledger.aggregateId('account')
    await command(creditAccount, accountId, 100)

    const outcomes = await Promise.all([60, 60].map((amount) => command(debitAccount, accountId, amount)))

    expect(outcomes.filter((outcome) => outcome.accepted)).toHaveLength(1)
    expect(outcomes.filter((outcome) => !outcome.accepted)).toEqual([
      { accepted: false, reason: 'insufficient funds', balance: 40 },
    ])
    await expect(ledger.projection('Balance', { aggregateId: accountId })).toEventuallyProject(2, { balance: 40 })
  })

  it('refuses an append at a version another writer took', async () => {
    const accountId = ledger.aggregateId('account')
    await ledger.append(accountId, { type: 'Credit', payload: { amount: 10 } }, { expectedVersion: 0 })

    await expect(
      ledger.append(accountId, { type: 'Credit', payload: { amount: 10 } }, { expectedVersion: 0 }),
    ).rejects.toThrow(VersionConflictError)
  })

  it('folds the same account the dispatch publishes', async () => {
    const accountId = ledger.aggregateId('account')
    for (const amount of [5, 7, 11]) await command(creditAccount, accountId, amount)
    await command(debitAccount, accountId, 3)

    const folded = await ledger.aggregate<Account>(accountId, applyAccountEvent, NEW_ACCOUNT)
    expect(folded).toMatchObject({ version: 4, aggregate: { totalBalance: 20, lastTransaction: { type: 'Debit' } } })
    await expect(ledger.projection('Balance', { aggregateId: accountId })).toEventuallyProject(4, { balance: 20 })
  })

  it('rebuilds a lost projection with a replay', async () => {
    const accountId = ledger.aggregateId('account')
    await command(creditAccount, accountId, 25)
    const balance = ledger.projection('Balance', { aggregateId: accountId })
    await expect(balance).toEventuallyProject(1, { balance: 25 })

    // The projection item is lost (a bad migration, a deleted table): the ledger still has every event.
    const target = await resolveTarget()
    const dynamodb = new DynamoDBClient(target.clientSettings('dynamodb'))
    await dynamodb.send(
      new DeleteItemCommand({
        TableName: target.resolve('Ledger/Projectors/Balance/Table').physicalId,
        Key: { aggregateId: { S: accountId } },
      }),
    )
    dynamodb.destroy()

    expect(await ledger.replay(accountId)).toEqual({ replayed: [{ aggregateId: accountId, version: 1 }], missing: [] })
    await expect(balance).toEventuallyProject(1, { balance: 25 })
  })

  it('parks an event the dispatch cannot fold in the on-failure queue, and other accounts still project', async () => {
    const broken = ledger.aggregateId('account')
    const healthy = ledger.aggregateId('account')
    // A writer's bug: a credit without a numeric amount. The reducer refuses it, so the dispatch fails on it until the
    // stream mapping gives up (its retries, bisecting the batch) and parks the record's place in the stream.
    await ledger.append(broken, { type: 'Credit', payload: { amount: 'ten' } })
    await command(creditAccount, healthy, 30)

    await expect(ledger.projection('Balance', { aggregateId: healthy })).toEventuallyProject(1, { balance: 30 })
    const { last } = await eventually(
      () => ledger.projection('Balance', { aggregateId: broken }).whereIs(1),
      (found) => found.where === 'on-failure-queue',
    )
    expect(last).toMatchObject({ where: 'on-failure-queue', event: { aggregateId: broken, version: 1 } })
  })
})
