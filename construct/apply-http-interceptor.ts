import { Annotations, AspectPriority, Aspects, type IAspect, Stack, Token } from 'aws-cdk-lib'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import { Construct, type IConstruct } from 'constructs'
import { failArgument } from '../src/errors.js'
import { callsPartition, ENV, LAYER, rulesPartition } from '../src/runtime/interceptor/schema.js'
import { frameworkFunctionOf } from './framework-functions.js'
import { HttpInterceptor, INTERCEPTED_RUNTIMES, productionRefusal } from './http-interceptor.js'
import { lambdaEdgeReason } from './lambda-edge.js'
import { productionReason } from './production.js'

/** Lambda's own variable naming the wrapper script it runs before the runtime. */
export const EXEC_WRAPPER_VARIABLE = 'AWS_LAMBDA_EXEC_WRAPPER'
/** Where the layer's wrapper script lands in Lambda: `/opt/stakeout/wrapper`. */
export const WRAPPER_PATH = `${LAYER.defaultRoot}/${LAYER.wrapper}`
/** Construct id of the policy added under each intercepted function. */
export const INTERCEPTOR_POLICY_ID = 'StakeoutHttpInterceptorPolicy'

/**
 * Which functions an option picks: a list of construct ids, construct paths (whole, or their last
 * segments such as `'Api/MakeExternalCalls'`) and RegExps, or a predicate.
 *
 * A string picks a function when the function, or a construct that contains it, has that id or
 * path: `'Legacy'` picks every function under a construct `Legacy`. A RegExp is tested against the
 * function's path (`fn.node.path`, e.g. `MyStack/Api/MakeExternalCalls`).
 */
export type FunctionSelector = ReadonlyArray<string | RegExp> | ((fn: lambda.Function) => boolean)

/** Options of {@link applyHttpInterceptor}. */
export interface ApplyHttpInterceptorOptions {
  /**
   * Intercept only these functions.
   * @default - every Node.js function under the scope
   */
  readonly include?: FunctionSelector
  /**
   * Never intercept these functions. Exclude wins: a function both included and excluded is not intercepted.
   * @default - none
   */
  readonly exclude?: FunctionSelector
  /**
   * Intercept functions even in a stack marked as production (context `stakeout:production`, or a
   * tag `stage`/`environment`/`env` = `prod`/`production`).
   * @default - the interceptor's `allowInProduction` (false unless set there)
   */
  readonly allowInProduction?: boolean
  /**
   * Intercept the functions aws-cdk-lib creates for its own constructs too (the `AwsCustomResource`
   * singleton, a `Provider`'s `framework-*` functions, `BucketDeployment`'s handler: see
   * {@link CDK_FRAMEWORK_FUNCTIONS}). They run CDK's code, mostly at deploy time, so intercepting
   * them tests nothing of yours and adds a layer to your deployments. `include` alone does not pick
   * them. The functions you hand to CDK (a `Provider`'s `onEventHandler`) are yours and intercepted
   * either way.
   * @default false
   */
  readonly includeFrameworkFunctions?: boolean
}

/** Which interceptor each function already reports to, so a second application changes nothing. */
const interceptedBy = new WeakMap<lambda.Function, HttpInterceptor>()

/**
 * The aspect behind {@link applyHttpInterceptor}: it visits every `lambda.Function` (`NodejsFunction`
 * included) and, for Node.js 20, 22 and 24 (x86_64 and arm64), adds the interceptor layer, sets
 * `AWS_LAMBDA_EXEC_WRAPPER=/opt/stakeout/wrapper` (a wrapper the function already had moves to
 * `STAKEOUT_NEXT_WRAPPER` and still runs), `STAKEOUT_INTERCEPTOR_TABLE` and `STAKEOUT_TTL_SECONDS`,
 * and attaches a policy allowing `dynamodb:Query`, `dynamodb:BatchWriteItem` and `dynamodb:UpdateItem`
 * (the use counters of rules with `times` or a sequence) on the function's own items only. `NODE_OPTIONS` is never touched.
 *
 * It leaves alone, with an info, CDK's own functions ({@link CDK_FRAMEWORK_FUNCTIONS}) unless
 * `includeFrameworkFunctions` is set, and, with a warning, Lambda@Edge functions, which can have
 * neither environment variables nor layers (see {@link lambdaEdgeReason} for how it recognises them
 * and the one shape it cannot: a plain function with an imported role used as an edge function).
 *
 * It reports instead of failing the build where it can: an info for non-Node.js functions, a
 * warning for a function without a role it can extend, an error for Node.js older than 20 and for
 * functions in a production stack (unless allowed).
 *
 * @example
 * import { Aspects, AspectPriority } from 'aws-cdk-lib'
 * import { HttpInterceptor, HttpInterceptorAspect } from 'stakeout/construct'
 *
 * const interceptor = new HttpInterceptor(stack, 'HttpInterceptor')
 * Aspects.of(stack).add(new HttpInterceptorAspect(interceptor, { exclude: [/Legacy/] }), {
 *   priority: AspectPriority.MUTATING,
 * })
 */
