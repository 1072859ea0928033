import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type App, Duration, RemovalPolicy, type Stack } from 'aws-cdk-lib'
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import { EventLedger, type EventLedgerProps, type ProjectorOptions, REPLAY_DETAIL_TYPE } from 'stakeout/construct'
import { beforeAll, describe, expect, it } from 'vitest'
import { ArgumentError } from '../../src/errors.js'
import { LEDGER_EVENT_SOURCE } from '../../src/runtime/ledger/schema.js'
import { loadCloudAssembly } from '../../src/target/cloud-assembly.js'
import type { StackResources } from '../../src/target/stack-resources.js'
import { logicalId, testStack } from './synth.js'

const repository = fileURLToPath(new URL('../../', import.meta.url))
/** A handler of fixtures/ledger, bundled with this repository's esbuild (offline). */
const entry = (name: 'dispatch' | 'projector') => ({
  entry: join(repository, 'test/construct/fixtures/ledger', `${name}.ts`),
  projectRoot: repository,
  depsLockFilePath: join(repository, 'package-lock.json'),
})

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown }

/** Every statement of every policy attached to the role of the function whose logical id starts with `prefix`. */
function statementsOf(template: Template, prefix: string): Statement[] {
  const fn = template.findResources('AWS::Lambda::Function')[logicalId(template, 'AWS::Lambda::Function', prefix)] as {
    Properties: unknown
  }
  const role = (fn.Properties as { Role: { 'Fn::GetAtt': [string, string] } }).Role['Fn::GetAtt'][0]
  return statementsOfRole(template, role)
}

function statementsOfRole(template: Template, roleId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[])
}

/** The statements as `action on resource` lines, sorted: what a role may do, at a glance. */
function permissions(statements: Statement[]): string[] {
  return statements
    .flatMap((statement) => {
      expect(statement.Effect).toBe('Allow')
      expect(statement.Condition).toBeUndefined()
      const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action]
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]
      return actions.flatMap((action) => resources.map((resource) => `${action} on ${JSON.stringify(resource)}`))
    })
    .sort()
}

const arn = (id: string) => JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] })

