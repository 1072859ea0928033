/** The LastTransaction projection: one item per account with its latest credit or debit. */
import { defineProjector } from 'stakeout/runtime'
import type { Account } from '../account.js'

export const handler = defineProjector({
  project: (account: Account) => ({ lastTransaction: account.lastTransaction ?? null }),
})
