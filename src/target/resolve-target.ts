import type { CloudFormationClient } from '@aws-sdk/client-cloudformation'
import { ArgumentError, StakeoutError } from '../errors.js'
import { loadDeployedStack } from './cloudformation.js'
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
   * Where `STAKEOUT_STACK` and `STAKEOUT_REGION` are read.
   * @default process.env
   */
  env?: Readonly<Record<string, string | undefined>>
}

/** One discovery per stack and region per process: every fixture of every test file shares it. */
const targets = new Map<string, Promise<StackResources>>()

/**
 * The run's target: the deployed stack named by `STAKEOUT_STACK` (region from `STAKEOUT_REGION` or `AWS_REGION`),
 * read from CloudFormation once per process and shared by every caller.
 *
 * @throws {StakeoutError} no stack is named: a local target is not available yet, so name a stack, or give the
 *   clients their resources explicitly
 * @example
 * // STAKEOUT_STACK=MyStack npx vitest
 * const stack = await resolveTarget()
 * const functionName = stack.resolve('MakeExternalCalls', { type: 'AWS::Lambda::Function' }).physicalId
 */
export function resolveTarget(options: TargetOptions = {}): Promise<StackResources> {
  if (typeof options !== 'object' || options === null) {
    return Promise.reject(new ArgumentError('resolveTarget', 'options', 'an object like { stackName }', options))
  }
  const env = options.env ?? process.env
  const stackName = options.stackName ?? (env[STACK_ENV] || undefined)
  if (stackName === undefined) {
    return Promise.reject(
      new StakeoutError(
        `No target: set ${STACK_ENV}=<stack name> to test a deployed stack, or pass { functionName, tableName } explicitly. ` +
          'Testing without a deployed stack (a local target) is not available yet.',
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
