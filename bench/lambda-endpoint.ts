/**
 * Benchmark of the local Lambda Invoke API: what a warm invocation costs through FunctionClient → the real
 * @aws-sdk/client-lambda → startLambdaEndpoint → the handler's process, against the same handler invoked directly
 * (startHandler's invoke, no HTTP). Run with `npx tsx bench/lambda-endpoint.ts`; prints a Markdown table.
 */
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { FunctionClient } from '../src/clients/function-client.js'
import { startHandler } from '../src/local/invoke-handler.js'
import { startLambdaEndpoint } from '../src/local/services/lambda-endpoint.js'

const ENTRY = fileURLToPath(new URL('../test/local/services/fixtures/functions.mjs', import.meta.url))
const INVOCATIONS = Number(process.env.BENCH_INVOCATIONS ?? 200)

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 0 ? ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2 : (sorted[middle] ?? 0)
}
const p95 = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)] ?? 0

async function timed(run: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = []
  for (let n = 0; n < INVOCATIONS; n++) {
    const started = performance.now()
    await run()
    times.push(performance.now() - started)
  }
  return times
}

const handler = await startHandler({ entry: ENTRY, handler: 'echo', functionName: 'echo' })
const lambda = await startLambdaEndpoint({
  invoker: {
    invoke: (name, event, options) =>
      name === 'echo'
        ? handler.invoke(event, options.requestId === undefined ? {} : { requestId: options.requestId })
        : undefined,
  },
})
const client = new FunctionClient({
  functionName: 'echo',
  endpoint: lambda.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
})
try {
  const event = { orderId: 'o-1', items: [1, 2, 3] }
  await timed(() => handler.invoke(event)) // warm-up
  await timed(() => client.invoke(event))
  const direct = await timed(() => handler.invoke(event))
  const endpoint = await timed(() => client.invoke(event))
  console.log(`${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}, ${INVOCATIONS} warm invocations each\n`)
  console.log('| path | median | p95 |\n|---|---|---|')
  console.log(`| startHandler invoke (no HTTP) | ${median(direct).toFixed(2)} ms | ${p95(direct).toFixed(2)} ms |`)
  console.log(
    `| FunctionClient → Invoke API → same process | ${median(endpoint).toFixed(2)} ms | ${p95(endpoint).toFixed(2)} ms |`,
  )
  console.log(`| cost of the Invoke API (median) | +${(median(endpoint) - median(direct)).toFixed(2)} ms | |`)
} finally {
  client.destroy()
  await lambda.stop()
  await handler.stop()
}
