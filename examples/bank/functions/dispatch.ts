/**
 * The ledger's dispatch: for every event appended to an account, stakeout's `dispatchAggregate` folds the account
 * with the bank's own reducer (from the newest snapshot) and publishes `{ aggregate, lastEvent }` to the ledger's
 * bus, where the Balance and LastTransaction projectors pick it up.
 */
import { dispatchAggregate } from 'stakeout/runtime'
import { applyAccountEvent, NEW_ACCOUNT } from '../account.js'

export const handler = dispatchAggregate({ reducer: applyAccountEvent, initialState: NEW_ACCOUNT, snapshotEvery: 50 })
