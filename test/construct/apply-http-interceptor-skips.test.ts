import { App, Duration, type NestedStack, Stack } from 'aws-cdk-lib'
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions'
import * as acm from 'aws-cdk-lib/aws-certificatemanager'
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront'
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins'
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import * as events from 'aws-cdk-lib/aws-events'
import * as targets from 'aws-cdk-lib/aws-events-targets'
import * as glue from 'aws-cdk-lib/aws-glue'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import * as logs from 'aws-cdk-lib/aws-logs'
import * as route53 from 'aws-cdk-lib/aws-route53'
import * as s3 from 'aws-cdk-lib/aws-s3'
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment'
import * as ses from 'aws-cdk-lib/aws-ses'
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks'
import * as cr from 'aws-cdk-lib/custom-resources'
import { Construct } from 'constructs'
import { type ApplyHttpInterceptorOptions, applyHttpInterceptor, CDK_FRAMEWORK_FUNCTIONS } from 'stakeout/construct'
import { afterAll, describe, expect, it } from 'vitest'
import { WRAPPER_PATH } from '../../construct/apply-http-interceptor.js'
import { frameworkFunctionOf } from '../../construct/framework-functions.js'
import { lambdaEdgeReason } from '../../construct/lambda-edge.js'
import { deployed, logicalId, nodeFunction, removeTempDirs, testInterceptor } from './synth.js'

afterAll(removeTempDirs)

const EDGE_WARNING =
  /skipped this Lambda@Edge function \((.+)\): Lambda@Edge allows neither environment variables nor layers.*invokeHandler from stakeout\/local/
const FRAMEWORK_INFO = "stakeout's HTTP interceptor skipped this function: aws-cdk-lib creates it for"

/** The logical ids of the template's functions, split by whether the interceptor's wrapper is set on them. */
function functionsOf(template: Template): { intercepted: string[]; untouched: string[] } {
  const intercepted: string[] = []
  const untouched: string[] = []
  for (const [id, resource] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
    const { Environment, Layers } = (
      resource as { Properties: { Environment?: { Variables?: Record<string, unknown> }; Layers?: unknown } }
    ).Properties
    if (Environment?.Variables?.AWS_LAMBDA_EXEC_WRAPPER === WRAPPER_PATH) intercepted.push(id)
    else {
      // Left alone means left whole: no layer of ours either.
      expect(JSON.stringify(Layers ?? [])).not.toContain('HttpInterceptorLayer')
      untouched.push(id)
    }
  }
  return { intercepted, untouched }
}

const inlineNode = {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async (event) => event.Records[0].cf.request'),
}

/**
 * A distribution running `version` on viewer requests. aws-cdk-lib's own classes do not satisfy its
 * interfaces under this repository's exactOptionalPropertyTypes, hence the widening cast.
 */
function distribution(scope: Construct, version: lambda.Version | cloudfront.experimental.EdgeFunction) {
  return new cloudfront.Distribution(scope, 'Cdn', {
    defaultBehavior: {
      origin: new origins.HttpOrigin('shop.example.com'),
      edgeLambdas: [
        {
          functionVersion: version as unknown as lambda.IVersion,
          eventType: cloudfront.LambdaEdgeEventType.VIEWER_REQUEST,
        },
      ],
    },
  })
}

