import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Duration, Fn, Stack } from 'aws-cdk-lib'
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions'
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import * as ecr from 'aws-cdk-lib/aws-ecr'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs'
import { Construct } from 'constructs'
import {
  type ApplyHttpInterceptorOptions,
  applyHttpInterceptor,
  type HttpInterceptor,
  HttpInterceptorAspect,
} from 'stakeout/construct'
import { afterAll, describe, expect, it } from 'vitest'
import { WRAPPER_PATH } from '../../construct/apply-http-interceptor.js'
import { ArgumentError } from '../../src/errors.js'
import { deployed, logicalId, nodeFunction, removeTempDirs, testInterceptor, testStack } from './synth.js'

afterAll(removeTempDirs)

function setup(options: ApplyHttpInterceptorOptions = {}) {
  const { app, stack } = testStack()
  const interceptor = testInterceptor(stack)
  applyHttpInterceptor(stack, interceptor, options)
  return { app, stack, interceptor }
}

const layerRef = (template: Template) => ({
  Ref: logicalId(template, 'AWS::Lambda::LayerVersion', 'HttpInterceptorLayer'),
})
const tableRef = (template: Template) => ({ Ref: logicalId(template, 'AWS::DynamoDB::Table', 'HttpInterceptorTable') })

describe('applyHttpInterceptor on a Node.js function', () => {
  it('adds the layer and sets the wrapper, the table and the record TTL', () => {
    const { stack } = testStack()
    const interceptor = testInterceptor(stack, { recordTtl: Duration.hours(2) })
    nodeFunction(stack, 'MakeExternalCalls')
    const aspect = applyHttpInterceptor(stack, interceptor)
    const template = Template.fromStack(stack)
    const fn = deployed(template, 'MakeExternalCalls')

    expect(aspect).toBeInstanceOf(HttpInterceptorAspect)
    expect(fn.layers).toEqual([layerRef(template)])
    expect(fn.variables).toEqual({
      AWS_LAMBDA_EXEC_WRAPPER: '/opt/stakeout/wrapper',
      STAKEOUT_INTERCEPTOR_TABLE: tableRef(template),
      STAKEOUT_TTL_SECONDS: '7200',
    })
    expect(WRAPPER_PATH).toBe('/opt/stakeout/wrapper')
  })

  it('intercepts functions created after the call too', () => {
    const { stack } = setup()
    nodeFunction(stack, 'Later')
    const template = Template.fromStack(stack)
    expect(deployed(template, 'Later').layers).toEqual([layerRef(template)])
  })

  it('chains an existing AWS_LAMBDA_EXEC_WRAPPER through STAKEOUT_NEXT_WRAPPER and leaves NODE_OPTIONS alone', () => {
    const { stack } = setup()
    nodeFunction(stack, 'Traced', {
      environment: {
        AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel-instrument',
        NODE_OPTIONS: '--enable-source-maps --import /opt/otel.mjs',
        APP_SETTING: 'kept',
      },
    })
    const template = Template.fromStack(stack)

    expect(deployed(template, 'Traced').variables).toEqual({
      AWS_LAMBDA_EXEC_WRAPPER: '/opt/stakeout/wrapper',
      STAKEOUT_NEXT_WRAPPER: '/opt/otel-instrument',
      NODE_OPTIONS: '--enable-source-maps --import /opt/otel.mjs',
      APP_SETTING: 'kept',
      STAKEOUT_INTERCEPTOR_TABLE: tableRef(template),
      STAKEOUT_TTL_SECONDS: '86400',
    })
  })

  it('chains a wrapper given as a token, and one added with addEnvironment after the call', () => {
    const { stack } = setup()
    nodeFunction(stack, 'Imported', { environment: { AWS_LAMBDA_EXEC_WRAPPER: Fn.importValue('WrapperPath') } })
    nodeFunction(stack, 'AddedLater').addEnvironment('AWS_LAMBDA_EXEC_WRAPPER', '/opt/datadog_wrapper')
    const template = Template.fromStack(stack)

    expect(deployed(template, 'Imported').variables).toMatchObject({
      AWS_LAMBDA_EXEC_WRAPPER: '/opt/stakeout/wrapper',
      STAKEOUT_NEXT_WRAPPER: { 'Fn::ImportValue': 'WrapperPath' },
    })
    expect(deployed(template, 'AddedLater').variables).toMatchObject({
      AWS_LAMBDA_EXEC_WRAPPER: '/opt/stakeout/wrapper',
      STAKEOUT_NEXT_WRAPPER: '/opt/datadog_wrapper',
    })
  })

  it.each([
    ['nodejs20.x', lambda.Runtime.NODEJS_20_X, lambda.Architecture.X86_64],
    ['nodejs22.x', lambda.Runtime.NODEJS_22_X, lambda.Architecture.X86_64],
    ['nodejs24.x', lambda.Runtime.NODEJS_24_X, lambda.Architecture.X86_64],
    ['nodejs20.x', lambda.Runtime.NODEJS_20_X, lambda.Architecture.ARM_64],
    ['nodejs24.x', lambda.Runtime.NODEJS_24_X, lambda.Architecture.ARM_64],
  ])('intercepts %s on %s', (name, runtime, architecture) => {
    const { stack } = setup()
    nodeFunction(stack, 'Fn', { runtime, architecture })
    const template = Template.fromStack(stack)
    const fn = deployed(template, 'Fn')

    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: name, Architectures: [architecture.name] })
    expect(fn.layers).toEqual([layerRef(template)])
    expect(fn.variables).toMatchObject({ AWS_LAMBDA_EXEC_WRAPPER: '/opt/stakeout/wrapper' })
    expect(fn.interceptorPolicies).toHaveLength(1)
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue())
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue())
  })

  it('intercepts a NodejsFunction bundled with the local esbuild', () => {
    // Bundled by the esbuild in this repository's node_modules (NodejsFunction runs `npx --no-install esbuild`).
    const repository = fileURLToPath(new URL('../../', import.meta.url))
    const { stack } = setup()
    new NodejsFunction(stack, 'MakeExternalCalls', {
      entry: fileURLToPath(new URL('./fixtures/make-external-calls.ts', import.meta.url)),
      projectRoot: repository,
      depsLockFilePath: join(repository, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
    })
    const template = Template.fromStack(stack)
    const fn = deployed(template, 'MakeExternalCalls')

    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Code: { S3Key: Match.anyValue() },
    })
    expect(fn.layers).toEqual([layerRef(template)])
    expect(fn.variables).toMatchObject({
      AWS_LAMBDA_EXEC_WRAPPER: '/opt/stakeout/wrapper',
      STAKEOUT_INTERCEPTOR_TABLE: tableRef(template),
    })
    expect(fn.interceptorPolicies).toHaveLength(1)
  })
})