export class HttpInterceptorAspect implements IAspect {
  /** The interceptor whose table and layer the functions get. */
  readonly interceptor: HttpInterceptor
  /** What the aspect was created with. */
  readonly options: ApplyHttpInterceptorOptions

  constructor(interceptor: HttpInterceptor, options: ApplyHttpInterceptorOptions = {}) {
    validateArguments(HttpInterceptorAspect, 'HttpInterceptorAspect', interceptor, options)
    this.interceptor = interceptor
    this.options = options
  }

  /** Intercepts `node` if it is a selected Node.js function; ignores every other construct. */
  visit(node: IConstruct): void {
    if (!(node instanceof lambda.Function)) return
    if (!this.selects(node)) return

    if (!this.options.includeFrameworkFunctions) {
      const framework = frameworkFunctionOf(node)
      if (framework !== undefined) {
        Annotations.of(node).addInfo(
          `stakeout's HTTP interceptor skipped this function: aws-cdk-lib creates it for ${framework.createdBy}. ` +
            'It runs CDK code, not yours: intercepting it tests nothing of yours and only adds risk. ' +
            'To intercept it anyway, pass includeFrameworkFunctions: true to applyHttpInterceptor.',
        )
        return
      }
    }

    const edge = lambdaEdgeReason(node)
    if (edge !== undefined) {
      Annotations.of(node).addWarningV2(
        'stakeout:http-interceptor-edge',
        `stakeout's HTTP interceptor skipped this Lambda@Edge function (${edge}): Lambda@Edge allows neither ` +
          'environment variables nor layers, which the interceptor needs, and CloudFront would reject the ' +
          'deployment. Test its handler with invokeHandler from stakeout/local and a CloudFront event, or deploy ' +
          'the same code as a regular lambda.Function in your test stack and intercept that one. Exclude it ' +
          '(applyHttpInterceptor(scope, interceptor, { exclude: [...] })) to silence this warning.',
      )
      return
    }

    const skipReason = unsupportedRuntime(node.runtime)
    if (skipReason !== undefined) {
      const { level, message } = skipReason
      if (level === 'info') Annotations.of(node).addInfo(message)
      else if (level === 'warning') Annotations.of(node).addWarningV2('stakeout:http-interceptor-runtime', message)
      else Annotations.of(node).addError(message)
      return
    }

    const previous = interceptedBy.get(node)
    if (previous === this.interceptor) return
    if (previous !== undefined) {
      Annotations.of(node).addError(
        `stakeout's HTTP interceptor ${this.interceptor.node.path} cannot intercept this function: ` +
          `${previous.node.path} already does, and a function reports to one interceptor table. ` +
          'Exclude the function from one of the two applyHttpInterceptor calls.',
      )
      return
    }

    if (!(this.options.allowInProduction ?? this.interceptor.allowInProduction)) {
      const reason = productionReason(node)
      if (reason !== undefined) {
        Annotations.of(node).addError(productionRefusal(node.node.path, reason))
        return
      }
    }

    const environment = environmentOf(node)
    // Another stakeout aspect (another copy of this module, say) may have got here first.
    if (environment[EXEC_WRAPPER_VARIABLE] === WRAPPER_PATH) return

    try {
      node.addLayers(this.interceptor.layer)
    } catch (error) {
      Annotations.of(node).addError(
        `stakeout's HTTP interceptor cannot add its layer to this function: ${(error as Error).message}`,
      )
      return
    }
    interceptedBy.set(node, this.interceptor)

    const wrapper = environment[EXEC_WRAPPER_VARIABLE]
    if (wrapper !== undefined) {
      // Lambda runs one wrapper only: ours runs first and then execs the function's own.
      node.addEnvironment(ENV.nextWrapper, typeof wrapper === 'string' ? wrapper : Token.asString(wrapper))
    }
    node.addEnvironment(EXEC_WRAPPER_VARIABLE, WRAPPER_PATH)
    node.addEnvironment(ENV.table, this.interceptor.table.tableName)
    node.addEnvironment(ENV.ttlSeconds, String(this.interceptor.recordTtl.toSeconds()))

    this.grantOwnItems(node)
  }

