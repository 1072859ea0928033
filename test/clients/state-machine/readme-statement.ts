import { useStateMachine } from 'stakeout'
import { describe, expect, it } from 'vitest'

describe('the monthly statement', () => {
  const statement = useStateMachine('MonthlyStatement')

  it('logs every run completely', async () => {
    await expect(statement).toHaveLoggedExecution()
  })

  it('takes the positive path for a credited account', async () => {
    const run = await statement.start({ accountId: 'acc-1' })
    await expect(run).toHaveLoggedExecution({
      status: 'SUCCEEDED',
      output: { path: 'positive', balance: expect.any(Number) },
      states: ['ReadBalance', 'OnBalance', 'Positive'],
    })
  })

  it('fails on an unknown account', async () => {
    const run = await statement.start({ accountId: 'nobody' }, { wait: true })
    expect(run).toMatchObject({ status: 'FAILED', error: 'UnknownAccount' })
    await expect(run).toHaveLoggedExecution({ status: 'FAILED', states: expect.arrayContaining(['UnknownAccount']) })
  })
})
