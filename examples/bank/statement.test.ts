/**
 * The bank's monthly statement, an Express workflow: ReadBalance reads the Balance projection, a Choice picks the
 * premium or the standard statement, and an unknown account fails the run. Express workflows keep no execution
 * history: what a run did is only in its logs, which `requireExecutionLogs(this, { mode: 'fix' })` made complete
 * (level ALL, with execution data). Tested with stakeout's public API only, on this machine or a deployed stack.
 */
import { configure, useEventStore, useStateMachine } from 'stakeout'
import { describe, expect, it } from 'vitest'

// An event reaches a projection through three functions (the dispatch, the bus's target, the projector), each
// with a cold start on first use: on a busy 2-core machine that is seconds, not the 3 s stakeout waits by default.
configure({ timeout: 20_000 })

const statement = useStateMachine('MonthlyStatement')
const ledger = useEventStore('Ledger')

/** An account with this balance, once the Balance projection has it (what ReadBalance reads). */
async function accountWith(balance: number): Promise<string> {
  const accountId = ledger.aggregateId('account')
  await ledger.append(accountId, { type: 'Credit', payload: { amount: balance } })
  await expect(ledger.projection('Balance', { aggregateId: accountId })).toEventuallyProject(1, { balance })
  return accountId
}

describe('the monthly statement', () => {
  it('logs every run in full', async () => {
    await expect(statement).toHaveLoggedExecution()
  })

  it('sends a premium statement for a balance of 1,000 or more', async () => {
    const accountId = await accountWith(1_500)

    const run = await statement.start({ accountId }, { wait: true })

    await expect(run).toHaveLoggedExecution({
      status: 'SUCCEEDED',
      output: { accountId, balance: 1_500, tier: 'premium' },
      states: ['ReadBalance', 'ChooseStatement', 'PremiumStatement'],
    })
  })

  it('sends a standard statement below 1,000', async () => {
    const accountId = await accountWith(999)

    const run = await statement.start({ accountId }, { wait: true })

    await expect(run).toHaveLoggedExecution({
      status: 'SUCCEEDED',
      output: { tier: 'standard' },
      states: ['ReadBalance', 'ChooseStatement', 'StandardStatement'],
    })
  })

  it('fails on an account the bank does not know, and says so in the logs', async () => {
    const run = await statement.start({ accountId: ledger.aggregateId('nobody') }, { wait: true })

    await expect(run).toHaveLoggedExecution({ status: 'FAILED', states: ['ReadBalance', 'UnknownAccount'] })
    const { events } = await statement.logs(run)
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionFailed', details: { error: 'UnknownAccount' } })
  })
})
