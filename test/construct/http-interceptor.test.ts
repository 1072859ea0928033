import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Duration, RemovalPolicy, Tags } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import * as iam from 'aws-cdk-lib/aws-iam'
import { HttpInterceptor, type HttpInterceptorProps } from 'stakeout/construct'
import { afterAll, describe, expect, it } from 'vitest'
import { ArgumentError, StakeoutError } from '../../src/errors.js'
import { PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from '../../src/runtime/interceptor/schema.js'
import { logicalId, removeTempDirs, testInterceptor, testStack } from './synth.js'

afterAll(removeTempDirs)

describe('HttpInterceptor: the table', () => {
  it('keys items by pk/sk strings, bills per request, expires them on expiresAt and goes with the stack', () => {
    const { stack } = testStack()
    testInterceptor(stack)
    const template = Template.fromStack(stack)

    template.resourceCountIs('AWS::DynamoDB::Table', 1)
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [
          { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
          { AttributeName: SORT_KEY, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayEquals([
          { AttributeName: PARTITION_KEY, AttributeType: 'S' },
          { AttributeName: SORT_KEY, AttributeType: 'S' },
        ]),
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        TableName: Match.absent(),
      },
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    })
    expect([PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE]).toEqual(['pk', 'sk', 'expiresAt'])
  })

  it('takes a table name and a removal policy', () => {
    const { stack } = testStack()
    testInterceptor(stack, { tableName: 'shop-test.interceptor_1', removalPolicy: RemovalPolicy.RETAIN })
    const template = Template.fromStack(stack)
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: { TableName: 'shop-test.interceptor_1' },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    })
    template.hasResource('AWS::Lambda::LayerVersion', { DeletionPolicy: 'Retain' })
  })

  it('exposes the table and outputs its name, described as stakeout’s', () => {
    const { stack } = testStack()
    const interceptor = testInterceptor(stack)
    const template = Template.fromStack(stack)
    const tableId = logicalId(template, 'AWS::DynamoDB::Table', 'HttpInterceptorTable')

    expect(stack.resolve(interceptor.table.tableName)).toEqual({ Ref: tableId })
    const outputs = template.findOutputs('*', { Value: { Ref: tableId } })
    expect(Object.values(outputs)).toEqual([
      { Value: { Ref: tableId }, Description: expect.stringMatching(/stakeout's HTTP interceptor table/) },
    ])
  })
})

describe('HttpInterceptor: the layer', () => {
  it('is for Node.js 20, 22 and 24 on x86_64 and arm64, and says what it is', () => {
    const { stack } = testStack()
    const interceptor = testInterceptor(stack)
    const template = Template.fromStack(stack)

    template.resourceCountIs('AWS::Lambda::LayerVersion', 1)
    template.hasResourceProperties('AWS::Lambda::LayerVersion', {
      CompatibleRuntimes: ['nodejs20.x', 'nodejs22.x', 'nodejs24.x'],
      CompatibleArchitectures: ['x86_64', 'arm64'],
      Description: Match.stringLikeRegexp('stakeout HTTP interceptor'),
    })
    expect(stack.resolve(interceptor.layer.layerVersionArn)).toEqual({
      Ref: logicalId(template, 'AWS::Lambda::LayerVersion', 'HttpInterceptorLayer'),
    })
  })

  it('packs the layerCode directory, stakeout/wrapper included', () => {
    const { app, stack } = testStack()
    testInterceptor(stack)
    const assembly = app.synth()
    const layer = Template.fromStack(stack).findResources('AWS::Lambda::LayerVersion')
    const key = (Object.values(layer)[0] as { Properties: { Content: { S3Key: string } } }).Properties.Content.S3Key
    const staged = join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`)

    expect(readdirSync(join(staged, 'stakeout')).sort()).toEqual(['handler.mjs', 'wrapper'])
    expect(statSync(join(staged, 'stakeout', 'wrapper')).mode & 0o111).not.toBe(0)
  })
})

describe('HttpInterceptor.grantTestAccess', () => {
  it('grants item reads and writes, Query and BatchWriteItem on the table, and nothing wider', () => {
    const { stack } = testStack()
    const interceptor = testInterceptor(stack)
    const runner = new iam.Role(stack, 'TestRunner', { assumedBy: new iam.AccountRootPrincipal() })
    interceptor.grantTestAccess(runner)
    const template = Template.fromStack(stack)
    const tableId = logicalId(template, 'AWS::DynamoDB::Table', 'HttpInterceptorTable')

    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalId(template, 'AWS::IAM::Role', 'TestRunner') }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: Match.arrayEquals([
              'dynamodb:GetItem',
              'dynamodb:BatchGetItem',
              'dynamodb:PutItem',
              'dynamodb:UpdateItem',
              'dynamodb:DeleteItem',
              'dynamodb:Query',
              'dynamodb:BatchWriteItem',
            ]),
            Resource: Match.arrayWith([{ 'Fn::GetAtt': [tableId, 'Arn'] }]),
          },
        ],
      },
    })
    expect(JSON.stringify(template.toJSON())).not.toMatch(/dynamodb:\*|dynamodb:Scan/)
  })

  it('rejects a grantee that is not IGrantable', () => {
    const { stack } = testStack()
    const interceptor = testInterceptor(stack)
    expect(() => interceptor.grantTestAccess('arn:aws:iam::1:role/x' as unknown as iam.IGrantable)).toThrow(
      'HttpInterceptor.grantTestAccess: grantee must be an iam.IGrantable, received string',
    )
  })
})

describe('HttpInterceptor: props', () => {
  const invalid: Array<[string, Record<string, unknown> | null, RegExp]> = [
    ['props', null, /^HttpInterceptor: props must be an object \(HttpInterceptorProps\), received null$/],
    ['props.tableName', { tableName: 42 }, /props\.tableName must be a string, received number 42/],
    [
      'props.tableName',
      { tableName: 'ab' },
      /props\.tableName must be a DynamoDB table name: 3 to 255 .*received string 'ab'/,
    ],
    ['props.tableName', { tableName: 'shop test' }, /props\.tableName must be a DynamoDB table name/],
    [
      'props.removalPolicy',
      { removalPolicy: 'delete' },
      /props\.removalPolicy must be a RemovalPolicy, received string 'delete'/,
    ],
    ['props.recordTtl', { recordTtl: 3600 }, /props\.recordTtl must be a Duration, received number 3600/],
    [
      'props.recordTtl',
      { recordTtl: Duration.seconds(30) },
      /props\.recordTtl must be a whole number of seconds between 1 minute and 365 days, received string '30 seconds'/,
    ],
    ['props.recordTtl', { recordTtl: Duration.millis(90_500) }, /props\.recordTtl must be a whole number of seconds/],
    ['props.recordTtl', { recordTtl: Duration.days(400) }, /props\.recordTtl .*received string '400 days'/],
    [
      'props.layerCode',
      { layerCode: '/opt/layer' },
      /props\.layerCode must be a lambda\.Code, received string '\/opt\/layer'/,
    ],
    [
      'props.allowInProduction',
      { allowInProduction: 'yes' },
      /props\.allowInProduction must be a boolean, received string 'yes'/,
    ],
  ]

  it.each(invalid)('names %s when it is wrong (%o)', (argument, props, message) => {
    const { stack } = testStack()
    let thrown: unknown
    try {
      new HttpInterceptor(stack, 'HttpInterceptor', props as HttpInterceptorProps)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ArgumentError)
    expect((thrown as ArgumentError).argument).toBe(argument)
    expect((thrown as Error).message).toMatch(message)
    // Validation runs before anything is added to the stack.
    expect(stack.node.tryFindChild('HttpInterceptor')).toBeUndefined()
  })

  it('accepts the boundaries of recordTtl and passes it on', () => {
    const { stack } = testStack()
    const shortest = testInterceptor(stack, { recordTtl: Duration.minutes(1) }, 'Shortest')
    const longest = testInterceptor(stack, { recordTtl: Duration.days(365) }, 'Longest')
    expect(shortest.recordTtl.toSeconds()).toBe(60)
    expect(longest.recordTtl.toSeconds()).toBe(365 * 24 * 3600)
    expect(testInterceptor(stack, {}, 'Default').recordTtl.toSeconds()).toBe(86_400)
  })
})

describe('HttpInterceptor in a production stack', () => {
  it('refuses a stack whose context says stakeout:production', () => {
    const { stack } = testStack({}, { 'stakeout:production': true })
    expect(() => testInterceptor(stack)).toThrow(StakeoutError)
    expect(() => testInterceptor(stack, {}, 'Again')).toThrow(
      /Test\/Again: the stack is marked as production \(context stakeout:production=true\).*allowInProduction: true/,
    )
  })

  it('refuses a stack tagged Stage=Prod in its props', () => {
    const { stack } = testStack({ tags: { Stage: 'Prod' } })
    expect(() => testInterceptor(stack)).toThrow(/marked as production \(tag Stage=Prod\)/)
  })

  it('refuses a stack whose app is tagged environment=production with Tags.of', () => {
    const { app, stack } = testStack()
    Tags.of(app).add('environment', 'production')
    expect(() => testInterceptor(stack)).toThrow(/\(tag environment=production\)/)
  })

  it('fails synthesis when the production tag is added after the interceptor', () => {
    const { app, stack } = testStack()
    testInterceptor(stack)
    Tags.of(stack).add('env', 'PROD')
    expect(() => app.synth()).toThrow(/Test\/HttpInterceptor: the stack is marked as production \(tag env=PROD\)/)
  })

  it('deploys there with allowInProduction: true', () => {
    const { app, stack } = testStack({ tags: { stage: 'prod' } }, { 'stakeout:production': 'true' })
    Tags.of(stack).add('environment', 'production')
    const interceptor = testInterceptor(stack, { allowInProduction: true })
    expect(interceptor.allowInProduction).toBe(true)
    expect(() => app.synth()).not.toThrow()
    Template.fromStack(stack).resourceCountIs('AWS::DynamoDB::Table', 1)
  })

  it('deploys in a stack tagged stage=dev', () => {
    const { stack } = testStack({ tags: { stage: 'dev' } })
    testInterceptor(stack)
    Template.fromStack(stack).resourceCountIs('AWS::DynamoDB::Table', 1)
  })
})

describe('HttpInterceptor without layerCode', () => {
  it('packs the layer bundled with stakeout: the wrapper and the interceptor handler', () => {
    const { app, stack } = testStack()
    new HttpInterceptor(stack, 'HttpInterceptor')
    const assembly = app.synth()
    const layer = Template.fromStack(stack).findResources('AWS::Lambda::LayerVersion')
    const key = (Object.values(layer)[0] as { Properties: { Content: { S3Key: string } } }).Properties.Content.S3Key
    const staged = join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`, 'stakeout')

    expect(readdirSync(staged)).toEqual(expect.arrayContaining(['wrapper', 'handler.mjs']))
    expect(statSync(join(staged, 'wrapper')).mode & 0o111).not.toBe(0)
    expect(readFileSync(join(staged, 'wrapper'), 'utf8')).toMatch(/^#!/)
  })
})
