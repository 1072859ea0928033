/**
 * The CommonJS typings (`.d.cts`, through the exports map's `require` condition): checked by `tsc --noEmit`.
 */
import stakeout = require('stakeout')
import construct = require('stakeout/construct')
import local = require('stakeout/local')

export const client: stakeout.HttpInterceptorClient = new stakeout.HttpInterceptorClient({
  functionName: 'GetUser',
  tableName: 'stakeout-interceptor-smoke',
})
export const apply: typeof construct.applyHttpInterceptor = construct.applyHttpInterceptor
export const start: (options: local.HandlerOptions) => Promise<local.LocalHandler> = local.startHandler
// @ts-expect-error startDynamoDBLocal's port is a number
void local.startDynamoDBLocal({ port: '8000' })