describe('the policy of an intercepted function', () => {
  it('allows Query, BatchWriteItem and UpdateItem on the table, on the function’s own partitions only', () => {
    const { stack } = setup()
    nodeFunction(stack, 'MakeExternalCalls')
    const template = Template.fromStack(stack)
    const fn = deployed(template, 'MakeExternalCalls')
    const tableId = logicalId(template, 'AWS::DynamoDB::Table', 'HttpInterceptorTable')

    expect(fn.interceptorPolicies).toHaveLength(1)
    const [, policy] = fn.interceptorPolicies[0] as [string, { Properties: Record<string, unknown> }]
    const roleId = logicalId(template, 'AWS::IAM::Role', 'MakeExternalCallsServiceRole')
    expect(fn.role).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] })
    expect(policy.Properties.Roles).toEqual([{ Ref: roleId }])
    expect(policy.Properties.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['dynamodb:Query', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem'],
          Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
          Condition: {
            'ForAllValues:StringEquals': {
              'dynamodb:LeadingKeys': [
                { 'Fn::Join': ['', [{ Ref: fn.fnId }, '#rules']] },
                { 'Fn::Join': ['', [{ Ref: fn.fnId }, '#calls']] },
              ],
            },
          },
        },
      ],
    })
    expect(JSON.stringify(template.toJSON())).not.toContain('dynamodb:*')
  })

  it('lives outside the role’s default policy, so the template has no dependency cycle', () => {
    const { stack } = setup()
    const fn = nodeFunction(stack, 'MakeExternalCalls')
    // A default policy the function DependsOn: the case where a function-named statement would loop.
    const orders = new dynamodb.Table(stack, 'Orders', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    })
    orders.grantReadData(fn)
    // Template.fromStack rejects a template whose resources depend on each other in a loop.
    const template = Template.fromStack(stack)
    const defaultPolicyId = logicalId(template, 'AWS::IAM::Policy', 'MakeExternalCallsServiceRoleDefaultPolicy')

    template.hasResource('AWS::Lambda::Function', { DependsOn: Match.arrayWith([defaultPolicyId]) })
    expect(JSON.stringify(template.toJSON().Resources[defaultPolicyId])).not.toMatch(/LeadingKeys|BatchWriteItem/)
    expect(deployed(template, 'MakeExternalCalls').interceptorPolicies).toHaveLength(1)
  })

  it('(the cycle check is real: the same statement in the default policy is rejected)', () => {
    const { stack } = testStack()
    const fn = nodeFunction(stack, 'Looping')
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: ['*'],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [`${fn.functionName}#rules`] } },
      }),
    )
    expect(() => Template.fromStack(stack)).toThrow(
      /dependency cycle: LoopingServiceRoleDefaultPolicy\w+ -> Looping\w+/,
    )
  })

  it('warns when the role is imported, and leaves an immutable one alone', () => {
    const { stack } = setup()
    nodeFunction(stack, 'Shared', {
      role: iam.Role.fromRoleArn(stack, 'SharedRole', 'arn:aws:iam::123456789012:role/shared'),
    })
    nodeFunction(stack, 'Locked', {
      role: iam.Role.fromRoleArn(stack, 'LockedRole', 'arn:aws:iam::123456789012:role/locked', { mutable: false }),
    })
    const template = Template.fromStack(stack)
    const annotations = Annotations.fromStack(stack)

    expect(
      deployed(template, 'Shared').interceptorPolicies.map(
        ([, p]) => (p as { Properties: { Roles: unknown } }).Properties.Roles,
      ),
    ).toEqual([['shared']])
    expect(deployed(template, 'Locked').interceptorPolicies).toEqual([])
    expect(deployed(template, 'Locked').layers).toEqual([layerRef(template)])
    for (const name of ['Shared', 'Locked']) {
      annotations.hasWarning(
        `/Test/${name}`,
        Match.stringLikeRegexp(`role is imported \\(Test/${name}Role\\).*grant those actions yourself`),
      )
    }
  })
})

