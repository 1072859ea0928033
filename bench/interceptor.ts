/**
 * Benchmark of the HTTP interceptor layer, run by `npm run bench`; writes BENCHMARKS.md.
 *
 * Every figure compares stakeout with a baseline measured in the same run on the same machine: the
 * same handler, the same calls to the same local server, run by `startHandler` without the layer.
 * The quantities mirror ../shared/reference/anchors.md (lambda-http-interceptor 0.1.1) so the two
 * can be set side by side.
 */

import { writeFile } from 'node:fs/promises'
import { createServer, request as httpRequest, type Server } from 'node:http'
import { createServer as createNetServer, type Socket } from 'node:net'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { HttpInterceptorClient } from '../src/clients/http-interceptor-client.js'
import { DYNAMODB_LOCAL_VERSION, startDynamoDBLocal } from '../src/local/dynamodb-local.js'
import { createInterceptorTable } from '../src/local/interceptor-table.js'
import { type HandlerOptions, type LocalHandler, startHandler } from '../src/local/invoke-handler.js'

const ENTRY = fileURLToPath(new URL('./fixtures/sequential-calls.mjs', import.meta.url))
const HEAP_ENTRY = fileURLToPath(new URL('./fixtures/heap-after-calls.mjs', import.meta.url))
/** Calls per invocation, and invocations, of the live-heap figure: 5,000 calls in one warm process. */
const HEAP_CALLS_PER_INVOCATION = 250
const HEAP_INVOCATIONS = 20
const CALLS = Number(process.env.BENCH_CALLS ?? 300)
const INVOCATIONS = Number(process.env.BENCH_INVOCATIONS ?? 30)
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 7)
const LONG_RUN_INVOCATIONS = 10
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' }

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 0 ? ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2 : (sorted[middle] ?? 0)
}
const ms = (value: number): string => `${value.toFixed(2)} ms`
const signedMs = (value: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(2)} ms`

/** The local "third-party API": answers every request with a small body. */
async function startApi(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.end('{"ok":true}'))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the API server has no port')
  return { server, url: `http://127.0.0.1:${address.port}` }
}

/** A proxy in front of DynamoDB Local that counts requests by operation (the X-Amz-Target header). */
async function startCountingProxy(target: string) {
  const counts = new Map<string, number>()
  const upstream = new URL(target)
  const server = createServer((req, res) => {
    const operation =
      String(req.headers['x-amz-target'] ?? 'unknown')
        .split('.')
        .pop() ?? 'unknown'
    counts.set(operation, (counts.get(operation) ?? 0) + 1)
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    req.pipe(forward)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port')
  return { server, endpoint: `http://127.0.0.1:${address.port}`, counts }
}

interface Scenario {
  name: string
  perCall: number[]
  perInvocation: number[]
}

async function run(handler: LocalHandler, url: string, name: string): Promise<Scenario> {
  const call = async (count: number) => {
    const out = await handler.invoke({ url, count })
    if (out.error) throw new Error(`${name}: ${out.error.errorType}: ${out.error.errorMessage}\n${out.logs}`)
    return out
  }
  await call(20) // warm-up: JIT, sockets, the SDK chunk
  const perCall = (await call(CALLS)).result as number[]
  const perInvocation: number[] = []
  for (let i = 0; i < INVOCATIONS; i++) perInvocation.push((await call(1)).durationMs)
  return { name, perCall, perInvocation }
}

async function coldStarts(options: HandlerOptions): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < COLD_STARTS; i++) {
    const started = performance.now()
    const handler = await startHandler(options)
    times.push(performance.now() - started)
    await handler.stop()
  }
  return times
}

const percentile = (values: readonly number[], fraction: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0
}

/** The per-call table: median and p95 of each scenario's calls, and what the layer adds to each. */
function perCallRows(baseline: Scenario, others: readonly Scenario[]): string {
  const baseMedian = median(baseline.perCall)
  const baseP95 = percentile(baseline.perCall, 0.95)
  const baseInvocation = median(baseline.perInvocation)
  const row = (s: Scenario, added: boolean) => {
    const call = median(s.perCall)
    const p95 = percentile(s.perCall, 0.95)
    const invocation = median(s.perInvocation)
    const plus = (value: number, base: number) => (added ? signedMs(value - base) : '—')
    const ratio = added ? `${(call / baseMedian).toFixed(2)}×` : '1.00×'
    return `| ${s.name} | ${ms(call)} | ${plus(call, baseMedian)} | ${ms(p95)} | ${plus(p95, baseP95)} | ${ratio} | ${ms(invocation)} | ${plus(invocation, baseInvocation)} |`
  }
  return [
    '| scenario | per call (median) | added | per call (p95) | added (p95) | ratio | one-call invocation | added per invocation |',
    '|---|---|---|---|---|---|---|---|',
    row(baseline, false),
    ...others.map((s) => row(s, true)),
  ].join('\n')
}

