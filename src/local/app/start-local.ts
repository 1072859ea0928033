import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { failArgument, StakeoutError } from '../../errors.js'
import {
  type AwsService,
  constructPath,
  LOCAL_ACCOUNT,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalConnection,
  loadCloudAssembly,
  type StackResource,
  type StackResources,
  writeLocalManifest,
} from '../../target/index.js'
import { type DynamoDBLocal, startDynamoDBLocal } from '../dynamodb-local.js'
import { type LambdaInvoker, startLambdaEndpoint } from '../services/lambda-endpoint.js'
import { queueMessages } from '../services/sqs/service.js'
import { AssetIndex, NotLocalCodeError } from './assets.js'
import { checkFaults, type RunFaults } from './faults.js'
import { FunctionPool, handlerEntry, RefusedFunction } from './functions.js'
import type { Arns } from './names.js'
import {
  describeGaps,
  FUNCTION,
  type FunctionCode,
  functionCode,
  functionGaps,
  functionRuntime,
  functionSpec,
  type Gap,
  localResources,
  resolveOutputs,
  TABLES,
  unsupportedResources,
} from './plan.js'
import { ENDPOINT_VARIABLES, LOCAL_SERVICES, type LocalServiceApis, type StartedService } from './services.js'
import { assemblyOf, scratchDirectory } from './synth.js'
import { createTable } from './tables.js'
import type { LocalApp, StartLocalOptions } from './types.js'

/**
 * Brings a CDK app up on this machine: synthesizes it (or reads a `cdk.out`), starts DynamoDB Local with the
 * stack's tables, and runs its Node.js functions from their code assets, each in a pool of execution environments
 * started on first invoke. The resources carry their local names (`source: 'local'`), and the manifest at
 * `manifestPath` lets other processes reach the same app with `resolveTarget()` (set `STAKEOUT_LOCAL_APP` to it).
 * What the local target does not bring up is listed in one warning.
 *
 * @throws {ArgumentError} an option is not what it must be
 * @throws {StakeoutError} the app does not exist or its synth failed (its output shown), the assembly has several
 *   stacks and none is chosen, DynamoDB Local could not start (its port taken), a function's code asset or handler
 *   file is missing
 * @example
 * const app = await startLocal({ app: 'npx tsx bin/app.ts', log: console.log })
 * try {
 *   const out = await app.invoke('Checkout', { cartId: 'c-1' })
 *   const orders = app.resources.resolve('Orders').physicalId
 * } finally {
 *   await app.stop()
 * }
 */
