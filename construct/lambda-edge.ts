import { Stack } from 'aws-cdk-lib'
import * as iam from 'aws-cdk-lib/aws-iam'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import { hasJsiiType } from './jsii-type.js'

const EDGE_FUNCTION_TYPE = 'aws-cdk-lib.aws_cloudfront.experimental.EdgeFunction'
const EDGE_ARN_PARAMETER_PREFIX = '/cdk/EdgeFunctionArn/'
const EDGE_PRINCIPAL = /^edgelambda\.(?:[a-z0-9-]+\.)?amazonaws\.com(?:\.cn)?$/

/**
 * Why `fn` is a Lambda@Edge function, or `undefined` when nothing in the app says it is. Lambda@Edge
 * functions cannot have environment variables or layers (CloudFront refuses to replicate them), so
 * the HTTP interceptor must leave them alone.
 *
 * It recognises:
 * - the function a `cloudfront.experimental.EdgeFunction` creates, whatever its role: in the stack's
 *   own region when that is us-east-1 (`<EdgeFunction>/Fn`), otherwise in the us-east-1 stack it
 *   makes (`edge-lambda-stack-*`), where the function publishes its ARN in an SSM parameter
 *   `/cdk/EdgeFunctionArn/...`;
 * - any function whose role trusts `edgelambda.amazonaws.com`. Lambda@Edge requires that trust, and
 *   CDK adds it itself to the role of every version given to a `Distribution`'s `edgeLambdas` (or
 *   `addBehavior`), a `CloudFrontWebDistribution`'s `lambdaFunctionAssociations` and an `EdgeFunction`.
 *
 * Limits: a plain `lambda.Function` with an imported role (`Role.fromRoleArn`), used as an edge
 * function, shows no sign of it (CDK cannot add the trust to an imported role). If the distribution
 * is in the same app, CDK then fails the synthesis with "contains environment variables
 * [AWS_LAMBDA_EXEC_WRAPPER, ...] and is not compatible with Lambda@Edge": exclude the function. If
 * the version's ARN reaches CloudFront outside the app (an SSM parameter, another app), nothing
 * checks it before CloudFront rejects the deployment.
 *
 * @example
 * const why = lambdaEdgeReason(fn)
 * if (why) console.log(`${fn.node.path} runs at the edge: ${why}`)
 */
export function lambdaEdgeReason(fn: lambda.Function): string | undefined {
  const parent = fn.node.scope
  if (parent !== undefined && hasJsiiType(parent, EDGE_FUNCTION_TYPE)) {
    return `it is the function of the cloudfront.experimental.EdgeFunction ${parent.node.path}`
  }
  const published = edgeArnParameterOf(fn)
  if (published !== undefined) {
    return `it is the function of a cloudfront.experimental.EdgeFunction, its ARN published in ${published}`
  }
  if (trustsLambdaEdge(fn.role)) return 'its role trusts edgelambda.amazonaws.com, as only Lambda@Edge functions need'
  return undefined
}

/**
 * Outside us-east-1 an EdgeFunction creates its function in a us-east-1 stack of its own, out of the
 * EdgeFunction's subtree, with a child SSM parameter `Parameter` named `/cdk/EdgeFunctionArn/...`
 * that carries the version's ARN back to the EdgeFunction's region.
 */
function edgeArnParameterOf(fn: lambda.Function): string | undefined {
  const parameter = fn.node.tryFindChild('Parameter')
  if (parameter === undefined || !hasJsiiType(parameter, 'aws-cdk-lib.aws_ssm.StringParameter')) return undefined
  const name: unknown = (parameter.node.defaultChild as { name?: unknown } | undefined)?.name
  return typeof name === 'string' && name.startsWith(EDGE_ARN_PARAMETER_PREFIX) ? name : undefined
}

/**
 * Reads the role's trust policy as CloudFormation will see it. It resolves the rendered JSON, not
 * the PolicyDocument itself: resolving the document would freeze its statements for everyone after.
 */
function trustsLambdaEdge(role: iam.IRole | undefined): boolean {
  const trust = (role as { assumeRolePolicy?: unknown } | undefined)?.assumeRolePolicy
  if (role === undefined || !(trust instanceof iam.PolicyDocument)) return false
  let rendered: unknown
  try {
    rendered = Stack.of(role).resolve(trust.toJSON())
  } catch {
    // A trust policy with a token that cannot resolve yet: say nothing rather than fail the user's synthesis.
    return false
  }
  const statements = (rendered as { Statement?: unknown } | undefined)?.Statement
  if (!Array.isArray(statements)) return false
  return statements.some((statement: { Effect?: unknown; Principal?: { Service?: unknown } }) => {
    if (statement.Effect !== 'Allow') return false
    const services = statement.Principal?.Service
    return [services].flat().some((service) => typeof service === 'string' && EDGE_PRINCIPAL.test(service))
  })
}
