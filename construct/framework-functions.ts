import type { IConstruct } from 'constructs'
import { hasJsiiType } from './jsii-type.js'

/**
 * One kind of Lambda function that aws-cdk-lib creates for its own constructs (custom resource
 * handlers, providers, helpers), told apart from the user's functions by where CDK puts it in the
 * construct tree: its construct id, and its parent's id or type. CDK keeps these ids stable across
 * versions, since a changed id would replace the function in every deployed stack.
 */
export interface FrameworkFunction {
  /** The aws-cdk-lib construct the function serves, as its API reference names it (`custom_resources.AwsCustomResource`). */
  readonly createdBy: string
  /** The function's construct id; a trailing `*` matches the suffix CDK appends (a memory size, a VPC, ...). */
  readonly id: string
  /**
   * The construct id of the function's parent, where the function's own id is a common word, as the
   * construct tree holds it (constructs turns the `/` of `@aws-cdk/aws-dynamodb.ReplicaProvider` into `--`).
   */
  readonly parentId?: string
  /**
   * The jsii type of the function's parent, or of a class the parent extends: `aws-cdk-lib.Stack`
   * for singleton functions, which CDK puts directly under their (possibly nested) stack.
   */
  readonly parentType?: string
}

const STACK = 'aws-cdk-lib.Stack'

/** A `lambda.SingletonFunction`'s function: CDK names it `${lambdaPurpose ?? 'SingletonLambda'}${uuid without dashes}`. */
function singleton(
  createdBy: string,
  lambdaPurpose: string | undefined,
  uuid: string,
  suffixed = false,
): FrameworkFunction {
  const id = `${lambdaPurpose ?? 'SingletonLambda'}${uuid.replace(/[^a-zA-Z0-9]/g, '')}${suffixed ? '*' : ''}`
  return { createdBy, id, parentType: STACK }
}

// EvaluateExpression's shared functions: one uuid per Node.js runtime and architecture (and one for
// no runtime given), as aws-cdk-lib 2.224 to 2.276 define them in aws-stepfunctions-tasks/lib/evaluate-expression.
const EVALUATE_EXPRESSION_UUIDS = [
  'a5c17f50-0de1-497b-8ec0-fabdc9086cc5',
  'b64e1fb8-9c89-4f7d-8a34-2e2a1c5f6d7e',
  '9757c267-6d7c-45c2-af77-37a30d93d2c6',
  '078d40d3-fb4e-4d53-94a7-9c46fc11fe02',
  '2a430b68-eb4b-4026-9232-ee39b71c1db8',
  'da2d1181-604e-4a45-8694-1a6abd7fe42d',
  '2b81e383-aad2-44db-8aaf-b4809ae0e3b4',
  'a0d2ce44-871b-4e74-87a1-f5e63d7c3bdc',
  '41256dc5-4457-4273-8ed9-17bc818694e5',
  '1662dbae-12a4-4a04-86f0-29531a7be268',
  '672bfe19-76c9-448b-9584-ee75ca09edbf',
  '105f0693-c082-4e9b-83f3-9007507676f0',
  'b1565b13-7d88-4f24-ac63-f9b23c325a55',
  '8fa21b46-1d7c-445d-be08-6bbea646eb37',
  'cadc099b-465f-4267-afe0-e0037d263401',
  'abcd5ad4-b1eb-48f1-bec5-41d6f5c82caa',
  '886204b9-1f2d-40bd-8a7e-628543da4f93',
  'be6d8ca1-9d2c-4db3-aeeb-f6f27f3f2f10',
]

/**
 * The `lambda.Function`s aws-cdk-lib creates for its own constructs, which `applyHttpInterceptor`
 * leaves alone unless `includeFrameworkFunctions` is `true`. Most run at deploy time (custom
 * resource handlers); a few run when the app does (`events_targets.AwsApi`, `EvaluateExpression`)
 * but are CDK's code, not the user's. Taken from aws-cdk-lib's source, 2.224 to 2.276: every
 * `SingletonFunction` uuid and every `new lambda.Function` in its framework code. All run Node.js
 * except `BucketDeployment`'s and `EmrContainersStartJobRun`'s (Python, listed so their info names
 * them); CDK's other Python handlers (EKS kubectl, ECS drain hook) are left out, as the aspect skips
 * every non-Node.js function anyway. A later aws-cdk-lib may add functions (a new uuid for a new
 * Node.js runtime in `EvaluateExpression`, say): until this list has them, they are intercepted.
 *
 * Not listed because the aspect never sees them as `lambda.Function`: handlers CDK writes as a raw
 * `AWS::Lambda::Function` resource (`LogRetention`, `CustomResourceProvider`s such as S3's
 * auto-delete-objects, bucket notifications, triggers' provider, EdgeFunction's ARN reader).
 *
 * @example
 * import { CDK_FRAMEWORK_FUNCTIONS } from 'stakeout/construct'
 *
 * CDK_FRAMEWORK_FUNCTIONS.filter((f) => f.createdBy === 'custom_resources.Provider').map((f) => f.id)
 * // ['framework-onEvent', 'framework-isComplete', 'framework-onTimeout']
 */
