import type { CloudFormationClient } from '@aws-sdk/client-cloudformation'
import { ArgumentError, StakeoutError } from '../errors.js'
import { loadDeployedStack } from './cloudformation.js'
import { LOCAL_APP_ENV, readLocalManifest } from './local-manifest.js'
import type { StackResources } from './stack-resources.js'

/** The environment variable that names the deployed stack under test. */
export const STACK_ENV = 'STAKEOUT_STACK'

/** The environment variable that picks the deployed stack's region, before `AWS_REGION`. */
export const REGION_ENV = 'STAKEOUT_REGION'

/** How {@link resolveTarget} finds the run's target. */
export interface TargetOptions {
  /**
   * The deployed stack to test.
   * @default process.env.STAKEOUT_STACK
   */
  stackName?: string
  /**
   * Its region.
   * @default env.STAKEOUT_REGION, else env.AWS_REGION, else the SDK's own chain
   */
  region?: string
  /** The CloudFormation client to read the stack with (a test can hand in a mocked one). */
  client?: CloudFormationClient
  /**
   * The manifest a running local app wrote (see `startLocal`), read when no stack is named.
   * @default process.env.STAKEOUT_LOCAL_APP
   */
  localApp?: string
  /**
   * Where `STAKEOUT_STACK`, `STAKEOUT_REGION` and `STAKEOUT_LOCAL_APP` are read.
   * @default process.env
   */
  env?: Readonly<Record<string, string | undefined>>
}

/** One discovery per stack and region (or local manifest) per process: every fixture of every test file shares it. */
const targets = new Map<string, Promise<StackResources>>()

/**
 * The run's target, read once per process and shared by every caller:
 *
 * - `STAKEOUT_STACK` set: the deployed stack it names (region from `STAKEOUT_REGION` or `AWS_REGION`), read from
 *   CloudFormation. Clients reach it through the SDK's own credential chain.
 * - else `STAKEOUT_LOCAL_APP` set: the local app whose manifest it names (stakeout's global setup and
 *   `npx stakeout local` set it after `startLocal`). Physical ids are the local names, and
 *   {@link StackResources.clientSettings} points clients at the local services.
 *
 * @throws {StakeoutError} neither is set (the message says how to get a target), the stack cannot be read, or the
 *   local app's manifest is gone (the app stopped)
 * @example
 * // STAKEOUT_STACK=MyStack npx vitest, or through stakeout's global setup for the local app
 * const stack = await resolveTarget()
 * const functionName = stack.resolve('MakeExternalCalls', { type: 'AWS::Lambda::Function' }).physicalId
 * const lambda = new LambdaClient({ ...stack.clientSettings('lambda') })
 */
export function resolveTarget(options: TargetOptions = {}): Promise<StackResources> {
  if (typeof options !== 'object' || options === null) {
    return Promise.reject(new ArgumentError('resolveTarget', 'options', 'an object like { stackName }', options))
  }
  const env = options.env ?? process.env
  const stackName = options.stackName ?? (env[STACK_ENV] || undefined)
  if (stackName === undefined) {
    const localApp = options.localApp ?? (env[LOCAL_APP_ENV] || undefined)
    if (localApp !== undefined) return localTarget(localApp)
    return Promise.reject(
      new StakeoutError(
        `No target: set ${STACK_ENV}=<stack name> to test a deployed stack, or run the tests through stakeout's ` +
          'global setup (stakeout/vitest/global-setup, stakeout/jest/global-setup) or `npx stakeout local`, which ' +
          `bring the app up on this machine and set ${LOCAL_APP_ENV}; or pass { functionName, tableName } explicitly.`,
      ),
    )
  }
  if (typeof stackName !== 'string' || stackName.trim() === '') {
    return Promise.reject(new ArgumentError('resolveTarget', 'options.stackName', 'a non-empty stack name', stackName))
  }
  const region = options.region ?? (env[REGION_ENV] || env.AWS_REGION || undefined)
  const key = `${stackName}@${region ?? ''}`
  let target = targets.get(key)
  if (target === undefined) {
    const loading: { client?: CloudFormationClient; region?: string } = {}
    if (options.client !== undefined) loading.client = options.client
    if (region !== undefined) loading.region = region
    target = loadDeployedStack(stackName, loading)
    targets.set(key, target)
    // A failed read is not cached: the next caller (after fixing credentials, say) tries again.
    target.catch(() => {
      if (targets.get(key) === target) targets.delete(key)
    })
  }
  return target
}

function localTarget(manifest: unknown): Promise<StackResources> {
  if (typeof manifest !== 'string' || manifest.trim() === '') {
    const expectation = "the path of a running local app's manifest (LocalApp.manifestPath)"
    return Promise.reject(new ArgumentError('resolveTarget', 'options.localApp', expectation, manifest))
  }
  const key = `local:${manifest}`
  let target = targets.get(key)
  if (target === undefined) {
    target = readLocalManifest(manifest)
    targets.set(key, target)
    target.catch(() => {
      if (targets.get(key) === target) targets.delete(key)
    })
  }
  return target
}