describe('EventLedger with two projectors (one stack, synthesized once)', () => {
  let app: App
  let stack: Stack
  let ledger: EventLedger
  let template: Template
  let ids: Record<'ledger' | 'snapshots' | 'bus' | 'queue' | 'balance' | 'last' | 'balanceQueue', string>

  beforeAll(() => {
    ;({ app, stack } = testStack())
    ledger = new EventLedger(stack, 'Ledger', { dispatch: entry('dispatch') })
    ledger.addProjector('Balance', { ...entry('projector'), eventTypes: ['Credit', 'Debit'] })
    ledger.addProjector('LastTransaction', { ...entry('projector'), eventTypes: ['Credit', 'Debit', 'Closed'] })
    const commands = new iam.Role(stack, 'CreditAccount', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    })
    ledger.grantAppend(commands)
    ledger.grantRead(commands)
    const queries = new iam.Role(stack, 'GetBalance', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') })
    ledger.projectors.get('Balance')?.grantRead(queries)
    template = Template.fromStack(stack)
    ids = {
      ledger: logicalId(template, 'AWS::DynamoDB::Table', 'LedgerTable'),
      snapshots: logicalId(template, 'AWS::DynamoDB::Table', 'LedgerSnapshotsTable'),
      bus: logicalId(template, 'AWS::Events::EventBus', 'LedgerBus'),
      queue: logicalId(template, 'AWS::SQS::Queue', 'LedgerOnFailureQueue'),
      balance: logicalId(template, 'AWS::DynamoDB::Table', 'LedgerProjectorsBalanceTable'),
      last: logicalId(template, 'AWS::DynamoDB::Table', 'LedgerProjectorsLastTransactionTable'),
      balanceQueue: logicalId(template, 'AWS::SQS::Queue', 'LedgerProjectorsBalanceDeadLetterQueue'),
    }
  })

  it('lays the ledger out as Castore’s single-table adapter does, with a stream of new images, retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [
          { AttributeName: 'aggregateId', KeyType: 'HASH' },
          { AttributeName: 'version', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayEquals([
          { AttributeName: 'aggregateId', AttributeType: 'S' },
          { AttributeName: 'version', AttributeType: 'N' },
          { AttributeName: 'eventStoreId', AttributeType: 'S' },
          { AttributeName: 'timestamp', AttributeType: 'S' },
        ]),
        GlobalSecondaryIndexes: [
          {
            IndexName: 'initialEvents',
            KeySchema: [
              { AttributeName: 'eventStoreId', KeyType: 'HASH' },
              { AttributeName: 'timestamp', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
        TableName: Match.absent(),
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    })
    expect(stack.resolve(ledger.table.tableName)).toEqual({ Ref: ids.ledger })
  })

  it('keeps snapshots in a table of their own, keyed aggregateId / version, with no stream', () => {
    const snapshots = template.findResources('AWS::DynamoDB::Table')[ids.snapshots]
    expect(snapshots).toEqual({
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [
          { AttributeName: 'aggregateId', KeyType: 'HASH' },
          { AttributeName: 'version', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'aggregateId', AttributeType: 'S' },
          { AttributeName: 'version', AttributeType: 'N' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    })
    expect(stack.resolve(ledger.snapshotTable.tableName)).toEqual({ Ref: ids.snapshots })
  })

  it('runs the dispatch from the entry on Node.js 22, with the tables and the bus in its environment', () => {
    const dispatchId = logicalId(template, 'AWS::Lambda::Function', 'LedgerDispatch')
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Timeout: 30,
      Code: { S3Key: Match.stringLikeRegexp('\\.zip$') },
      Environment: {
        Variables: {
          STAKEOUT_LEDGER_TABLE: { Ref: ids.ledger },
          STAKEOUT_SNAPSHOT_TABLE: { Ref: ids.snapshots },
          STAKEOUT_EVENT_BUS: { Ref: ids.bus },
        },
      },
      Description: Match.stringLikeRegexp('stakeout event ledger'),
    })
    expect(stack.resolve(ledger.dispatch.functionName)).toEqual({ Ref: dispatchId })
  })

  it('feeds the dispatch INSERTs only, from TRIM_HORIZON, with bounded retries, bisect and partial failures', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1)
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))[0]
    expect(mapping?.Properties).toEqual({
      FunctionName: { Ref: logicalId(template, 'AWS::Lambda::Function', 'LedgerDispatch') },
      EventSourceArn: { 'Fn::GetAtt': [ids.ledger, 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumRetryAttempts: 10,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FilterCriteria: { Filters: [{ Pattern: '{"eventName":["INSERT"]}' }] },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [ids.queue, 'Arn'] } } },
    })
  })

  it('parks what the dispatch keeps failing on in a queue that keeps it 14 days, encrypted, TLS only', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    })
    expect(template.findResources('AWS::SQS::Queue')[ids.queue]?.Properties).toEqual({
      MessageRetentionPeriod: 1_209_600,
      SqsManagedSseEnabled: true,
    })
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: ids.queue }],
      PolicyDocument: {
        Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
      },
    })
    expect(stack.resolve(ledger.onFailureQueue.queueUrl)).toEqual({ Ref: ids.queue })
  })

  it('creates a custom bus named after the construct path', () => {
    expect(template.findResources('AWS::Events::EventBus')[ids.bus]?.Properties).toEqual({
      Name: expect.stringMatching(/^TestLedgerBus[0-9A-F]{8}$/),
    })
    template.hasResourceProperties('AWS::Events::EventBus', {
      Name: Match.stringLikeRegexp('^TestLedgerBus[0-9A-F]{8}$'),
    })
    expect(stack.resolve(ledger.bus.eventBusName)).toEqual({ Ref: ids.bus })
  })

  it('lets the dispatch read the ledger, read and write snapshots, put events on its bus: nothing else', () => {
    expect(permissions(statementsOf(template, 'LedgerDispatch'))).toEqual(
      [
        `dynamodb:DescribeStream on ${JSON.stringify({ 'Fn::GetAtt': [ids.ledger, 'StreamArn'] })}`,
        `dynamodb:GetItem on ${arn(ids.ledger)}`,
        `dynamodb:GetItem on ${arn(ids.snapshots)}`,
        `dynamodb:GetRecords on ${JSON.stringify({ 'Fn::GetAtt': [ids.ledger, 'StreamArn'] })}`,
        `dynamodb:GetShardIterator on ${JSON.stringify({ 'Fn::GetAtt': [ids.ledger, 'StreamArn'] })}`,
        // ListStreams has no resource-level permissions: Lambda's mapping needs it on "*".
        'dynamodb:ListStreams on "*"',
        `dynamodb:PutItem on ${arn(ids.snapshots)}`,
        `dynamodb:Query on ${arn(ids.ledger)}`,
        `dynamodb:Query on ${arn(ids.snapshots)}`,
        `events:PutEvents on ${arn(ids.bus)}`,
        `sqs:GetQueueAttributes on ${arn(ids.queue)}`,
        `sqs:GetQueueUrl on ${arn(ids.queue)}`,
        `sqs:SendMessage on ${arn(ids.queue)}`,
      ].sort(),
    )
    // Never the ledger's writes, Scan, the projections, nor a wildcard action.
    const granted = JSON.stringify(statementsOf(template, 'LedgerDispatch'))
    expect(granted).not.toMatch(/dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|Scan)"[^\]]*LedgerTable/)
    expect(granted).not.toContain(ids.balance)
    expect(granted).not.toContain(ids.last)
    expect(granted).not.toMatch(/"[a-z]+:\*"/)
  })

  it('gives each projector a table keyed aggregateId, its function, and a rule for its types and replays', () => {
    template.resourceCountIs('AWS::Events::Rule', 2)
    expect(template.findResources('AWS::DynamoDB::Table')[ids.balance]?.Properties).toEqual({
      KeySchema: [{ AttributeName: 'aggregateId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'aggregateId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    })
    const fnId = logicalId(template, 'AWS::Lambda::Function', 'LedgerProjectorsBalanceFunction')
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Environment: {
        Variables: { STAKEOUT_PROJECTION_TABLE: { Ref: ids.balance }, STAKEOUT_PROJECTOR_NAME: 'Balance' },
      },
    })
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: ids.bus },
      EventPattern: { source: [LEDGER_EVENT_SOURCE], 'detail-type': ['Credit', 'Debit', REPLAY_DETAIL_TYPE] },
      State: 'ENABLED',
      Targets: [
        {
          Id: Match.anyValue(),
          Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [ids.balanceQueue, 'Arn'] } },
        },
      ],
    })
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: [LEDGER_EVENT_SOURCE], 'detail-type': ['Credit', 'Debit', 'Closed', REPLAY_DETAIL_TYPE] },
    })
    expect(REPLAY_DETAIL_TYPE).toBe('stakeout.replay')
    expect([...ledger.projectors.keys()]).toEqual(['Balance', 'LastTransaction'])
    expect(ledger.projectors.get('Balance')?.eventTypes).toEqual(['Credit', 'Debit'])
  })

  it('sends what a projector fails on, or what cannot reach it, to its own dead-letter queue', () => {
    const fnId = logicalId(template, 'AWS::Lambda::Function', 'LedgerProjectorsBalanceFunction')
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21_600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [ids.balanceQueue, 'Arn'] } } },
    })
    expect(template.findResources('AWS::SQS::Queue')[ids.balanceQueue]?.Properties).toEqual({
      MessageRetentionPeriod: 1_209_600,
      SqsManagedSseEnabled: true,
    })
    // EventBridge may send to the queue for this rule only.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: ids.balanceQueue }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: {
              ArnEquals: {
                'aws:SourceArn': {
                  'Fn::GetAtt': [logicalId(template, 'AWS::Events::Rule', 'LedgerProjectorsBalanceRule'), 'Arn'],
                },
              },
            },
          }),
        ]),
      },
    })
  })

  it('lets a projector get, put and update items of its own table, and send to its queue: nothing else', () => {
    expect(permissions(statementsOf(template, 'LedgerProjectorsBalanceFunction'))).toEqual(
      [
        `dynamodb:GetItem on ${arn(ids.balance)}`,
        `dynamodb:PutItem on ${arn(ids.balance)}`,
        `dynamodb:UpdateItem on ${arn(ids.balance)}`,
        `sqs:GetQueueAttributes on ${arn(ids.balanceQueue)}`,
        `sqs:GetQueueUrl on ${arn(ids.balanceQueue)}`,
        `sqs:SendMessage on ${arn(ids.balanceQueue)}`,
      ].sort(),
    )
    const granted = JSON.stringify(statementsOf(template, 'LedgerProjectorsBalanceFunction'))
    for (const other of [ids.ledger, ids.snapshots, ids.bus, ids.last, ids.queue]) expect(granted).not.toContain(other)
    expect(permissions(statementsOf(template, 'LedgerProjectorsLastTransactionFunction'))).toEqual(
      expect.arrayContaining([`dynamodb:PutItem on ${arn(ids.last)}`]),
    )
    expect(JSON.stringify(statementsOf(template, 'LedgerProjectorsLastTransactionFunction'))).not.toContain(ids.balance)
  })

  it('grantAppend gives PutItem on the ledger; grantRead GetItem and Query on the ledger, its index and snapshots', () => {
    const role = logicalId(template, 'AWS::IAM::Role', 'CreditAccount')
    const index = JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.ledger, 'Arn'] }, '/index/initialEvents']] })
    expect(permissions(statementsOfRole(template, role))).toEqual(
      [
        `dynamodb:PutItem on ${arn(ids.ledger)}`,
        `dynamodb:GetItem on ${arn(ids.ledger)}`,
        `dynamodb:GetItem on ${index}`,
        `dynamodb:GetItem on ${arn(ids.snapshots)}`,
        `dynamodb:Query on ${arn(ids.ledger)}`,
        `dynamodb:Query on ${index}`,
        `dynamodb:Query on ${arn(ids.snapshots)}`,
      ].sort(),
    )
  })

  it('Projector.grantRead gives GetItem, BatchGetItem and Query on that projection only', () => {
    const role = logicalId(template, 'AWS::IAM::Role', 'GetBalance')
    expect(permissions(statementsOfRole(template, role))).toEqual(
      [
        `dynamodb:BatchGetItem on ${arn(ids.balance)}`,
        `dynamodb:GetItem on ${arn(ids.balance)}`,
        `dynamodb:Query on ${arn(ids.balance)}`,
      ].sort(),
    )
  })

  it('outputs what the test side discovers, under ids that stay the same', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown; Description: string }>
    const values = Object.fromEntries(Object.entries(outputs).map(([id, output]) => [id, output.Value]))
    expect(values).toEqual({
      LedgerTableName6BCADD08: { Ref: ids.ledger },
      LedgerSnapshotTableName2D76141E: { Ref: ids.snapshots },
      LedgerBusName879DDDE4: { Ref: ids.bus },
      LedgerBusArn4AAF9CE2: { 'Fn::GetAtt': [ids.bus, 'Arn'] },
      LedgerDispatchFunctionName768BB585: { Ref: logicalId(template, 'AWS::Lambda::Function', 'LedgerDispatch') },
      LedgerOnFailureQueueUrl9F63314C: { Ref: ids.queue },
      LedgerOnFailureQueueArn97410654: { 'Fn::GetAtt': [ids.queue, 'Arn'] },
      LedgerProjectorsBalanceTableNameBD55D84C: { Ref: ids.balance },
      LedgerProjectorsBalanceFunctionNameCFF895F8: {
        Ref: logicalId(template, 'AWS::Lambda::Function', 'LedgerProjectorsBalanceFunction'),
      },
      LedgerProjectorsBalanceDeadLetterQueueUrl257E58DA: { Ref: ids.balanceQueue },
      LedgerProjectorsLastTransactionTableName89E7C73B: { Ref: ids.last },
      LedgerProjectorsLastTransactionFunctionNameA7C20544: {
        Ref: logicalId(template, 'AWS::Lambda::Function', 'LedgerProjectorsLastTransactionFunction'),
      },
      LedgerProjectorsLastTransactionDeadLetterQueueUrlDF7449B3: {
        Ref: logicalId(template, 'AWS::SQS::Queue', 'LedgerProjectorsLastTransactionDeadLetterQueue'),
      },
    })
    for (const output of Object.values(outputs)) expect(output.Description).toMatch(/^stakeout event ledger: /)
  })

  describe('resolved by the target as useEventStore will ask', () => {
    let resources: StackResources
    beforeAll(async () => {
      resources = await loadCloudAssembly(app.synth().directory, { stackName: 'Test' })
    })

    it('Ledger names the ledger table, the dispatch, the bus and the on-failure queue', () => {
      expect(resources.resolve('Ledger', { type: 'AWS::DynamoDB::Table' }).logicalId).toBe(ids.ledger)
      expect(resources.resolve('Ledger', { type: 'AWS::Lambda::Function' }).logicalId).toBe(
        logicalId(template, 'AWS::Lambda::Function', 'LedgerDispatch'),
      )
      expect(resources.resolve('Ledger', { type: 'AWS::Events::EventBus' }).logicalId).toBe(ids.bus)
      expect(resources.resolve('Ledger', { type: 'AWS::SQS::Queue' }).logicalId).toBe(ids.queue)
      expect(resources.resolve('Ledger/Snapshots', { type: 'AWS::DynamoDB::Table' }).logicalId).toBe(ids.snapshots)
    })

    it('a projector’s name names its table, its function and its queue', () => {
      expect(resources.resolve('Balance', { type: 'AWS::DynamoDB::Table' }).logicalId).toBe(ids.balance)
      expect(resources.resolve('Ledger/Projectors/Balance', { type: 'AWS::SQS::Queue' }).logicalId).toBe(
        ids.balanceQueue,
      )
      expect(resources.resolve('LastTransaction', { type: 'AWS::Lambda::Function' }).logicalId).toBe(
        logicalId(template, 'AWS::Lambda::Function', 'LedgerProjectorsLastTransactionFunction'),
      )
    })
  })
})