describe('applyHttpInterceptor and Lambda@Edge functions', () => {
  // An EdgeFunction needs its stack's region at synthesis ("stacks which use EdgeFunctions must have
  // an explicitly set region"); in us-east-1 it creates its function in place, under `<id>/Fn`.
  it('skips an EdgeFunction with a warning, so the distribution using it synthesizes, and intercepts the rest', () => {
    const app = new App()
    const stack = new Stack(app, 'Test', { env: { region: 'us-east-1' } })
    applyHttpInterceptor(stack, testInterceptor(stack))
    const edge = new cloudfront.experimental.EdgeFunction(stack, 'Rewrite', inlineNode)
    distribution(stack, edge)
    nodeFunction(stack, 'MakeExternalCalls')
    // CDK resolves the distribution's edge ARN here and would throw if the function had variables.
    const template = Template.fromStack(stack)

    expect(deployed(template, 'RewriteFn').variables).toBeUndefined()
    expect(deployed(template, 'RewriteFn').layers).toBeUndefined()
    expect(deployed(template, 'RewriteFn').interceptorPolicies).toEqual([])
    expect(deployed(template, 'MakeExternalCalls').variables).toMatchObject({ AWS_LAMBDA_EXEC_WRAPPER: WRAPPER_PATH })
    const annotations = Annotations.fromStack(stack)
    annotations.hasWarning('/Test/Rewrite/Fn', Match.stringLikeRegexp(EDGE_WARNING.source))
    annotations.hasWarning(
      '/Test/Rewrite/Fn',
      Match.stringLikeRegexp('cloudfront.experimental.EdgeFunction Test/Rewrite'),
    )
    annotations.hasNoWarning('/Test/MakeExternalCalls', Match.anyValue())
  })

  it('skips the function an EdgeFunction puts in its us-east-1 stack, even when its role is imported', () => {
    const app = new App()
    const stack = new Stack(app, 'Test', { env: { region: 'eu-west-1', account: '123456789012' } })
    // The EdgeFunction's `stackId`: it puts its function there (a stack it would otherwise create as
    // edge-lambda-stack-*), so the imported role can live in the same stack as the function.
    const edgeStack = new Stack(app, 'Edge', { env: { region: 'us-east-1', account: '123456789012' } })
    const edge = new cloudfront.experimental.EdgeFunction(stack, 'Rewrite', {
      ...inlineNode,
      stackId: 'Edge',
      // An imported role cannot get CDK's edgelambda trust: the SSM parameter is the only sign left.
      role: iam.Role.fromRoleArn(edgeStack, 'EdgeRole', 'arn:aws:iam::123456789012:role/edge'),
    })
    distribution(stack, edge)
    // Applied to the app: the edge function lives outside `stack`.
    applyHttpInterceptor(app, testInterceptor(stack))
    const template = Template.fromStack(edgeStack)

    expect(edge.lambda.node.path).toBe('Edge/Rewrite')
    expect(deployed(template, 'Rewrite').variables).toBeUndefined()
    expect(deployed(template, 'Rewrite').layers).toBeUndefined()
    Annotations.fromStack(edgeStack).hasWarning(
      '/Edge/Rewrite',
      Match.stringLikeRegexp('its ARN published in /cdk/EdgeFunctionArn/eu-west-1/Test/Rewrite'),
    )
  })

  it('finds the edge stack an EdgeFunction creates by itself', () => {
    const app = new App()
    const stack = new Stack(app, 'Test', { env: { region: 'eu-west-1' } })
    const edge = new cloudfront.experimental.EdgeFunction(stack, 'Rewrite', inlineNode)
    distribution(stack, edge)
    applyHttpInterceptor(app, testInterceptor(stack))
    const edgeStack = Stack.of(edge.lambda)
    const template = Template.fromStack(edgeStack)

    expect(edgeStack.node.id).toMatch(/^edge-lambda-stack-/)
    expect(edgeStack.region).toBe('us-east-1')
    expect(deployed(template, 'Rewrite').layers).toBeUndefined()
    Annotations.fromStack(edgeStack).hasWarning(
      `/${edgeStack.node.id}/Rewrite`,
      Match.stringLikeRegexp(EDGE_WARNING.source),
    )
  })

  it('skips a plain function whose version a distribution runs at the edge', () => {
    const app = new App()
    const stack = new Stack(app, 'Test')
    applyHttpInterceptor(stack, testInterceptor(stack))
    const viewer = new lambda.Function(stack, 'ViewerRequest', inlineNode)
    distribution(stack, viewer.currentVersion)
    const template = Template.fromStack(stack)

    expect(deployed(template, 'ViewerRequest').variables).toBeUndefined()
    expect(deployed(template, 'ViewerRequest').layers).toBeUndefined()
    Annotations.fromStack(stack).hasWarning(
      '/Test/ViewerRequest',
      Match.stringLikeRegexp('its role trusts edgelambda.amazonaws.com'),
    )
  })

  it('skips a function whose own role trusts edgelambda.amazonaws.com, before any distribution uses it', () => {
    const app = new App()
    const stack = new Stack(app, 'Test')
    applyHttpInterceptor(stack, testInterceptor(stack))
    const role = new iam.Role(stack, 'EdgeRole', {
      assumedBy: new iam.CompositePrincipal(
        new iam.ServicePrincipal('lambda.amazonaws.com'),
        new iam.ServicePrincipal('edgelambda.amazonaws.com'),
      ),
    })
    const fn = new lambda.Function(stack, 'OriginResponse', { ...inlineNode, role })
    const template = Template.fromStack(stack)

    expect(lambdaEdgeReason(fn)).toMatch(/role trusts edgelambda/)
    expect(deployed(template, 'OriginResponse').layers).toBeUndefined()
    Annotations.fromStack(stack).hasWarning('/Test/OriginResponse', Match.stringLikeRegexp(EDGE_WARNING.source))
  })

  it('does not take a role that only lambda.amazonaws.com assumes, or an edge trust that is denied, for an edge one', () => {
    const app = new App()
    const stack = new Stack(app, 'Test')
    const plain = nodeFunction(stack, 'Plain')
    const denied = new iam.Role(stack, 'Denied', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') })
    denied.assumeRolePolicy?.addStatements(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        actions: ['sts:AssumeRole'],
        principals: [new iam.ServicePrincipal('edgelambda.amazonaws.com')],
      }),
    )
    const imported = nodeFunction(stack, 'Imported', { role: iam.Role.fromRoleName(stack, 'Shared', 'shared') })

    expect(lambdaEdgeReason(plain)).toBeUndefined()
    expect(lambdaEdgeReason(nodeFunction(stack, 'DeniedFn', { role: denied }))).toBeUndefined()
    expect(lambdaEdgeReason(imported)).toBeUndefined()
  })

  it('(why: CDK refuses a function with environment variables at the edge)', () => {
    const app = new App()
    const stack = new Stack(app, 'Test')
    const viewer = new lambda.Function(stack, 'ViewerRequest', { ...inlineNode, environment: { STAGE: 'test' } })
    distribution(stack, viewer.currentVersion)
    expect(() => Template.fromStack(stack)).toThrow(
      /contains environment variables \[STAGE\] and is not compatible with Lambda@Edge/,
    )
  })

  it('cannot recognise a plain function with an imported role: CDK then stops the synthesis, and exclude fixes it', () => {
    function build(options: ApplyHttpInterceptorOptions) {
      const app = new App()
      const stack = new Stack(app, 'Test')
      applyHttpInterceptor(stack, testInterceptor(stack), options)
      const role = iam.Role.fromRoleArn(stack, 'EdgeRole', 'arn:aws:iam::123456789012:role/edge')
      const viewer = new lambda.Function(stack, 'ViewerRequest', { ...inlineNode, role })
      distribution(stack, viewer.currentVersion)
      return stack
    }
    // The documented limit: no sign of the edge before synthesis, so stakeout adds its variables and
    // CDK's own Lambda@Edge check stops the synthesis (not the deployment), naming them.
    expect(() => Template.fromStack(build({}))).toThrow(
      /ViewerRequest contains environment variables \[AWS_LAMBDA_EXEC_WRAPPER,STAKEOUT_INTERCEPTOR_TABLE,STAKEOUT_TTL_SECONDS\]/,
    )
    const template = Template.fromStack(build({ exclude: ['ViewerRequest'] }))
    expect(deployed(template, 'ViewerRequest').variables).toBeUndefined()
  })
})