describe('functions the interceptor does not handle', () => {
  it('gives a Python function an info and nothing else', () => {
    const { stack } = setup()
    new lambda.Function(stack, 'Reporting', {
      runtime: lambda.Runtime.PYTHON_3_12,
      handler: 'index.handler',
      code: lambda.Code.fromInline('def handler(event, context):\n  return 1\n'),
    })
    const template = Template.fromStack(stack)
    const annotations = Annotations.fromStack(stack)
    const fn = deployed(template, 'Reporting')

    annotations.hasInfo(
      '/Test/Reporting',
      Match.stringLikeRegexp(
        "stakeout's HTTP interceptor skipped this function: its runtime python3.12 is not Node.js",
      ),
    )
    annotations.hasNoError('*', Match.anyValue())
    annotations.hasNoWarning('*', Match.anyValue())
    expect(fn.layers).toBeUndefined()
    expect(fn.variables).toBeUndefined()
    expect(fn.interceptorPolicies).toEqual([])
    template.resourceCountIs('AWS::IAM::Policy', 0)
  })

  it('gives a container image function an info: it cannot take layers', () => {
    const { stack } = setup()
    new lambda.DockerImageFunction(stack, 'Image', {
      code: lambda.DockerImageCode.fromEcr(ecr.Repository.fromRepositoryName(stack, 'Repo', 'app')),
    })
    const template = Template.fromStack(stack)
    Annotations.fromStack(stack).hasInfo(
      '/Test/Image',
      Match.stringLikeRegexp('container image function, which cannot use layers'),
    )
    expect(deployed(template, 'Image').variables).toBeUndefined()
  })

  it('reports an error for Node.js 18, and changes nothing', () => {
    const { stack } = setup()
    nodeFunction(stack, 'Old', { runtime: lambda.Runtime.NODEJS_18_X })
    const template = Template.fromStack(stack)
    const fn = deployed(template, 'Old')

    Annotations.fromStack(stack).hasError(
      '/Test/Old',
      Match.stringLikeRegexp('cannot run in nodejs18.x: it needs nodejs20.x, nodejs22.x, nodejs24.x'),
    )
    expect(fn.layers).toBeUndefined()
    expect(fn.variables).toBeUndefined()
    expect(fn.interceptorPolicies).toEqual([])
  })

  it('warns about a Node.js runtime it does not know yet', () => {
    const { stack } = setup()
    nodeFunction(stack, 'Future', {
      runtime: new lambda.Runtime('nodejs26.x', lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true }),
    })
    const template = Template.fromStack(stack)
    Annotations.fromStack(stack).hasWarning('/Test/Future', Match.stringLikeRegexp('does not support nodejs26.x yet'))
    expect(deployed(template, 'Future').layers).toBeUndefined()
  })

  it('reports an error when the function already has five layers', () => {
    const { stack } = setup()
    const layers = [1, 2, 3, 4, 5].map((n) =>
      lambda.LayerVersion.fromLayerVersionArn(
        stack,
        `Layer${n}`,
        `arn:aws:lambda:us-east-1:123456789012:layer:l${n}:1`,
      ),
    )
    nodeFunction(stack, 'Full', { layers })
    const template = Template.fromStack(stack)
    Annotations.fromStack(stack).hasError('/Test/Full', Match.stringLikeRegexp('cannot add its layer.*5 layers'))
    expect(deployed(template, 'Full').layers).toHaveLength(5)
    expect(deployed(template, 'Full').variables).toBeUndefined()
  })
})