  private selects(fn: lambda.Function): boolean {
    const { include, exclude } = this.options
    if (exclude !== undefined && picks(exclude, fn)) return false
    return include === undefined || picks(include, fn)
  }

  /**
   * A separate policy, not the role's default one: the condition names the function, and the
   * function DependsOn its role's default policy, so putting it there would be a cycle.
   */
  private grantOwnItems(fn: lambda.Function): void {
    const role = fn.role
    const statement = new iam.PolicyStatement({
      actions: ['dynamodb:Query', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem'],
      resources: [this.interceptor.table.tableArn],
      conditions: {
        'ForAllValues:StringEquals': {
          'dynamodb:LeadingKeys': [rulesPartition(fn.functionName), callsPartition(fn.functionName)],
        },
      },
    })
    if (role === undefined) {
      Annotations.of(fn).addWarningV2(
        'stakeout:http-interceptor-role',
        "stakeout's HTTP interceptor found no role on this function: grant it dynamodb:Query, " +
          `dynamodb:BatchWriteItem and dynamodb:UpdateItem on the interceptor table (${this.interceptor.node.path}), or it can ` +
          'neither read mock rules nor record calls.',
      )
      return
    }
    const policy = new iam.Policy(fn, INTERCEPTOR_POLICY_ID, { statements: [statement] })
    // Through the role, not policy.attachToRole: an imported role decides (mutable: false, another
    // account) whether it takes the policy; an unattached policy is not rendered.
    role.attachInlinePolicy(policy)
    if (!(role instanceof iam.Role)) {
      Annotations.of(fn).addWarningV2(
        'stakeout:http-interceptor-role',
        `This function's role is imported (${role.node.path}): stakeout attached its policy ` +
          `(dynamodb:Query, dynamodb:BatchWriteItem and dynamodb:UpdateItem on ${this.interceptor.node.path}) unless the role was ` +
          'imported with mutable: false or from another account. Then grant those actions yourself, or ' +
          'the function can neither read mock rules nor record calls.',
      )
    }
  }
}

/**
 * Intercepts the outbound HTTP calls of every Node.js Lambda function under `scope` (or those
 * `include`/`exclude` pick), so tests can mock and record them through `interceptor`'s table. It
 * adds a {@link HttpInterceptorAspect} (mutating priority) and returns it.
 *
 * Functions created after this call are intercepted too: the aspect runs at synthesis.
 * `exclude` wins over `include`. Applying the same interceptor twice changes nothing.
 *
 * Left alone: CDK's own functions ({@link CDK_FRAMEWORK_FUNCTIONS}: custom resource handlers and
 * the like, reported with an info; `includeFrameworkFunctions: true` takes them too), and Lambda@Edge
 * functions (reported with a warning), which can have neither environment variables nor layers.
 * An edge function is recognised when it comes from `cloudfront.experimental.EdgeFunction` or its
 * role trusts `edgelambda.amazonaws.com` (CDK adds that trust to the role of every function it
 * associates with a distribution). Not recognised: a plain `lambda.Function` with an imported role
 * used as an edge function; exclude it, or CDK's synthesis fails with "not compatible with
 * Lambda@Edge" (or, if CloudFront gets its ARN from outside the app, the deployment does).
 *
 * @example
 * import { App, Stack } from 'aws-cdk-lib'
 * import * as iam from 'aws-cdk-lib/aws-iam'
 * import * as lambda from 'aws-cdk-lib/aws-lambda'
 * import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs'
 * import { HttpInterceptor, applyHttpInterceptor } from 'stakeout/construct'
 *
 * const app = new App()
 * const stack = new Stack(app, 'BankTest', { tags: { stage: 'test' } })
 *
 * new NodejsFunction(stack, 'MakeExternalCalls', {
 *   entry: 'src/make-external-calls.ts',
 *   runtime: lambda.Runtime.NODEJS_22_X,
 *   architecture: lambda.Architecture.ARM_64,
 * })
 * new NodejsFunction(stack, 'Reporting', { entry: 'src/reporting.ts' })
 *
 * const interceptor = new HttpInterceptor(stack, 'HttpInterceptor')
 * applyHttpInterceptor(stack, interceptor, { exclude: ['Reporting'] })
 * // The role the tests run as (CI) reads recorded calls and writes mock rules.
 * interceptor.grantTestAccess(iam.Role.fromRoleName(stack, 'Ci', 'github-actions-tests'))
 */
export function applyHttpInterceptor(
  scope: IConstruct,
  interceptor: HttpInterceptor,
  options: ApplyHttpInterceptorOptions = {},
): HttpInterceptorAspect {
  if (!Construct.isConstruct(scope)) {
    failArgument(applyHttpInterceptor, 'applyHttpInterceptor', 'scope', 'a construct (a Stack, an App, ...)', scope)
  }
  validateArguments(applyHttpInterceptor, 'applyHttpInterceptor', interceptor, options)
  const aspect = new HttpInterceptorAspect(interceptor, options)
  Aspects.of(scope).add(aspect, { priority: AspectPriority.MUTATING })
  return aspect
}

function validateArguments(boundary: Function, callee: string, interceptor: unknown, options: unknown): void {
  if (!(interceptor instanceof HttpInterceptor)) {
    failArgument(boundary, callee, 'interceptor', 'an HttpInterceptor', interceptor)
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    failArgument(boundary, callee, 'options', 'an object', options)
  }
  const { include, exclude, allowInProduction, includeFrameworkFunctions } = options as Record<string, unknown>
  for (const [name, selector] of [
    ['include', include],
    ['exclude', exclude],
  ] as const) {
    if (selector === undefined || typeof selector === 'function') continue
    if (!Array.isArray(selector) || !selector.every((item) => typeof item === 'string' || item instanceof RegExp)) {
      failArgument(
        boundary,
        callee,
        `options.${name}`,
        'an array of construct ids, paths or RegExps, or a function (fn) => boolean',
        selector,
      )
    }
  }
  if (allowInProduction !== undefined && typeof allowInProduction !== 'boolean') {
    failArgument(boundary, callee, 'options.allowInProduction', 'a boolean', allowInProduction)
  }
  if (includeFrameworkFunctions !== undefined && typeof includeFrameworkFunctions !== 'boolean') {
    failArgument(boundary, callee, 'options.includeFrameworkFunctions', 'a boolean', includeFrameworkFunctions)
  }
}

function picks(selector: FunctionSelector, fn: lambda.Function): boolean {
  if (typeof selector === 'function') return selector(fn)
  const paths = fn.node.scopes.map((scope) => scope.node.path).filter((path) => path !== '')
  return selector.some((item) =>
    // search() ignores a RegExp's lastIndex, so a /g pattern gives the same answer every time.
    typeof item === 'string'
      ? paths.some((path) => path === item || path.endsWith(`/${item}`))
      : fn.node.path.search(item) !== -1,
  )
}

interface RuntimeSkip {
  level: 'info' | 'warning' | 'error'
  message: string
}

function unsupportedRuntime(runtime: lambda.Runtime): RuntimeSkip | undefined {
  if (INTERCEPTED_RUNTIMES.some((supported) => supported.name === runtime.name)) return undefined
  const supported = INTERCEPTED_RUNTIMES.map((r) => r.name).join(', ')
  if (runtime.family !== lambda.RuntimeFamily.NODEJS) {
    const why =
      runtime.name === lambda.Runtime.FROM_IMAGE.name
        ? 'it is a container image function, which cannot use layers'
        : `its runtime ${runtime.name} is not Node.js (the interceptor runs in ${supported})`
    return {
      level: 'info',
      message: `stakeout's HTTP interceptor skipped this function: ${why}. Its outbound HTTP calls are neither mocked nor recorded.`,
    }
  }
  const major = Number(/^nodejs(\d+)\.x$/.exec(runtime.name)?.[1])
  if (Number.isInteger(major) && major < 20) {
    return {
      level: 'error',
      message:
        `stakeout's HTTP interceptor cannot run in ${runtime.name}: it needs ${supported}. ` +
        'Upgrade the function, or leave it out with applyHttpInterceptor(scope, interceptor, { exclude: [...] }).',
    }
  }
  return {
    level: 'warning',
    message: `stakeout's HTTP interceptor skipped this function: it does not support ${runtime.name} yet (only ${supported}).`,
  }
}

/**
 * The function's environment variables as they will be deployed. CDK keeps them in a private
 * field whose shape changed across versions; the L1 resource's `environment` is public and
 * resolves to the same variables in every version.
 */
function environmentOf(fn: lambda.Function): Record<string, unknown> {
  const cfn = fn.node.defaultChild as lambda.CfnFunction
  const resolved: unknown = Stack.of(fn).resolve(cfn.environment)
  if (typeof resolved !== 'object' || resolved === null) return {}
  const variables =
    (resolved as { variables?: unknown; Variables?: unknown }).variables ??
    (resolved as { Variables?: unknown }).Variables
  return typeof variables === 'object' && variables !== null ? (variables as Record<string, unknown>) : {}
}