/** Cold starts: process start to the end of INIT, and to the first response of a one-call invocation. */
async function coldPaths(options: HandlerOptions, url: string): Promise<{ init: number[]; firstResponse: number[] }> {
  const init: number[] = []
  const firstResponse: number[] = []
  for (let i = 0; i < COLD_STARTS; i++) {
    const started = performance.now()
    const handler = await startHandler(options)
    init.push(performance.now() - started)
    try {
      const out = await handler.invoke({ url, count: 1 })
      if (out.error) throw new Error(`cold path: ${out.error.errorType}: ${out.error.errorMessage}\n${out.logs}`)
      firstResponse.push(performance.now() - started)
    } finally {
      await handler.stop()
    }
  }
  return { init, firstResponse }
}

/** The first outbound call of each of `count` warm one-call invocations: it is the one that may wait for the rules. */
async function firstCalls(options: HandlerOptions, url: string, count: number): Promise<number[]> {
  const handler = await startHandler(options)
  try {
    const durations: number[] = []
    for (let i = 0; i <= count; i++) {
      const out = await handler.invoke({ url, count: 1 })
      if (out.error) throw new Error(`first call: ${out.error.errorType}: ${out.error.errorMessage}\n${out.logs}`)
      // The first invocation warms the process up (JIT, the table client): not counted.
      if (i > 0) durations.push((out.result as number[])[0] ?? 0)
    }
    return durations
  } finally {
    await handler.stop()
  }
}

/** A TCP server that accepts connections and never answers: a table that hangs. */
async function startSilentServer(): Promise<{ endpoint: string; close(): void }> {
  const sockets = new Set<Socket>()
  const server = createNetServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.resume()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the silent server has no port')
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () => {
      for (const socket of sockets) socket.destroy()
      server.close()
    },
  }
}

/** Live heap after a full GC, in one warm process, every 1,000 calls: the same calls without the layer and mocked. */
async function heapPerThousandCalls(
  baseline: HandlerOptions,
  mocked: HandlerOptions,
  arrangeMock: () => Promise<unknown>,
  url: string,
): Promise<string> {
  const series = async (options: HandlerOptions): Promise<number[]> => {
    const handler = await startHandler({ ...options, entry: HEAP_ENTRY })
    try {
      const heap: number[] = []
      for (let i = 0; i <= HEAP_INVOCATIONS; i++) {
        // The first invocation warms up (JIT, sockets, the SDK chunk): the figure starts after it.
        const out = await handler.invoke({ url, count: HEAP_CALLS_PER_INVOCATION })
        if (out.error) throw new Error(`heap: ${out.error.errorType}: ${out.error.errorMessage}\n${out.logs}`)
        if ((i * HEAP_CALLS_PER_INVOCATION) % 1000 === 0) heap.push(out.result as number)
      }
      return heap
    } finally {
      await handler.stop()
    }
  }
  const without = await series(baseline)
  await arrangeMock()
  const withLayer = await series(mocked)
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`
  const perThousand = (heap: number[]) => ((heap.at(-1) ?? 0) - (heap[0] ?? 0)) / 2 ** 10 / (heap.length - 1)
  const rows = without.map(
    (bytes, index) => `| ${(index * 1000).toLocaleString('en-US')} | ${mib(bytes)} | ${mib(withLayer[index] ?? 0)} |`,
  )
  return `## Live heap after GC per 1,000 mocked calls (one warm process)

Invocations of ${HEAP_CALLS_PER_INVOCATION} sequential \`fetch\` calls (\`bench/fixtures/heap-after-calls.mjs\`), each ending with a full
GC; the live heap (V8 \`used_heap_size\`) is read after the first (warm-up) invocation and after every 1,000 calls.
The baseline makes the same calls to the real local server without the layer; with the layer every call is mocked.

| calls after warm-up | baseline (no interceptor) | with the layer, mocked |
|---|---|---|
${rows.join('\n')}

Growth per 1,000 calls: baseline ${perThousand(without).toFixed(0)} KiB, mocked ${perThousand(withLayer).toFixed(0)} KiB.
Before the fix (@mswjs/interceptors left every mocked socket's TCP handle open) the layer kept about 16 KiB per
mocked call, so 16,000 KiB per 1,000 calls.
`
}

