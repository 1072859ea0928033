/**
 * Benchmark of the local target, run by `npm run bench` after bench/interceptor.ts (or alone: `npm run bench:local`);
 * writes its own section of BENCHMARKS.md, between the markers below, and leaves the rest of the file as it is.
 *
 * - Boot time of `startLocal`, split into its steps (synth, DynamoDB Local, tables, functions): each step's time is
 *   the time between the progress line before it and its own line, so it does not depend on how a line is worded.
 *   For the bank (examples/bank/cdk.json) and for a generated app (bench/fixtures/generated-app.mjs: 20 functions,
 *   5 tables), each brought up BENCH_BOOTS times (median).
 * - Invoke latency of a trivial function: the first invocation of each of the 20 functions (a cold start, as in
 *   Lambda), then warm invocations, through the local Lambda endpoint with the real SDK client (what `useFunction`
 *   does) and through `LocalApp.invoke`, against calling the same handler in this process.
 * - `npm run example` wall time, as a user runs it.
 */

import { spawn } from 'node:child_process'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { type LocalApp, startLocal } from '../src/local/index.js'
import { median, ms, writeSection } from './report.js'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const BOOTS = Number(process.env.BENCH_BOOTS ?? 3)
const WARM_INVOCATIONS = Number(process.env.BENCH_WARM_INVOCATIONS ?? 50)
const FUNCTIONS = 20
const TABLES = 5

const s = (value: number): string => `${(value / 1000).toFixed(2)} s`

interface Boot {
  /** Each progress line of startLocal, with the time since the line before it (the first: since the start). */
  readonly steps: ReadonlyArray<{ readonly line: string; readonly ms: number }>
  readonly totalMs: number
}

/** Brings an app up once, timing each step by its progress line; hands the app to `use`, then stops it. */
async function boot(app: string, cwd: string, env: Record<string, string>, use?: (app: LocalApp) => Promise<void>) {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]))
  Object.assign(process.env, env)
  const steps: Array<{ line: string; ms: number }> = []
  const started = performance.now()
  let last = started
  const local = await startLocal({
    app,
    cwd,
    log: (line) => {
      const now = performance.now()
      steps.push({ line, ms: now - last })
      last = now
    },
  }).finally(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })
  const totalMs = performance.now() - started
  try {
    await use?.(local)
  } finally {
    await local.stop()
  }
  return { steps, totalMs } satisfies Boot
}

/** The step a progress line reports, by how startLocal begins it: synth, DynamoDB Local, tables, functions, or else its warning. */
function stepName(line: string): string {
  const step = /^(synth|cloud assembly|DynamoDB Local|tables|functions)\b/.exec(line)?.[1]
  return step ?? 'the warning (resources not brought up)'
}

/** Median boot of `runs`, step by step (the runs report the same steps in the same order). */
function bootRows(runs: readonly Boot[]): string[] {
  const first = runs[0]
  if (first === undefined) return []
  const rows = first.steps.map((step, index) => {
    const times = runs.map((run) => run.steps[index]?.ms ?? 0)
    const firstLine = step.line.split('\n')[0] ?? ''
    return `| ${stepName(step.line)} | ${ms(median(times))} | \`${firstLine.replace(/\|/g, '\\|')}\` |`
  })
  return [...rows, `| **total** | **${s(median(runs.map((run) => run.totalMs)))}** | |`]
}

function afterSynth(runs: readonly Boot[]): number {
  return median(
    runs.map((run) => run.totalMs - run.steps.filter((step) => /synth/i.test(step.line)).reduce((a, b) => a + b.ms, 0)),
  )
}