export const CDK_FRAMEWORK_FUNCTIONS: readonly FrameworkFunction[] = [
  singleton('custom_resources.AwsCustomResource', 'AWS', '679f53fa-c002-430c-b0da-5b7982bd2287'),
  ...['onEvent', 'isComplete', 'onTimeout'].map((entrypoint) => ({
    createdBy: 'custom_resources.Provider',
    id: `framework-${entrypoint}`,
    parentType: 'aws-cdk-lib.custom_resources.Provider',
  })),
  singleton(
    'aws_s3_deployment.BucketDeployment',
    'Custom::CDKBucketDeployment',
    '8693BB64-9689-44B6-9AAF-B0CC9EB8756C',
    true,
  ),
  singleton(
    'aws_lambda.WebFunctionCode (S3ObjectCopy)',
    'Custom::S3ObjectCopy',
    'e2f8cf6b-1b0f-4b3f-9a2c-6f1f5b6d4a71',
    true,
  ),
  singleton('aws_events_targets.AwsApi', 'AWS', 'b4cf1abd-4e4f-4bc6-9944-1af7ccd9ec37'),
  singleton('aws_ses.DropSpamReceiptRule', undefined, '224e77f9-a32e-4b4d-ac32-983477abba16'),
  singleton(
    'aws_stepfunctions_tasks.CallAwsServiceCrossRegion',
    'CrossRegionAwsSdk',
    '8a0c93f3-dbef-4b71-ac13-7aaf2048ce7e',
  ),
  singleton('aws_stepfunctions_tasks.EmrContainersStartJobRun', undefined, '8693BB64-9689-44B6-9AAF-B0CC9EB8757C'),
  ...EVALUATE_EXPRESSION_UUIDS.map((uuid) => singleton('aws_stepfunctions_tasks.EvaluateExpression', 'Eval', uuid)),
  {
    createdBy: 'aws_stepfunctions_tasks.EvaluateExpression',
    id: 'EvalFunction',
    parentType: 'aws-cdk-lib.aws_stepfunctions_tasks.EvaluateExpression',
  },
  {
    createdBy: 'aws_certificatemanager.DnsValidatedCertificate',
    id: 'CertificateRequestorFunction',
    parentType: 'aws-cdk-lib.aws_certificatemanager.DnsValidatedCertificate',
  },
  ...['OnEventHandler', 'IsCompleteHandler'].flatMap((id) => [
    { createdBy: 'aws_dynamodb.Table (replicationRegions)', id, parentId: '@aws-cdk--aws-dynamodb.ReplicaProvider' },
    { createdBy: 'aws_eks.Cluster', id, parentId: '@aws-cdk--aws-eks.ClusterResourceProvider' },
  ]),
  ...['Handler', 'IsComplete'].map((id) => ({
    createdBy: 'aws_glue.S3Table / ExternalTable (partition indexes)',
    id,
    parentId: '@aws-cdk--aws-glue-alpha.PartitionIndexProvider',
  })),
  {
    createdBy: 'pipelines.ConfirmPermissionsBroadening',
    id: 'CDKPipelinesAutoApprove',
    parentId: 'PipelinesSecurityCheck',
  },
]

/**
 * The entry of {@link CDK_FRAMEWORK_FUNCTIONS} that `fn` is, or `undefined` for a function of the
 * user's (a `Provider`'s `onEventHandler`, a `SingletonFunction` of the user's own included).
 *
 * @example
 * const framework = frameworkFunctionOf(fn)
 * if (framework) console.log(`${fn.node.path} belongs to ${framework.createdBy}`)
 */
export function frameworkFunctionOf(fn: IConstruct): FrameworkFunction | undefined {
  const parent = fn.node.scope
  if (parent === undefined) return undefined
  const id = fn.node.id
  return CDK_FRAMEWORK_FUNCTIONS.find(
    (entry) =>
      (entry.id.endsWith('*') ? id.startsWith(entry.id.slice(0, -1)) : id === entry.id) &&
      (entry.parentId === undefined || parent.node.id === entry.parentId) &&
      (entry.parentType === undefined || hasJsiiType(parent, entry.parentType)),
  )
}
