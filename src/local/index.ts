/**
 * stakeout/local: the local target. AWS's DynamoDB Local, and handlers run in real Node.js processes.
 * @packageDocumentation
 */
export * from './dynamodb-local.js'
export * from './invoke-handler.js'
