/** The Balance projection: one item per account with its balance, kept by stakeout's `defineProjector`. */
import { defineProjector } from 'stakeout/runtime'
import type { Account } from '../account.js'

export const handler = defineProjector({ project: (account: Account) => ({ balance: account.totalBalance }) })
