#!/usr/bin/env node
/**
 * The `stakeout` command (the package's `bin`). `npx stakeout local` brings a CDK app up on this machine, prints its
 * resources, its endpoints and the variables that point the AWS CLI (or a script, or a test run) at them, and stays
 * up until SIGINT (Ctrl-C) or SIGTERM, then stops everything it started.
 *
 * Exit status: 0 once stopped as asked; 1 when the app cannot be brought up or stopped; 2 for a bad command line;
 * 130 when interrupted before the app was up.
 * @packageDocumentation
 */
import { parseArgs } from 'node:util'
import { ENDPOINT_VARIABLES } from './local/app/services.js'
import type { LocalApp } from './local/index.js'
import {
  APP_ENV,
  APP_STACK_ENV,
  bringUpLocalApp,
  FAULTS_ENV,
  faultsFromEnv,
  findLocalApp,
  seconds,
} from './run-target/index.js'
import { type AwsService, constructPath, LOCAL_APP_ENV } from './target/index.js'

const USAGE = `Usage: stakeout local [--app <app>] [--stack <name>]

Brings a CDK app up on this machine (its DynamoDB tables in DynamoDB Local, its Node.js
functions behind a local Lambda endpoint), prints its resources and endpoints, and stays
up until Ctrl-C (SIGINT) or SIGTERM.

Options:
  --app <app>     a cdk.out directory, a folder with cdk.json, or an app command such as
                  "npx tsx bin/app.ts" (default: ${APP_ENV}, else the app of ./cdk.json)
  --stack <name>  the stack to bring up, when the app has several (default: ${APP_STACK_ENV})
  -h, --help      show this help

Delivery faults (duplicate, reorder, delay, failed invocations) are turned on with ${FAULTS_ENV},
the JSON of startLocal's faults option: ${FAULTS_ENV}='{"eventBridge":{"duplicate":0.3}}'
`

/** A command line the CLI cannot run: printed with the usage, exit status 2. */
class UsageError extends Error {}

interface LocalCommand {
  readonly app?: string
  readonly stack?: string
}

function parseCommandLine(argv: readonly string[]): LocalCommand | 'help' {
  let parsed: ReturnType<typeof parseLocalOptions>
  try {
    parsed = parseLocalOptions(argv)
  } catch (error) {
    // node:util's messages name the flag: "Unknown option '--ap'", "Option '--app <value>' argument missing". Its
    // advice on positionals starting with '-' does not apply: this command takes none.
    throw new UsageError((error as Error).message.replace(/ To specify a positional argument starting with .*$/s, ''))
  }
  const { values, positionals } = parsed
  if (values.help) return 'help'
  const [command, ...extra] = positionals
  if (command === undefined) throw new UsageError('a command is missing: the only command is `local`')
  if (command !== 'local')
    throw new UsageError(`unknown command ${JSON.stringify(command)}: the only command is \`local\``)
  if (extra.length > 0)
    throw new UsageError(
      `unexpected argument ${JSON.stringify(extra[0])}: quote an app command, as in --app "npx tsx bin/app.ts"`,
    )
  for (const flag of ['app', 'stack'] as const) {
    const value = values[flag]
    if (value !== undefined && value.trim() === '') throw new UsageError(`--${flag} must not be empty`)
  }
  return {
    ...(values.app !== undefined ? { app: values.app } : {}),
    ...(values.stack !== undefined ? { stack: values.stack } : {}),
  }
}

function parseLocalOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: { app: { type: 'string' }, stack: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  })
}