describe('include and exclude', () => {
  function intercepted(options: ApplyHttpInterceptorOptions): string[] {
    const { stack } = testStack()
    const api = new Construct(stack, 'Api')
    const legacy = new Construct(api, 'Legacy')
    nodeFunction(stack, 'Orders')
    nodeFunction(api, 'MakeExternalCalls')
    nodeFunction(legacy, 'Billing')
    nodeFunction(legacy, 'Reporting')
    applyHttpInterceptor(stack, testInterceptor(stack), options)
    const template = Template.fromStack(stack)
    return ['Orders', 'ApiMakeExternalCalls', 'ApiLegacyBilling', 'ApiLegacyReporting'].filter(
      (prefix) => deployed(template, prefix).layers !== undefined,
    )
  }

  it('takes every function by default', () => {
    expect(intercepted({})).toEqual(['Orders', 'ApiMakeExternalCalls', 'ApiLegacyBilling', 'ApiLegacyReporting'])
  })

  it('includes by id, full path, trailing path, containing construct, RegExp or predicate', () => {
    expect(intercepted({ include: ['Orders'] })).toEqual(['Orders'])
    expect(intercepted({ include: ['Test/Api/MakeExternalCalls'] })).toEqual(['ApiMakeExternalCalls'])
    expect(intercepted({ include: ['Legacy/Billing'] })).toEqual(['ApiLegacyBilling'])
    expect(intercepted({ include: ['Legacy'] })).toEqual(['ApiLegacyBilling', 'ApiLegacyReporting'])
    expect(intercepted({ include: [/Calls$/g, 'Orders'] })).toEqual(['Orders', 'ApiMakeExternalCalls'])
    expect(intercepted({ include: (fn) => fn.node.id.startsWith('Re') })).toEqual(['ApiLegacyReporting'])
  })

  it('does not take a partial id for a match', () => {
    expect(intercepted({ include: ['Calls', 'Api/Make'] })).toEqual([])
  })

  it('excludes the same ways, and exclude wins over include', () => {
    expect(intercepted({ exclude: ['Legacy'] })).toEqual(['Orders', 'ApiMakeExternalCalls'])
    expect(intercepted({ exclude: [/Legacy\/B/] })).toEqual(['Orders', 'ApiMakeExternalCalls', 'ApiLegacyReporting'])
    expect(intercepted({ include: ['Api'], exclude: (fn) => fn.node.id === 'Billing' })).toEqual([
      'ApiMakeExternalCalls',
      'ApiLegacyReporting',
    ])
  })

  it('says nothing about functions it was told to leave out', () => {
    const { stack } = setup({ exclude: ['Old'] })
    nodeFunction(stack, 'Old', { runtime: lambda.Runtime.NODEJS_18_X })
    Template.fromStack(stack)
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue())
  })
})