export async function startLocal(options: StartLocalOptions): Promise<LocalApp> {
  const checked = checkOptions(options)
  const { log, signal } = checked
  const cleanups: Array<() => Promise<unknown>> = []
  const cleanUp = async () => {
    const errors: unknown[] = []
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => errors.push(error))
    if (errors.length > 0) throw errors[0]
  }
  try {
    await assertDirectory(checked.cwd)
    const scratchDir = await scratchDirectory()
    cleanups.push(() => rm(scratchDir, { recursive: true, force: true }))

    let started = performance.now()
    const assembly = await assemblyOf({ ...checked, region: LOCAL_REGION, account: LOCAL_ACCOUNT })
    if (assembly.synthesized) cleanups.push(() => rm(assembly.dir, { recursive: true, force: true }))
    const fromAssembly = await chooseStack(assembly.dir, checked.stack, checked.app)
    const root = fromAssembly.stacks.find((stack) => stack.parent === undefined)
    if (root === undefined) throw new StakeoutError(`startLocal: ${checked.app} holds no stack`)
    const stackName = root.stackName
    log(
      assembly.synthesized
        ? `synth: ${stackName} from ${JSON.stringify(checked.app)} in ${seconds(started)}`
        : `cloud assembly: ${stackName} read from ${assembly.dir} in ${seconds(started)}`,
    )
    signal?.throwIfAborted()

    // Code assets and handler files first: a missing one fails the start before anything is started.
    const assets = await AssetIndex.read(assembly.dir)
    const code = new Map<string, FunctionCode | { refused: string }>()
    for (const fn of fromAssembly.ofType(FUNCTION)) {
      const runtime = functionRuntime(fn)
      if ('refused' in runtime) continue
      const found = await functionCode(fn, fromAssembly, assets, scratchDir).catch((error: unknown) => {
        if (error instanceof NotLocalCodeError) return { refused: error.reason }
        throw error
      })
      if ('refused' in found) {
        code.set(fn.logicalId, found)
        continue
      }
      const handler = fromAssembly.resolveValue(fn.properties?.Handler, fn) ?? ''
      await handlerEntry({ label: constructPath(fn) ?? fn.logicalId, handler, ...found })
      code.set(fn.logicalId, found)
    }

    started = performance.now()
    const dynamodb: DynamoDBLocal = await startDynamoDBLocal({
      ...(checked.dynamodbPort === undefined ? {} : { port: checked.dynamodbPort }),
      ...(signal === undefined ? {} : { signal }),
    })
    cleanups.push(() => dynamodb.stop())
    log(`DynamoDB Local: ${dynamodb.endpoint} in ${seconds(started)}`)
    signal?.throwIfAborted()

    const where = { region: root.region ?? LOCAL_REGION, account: root.account ?? LOCAL_ACCOUNT }
    // The pools are filled below; the Invoke API is up first so every function gets its endpoint.
    const pools = new Map<string, FunctionPool | RefusedFunction>()
    // The services' in-process APIs, filled as they start: the Invoke API queues Event invocations in the bus's.
    const apis: LocalServiceApis = {}
    const lambda = await startLambdaEndpoint({
      invoker: lambdaInvoker(fromAssembly, where, pools, apis),
      region: where.region,
      log: checked.logGiven ? log : console.warn,
    })
    cleanups.push(() => lambda.stop())
    const endpoints: Partial<Record<AwsService, string>> = { dynamodb: dynamodb.endpoint, lambda: lambda.endpoint }
    const connection: LocalConnection = { ...where, endpoints, credentials: LOCAL_CREDENTIALS }
    // Names first (streams unknown yet), so tables are created under the names every reference will resolve to.
    const named = localResources(fromAssembly, where, connection, new Map(), LOCAL_SERVICES)

    started = performance.now()
    const client = new DynamoDBClient({ ...named.clientSettings('dynamodb'), maxAttempts: 1 })
    const streams = new Map<StackResource, string | undefined>()
    try {
      const tables = fromAssembly.ofType(TABLES)
      await Promise.all(
        tables.map(async (table, index) => {
          const name = named.ofType(TABLES)[index]?.physicalId ?? table.logicalId
          streams.set(table, (await createTable(client, table, name, where.region)).streamArn)
        }),
      )
      log(`tables: ${tables.length} created in ${seconds(started)}`)
    } finally {
      client.destroy()
    }
    signal?.throwIfAborted()

    const gaps: Gap[] = unsupportedResources(fromAssembly, LOCAL_SERVICES)
    // The same names, now with the tables' stream ARNs.
    const withStreams = localResources(fromAssembly, where, connection, streams, LOCAL_SERVICES)

    if (checked.faults.any) {
      ;(checked.logGiven ? log : console.warn)(
        `faults: on, seed ${checked.faults.seed} (pass faults.seed to get the same faults again)`,
      )
    }
    // The local services (queues, the bus, stream event sources...), in order, each given the APIs of those before.
    const services: StartedService[] = []
    cleanups.push(async () => {
      for (const service of services.splice(0).reverse()) await service.stop()
    })
    let functionsReady = false
    for (const service of LOCAL_SERVICES) {
      if (!withStreams.resources.some((resource) => service.types.includes(resource.type))) continue
      started = performance.now()
      const startedService = await service.start({
        resources: withStreams,
        where,
        log: checked.logGiven ? log : console.warn,
        ...(signal === undefined ? {} : { signal }),
        options,
        faults: checked.faults,
        dynamodbEndpoint: dynamodb.endpoint,
        endpoints: { ...endpoints },
        invoke: (logicalId, event, invokeOptions = {}) => {
          const pool = pools.get(logicalId)
          if (!functionsReady || pool === undefined) {
            return Promise.reject(
              new StakeoutError(
                `startLocal: ${service.name} invoked function ${logicalId} ${functionsReady ? 'which this app does not run' : 'before the functions were ready'}`,
              ),
            )
          }
          return pool.invoke(event, invokeOptions.signal)
        },
        apis,
      })
      services.push(startedService)
      Object.assign(endpoints, startedService.endpoints)
      Object.assign(apis, startedService.apis)
      gaps.push(...(startedService.gaps ?? []))
      const served = Object.entries(startedService.endpoints ?? {}).map(([name, url]) => `${name} at ${url}`)
      log(`${service.name}: ${served.length > 0 ? served.join(', ') : 'started'} in ${seconds(started)}`)
      signal?.throwIfAborted()
    }

    started = performance.now()
    const sdkEnvironment: Record<string, string> = {
      AWS_REGION: where.region,
      AWS_DEFAULT_REGION: where.region,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      // DynamoDB Local serves the Streams API on its own endpoint.
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamodb.endpoint,
    }
    for (const [name, url] of Object.entries(endpoints)) {
      if (url !== undefined) sdkEnvironment[ENDPOINT_VARIABLES[name as AwsService]] = url
    }
    cleanups.push(() => Promise.all([...pools.values()].map((pool) => pool.stop())))
    let running = 0
    for (const fn of withStreams.ofType(FUNCTION)) {
      const label = constructPath(fn) ?? fn.logicalId
      const runtime = functionRuntime(fn)
      if ('refused' in runtime) {
        pools.set(fn.logicalId, new RefusedFunction(label, runtime.refused))
        gaps.push({ resource: fn, what: '', why: `${runtime.refused}; invoking it fails` })
        continue
      }
      const functionCodeOf = code.get(fn.logicalId)
      if (functionCodeOf === undefined) continue
      const spec =
        'refused' in functionCodeOf
          ? functionCodeOf
          : functionSpec(fn, runtime.runtime, functionCodeOf, withStreams, sdkEnvironment)
      if ('refused' in spec) {
        pools.set(fn.logicalId, new RefusedFunction(label, spec.refused))
        gaps.push({ resource: fn, what: '', why: `${spec.refused}; invoking it fails` })
        continue
      }
      gaps.push(...functionGaps(fn))
      pools.set(fn.logicalId, new FunctionPool(spec))
      running += 1
    }
    log(
      `functions: ${running} Node.js ready, Lambda Invoke API at ${lambda.endpoint} in ${seconds(started)} ` +
        '(each function starts on its first invoke)',
    )
    functionsReady = true
    for (const service of services) await service.ready?.()

    const resources = withOutputs(withStreams, gaps)
    const manifestPath = join(scratchDir, 'local-app.json')
    await writeLocalManifest(manifestPath, resources)

    const warning = describeGaps(stackName, gaps)
    // The one warning: through the user's log when there is one, so it sits among the progress lines.
    if (warning !== undefined) (checked.logGiven ? log : console.warn)(warning)

    let stopping: Promise<void> | undefined
    return {
      stackName,
      resources,
      endpoints: localEndpoints(endpoints, where.region),
      manifestPath,
      invoke(ref: string, event: unknown, invokeOptions: { readonly signal?: AbortSignal } = {}) {
        if (stopping !== undefined) {
          return Promise.reject(
            new StakeoutError('LocalApp.invoke: the local app was stopped; start it again with startLocal()'),
          )
        }
        const fn = resources.resolve(ref, { type: FUNCTION })
        const pool = pools.get(fn.logicalId)
        if (pool === undefined)
          return Promise.reject(new StakeoutError(`LocalApp.invoke: ${ref} is not a function of ${stackName}`))
        return pool.invoke(event, invokeOptions.signal)
      },
      messages: async (ref: string) => queueMessages(resources, apis.queues, ref),
      pids() {
        return [dynamodb.pid, ...[...pools.values()].flatMap((pool) => pool.pids)]
      },
      stop() {
        stopping ??= cleanUp()
        return stopping
      },
    }
  } catch (error) {
    await cleanUp().catch(() => {})
    // Whatever broke once the start was aborted (a request to a DynamoDB Local already stopped), the abort is the cause.
    throw signal?.aborted ? signal.reason : error
  }
}