/** Cold paths and first calls, with and without the layer, as report sections. */
async function coldAndFirstCalls(
  env: Record<string, string>,
  intercepted: (functionName: string, endpoint?: string) => HandlerOptions,
  mock: (functionName: string) => Promise<unknown>,
  url: string,
): Promise<string> {
  const baseline: HandlerOptions = { entry: ENTRY, env, functionName: 'cold-baseline' }
  const coldBaseline = await coldPaths(baseline, url)
  await mock('cold-mocked')
  const coldMocked = await coldPaths(intercepted('cold-mocked'), url)
  const coldUnmatched = await coldPaths(intercepted('cold-unmatched'), url)
  const coldRow = (name: string, path: { init: number[]; firstResponse: number[] }) => {
    const init = median(path.init)
    const first = median(path.firstResponse)
    const added = (value: number, base: number) => (path === coldBaseline ? '—' : signedMs(value - base))
    return `| ${name} | ${ms(init)} | ${added(init, median(coldBaseline.init))} | ${ms(first)} | ${added(first, median(coldBaseline.firstResponse))} |`
  }

  const unreachableInvocations = Math.min(INVOCATIONS, 10)
  const silent = await startSilentServer()
  let firstBaseline: number[]
  let firstHealthy: number[]
  let firstMocked: number[]
  let firstUnreachable: number[]
  try {
    firstBaseline = await firstCalls({ ...baseline, functionName: 'first-baseline' }, url, INVOCATIONS)
    firstHealthy = await firstCalls(intercepted('first-healthy'), url, INVOCATIONS)
    await mock('first-mocked')
    firstMocked = await firstCalls(intercepted('first-mocked'), url, INVOCATIONS)
    const unreachable = intercepted('first-unreachable', silent.endpoint)
    // The deadline against DynamoDB in AWS (a local endpoint such as this one defaults to 3 s).
    firstUnreachable = await firstCalls(
      { ...unreachable, env: { ...unreachable.env, STAKEOUT_RULES_TIMEOUT_MS: '300' } },
      url,
      unreachableInvocations,
    )
  } finally {
    silent.close()
  }
  const firstRow = (name: string, values: number[]) =>
    `| ${name} | ${ms(median(values))} | ${ms(percentile(values, 0.95))} | ${values === firstBaseline ? '—' : signedMs(median(values) - median(firstBaseline))} |`

  return `## Cold path (median of ${COLD_STARTS} new processes)

| | process start → end of INIT | added | process start → first response | added |
|---|---|---|---|---|
${coldRow('baseline (no layer)', coldBaseline)}
${coldRow('layer, the call mocked', coldMocked)}
${coldRow('layer, no rule', coldUnmatched)}

"First response": the process is started by \`startHandler\` and invoked once with one outbound call; the time runs
until the invocation's result is back. With the layer, that first invocation loads the table client (its own chunk),
reads the rules (one Query) and, when the call was mocked, records it (one BatchWriteItem) before returning.

## First outbound call of an invocation (warm process, ${INVOCATIONS} one-call invocations)

| table | first call (median) | first call (p95) | added (median) |
|---|---|---|---|
${firstRow('baseline (no layer)', firstBaseline)}
${firstRow('layer, healthy table, no rule', firstHealthy)}
${firstRow('layer, healthy table, the call mocked', firstMocked)}
${firstRow(`layer, table never answers (deadline 300 ms; ${unreachableInvocations} invocations)`, firstUnreachable)}

The rules read starts when the invocation starts; the first call waits for what is left of it. Against a table that
never answers, it waits the deadline (\`STAKEOUT_RULES_TIMEOUT_MS\`, 300 ms against DynamoDB in AWS), then goes to
the network.
`
}