/** What a person needs to explore the app: every resource, every endpoint, and the variables to reach them. */
function describeApp(app: LocalApp): string {
  const rows = app.resources.resources.map((resource) => [
    constructPath(resource) ?? `${resource.stackName}/${resource.logicalId}`,
    resource.type,
    resource.physicalId ?? '—',
  ])
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0), 0))
  const table = rows.map(
    (row) =>
      `  ${row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd()}`,
  )
  const { region, ...endpoints } = app.endpoints as unknown as Record<string, string>
  const services = Object.entries(endpoints).filter(([, url]) => typeof url === 'string' && url !== '')
  const credentials = app.resources.clientSettings('dynamodb').credentials
  const variables = [
    ...services.map(
      ([service, url]) =>
        `${ENDPOINT_VARIABLES[service as AwsService] ?? `AWS_ENDPOINT_URL_${service.toUpperCase()}`}=${url}`,
    ),
    `AWS_REGION=${region}`,
    ...(credentials
      ? [`AWS_ACCESS_KEY_ID=${credentials.accessKeyId}`, `AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey}`]
      : []),
    `${LOCAL_APP_ENV}=${app.manifestPath}`,
  ]
  return [
    `Stack ${app.stackName}, on this machine:`,
    ...(table.length > 0 ? table : ['  (no resources)']),
    '',
    'Endpoints:',
    ...services.map(([service, url]) => `  ${service.padEnd(10)}${url}`),
    '',
    `To point the AWS CLI or a script at them (${LOCAL_APP_ENV} lets test runs use this app):`,
    ...variables.map((line) => `  export ${line}`),
    '',
    'Up until Ctrl-C (SIGINT) or SIGTERM.',
  ].join('\n')
}

async function runLocal(command: LocalCommand): Promise<number> {
  const interrupted = new AbortController()
  let stopRequested: (() => void) | undefined
  const stopping = new Promise<void>((resolve) => {
    stopRequested = resolve
  })
  let signals = 0
  const onSignal = (signal: NodeJS.Signals) => {
    signals++
    // A second signal while stopping: leave now. Every process the app started is tied to this one and goes too.
    if (signals > 1) process.exit(130)
    process.stderr.write(`[stakeout] ${signal}: stopping\n`)
    interrupted.abort(new Error(`interrupted by ${signal}`))
    stopRequested?.()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const log = (line: string) => process.stderr.write(`[stakeout] ${line}\n`)

  let app: LocalApp
  try {
    const source = await findLocalApp({
      root: process.cwd(),
      app: command.app ?? process.env[APP_ENV],
      appOrigin: command.app !== undefined ? '--app' : APP_ENV,
      stack: command.stack ?? process.env[APP_STACK_ENV],
    })
    if (source === undefined) {
      throw new Error(
        `no app: pass --app <cdk.out, CDK project folder or app command>, set ${APP_ENV}, or run this where cdk.json is`,
      )
    }
    const faults = faultsFromEnv(process.env)
    app = await bringUpLocalApp(faults === undefined ? source : { ...source, faults }, {
      log,
      signal: interrupted.signal,
    })
  } catch (error) {
    if (interrupted.signal.aborted) {
      log('interrupted before the app was up')
      return 130
    }
    process.stderr.write(`stakeout local: ${(error as Error).message}\n`)
    return 1
  }
  process.stdout.write(`${describeApp(app)}\n`)
  // Keeps the process alive whatever the app's servers do with their handles.
  const keepAlive = setInterval(() => {}, 2 ** 30)
  await stopping
  clearInterval(keepAlive)
  const stopStarted = performance.now()
  try {
    await app.stop()
  } catch (error) {
    process.stderr.write(`stakeout local: stopping failed: ${(error as Error).message}\n`)
    return 1
  }
  log(`stopped in ${seconds(performance.now() - stopStarted)}`)
  return 0
}

async function main(argv: readonly string[]): Promise<number> {
  let command: LocalCommand | 'help'
  try {
    command = parseCommandLine(argv)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`stakeout: ${error.message}\n\n${USAGE}`)
    return 2
  }
  if (command === 'help') {
    process.stdout.write(USAGE)
    return 0
  }
  return runLocal(command)
}

// Exits explicitly: the app is stopped by now, and a handle some library left open must not keep the shell waiting.
main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error: unknown) => {
    process.stderr.write(`stakeout: ${(error as Error)?.stack ?? String(error)}\n`)
    process.exit(1)
  },
)
