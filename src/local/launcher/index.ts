/**
 * The local Lambda launcher: a function's code directory, handler string, environment and layers
 * (what a `cdk.out` asset and its template give) run as a Lambda execution environment on this
 * machine.
 * @packageDocumentation
 */
export { startFunctionEnvironment } from './function-environment.js'
export type {
  EnvironmentInvokeOptions,
  FunctionEnvironment,
  FunctionEnvironmentOptions,
  InvocationError,
  InvokeOptions,
  InvokeResult,
  LambdaNodeRuntime,
} from './types.js'