async function main() {
  const ddb = await startDynamoDBLocal()
  const api = await startApi()
  const proxy = await startCountingProxy(ddb.endpoint)
  const dynamodb = new DynamoDBClient({ endpoint: ddb.endpoint, region: 'us-east-1', credentials })
  const { tableName } = await createInterceptorTable({ dynamodb, tableName: `bench-${Date.now()}` })
  const env = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' }
  const intercepted = (functionName: string, endpoint = ddb.endpoint): HandlerOptions => ({
    entry: ENTRY,
    env,
    functionName,
    interceptor: { tableName, functionName, endpoint },
  })
  const client = (functionName: string) => new HttpInterceptorClient({ functionName, tableName, dynamodb })

  try {
    const scenarios: Scenario[] = []
    const cases: Array<[string, HandlerOptions, (() => Promise<unknown>) | undefined]> = [
      ['baseline (no interceptor)', { entry: ENTRY, env, functionName: 'baseline' }, undefined],
      ['unmatched (no rule)', intercepted('unmatched'), undefined],
      [
        'mocked',
        intercepted('mocked'),
        () => client('mocked').mock(`${api.url}/*`, { status: 200, body: '{"ok":true}' }),
      ],
      ['passed through', intercepted('passed'), () => client('passed').passThrough(`${api.url}/*`)],
    ]
    for (const [name, options, arrange] of cases) {
      await arrange?.()
      const handler = await startHandler(options)
      try {
        scenarios.push(await run(handler, `${api.url}/items`, name))
      } finally {
        await handler.stop()
      }
    }

    // DynamoDB requests for one invocation making 10 matched calls, counted by a proxy.
    await client('counted').mock(`${api.url}/*`, { status: 200, body: 'ok' })
    const counted = await startHandler(intercepted('counted', proxy.endpoint))
    proxy.counts.clear()
    const tenCalls = await counted.invoke({ url: `${api.url}/items`, count: 10 })
    await counted.stop()
    if (tenCalls.error) throw new Error(tenCalls.error.errorMessage)
    const requests = Object.fromEntries(proxy.counts)

    // A long-lived process: does the per-call cost grow with the number of calls made?
    const longLived = await startHandler(intercepted('long-lived'))
    const invocationMedians: number[] = []
    for (let i = 0; i < LONG_RUN_INVOCATIONS; i++) {
      const out = await longLived.invoke({ url: `${api.url}/items`, count: CALLS })
      invocationMedians.push(median(out.result as number[]))
    }
    await longLived.stop()

    const coldBaseline = await coldStarts({ entry: ENTRY, env, functionName: 'cold-baseline' })
    const coldIntercepted = await coldStarts(intercepted('cold-intercepted'))
    const heapSection = await heapPerThousandCalls(
      { entry: ENTRY, env, functionName: 'heap-baseline' },
      intercepted('heap-mocked'),
      () => client('heap-mocked').mock(`${api.url}/*`, { status: 200, body: '{"ok":true}' }),
      `${api.url}/items`,
    )
    const coldAndFirst = await coldAndFirstCalls(
      env,
      intercepted,
      (functionName) => client(functionName).mock(`${api.url}/*`, { status: 200, body: '{"ok":true}' }),
      `${api.url}/items`,
    )

    const [baseline, ...others] = scenarios
    if (!baseline) throw new Error('no baseline')
    const cpu = cpus()[0]?.model ?? 'unknown CPU'
    const report = `# Benchmarks

Written by \`npm run bench\` (bench/interceptor.ts) on ${new Date().toISOString().slice(0, 10)}.
Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${process.platform}; Node.js ${process.version};
DynamoDB Local ${DYNAMODB_LOCAL_VERSION} (amplify-dynamodb-simulator) on 127.0.0.1; the "third-party API" is a Node.js server on 127.0.0.1.

Each scenario runs the same handler (\`bench/fixtures/sequential-calls.mjs\`: sequential \`fetch\` calls, body read)
in its own warm process started by \`startHandler\`, with and without stakeout's interceptor layer
(exec wrapper + wrapper handler, exactly as in Lambda). The baseline is measured in the same run.

## Added latency per outbound call (${CALLS} sequential calls in one invocation)

${perCallRows(baseline, others)}

"One-call invocation" is the median duration of ${INVOCATIONS} warm invocations that each make one call: it includes
the interceptor's once-per-invocation rule read (one Query) and, when a call was recorded, the batch write that
happens before the invocation returns.

For comparison, ../shared/reference/anchors.md measured lambda-http-interceptor 0.1.1 on this kind of machine
(Node 22): +10.7 ms per unmatched call, +19.3 ms per mocked call, +23.0 ms per passed-through call.

## DynamoDB requests for one invocation making 10 mocked calls

Counted by a proxy in front of DynamoDB Local: ${JSON.stringify(requests)}.
A read-per-call design (lambda-http-interceptor: one read per call, one write per matched call) makes 20.

## Long-lived process

Median per-call time of each of ${LONG_RUN_INVOCATIONS} consecutive invocations of ${CALLS} unmatched calls in one process:
${invocationMedians.map((m) => m.toFixed(2)).join(', ')} ms (first ${ms(invocationMedians[0] ?? 0)}, last ${ms(invocationMedians.at(-1) ?? 0)}).
lambda-http-interceptor grows by about 45 ms per 1,000 calls.

## Cold start (start of the process to the end of INIT, median of ${COLD_STARTS})

| | median | added |
|---|---|---|
| baseline | ${ms(median(coldBaseline))} | — |
| with the interceptor layer | ${ms(median(coldIntercepted))} | ${signedMs(median(coldIntercepted) - median(coldBaseline))} |

The layer loads @mswjs/interceptors at INIT; its table client (its own chunk) is loaded when the first invocation
starts. lambda-http-interceptor adds about +120 ms to \`node -e ''\`.

${coldAndFirst}

${heapSection}`
    const out = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url))
    await writeFile(out, report)
    console.log(report)
  } finally {
    api.server.close()
    proxy.server.close()
    dynamodb.destroy()
    await ddb.stop()
  }
}

await main()