/**
 * What the Lambda Invoke API serves: a function of the app by its local name (the endpoint takes ARNs and qualifiers
 * apart) → its pool; `undefined` for a name it does not have (→ ResourceNotFoundException).
 */
function lambdaInvoker(
  resources: StackResources,
  where: Arns,
  pools: ReadonlyMap<string, FunctionPool | RefusedFunction>,
  apis: LocalServiceApis,
): LambdaInvoker {
  // The names localResources gives (the same for the whole start), looked up once.
  let byName: Map<string, string> | undefined
  const poolOf = (name: string) => {
    byName ??= new Map(
      localResources(resources, where, undefined, new Map(), LOCAL_SERVICES)
        .ofType(FUNCTION)
        .flatMap((fn) => (fn.physicalId === undefined ? [] : [[fn.physicalId, fn.logicalId] as const])),
    )
    const logicalId = byName.get(name)
    return logicalId === undefined ? undefined : pools.get(logicalId)
  }
  return {
    invoke: (name, event, options) => poolOf(name)?.invoke(event, options.signal),
    has: (name) => poolOf(name) !== undefined,
    enqueue: (name, event) => {
      const logicalId = poolOf(name) === undefined ? undefined : byName?.get(name)
      if (logicalId === undefined || apis.events === undefined) return logicalId === undefined ? false : undefined
      apis.events.invokeAsync(logicalId, event)
      return true
    },
  }
}