describe('EventLedger: props', () => {
  it('takes names, recovery, removal, runtime and mapping settings, in a stack marked as production', () => {
    // A production stack: the ledger is a production construct, so it does not refuse it.
    const { stack } = testStack({ tags: { stage: 'prod' } })
    const ledger = new EventLedger(stack, 'Ledger', {
      dispatch: {
        ...entry('dispatch'),
        runtime: lambda.Runtime.NODEJS_24_X,
        retryAttempts: 3,
        batchSize: 10,
        maxRecordAge: Duration.hours(1),
        memorySize: 512,
        timeout: Duration.minutes(1),
        environment: { LOG_LEVEL: 'debug' },
      },
      tableName: 'bank-ledger',
      busName: 'bank-events',
      pointInTimeRecovery: true,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    ledger.addProjector('Balance', {
      ...entry('projector'),
      eventTypes: ['Credit'],
      retryAttempts: 0,
      runtime: lambda.Runtime.NODEJS_24_X,
    })
    const template = Template.fromStack(stack)

    template.hasResource('AWS::DynamoDB::Table', {
      Properties: { TableName: 'bank-ledger', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } },
      DeletionPolicy: 'Delete',
    })
    template.allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' })
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'bank-events' })
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      MaximumRetryAttempts: 3,
      BatchSize: 10,
      MaximumRecordAgeInSeconds: 3600,
    })
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      MemorySize: 512,
      Timeout: 60,
      Environment: { Variables: Match.objectLike({ LOG_LEVEL: 'debug', STAKEOUT_LEDGER_TABLE: Match.anyValue() }) },
    })
    const projectorFn = template.findResources('AWS::Lambda::Function')[
      logicalId(template, 'AWS::Lambda::Function', 'LedgerProjectorsBalanceFunction')
    ] as { Properties: { Runtime: string } }
    expect(projectorFn.Properties.Runtime).toBe('nodejs24.x')
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 })
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue())
  })

  const invalid: Array<[string, unknown, RegExp]> = [
    [
      'props',
      undefined,
      /^EventLedger: props must be an object \(EventLedgerProps\) with dispatch: \{ entry \}, received undefined$/,
    ],
    ['props.dispatch', {}, /^EventLedger: props\.dispatch must be an object with an entry, received undefined$/],
    [
      'props.dispatch.entry',
      { dispatch: { entry: 42 } },
      /props\.dispatch\.entry must be the path of a handler file, received number 42/,
    ],
    [
      'props.dispatch.entry',
      { dispatch: { entry: 'src/no-such-dispatch.ts' } },
      /props\.dispatch\.entry must be the path of an existing file, received string 'src\/no-such-dispatch\.ts'/,
    ],
    [
      'props.dispatch.handler',
      { dispatch: { ...entry('dispatch'), handler: 'index.handler' } },
      /props\.dispatch\.handler must be the name of an exported function/,
    ],
    [
      'props.dispatch.runtime',
      { dispatch: { ...entry('dispatch'), runtime: 'nodejs22.x' } },
      /props\.dispatch\.runtime must be a lambda\.Runtime, received string 'nodejs22\.x'/,
    ],
    [
      'props.dispatch.runtime',
      { dispatch: { ...entry('dispatch'), runtime: lambda.Runtime.PYTHON_3_13 } },
      /props\.dispatch\.runtime must be a Node\.js runtime, received string 'python3\.13'/,
    ],
    [
      'props.dispatch.retryAttempts',
      { dispatch: { ...entry('dispatch'), retryAttempts: -1 } },
      /props\.dispatch\.retryAttempts must be a whole number between 0 and 10000, received number -1/,
    ],
    [
      'props.dispatch.retryAttempts',
      { dispatch: { ...entry('dispatch'), retryAttempts: 2.5 } },
      /props\.dispatch\.retryAttempts must be a whole number/,
    ],
    [
      'props.dispatch.batchSize',
      { dispatch: { ...entry('dispatch'), batchSize: 0 } },
      /props\.dispatch\.batchSize must be a whole number between 1 and 10000, received number 0/,
    ],
    [
      'props.dispatch.batchSize',
      { dispatch: { ...entry('dispatch'), batchSize: 10_001 } },
      /props\.dispatch\.batchSize must be a whole number between 1 and 10000/,
    ],
    [
      'props.dispatch.maxRecordAge',
      { dispatch: { ...entry('dispatch'), maxRecordAge: 3600 } },
      /props\.dispatch\.maxRecordAge must be a Duration, received number 3600/,
    ],
    [
      'props.dispatch.maxRecordAge',
      { dispatch: { ...entry('dispatch'), maxRecordAge: Duration.seconds(30) } },
      /props\.dispatch\.maxRecordAge must be a whole number of seconds between 1 minute and 7 days, received string '30 seconds'/,
    ],
    [
      'props.dispatch.timeout',
      { dispatch: { ...entry('dispatch'), timeout: Duration.minutes(20) } },
      /props\.dispatch\.timeout must be between 1 second and 15 minutes/,
    ],
    [
      'props.dispatch.memorySize',
      { dispatch: { ...entry('dispatch'), memorySize: 64 } },
      /props\.dispatch\.memorySize must be a whole number of MB between 128 and 10240, received number 64/,
    ],
    [
      'props.dispatch.environment.N',
      { dispatch: { ...entry('dispatch'), environment: { N: 1 } } },
      /props\.dispatch\.environment\.N must be a string, received number 1/,
    ],
    [
      'props.dispatch.environment.STAKEOUT_LEDGER_TABLE',
      { dispatch: { ...entry('dispatch'), environment: { STAKEOUT_LEDGER_TABLE: 'x' } } },
      /props\.dispatch\.environment\.STAKEOUT_LEDGER_TABLE must be a name outside STAKEOUT_\*/,
    ],
    [
      'props.tableName',
      { dispatch: entry('dispatch'), tableName: 'ab' },
      /props\.tableName must be a DynamoDB table name: 3 to 255 .*received string 'ab'/,
    ],
    [
      'props.busName',
      { dispatch: entry('dispatch'), busName: 'default' },
      /props\.busName must be an event bus name: .*not 'default', received string 'default'/,
    ],
    [
      'props.busName',
      { dispatch: entry('dispatch'), busName: 'bank events' },
      /props\.busName must be an event bus name/,
    ],
    [
      'props.pointInTimeRecovery',
      { dispatch: entry('dispatch'), pointInTimeRecovery: 'yes' },
      /props\.pointInTimeRecovery must be a boolean, received string 'yes'/,
    ],
    [
      'props.removalPolicy',
      { dispatch: entry('dispatch'), removalPolicy: 'delete' },
      /props\.removalPolicy must be a RemovalPolicy, received string 'delete'/,
    ],
  ]

  it.each(invalid)('names %s when it is wrong (%o)', (argument, props, message) => {
    const { stack } = testStack()
    let thrown: unknown
    try {
      new EventLedger(stack, 'Ledger', props as EventLedgerProps)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ArgumentError)
    expect((thrown as ArgumentError).argument).toBe(argument)
    expect((thrown as Error).message).toMatch(message)
    // Validated before anything is created: the stack holds nothing.
    expect(stack.node.children).toHaveLength(0)
  })
})

