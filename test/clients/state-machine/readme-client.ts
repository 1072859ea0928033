import { StateMachineClient } from 'stakeout'

export async function printStatementRun(stateMachineArn: string): Promise<void> {
  const statement = new StateMachineClient({ stateMachineArn }) // + region, endpoint, logsEndpoint, credentials | sfn, cloudWatchLogs
  try {
    const run = await statement.start({ accountId: 'acc-1' }, { wait: true })
    console.log(run.status, run.status === 'SUCCEEDED' ? run.output : `${run.error}: ${run.cause}`)
    const { events, truncated } = await statement.logs(run)
    for (const event of events) console.log(event.id, event.type, event.details.name ?? '')
    if (truncated) console.log('AWS truncated a payload of this run')
  } finally {
    statement.destroy()
  }
}
