/**
 * Where resources live: the deployed stack named by `STAKEOUT_STACK` (read from CloudFormation), a synthesized
 * cloud assembly on disk, or a local app (`STAKEOUT_LOCAL_APP`); the one resolver that turns a user's ref into a
 * resource, and the client settings that reach it.
 * @packageDocumentation
 */
export { type ArnParts, isArn, nameInArn, parseArn } from './arn.js'
export {
  AWS_SERVICES,
  type AwsService,
  type ClientSettings,
  LOCAL_ACCOUNT,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalConnection,
} from './client-settings.js'
export { type CloudAssemblyOptions, loadCloudAssembly } from './cloud-assembly.js'
export { type DeployedStackOptions, loadDeployedStack } from './cloudformation.js'
export { LOCAL_APP_ENV, type LocalManifest, readLocalManifest, writeLocalManifest } from './local-manifest.js'
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