describe('applyHttpInterceptor and aws-cdk-lib framework functions', () => {
  function customResourceStack(options: ApplyHttpInterceptorOptions = {}) {
    const app = new App()
    const stack = new Stack(app, 'Test')
    applyHttpInterceptor(stack, testInterceptor(stack), options)
    nodeFunction(stack, 'MakeExternalCalls')
    new cr.AwsCustomResource(stack, 'Lookup', {
      onCreate: {
        service: 'SSM',
        action: 'getParameter',
        parameters: { Name: '/shop/flag' },
        physicalResourceId: cr.PhysicalResourceId.of('flag'),
      },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
      installLatestAwsSdk: false,
    })
    new cr.Provider(stack, 'Seeder', {
      onEventHandler: nodeFunction(stack, 'SeedOnEvent'),
      isCompleteHandler: nodeFunction(stack, 'SeedIsComplete'),
    })
    return { stack, template: Template.fromStack(stack) }
  }

  const frameworkIds = (template: Template) => [
    logicalId(template, 'AWS::Lambda::Function', 'AWS679f53fac002430cb0da5b7982bd2287'),
    logicalId(template, 'AWS::Lambda::Function', 'SeederframeworkonEvent'),
    logicalId(template, 'AWS::Lambda::Function', 'SeederframeworkisComplete'),
    logicalId(template, 'AWS::Lambda::Function', 'SeederframeworkonTimeout'),
  ]
  const userIds = (template: Template) =>
    ['MakeExternalCalls', 'SeedOnEvent', 'SeedIsComplete'].map((id) => logicalId(template, 'AWS::Lambda::Function', id))

  it('leaves the AwsCustomResource singleton and a Provider’s framework functions alone, with an info', () => {
    const { stack, template } = customResourceStack()
    const { intercepted, untouched } = functionsOf(template)

    expect(intercepted.sort()).toEqual(userIds(template).sort())
    expect(untouched.sort()).toEqual(frameworkIds(template).sort())
    const annotations = Annotations.fromStack(stack)
    annotations.hasInfo(
      '/Test/AWS679f53fac002430cb0da5b7982bd2287',
      `${FRAMEWORK_INFO} custom_resources.AwsCustomResource. It runs CDK code, not yours: intercepting it tests nothing of yours and only adds risk. To intercept it anyway, pass includeFrameworkFunctions: true to applyHttpInterceptor.`,
    )
    for (const entrypoint of ['onEvent', 'isComplete', 'onTimeout']) {
      annotations.hasInfo(
        `/Test/Seeder/framework-${entrypoint}`,
        Match.stringLikeRegexp(`creates it for custom_resources.Provider\\. .*includeFrameworkFunctions: true`),
      )
    }
    annotations.hasNoInfo('/Test/SeedOnEvent', Match.anyValue())
    annotations.hasNoWarning('*', Match.anyValue())
    annotations.hasNoError('*', Match.anyValue())
  })

  it('intercepts them too with includeFrameworkFunctions: true', () => {
    const { stack, template } = customResourceStack({ includeFrameworkFunctions: true })
    const { intercepted, untouched } = functionsOf(template)

    expect(untouched).toEqual([])
    expect(intercepted.sort()).toEqual([...userIds(template), ...frameworkIds(template)].sort())
    Annotations.fromStack(stack).hasNoInfo('*', Match.stringLikeRegexp(FRAMEWORK_INFO))
  })

  it('leaves them alone even when include picks them', () => {
    const { template } = customResourceStack({ include: ['Seeder', 'MakeExternalCalls'] })
    expect(functionsOf(template).intercepted).toEqual([
      logicalId(template, 'AWS::Lambda::Function', 'MakeExternalCalls'),
    ])
  })

  it('intercepts a user’s SingletonFunction and a user’s function named like a framework one', () => {
    const app = new App()
    const stack = new Stack(app, 'Test')
    applyHttpInterceptor(stack, testInterceptor(stack))
    new lambda.SingletonFunction(stack, 'Mine', {
      ...inlineNode,
      uuid: 'b1e5f2a4-0000-4000-8000-000000000001',
      lambdaPurpose: 'AWS',
    })
    nodeFunction(new Construct(stack, 'Seeder'), 'framework-onEvent')
    const template = Template.fromStack(stack)

    expect(functionsOf(template)).toEqual({
      intercepted: [
        logicalId(template, 'AWS::Lambda::Function', 'AWSb1e5f2a4'),
        logicalId(template, 'AWS::Lambda::Function', 'SeederframeworkonEvent'),
      ],
      untouched: [],
    })
  })

  it('never sees LogRetention’s function: CDK writes it as a raw AWS::Lambda::Function', () => {
    const app = new App()
    const stack = new Stack(app, 'Test')
    applyHttpInterceptor(stack, testInterceptor(stack), { includeFrameworkFunctions: true })
    nodeFunction(stack, 'MakeExternalCalls', { logRetention: logs.RetentionDays.ONE_WEEK })
    const template = Template.fromStack(stack)

    expect(functionsOf(template)).toEqual({
      intercepted: [logicalId(template, 'AWS::Lambda::Function', 'MakeExternalCalls')],
      untouched: [logicalId(template, 'AWS::Lambda::Function', 'LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a')],
    })
  })

  type Build = (stack: Stack) => void
  it.each<[string, Build, Record<string, unknown>?]>([
    [
      'aws_s3_deployment.BucketDeployment',
      (stack) =>
        new s3deploy.BucketDeployment(stack, 'Site', {
          sources: [s3deploy.Source.data('index.html', '<h1>shop</h1>')],
          destinationBucket: new s3.Bucket(stack, 'Bucket') as unknown as s3.IBucket,
        }),
    ],
    [
      'aws_events_targets.AwsApi',
      (stack) =>
        new events.Rule(stack, 'Nightly', {
          schedule: events.Schedule.rate(Duration.days(1)),
          targets: [new targets.AwsApi({ service: 'ECS', action: 'updateService', parameters: { service: 'shop' } })],
        }),
    ],
    ['aws_ses.DropSpamReceiptRule', (stack) => new ses.ReceiptRuleSet(stack, 'Mail', { dropSpam: true })],
    [
      'aws_stepfunctions_tasks.CallAwsServiceCrossRegion',
      (stack) =>
        new tasks.CallAwsServiceCrossRegion(stack, 'ListBuckets', {
          service: 's3',
          action: 'listBuckets',
          region: 'eu-west-1',
          iamResources: ['*'],
        }),
    ],
    [
      'aws_stepfunctions_tasks.EvaluateExpression',
      (stack) => new tasks.EvaluateExpression(stack, 'Add', { expression: '$.a + 1' }),
    ],
    [
      'aws_stepfunctions_tasks.EvaluateExpression',
      (stack) => new tasks.EvaluateExpression(stack, 'Add', { expression: '$.a + 1' }),
      { '@aws-cdk/aws-stepfunctions-tasks:evaluateExpressionDedicatedFunction': true },
    ],
    [
      'aws_glue.S3Table / ExternalTable (partition indexes)',
      (stack) =>
        new glue.S3Table(stack, 'Sales', {
          database: new glue.Database(stack, 'Lake'),
          columns: [{ name: 'amount', type: glue.Schema.INTEGER }],
          partitionKeys: [{ name: 'day', type: glue.Schema.STRING }],
          partitionIndexes: [{ keyNames: ['day'] }],
          dataFormat: glue.DataFormat.JSON,
        }),
    ],
    [
      'aws_certificatemanager.DnsValidatedCertificate',
      (stack) =>
        new acm.DnsValidatedCertificate(stack, 'Cert', {
          domainName: 'shop.example.com',
          hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
            hostedZoneId: 'Z0000000000000',
            zoneName: 'example.com',
          }),
        }),
    ],
  ])('leaves the function of %s alone (case %#)', (createdBy, build, context = {}) => {
    const app = new App({ context })
    const stack = new Stack(app, 'Test')
    applyHttpInterceptor(stack, testInterceptor(stack))
    nodeFunction(stack, 'MakeExternalCalls')
    build(stack)
    const template = Template.fromStack(stack)
    const { intercepted, untouched } = functionsOf(template)

    expect(intercepted).toEqual([logicalId(template, 'AWS::Lambda::Function', 'MakeExternalCalls')])
    expect(untouched.length).toBeGreaterThan(0)
    const infos = Annotations.fromStack(stack).findInfo('*', Match.stringLikeRegexp(FRAMEWORK_INFO))
    // One info per function left alone; a construct built on a Provider also has its framework ones.
    expect(infos).toHaveLength(untouched.length)
    expect(infos.map((info) => String(info.entry.data))).toContainEqual(
      expect.stringContaining(`creates it for ${createdBy}.`),
    )
  })

  it('leaves the functions of a DynamoDB replica provider, in their nested stack, alone', () => {
    const app = new App()
    const stack = new Stack(app, 'Test', { env: { region: 'eu-west-1', account: '123456789012' } })
    applyHttpInterceptor(stack, testInterceptor(stack))
    new dynamodb.Table(stack, 'Orders', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      replicationRegions: ['eu-central-1'],
    })
    app.synth()
    const provider = stack.node.findChild('@aws-cdk/aws-dynamodb.ReplicaProvider') as NestedStack
    const { intercepted, untouched } = functionsOf(Template.fromStack(provider))

    expect(intercepted).toEqual([])
    // OnEventHandler and IsCompleteHandler, and the Provider's three framework functions.
    expect(untouched).toHaveLength(5)
  })
})

describe('CDK_FRAMEWORK_FUNCTIONS', () => {
  it('pins every function to its parent (an id or a type), never to its own id alone', () => {
    for (const entry of CDK_FRAMEWORK_FUNCTIONS) {
      expect(entry.parentId ?? entry.parentType, entry.id).toEqual(expect.any(String))
    }
    expect(CDK_FRAMEWORK_FUNCTIONS.map((f) => f.id)).toContain('AWS679f53fac002430cb0da5b7982bd2287')
  })

  it('is what frameworkFunctionOf reads', () => {
    const app = new App()
    const stack = new Stack(app, 'Test')
    const onEvent = nodeFunction(stack, 'OnEvent')
    const provider = new cr.Provider(stack, 'Seeder', { onEventHandler: onEvent })
    const framework = provider.node.findChild('framework-onEvent')

    expect(frameworkFunctionOf(framework)).toEqual({
      createdBy: 'custom_resources.Provider',
      id: 'framework-onEvent',
      parentType: 'aws-cdk-lib.custom_resources.Provider',
    })
    expect(frameworkFunctionOf(onEvent)).toBeUndefined()
    expect(frameworkFunctionOf(app)).toBeUndefined()
  })
})
