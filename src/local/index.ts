/**
 * stakeout/local: the local target. AWS's DynamoDB Local, the interceptor table on it, and Lambda functions run in real
 * Node.js processes by the launcher.
 * @packageDocumentation
 */

export type { LocalQueueMessage } from './app/services.js'
export { startLocal } from './app/start-local.js'
export type { LocalApp, LocalEndpoints, LocalFaults, StartLocalOptions } from './app/types.js'
export * from './dynamodb-local.js'
export * from './interceptor-table.js'
export * from './invoke-handler.js'
export {
  type EnvironmentInvokeOptions,
  type FunctionEnvironment,
  type FunctionEnvironmentOptions,
  startFunctionEnvironment,
} from './launcher/index.js'
export * from './services/lambda-endpoint.js'
