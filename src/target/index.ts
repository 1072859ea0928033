/**
 * Where resources live: the deployed stack named by `STAKEOUT_STACK` (read from CloudFormation) or a synthesized
 * cloud assembly on disk, and the one resolver that turns a user's ref into a resource.
 * @packageDocumentation
 */
export { type ArnParts, isArn, nameInArn, parseArn } from './arn.js'
export { type CloudAssemblyOptions, loadCloudAssembly } from './cloud-assembly.js'
export { type DeployedStackOptions, loadDeployedStack } from './cloudformation.js'
export { REGION_ENV, resolveTarget, STACK_ENV, type TargetOptions } from './resolve-target.js'
export {
  AmbiguousResourceError,
  constructId,
  constructPath,
  type ResolveOptions,
  type ResourceSource,
  type StackDescription,
  type StackResource,
  StackResources,
  UnknownResourceError,
} from './stack-resources.js'
