/**
 * stakeout/construct: CDK constructs and aspects that make a stack testable.
 * @packageDocumentation
 */

export * from './apply-http-interceptor.js'
export * from './framework-functions.js'
export * from './http-interceptor.js'
export * from './lambda-edge.js'
export * from './production.js'