async function latency(app: LocalApp) {
  const functions = app.resources.resources.filter((resource) => resource.type === 'AWS::Lambda::Function')
  const names = functions.map((fn) => fn.physicalId ?? fn.logicalId)
  const lambda = new LambdaClient(app.resources.clientSettings('lambda'))
  const invokeThroughEndpoint = async (functionName: string) => {
    const started = performance.now()
    const answer = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: '{"n":1}' }))
    const elapsed = performance.now() - started
    if (answer.FunctionError) throw new Error(`${functionName}: ${new TextDecoder().decode(answer.Payload)}`)
    return elapsed
  }
  try {
    const cold: number[] = []
    for (const name of names) cold.push(await invokeThroughEndpoint(name))
    const warmEndpoint: number[] = []
    for (let i = 0; i < WARM_INVOCATIONS; i++) warmEndpoint.push(await invokeThroughEndpoint(names[0] ?? ''))
    const warmPool: number[] = []
    for (let i = 0; i < WARM_INVOCATIONS; i++) {
      const started = performance.now()
      const out = await app.invoke(names[0] ?? '', { n: 1 })
      warmPool.push(performance.now() - started)
      if (out.error) throw new Error(out.error.errorMessage)
    }
    return { cold, warmEndpoint, warmPool }
  } finally {
    lambda.destroy()
  }
}

async function inProcess(): Promise<number[]> {
  const handlerFile = new URL('./fixtures/generated-app/index.mjs', import.meta.url).href
  const { handler } = (await import(handlerFile)) as {
    handler: (event: unknown) => Promise<unknown>
  }
  const times: number[] = []
  for (let i = 0; i < 1000; i++) {
    const started = performance.now()
    await handler({ n: 1 })
    times.push(performance.now() - started)
  }
  return times.slice(100)
}

function npmRunExample(): Promise<{ ms: number; code: number | null }> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'example'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] })
    child.on('error', reject)
    child.on('close', (code) => resolve({ ms: performance.now() - started, code }))
  })
}

async function main() {
  const bank: Boot[] = []
  for (let i = 0; i < BOOTS; i++) bank.push(await boot('node --import tsx app.ts', `${REPO}/examples/bank`, {}))
  const generatedEnv = { BENCH_FUNCTIONS: String(FUNCTIONS), BENCH_TABLES: String(TABLES) }
  const generated: Boot[] = []
  let measured: Awaited<ReturnType<typeof latency>> | undefined
  for (let i = 0; i < BOOTS; i++) {
    generated.push(
      await boot('node bench/fixtures/generated-app.mjs', REPO, generatedEnv, async (app) => {
        if (i === 0) measured = await latency(app)
      }),
    )
  }
  if (measured === undefined) throw new Error('no latency measured')
  const baseline = await inProcess()
  const example = await npmRunExample()

  const body = `## The local target: \`startLocal\` (bench/local.ts)

Measured on ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, Node.js ${process.version}. Each app brought up
${BOOTS} time(s); medians. A step's time runs from the progress line before it to its own. The machine's load
weighs most on synth (it runs Node.js with tsx, and esbuild for the bank): compare runs made on a quiet machine.

### Boot: the bank (examples/bank/cdk.json: 1 function bundled by esbuild, the interceptor's table and layer)

| step | median | progress line (last run) |
|---|---|---|
${bootRows(bank).join('\n')}

Up ${s(afterSynth(bank))} after synth.

### Boot: a generated app (${FUNCTIONS} functions, ${TABLES} tables; bench/fixtures/generated-app.mjs)

| step | median | progress line (last run) |
|---|---|---|
${bootRows(generated).join('\n')}

Up ${s(afterSynth(generated))} after synth (goal: 5 s on this ${cpus().length}-core machine).

### Invoke latency (a function that answers at once)

| | median | min | max |
|---|---|---|---|
| cold: first invoke of each of the ${FUNCTIONS} functions, through the Lambda endpoint | ${ms(median(measured.cold))} | ${ms(Math.min(...measured.cold))} | ${ms(Math.max(...measured.cold))} |
| warm, through the Lambda endpoint (SDK client, ${WARM_INVOCATIONS} calls) | ${ms(median(measured.warmEndpoint))} | ${ms(Math.min(...measured.warmEndpoint))} | ${ms(Math.max(...measured.warmEndpoint))} |
| warm, \`LocalApp.invoke\` (${WARM_INVOCATIONS} calls) | ${ms(median(measured.warmPool))} | ${ms(Math.min(...measured.warmPool))} | ${ms(Math.max(...measured.warmPool))} |
| the same handler called in this process | ${ms(median(baseline))} | ${ms(Math.min(...baseline))} | ${ms(Math.max(...baseline))} |

### \`npm run example\`

${s(example.ms)} wall time (exit status ${example.code}): synth, boot, the bank's tests, stop.`
  await writeSection('bench/local.ts', body)
}

await main()
