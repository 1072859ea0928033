import { CfnOutput, type CfnResource, Duration, RemovalPolicy, Token } from 'aws-cdk-lib'
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import type * as iam from 'aws-cdk-lib/aws-iam'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import { Construct } from 'constructs'
import { interceptorLayerRoot } from '../src/build/interceptor-layer.js'
import { failArgument, StakeoutError } from '../src/errors.js'
import { DEFAULT_TTL_SECONDS, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from '../src/runtime/interceptor/schema.js'
import { productionReason } from './production.js'

/**
 * Template metadata on the interceptor table's resource, so test-time discovery can tell it from
 * the app's own tables: `Metadata: { 'stakeout:role': 'http-interceptor-table' }`.
 */
export const INTERCEPTOR_TABLE_METADATA = { key: 'stakeout:role', value: 'http-interceptor-table' } as const

/** Node.js runtimes the interceptor layer supports. */
export const INTERCEPTED_RUNTIMES: readonly lambda.Runtime[] = [
  lambda.Runtime.NODEJS_20_X,
  lambda.Runtime.NODEJS_22_X,
  lambda.Runtime.NODEJS_24_X,
]

/** DynamoDB actions a test runner needs on the interceptor table (see {@link HttpInterceptor.grantTestAccess}). */
export const TEST_ACCESS_ACTIONS: readonly string[] = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
  'dynamodb:BatchWriteItem',
]

const MIN_RECORD_TTL = Duration.minutes(1)
const MAX_RECORD_TTL = Duration.days(365)
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/

/** Props of {@link HttpInterceptor}. */
export interface HttpInterceptorProps {
  /**
   * Physical name of the interceptor table.
   * @default - a name CloudFormation generates
   */
  readonly tableName?: string
  /**
   * What happens to the table (and the layer's versions) when they leave the stack. The table only
   * holds test rules and recorded calls, so it goes with the stack by default.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy
  /**
   * How long rules and recorded calls live before DynamoDB's TTL removes them (whole seconds,
   * between 1 minute and 365 days). Passed to intercepted functions as `STAKEOUT_TTL_SECONDS`.
   * @default Duration.days(1)
   */
  readonly recordTtl?: Duration
  /**
   * The layer's contents: a directory holding `stakeout/wrapper` and `stakeout/handler.mjs`.
   * @default - the layer bundled with stakeout
   */
  readonly layerCode?: lambda.Code
  /**
   * Deploy even when the stack is marked as production (context `stakeout:production`, or a tag
   * `stage`/`environment`/`env` = `prod`/`production`). The interceptor lets tests replace a
   * function's outbound HTTP calls: keep it out of production.
   * @default false
   */
  readonly allowInProduction?: boolean
}

/**
 * The deploy-time half of stakeout's HTTP interception: a DynamoDB table where tests write mock
 * rules and functions record their outbound calls, and a Lambda layer that intercepts those calls
 * inside the function. Attach it to functions with {@link applyHttpInterceptor}.
 *
 * Refuses to be created in a stack marked as production unless `allowInProduction` is `true`.
 *
 * @example
 * import { Stack, type StackProps } from 'aws-cdk-lib'
 * import type { Construct } from 'constructs'
 * import { HttpInterceptor, applyHttpInterceptor } from 'stakeout/construct'
 *
 * export class TestStack extends Stack {
 *   constructor(scope: Construct, id: string, props?: StackProps) {
 *     super(scope, id, props)
 *     // ... the app's functions ...
 *     const interceptor = new HttpInterceptor(this, 'HttpInterceptor')
 *     applyHttpInterceptor(this, interceptor)
 *   }
 * }
 */
export class HttpInterceptor extends Construct {
  /** Holds mock rules (written by tests) and recorded calls (written by functions). */
  readonly table: dynamodb.Table
  /** Holds the wrapper script and the in-function interceptor, under `/opt/stakeout`. */
  readonly layer: lambda.LayerVersion
  /** How long rules and recorded calls live. */
  readonly recordTtl: Duration
  /** Whether this interceptor (and, by default, {@link applyHttpInterceptor} with it) may go into production. */
  readonly allowInProduction: boolean