function withOutputs(resources: StackResources, gaps: Gap[]): StackResources {
  for (const stack of resources.stacks) {
    if (stack.templateOutputs !== undefined) stack.outputs = resolveOutputs(resources, stack, gaps)
  }
  return resources
}

async function chooseStack(dir: string, stack: string | undefined, app: string): Promise<StackResources> {
  if (stack !== undefined) return loadCloudAssembly(dir, { stackName: stack })
  const all = await loadCloudAssembly(dir)
  const roots = all.stacks.filter((each) => each.parent === undefined).map((each) => each.stackName)
  if (roots.length > 1) {
    throw new StakeoutError(
      `startLocal: the app ${JSON.stringify(app)} has ${roots.length} stacks (${roots.join(', ')}): choose one with { stack }, ` +
        `e.g. startLocal({ app, stack: ${JSON.stringify(roots[0])} }) (STAKEOUT_APP_STACK=<name> for the global setup and npx stakeout local).`,
    )
  }
  return all
}

interface CheckedOptions {
  readonly app: string
  readonly stack: string | undefined
  readonly cwd: string
  readonly log: (line: string) => void
  readonly signal: AbortSignal | undefined
  readonly dynamodbPort: number | undefined
  readonly logGiven: boolean
  readonly faults: RunFaults
}

function checkOptions(options: StartLocalOptions): CheckedOptions {
  if (options === null || typeof options !== 'object') {
    failArgument(startLocal, 'startLocal', 'options', 'an object like { app }', options)
  }
  const { app, stack, cwd, log, signal, dynamodbPort } = options
  if (typeof app !== 'string' || app.trim() === '') {
    failArgument(
      startLocal,
      'startLocal',
      'options.app',
      "a cdk.out directory or an app command like 'npx tsx bin/app.ts'",
      app,
    )
  }
  if (stack !== undefined && (typeof stack !== 'string' || stack === '')) {
    failArgument(startLocal, 'startLocal', 'options.stack', 'a stack name when given', stack)
  }
  if (cwd !== undefined && typeof cwd !== 'string') {
    failArgument(startLocal, 'startLocal', 'options.cwd', 'the directory the app command runs in', cwd)
  }
  if (log !== undefined && typeof log !== 'function') {
    failArgument(startLocal, 'startLocal', 'options.log', 'a function taking one line', log)
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    failArgument(startLocal, 'startLocal', 'options.signal', 'an AbortSignal', signal)
  }
  return {
    app,
    stack,
    cwd: cwd ?? process.cwd(),
    log: log ?? (() => {}),
    signal,
    dynamodbPort,
    logGiven: log !== undefined,
    faults: checkFaults(options.faults, startLocal),
  }
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(2)} s`
}

/** Checks `cwd` exists before anything runs in it. */
async function assertDirectory(path: string): Promise<void> {
  const stats = await stat(path).catch(() => undefined)
  if (!stats?.isDirectory()) {
    throw new StakeoutError(`startLocal: cwd ${path} is not a directory (the app command runs there)`)
  }
}

/** `app.endpoints`: every endpoint up, EventBridge's named `eventbridge` as users and API.md call it (the SDK's id is `events`). */
function localEndpoints(endpoints: Partial<Record<AwsService, string>>, region: string): LocalApp['endpoints'] {
  const { events, dynamodb = '', lambda = '', ...rest } = endpoints
  return { ...rest, dynamodb, lambda, ...(events === undefined ? {} : { eventbridge: events }), region }
}