describe('applying twice', () => {
  it('with the same interceptor adds one layer, one set of variables and one policy', () => {
    const { app, stack } = testStack()
    const interceptor = testInterceptor(stack)
    nodeFunction(stack, 'Traced', { environment: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel-instrument' } })
    applyHttpInterceptor(stack, interceptor)
    applyHttpInterceptor(stack, interceptor)
    applyHttpInterceptor(app, interceptor)
    const template = Template.fromStack(stack)
    const fn = deployed(template, 'Traced')

    expect(fn.layers).toEqual([layerRef(template)])
    expect(fn.variables).toMatchObject({
      AWS_LAMBDA_EXEC_WRAPPER: '/opt/stakeout/wrapper',
      STAKEOUT_NEXT_WRAPPER: '/opt/otel-instrument',
    })
    expect(fn.interceptorPolicies).toHaveLength(1)
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue())
  })

  it('with two interceptors keeps the first and reports an error', () => {
    const { stack } = testStack()
    const first = testInterceptor(stack, {}, 'First')
    const second = testInterceptor(stack, {}, 'Second')
    nodeFunction(stack, 'Fn')
    applyHttpInterceptor(stack, first)
    applyHttpInterceptor(stack, second)
    const template = Template.fromStack(stack)
    const fn = deployed(template, 'Fn')

    expect(fn.layers).toEqual([{ Ref: logicalId(template, 'AWS::Lambda::LayerVersion', 'FirstLayer') }])
    Annotations.fromStack(stack).hasError(
      '/Test/Fn',
      Match.stringLikeRegexp('Test/Second cannot intercept this function: Test/First already does'),
    )
  })
})

describe('applyHttpInterceptor in a production stack', () => {
  function prodSetup(options: ApplyHttpInterceptorOptions = {}, interceptorAllows = false) {
    const { app, stack: shared } = testStack()
    const prod = new Stack(app, 'Prod', { tags: { Environment: 'Production' } })
    const interceptor = testInterceptor(shared, { allowInProduction: interceptorAllows })
    nodeFunction(prod, 'Checkout')
    applyHttpInterceptor(prod, interceptor, options)
    return { prod, interceptor }
  }

  it('reports an error on each function and leaves it alone', () => {
    const { prod } = prodSetup()
    const template = Template.fromStack(prod)
    Annotations.fromStack(prod).hasError(
      '/Prod/Checkout',
      Match.stringLikeRegexp('marked as production \\(tag Environment=Production\\).*allowInProduction: true'),
    )
    expect(deployed(template, 'Checkout').layers).toBeUndefined()
    expect(deployed(template, 'Checkout').variables).toBeUndefined()
  })

  it('intercepts with allowInProduction: true, or when the interceptor allows production', () => {
    for (const { prod } of [prodSetup({ allowInProduction: true }), prodSetup({}, true)]) {
      const template = Template.fromStack(prod)
      expect(deployed(template, 'Checkout').layers).toHaveLength(1)
      Annotations.fromStack(prod).hasNoError('*', Match.anyValue())
    }
  })

  it('lets the option override an interceptor that allows production', () => {
    const { prod } = prodSetup({ allowInProduction: false }, true)
    Annotations.fromStack(prod).hasError('/Prod/Checkout', Match.stringLikeRegexp('marked as production'))
  })
})

describe('applyHttpInterceptor arguments', () => {
  const { stack } = testStack()
  const interceptor = testInterceptor(stack)

  it.each([
    [
      'scope',
      () => applyHttpInterceptor({} as Construct, interceptor),
      /^applyHttpInterceptor: scope must be a construct/,
    ],
    [
      'interceptor',
      () => applyHttpInterceptor(stack, {} as HttpInterceptor),
      /interceptor must be an HttpInterceptor, received object \{\}/,
    ],
    [
      'options',
      () => applyHttpInterceptor(stack, interceptor, 'all' as ApplyHttpInterceptorOptions),
      /options must be an object, received string 'all'/,
    ],
    [
      'options.include',
      () => applyHttpInterceptor(stack, interceptor, { include: 'Orders' as unknown as string[] }),
      /options\.include must be an array of construct ids, paths or RegExps, or a function/,
    ],
    [
      'options.exclude',
      () => applyHttpInterceptor(stack, interceptor, { exclude: [42 as unknown as string] }),
      /options\.exclude must be .*received array \[ 42 \]/,
    ],
    [
      'options.allowInProduction',
      () => applyHttpInterceptor(stack, interceptor, { allowInProduction: 1 as unknown as boolean }),
      /options\.allowInProduction must be a boolean, received number 1/,
    ],
    [
      'options.includeFrameworkFunctions',
      () => applyHttpInterceptor(stack, interceptor, { includeFrameworkFunctions: 'yes' as unknown as boolean }),
      /options\.includeFrameworkFunctions must be a boolean, received string 'yes'/,
    ],
  ])('names %s when it is wrong', (argument, call, message) => {
    let thrown: unknown
    try {
      call()
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ArgumentError)
    expect((thrown as ArgumentError).argument).toBe(argument)
    expect((thrown as Error).message).toMatch(message)
  })

  it('validates in the aspect’s constructor too', () => {
    expect(() => new HttpInterceptorAspect(interceptor, { include: /x/ as unknown as RegExp[] })).toThrow(
      /^HttpInterceptorAspect: options\.include must be/,
    )
  })
})
