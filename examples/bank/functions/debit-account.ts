/**
 * The bank's Debit command: it folds the account from the ledger and refuses a debit the balance cannot cover
 * (no overdraft). Concurrent debits of one account are safe: the ledger's conditional append lets one win, and the
 * other re-decides on the new balance.
 */
import type { AccountEvent } from '../account.js'
import { appendAccountEvent } from './account-ledger.js'

export interface DebitCommand {
  accountId: string
  amount: number
}

export type DebitOutcome =
  | { accepted: true; version: number; balance: number }
  | { accepted: false; reason: string; balance: number }

export const handler = async (command: DebitCommand): Promise<DebitOutcome> => {
  if (!(command.amount > 0)) throw new Error('amount must be a positive number')
  let balance = 0
  const outcome = await appendAccountEvent(
    command.accountId,
    (account): AccountEvent | { reason: string } => {
      balance = account.totalBalance
      return account.totalBalance >= command.amount
        ? { type: 'Debit', payload: { amount: command.amount } }
        : { reason: 'insufficient funds' }
    },
    (decision): decision is AccountEvent => 'type' in decision,
  )
  if ('refused' in outcome) return { accepted: false, reason: outcome.refused.reason, balance }
  return { accepted: true, version: outcome.version, balance: outcome.account.totalBalance }
}
