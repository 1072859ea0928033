/**
 * The bank's account aggregate (shared/reference/articles.md, the event-sourced ledger): its events, and the one
 * reducer both the commands (to validate against the current balance) and the ledger's dispatch (to publish the
 * state-carried events the projectors keep) fold with. Nothing here knows about stakeout or AWS.
 */

/** What the ledger holds about one account: every credit and debit, in order. */
export type AccountEvent =
  | { readonly type: 'Credit'; readonly payload: { readonly amount: number } }
  | { readonly type: 'Debit'; readonly payload: { readonly amount: number } }

/** The account, as of a version. */
export interface Account {
  readonly totalBalance: number
  readonly lastTransaction?: {
    readonly type: AccountEvent['type']
    readonly amount: number
    readonly version: number
    readonly at: string
  }
}

/** An account without events. */
export const NEW_ACCOUNT: Account = { totalBalance: 0 }

/** One ledger item as the reducer sees it (the ledger's layout: aggregateId, version, type, payload, timestamp). */
export interface StoredAccountEvent {
  readonly version: number
  readonly type: string
  readonly payload?: unknown
  readonly timestamp: string
}

/** Folds one event into the account. An unknown event type is a bug in a writer: it fails loudly. */
export function applyAccountEvent(account: Account, event: StoredAccountEvent): Account {
  const amount = (event.payload as { amount?: unknown } | undefined)?.amount
  if (typeof amount !== 'number') throw new Error(`account event v${event.version} has no numeric amount`)
  if (event.type !== 'Credit' && event.type !== 'Debit') {
    throw new Error(`account event v${event.version} has the unknown type ${JSON.stringify(event.type)}`)
  }
  const signed = event.type === 'Credit' ? amount : -amount
  return {
    totalBalance: account.totalBalance + signed,
    lastTransaction: { type: event.type, amount, version: event.version, at: event.timestamp },
  }
}
