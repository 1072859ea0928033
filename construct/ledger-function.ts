import { existsSync, statSync } from 'node:fs'
import { Duration, Token } from 'aws-cdk-lib'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs'
import type { Construct } from 'constructs'

/** How one of the ledger's functions (the dispatch, a projector) is built from the user's code. */
export interface LedgerFunctionOptions {
  /** Path of the handler's file (`.ts`, `.js`, `.mjs`...), bundled by esbuild at synthesis (a `NodejsFunction`). */
  readonly entry: string
  /**
   * The exported handler's name in `entry`.
   * @default 'handler'
   */
  readonly handler?: string
  /**
   * A Node.js runtime.
   * @default lambda.Runtime.NODEJS_22_X
   */
  readonly runtime?: lambda.Runtime
  /**
   * How long one invocation may run.
   * @default - 30 seconds for the dispatch (it folds aggregates), 10 seconds for a projector
   */
  readonly timeout?: Duration
  /**
   * Memory in MB (128 to 10,240).
   * @default 128
   */
  readonly memorySize?: number
  /**
   * More environment variables. The ledger's own (`STAKEOUT_*`) cannot be overridden.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>
  /**
   * esbuild options, as `NodejsFunction` takes them.
   * @default - NodejsFunction's defaults
   */
  readonly bundling?: nodejs.BundlingOptions
  /**
   * The project's root, as `NodejsFunction` takes it.
   * @default - the directory of `depsLockFilePath`
   */
  readonly projectRoot?: string
  /**
   * The lock file, as `NodejsFunction` takes it.
   * @default - the nearest package-lock.json, yarn.lock, pnpm-lock.yaml or bun.lockb above the working directory
   */
  readonly depsLockFilePath?: string
}

const MIN_MEMORY_MB = 128
const MAX_MEMORY_MB = 10_240
const MAX_TIMEOUT = Duration.minutes(15)
const HANDLER_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** Checks {@link LedgerFunctionOptions} at `prefix` (`props.dispatch`), naming the prop that is wrong. */
export function validateFunctionOptions(
  options: unknown,
  prefix: string,
  fail: (argument: string, expectation: string, received: unknown) => never,
): asserts options is LedgerFunctionOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail(prefix, 'an object with an entry', options)
  }
  const { entry, handler, runtime, timeout, memorySize, environment, bundling, projectRoot, depsLockFilePath } =
    options as Record<string, unknown>
  if (typeof entry !== 'string' || entry === '') fail(`${prefix}.entry`, 'the path of a handler file', entry)
  if (!existsSync(entry as string) || !statSync(entry as string).isFile()) {
    fail(`${prefix}.entry`, 'the path of an existing file', entry)
  }
  if (handler !== undefined && (typeof handler !== 'string' || !HANDLER_NAME.test(handler))) {
    fail(`${prefix}.handler`, 'the name of an exported function (a JavaScript identifier)', handler)
  }
  if (runtime !== undefined) {
    if (!(runtime instanceof lambda.Runtime)) fail(`${prefix}.runtime`, 'a lambda.Runtime', runtime)
    if ((runtime as lambda.Runtime).family !== lambda.RuntimeFamily.NODEJS) {
      fail(`${prefix}.runtime`, 'a Node.js runtime', (runtime as lambda.Runtime).name)
    }
  }
  if (timeout !== undefined) {
    if (!(timeout instanceof Duration)) fail(`${prefix}.timeout`, 'a Duration', timeout)
    const time = timeout as Duration
    if (
      !time.isUnresolved() &&
      (time.toMilliseconds() < 1000 || time.toMilliseconds() > MAX_TIMEOUT.toMilliseconds())
    ) {
      fail(`${prefix}.timeout`, 'between 1 second and 15 minutes', time.toHumanString())
    }
  }
  if (memorySize !== undefined && !Token.isUnresolved(memorySize)) {
    if (
      typeof memorySize !== 'number' ||
      !Number.isInteger(memorySize) ||
      memorySize < MIN_MEMORY_MB ||
      memorySize > MAX_MEMORY_MB
    ) {
      fail(`${prefix}.memorySize`, 'a whole number of MB between 128 and 10240', memorySize)
    }
  }
  if (environment !== undefined) {
    if (typeof environment !== 'object' || environment === null || Array.isArray(environment)) {
      fail(`${prefix}.environment`, 'an object of strings', environment)
    }
    for (const [name, value] of Object.entries(environment as object)) {
      if (typeof value !== 'string') fail(`${prefix}.environment.${name}`, 'a string', value)
      if (name.startsWith('STAKEOUT_')) {
        fail(`${prefix}.environment.${name}`, 'a name outside STAKEOUT_* (the ledger sets those)', name)
      }
    }
  }
  if (bundling !== undefined && (typeof bundling !== 'object' || bundling === null)) {
    fail(`${prefix}.bundling`, 'an object (nodejs.BundlingOptions)', bundling)
  }
  for (const [name, value] of [
    ['projectRoot', projectRoot],
    ['depsLockFilePath', depsLockFilePath],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      fail(`${prefix}.${name}`, 'a path', value)
    }
  }
}

/** The user's handler as a NodejsFunction, with the ledger's variables on top of the user's. */
export function ledgerFunction(
  scope: Construct,
  id: string,
  options: LedgerFunctionOptions,
  settings: { description: string; timeout: Duration; environment: Record<string, string> },
): nodejs.NodejsFunction {
  return new nodejs.NodejsFunction(scope, id, {
    entry: options.entry,
    handler: options.handler ?? 'handler',
    runtime: options.runtime ?? lambda.Runtime.NODEJS_22_X,
    timeout: options.timeout ?? settings.timeout,
    ...(options.memorySize === undefined ? {} : { memorySize: options.memorySize }),
    ...(options.bundling === undefined ? {} : { bundling: options.bundling }),
    ...(options.projectRoot === undefined ? {} : { projectRoot: options.projectRoot }),
    ...(options.depsLockFilePath === undefined ? {} : { depsLockFilePath: options.depsLockFilePath }),
    description: settings.description,
    environment: { ...options.environment, ...settings.environment },
  })
}

/** Fails with `expectation` unless `value` is a whole number in [min, max]. */
export function checkWholeNumber(
  value: unknown,
  argument: string,
  [min, max]: readonly [number, number],
  fail: (argument: string, expectation: string, received: unknown) => never,
): void {
  if (value === undefined) return
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(argument, `a whole number between ${min} and ${max}`, value)
  }
}

/** Fails unless `value` is a Duration of whole seconds in [min, max]. */
export function checkSeconds(
  value: unknown,
  argument: string,
  [min, max]: readonly [Duration, Duration],
  fail: (argument: string, expectation: string, received: unknown) => never,
): void {
  if (value === undefined) return
  if (!(value instanceof Duration)) fail(argument, 'a Duration', value)
  const duration = value as Duration
  if (duration.isUnresolved()) return
  const ms = duration.toMilliseconds()
  if (ms % 1000 !== 0 || ms < min.toMilliseconds() || ms > max.toMilliseconds()) {
    fail(
      argument,
      `a whole number of seconds between ${min.toHumanString()} and ${max.toHumanString()}`,
      duration.toHumanString(),
    )
  }
}