describe('EventLedger.addProjector and the grants: bad arguments', () => {
  let stack: Stack
  let ledger: EventLedger
  beforeAll(() => {
    ;({ stack } = testStack())
    ledger = new EventLedger(stack, 'Ledger', { dispatch: entry('dispatch') })
    ledger.addProjector('Balance', { ...entry('projector'), eventTypes: ['Credit'] })
  })

  const projector = (options: Partial<ProjectorOptions>) => ({
    ...entry('projector'),
    eventTypes: ['Credit'],
    ...options,
  })
  const invalid: Array<[string, unknown, unknown, RegExp]> = [
    [
      'name',
      'Balance',
      projector({}),
      /^EventLedger\.addProjector: name must be a name no other projector of this ledger has \(Balance\), received string 'Balance'$/,
    ],
    [
      'name',
      'Last/Transaction',
      projector({}),
      /name must be a projector name: a letter, then up to 63 letters, digits, - or _, received string 'Last\/Transaction'/,
    ],
    ['name', '', projector({}), /name must be a projector name/],
    ['options', 'Totals', undefined, /options must be an object with an entry, received undefined/],
    [
      'options.entry',
      'Totals',
      projector({ entry: 'nowhere.ts' }),
      /options\.entry must be the path of an existing file/,
    ],
    [
      'options.eventTypes',
      'Totals',
      projector({ eventTypes: [] }),
      /options\.eventTypes must be a non-empty array of event types, received array \[\]/,
    ],
    [
      'options.eventTypes',
      'Totals',
      projector({ eventTypes: 'Credit' as unknown as string[] }),
      /options\.eventTypes must be a non-empty array/,
    ],
    [
      'options.eventTypes[1]',
      'Totals',
      projector({ eventTypes: ['Credit', ''] }),
      /options\.eventTypes\[1\] must be an event type: a string of 1 to 128 characters/,
    ],
    [
      'options.eventTypes[0]',
      'Totals',
      projector({ eventTypes: ['x'.repeat(129)] }),
      /options\.eventTypes\[0\] must be an event type: a string of 1 to 128/,
    ],
    [
      'options.eventTypes[1]',
      'Totals',
      projector({ eventTypes: ['Credit', 'Credit'] }),
      /options\.eventTypes\[1\] must be an event type not listed before, received string 'Credit'/,
    ],
    [
      'options.eventTypes[0]',
      'Totals',
      projector({ eventTypes: [REPLAY_DETAIL_TYPE] }),
      /must be an event type other than 'stakeout\.replay' \(every projector receives replays\)/,
    ],
    [
      'options.eventTypes',
      'Totals',
      projector({ eventTypes: Array.from({ length: 40 }, (_, i) => `Type${i}${'x'.repeat(50)}`) }),
      /options\.eventTypes must be event types that fit EventBridge's 2048-character event pattern \(this one has \d+\)/,
    ],
    [
      'options.retryAttempts',
      'Totals',
      projector({ retryAttempts: 3 }),
      /options\.retryAttempts must be a whole number between 0 and 2, received number 3/,
    ],
    [
      'options.runtime',
      'Totals',
      projector({ runtime: lambda.Runtime.JAVA_21 }),
      /options\.runtime must be a Node\.js runtime, received string 'java21'/,
    ],
  ]

  it.each(invalid)('names %s when it is wrong (name %o)', (argument, name, options, message) => {
    const before = stack.node.findAll().length
    let thrown: unknown
    try {
      ledger.addProjector(name as string, options as ProjectorOptions)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ArgumentError)
    expect((thrown as ArgumentError).argument).toBe(argument)
    expect((thrown as Error).message).toMatch(message)
    expect(stack.node.findAll()).toHaveLength(before)
    expect([...ledger.projectors.keys()]).toEqual(['Balance'])
  })

  it('refuses a grantee that is not IGrantable', () => {
    const notGrantable = 'arn:aws:iam::1:role/x' as unknown as iam.IGrantable
    expect(() => ledger.grantAppend(notGrantable)).toThrow(
      'EventLedger.grantAppend: grantee must be an iam.IGrantable, received string',
    )
    expect(() => ledger.grantRead(notGrantable)).toThrow('EventLedger.grantRead: grantee must be an iam.IGrantable')
    expect(() => ledger.projectors.get('Balance')?.grantRead(notGrantable)).toThrow(
      'Projector.grantRead: grantee must be an iam.IGrantable',
    )
  })
})