  constructor(scope: Construct, id: string, props: HttpInterceptorProps = {}) {
    validateProps(props)
    super(scope, id)
    this.recordTtl = props.recordTtl ?? Duration.seconds(DEFAULT_TTL_SECONDS)
    this.allowInProduction = props.allowInProduction ?? false

    if (!this.allowInProduction) {
      const reason = productionReason(this)
      if (reason !== undefined) throw new StakeoutError(productionRefusal(this.node.path, reason))
      // Tags added with Tags.of(...) after this line only show at synthesis: check again then.
      this.node.addValidation({
        validate: () => {
          const late = productionReason(this)
          return late === undefined ? [] : [productionRefusal(this.node.path, late)]
        },
      })
    }

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY
    this.table = new dynamodb.Table(this, 'Table', {
      ...(props.tableName === undefined ? {} : { tableName: props.tableName }),
      partitionKey: { name: PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: SORT_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      removalPolicy,
    })
    ;(this.table.node.defaultChild as CfnResource).addMetadata(
      INTERCEPTOR_TABLE_METADATA.key,
      INTERCEPTOR_TABLE_METADATA.value,
    )

    this.layer = new lambda.LayerVersion(this, 'Layer', {
      code: props.layerCode ?? lambda.Code.fromAsset(interceptorLayerRoot()),
      compatibleRuntimes: [...INTERCEPTED_RUNTIMES],
      compatibleArchitectures: [lambda.Architecture.X86_64, lambda.Architecture.ARM_64],
      description: 'stakeout HTTP interceptor: lets tests mock and record the outbound HTTP calls of this function',
      removalPolicy,
    })

    new CfnOutput(this, 'TableName', {
      value: this.table.tableName,
      description: "stakeout's HTTP interceptor table: mock rules and recorded calls of intercepted functions",
    })
  }

  /**
   * Lets a test runner (a CI role, a user) write rules and read recorded calls: get, put, update,
   * delete and batch items, and `Query`, on the interceptor table only.
   *
   * @example
   * const interceptor = new HttpInterceptor(this, 'HttpInterceptor')
   * interceptor.grantTestAccess(iam.Role.fromRoleName(this, 'Ci', 'github-actions-tests'))
   */
  grantTestAccess(grantee: iam.IGrantable): iam.Grant {
    if (typeof grantee !== 'object' || grantee === null || !('grantPrincipal' in grantee)) {
      failArgument(this.grantTestAccess, 'HttpInterceptor.grantTestAccess', 'grantee', 'an iam.IGrantable', grantee)
    }
    return this.table.grant(grantee, ...TEST_ACCESS_ACTIONS)
  }
}

/** The message both the construct and the aspect give when they meet a production stack. */
export function productionRefusal(path: string, reason: string): string {
  return (
    `${path}: the stack is marked as production (${reason}). stakeout's HTTP interceptor lets tests ` +
    'replace outbound HTTP calls, which must not happen in production. If this stack is really a test ' +
    'stack, pass allowInProduction: true.'
  )
}

function validateProps(props: unknown): asserts props is HttpInterceptorProps {
  const fail = (argument: string, expectation: string, received: unknown): never =>
    failArgument(HttpInterceptor, 'HttpInterceptor', argument, expectation, received)
  if (typeof props !== 'object' || props === null || Array.isArray(props)) {
    fail('props', 'an object (HttpInterceptorProps)', props)
  }
  const { tableName, removalPolicy, recordTtl, layerCode, allowInProduction } = props as Record<string, unknown>
  if (tableName !== undefined) {
    if (typeof tableName !== 'string') fail('props.tableName', 'a string', tableName)
    if (!Token.isUnresolved(tableName) && !TABLE_NAME.test(tableName as string)) {
      fail('props.tableName', 'a DynamoDB table name: 3 to 255 of A-Z a-z 0-9 _ - .', tableName)
    }
  }
  if (removalPolicy !== undefined && !Object.values(RemovalPolicy).includes(removalPolicy as RemovalPolicy)) {
    fail('props.removalPolicy', 'a RemovalPolicy', removalPolicy)
  }
  if (recordTtl !== undefined) {
    if (!(recordTtl instanceof Duration)) fail('props.recordTtl', 'a Duration', recordTtl)
    const ttl = recordTtl as Duration
    if (!ttl.isUnresolved()) {
      const ms = ttl.toMilliseconds()
      if (ms % 1000 !== 0 || ms < MIN_RECORD_TTL.toMilliseconds() || ms > MAX_RECORD_TTL.toMilliseconds()) {
        fail('props.recordTtl', 'a whole number of seconds between 1 minute and 365 days', ttl.toHumanString())
      }
    }
  }
  if (layerCode !== undefined && !(layerCode instanceof lambda.Code)) {
    fail('props.layerCode', 'a lambda.Code', layerCode)
  }
  if (allowInProduction !== undefined && typeof allowInProduction !== 'boolean') {
    fail('props.allowInProduction', 'a boolean', allowInProduction)
  }
}
