// CloudFormation has no local implementation here, so aws-sdk-client-mock stands in for it. Response shapes follow the
// CloudFormation API reference: ListStackResources → { StackResourceSummaries: [{ LogicalResourceId, PhysicalResourceId,
// ResourceType, ResourceStatus, LastUpdatedTimestamp, DriftInformation }], NextToken }; GetTemplate → { TemplateBody
// (a string), StagesAvailable }; an unknown stack → ValidationError "Stack with id <name> does not exist".
import {
  CloudFormationClient,
  CloudFormationServiceException,
  GetTemplateCommand,
  ListStackResourcesCommand,
  type ListStackResourcesOutput,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { StakeoutError } from '../../src/errors.js'
import {
  AmbiguousResourceError,
  loadDeployedStack,
  resolveTarget,
  type StackResource,
  type StackResources,
  UnknownResourceError,
} from '../../src/target/index.js'

const REGION = 'eu-west-1'
const ACCOUNT = '123456789012'
const NESTED_ARN = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/MyStack-WorkersNestedStackWorkersNestedStackResource1A2B3C4D-9Z8Y7X6W5V4U/0b1c2d30-8f5e-11ef-9c1a-0a1b2c3d4e5f`
const NESTED_NAME = 'MyStack-WorkersNestedStackWorkersNestedStackResource1A2B3C4D-9Z8Y7X6W5V4U'
const STATE_MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:StatementStateMachine-Xy12Zw34`

/** One template resource and its ListStackResources summary, as CDK and CloudFormation write them. */
interface DeployedResource {
  logicalId: string
  type: string
  physicalId: string
  path?: string
  properties?: Record<string, unknown>
}

const role = (logicalId: string, path: string, physicalId: string): DeployedResource => ({
  logicalId,
  type: 'AWS::IAM::Role',
  physicalId,
  path,
  properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] } },
})
const fn = (logicalId: string, path: string, physicalId: string, variables: Record<string, unknown> = {}) => ({
  logicalId,
  type: 'AWS::Lambda::Function',
  physicalId,
  path,
  properties: { Handler: 'index.handler', Runtime: 'nodejs22.x', Environment: { Variables: variables } },
})

/** MyStack, listed over three pages. */
const ROOT_PAGES: DeployedResource[][] = [
  [
    role(
      'ApiMakeExternalCallsServiceRoleB93DB83F',
      'MyStack/Api/MakeExternalCalls/ServiceRole/Resource',
      'MyStack-ApiMakeExternalCallsServiceRoleB93D-1Q2W3E4R5T6Y',
    ),
    fn(
      'ApiMakeExternalCallsE839E5B8',
      'MyStack/Api/MakeExternalCalls/Resource',
      'MyStack-ApiMakeExternalCallsE839E5B8-Ab12Cd34Ef56',
      {
        TABLE_NAME: { Ref: 'LedgerB7379752' },
        STATEMENT_ARN: { 'Fn::GetAtt': ['StatementStateMachine5A7C1B2D', 'Arn'] },
        LEDGER_ARN: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':dynamodb:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':table/',
              { Ref: 'LedgerB7379752' },
            ],
          ],
        },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
        QUEUE: { 'Fn::Sub': '${AWS::StackName}-${LedgerB7379752}-${!Literal}' },
      },
    ),
    {
      logicalId: 'LedgerB7379752',
      type: 'AWS::DynamoDB::Table',
      physicalId: 'MyStack-LedgerB7379752-1XYZ9ABC',
      path: 'MyStack/Ledger/Resource',
      properties: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] },
    },
  ],
  [
    role(
      'OrdersHandlerServiceRole3B2A1C0D',
      'MyStack/Orders/Handler/ServiceRole/Resource',
      'MyStack-OrdersHandlerServiceRole3B2A1-7U8I9O0P',
    ),
    fn('OrdersHandler9F1E2D3C', 'MyStack/Orders/Handler/Resource', 'MyStack-OrdersHandler9F1E2D3C-Gh56Ij78Kl90'),
    {
      logicalId: 'OrdersTable4E5F6A7B',
      type: 'AWS::DynamoDB::Table',
      physicalId: 'MyStack-OrdersTable4E5F6A7B-2QWE3RTY',
      path: 'MyStack/Orders/Table/Resource',
    },
    role(
      'PaymentsHandlerServiceRole8C9D0E1F',
      'MyStack/Payments/Handler/ServiceRole/Resource',
      'MyStack-PaymentsHandlerServiceRol-5T6Y7U8I',
    ),
    fn('PaymentsHandler1A2B3C4D', 'MyStack/Payments/Handler/Resource', 'MyStack-PaymentsHandler1A2B3C4D-Mn12Op34Qr56'),
  ],
  [
    {
      logicalId: 'StatementStateMachine5A7C1B2D',
      type: 'AWS::StepFunctions::StateMachine',
      physicalId: STATE_MACHINE_ARN,
      path: 'MyStack/Statement/StateMachine/Resource',
    },
    {
      logicalId: 'WorkersNestedStackWorkersNestedStackResource1A2B3C4D',
      type: 'AWS::CloudFormation::Stack',
      physicalId: NESTED_ARN,
      path: 'MyStack/Workers.NestedStack/Workers.NestedStackResource',
      properties: { Parameters: { referencetoMyStackLedgerB7379752Ref: { Ref: 'LedgerB7379752' } } },
    },
    {
      logicalId: 'CDKMetadata',
      type: 'AWS::CDK::Metadata',
      physicalId: '0b1c2d30-8f5e-11ef-9c1a-0a1b2c3d4e5f',
      path: 'MyStack/CDKMetadata/Default',
    },
  ],
]

/** The nested stack Workers: its resources share no logical id with the root, and its Ledger comes in as a parameter. */
const NESTED_PAGES: DeployedResource[][] = [
  [
    role(
      'InnerServiceRoleB703F1D9',
      'MyStack/Workers/Inner/ServiceRole/Resource',
      'MyStack-WorkersNestedStackW-InnerServiceRoleB703F-8K9L0M1N',
    ),
    fn('Inner09E1DD49', 'MyStack/Workers/Inner/Resource', 'MyStack-WorkersNestedStackWo-Inner09E1DD49-QwErTyUi', {
      TABLE_NAME: { Ref: 'referencetoMyStackLedgerB7379752Ref' },
      REGION: { Ref: 'AWS::Region' },
    }),
  ],
]

function summary(resource: DeployedResource): StackResourceSummary {
  return {
    LogicalResourceId: resource.logicalId,
    PhysicalResourceId: resource.physicalId,
    ResourceType: resource.type,
    LastUpdatedTimestamp: new Date('2026-11-02T10:15:30.000Z'),
    ResourceStatus: 'CREATE_COMPLETE',
    DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
  }
}

function templateBody(pages: DeployedResource[][], parameters: Record<string, unknown> = {}): string {
  const resources = Object.fromEntries(
    pages.flat().map((resource) => [
      resource.logicalId,
      {
        Type: resource.type,
        ...(resource.properties === undefined ? {} : { Properties: resource.properties }),
        ...(resource.path === undefined ? {} : { Metadata: { 'aws:cdk:path': resource.path } }),
      },
    ]),
  )
  return JSON.stringify({ Parameters: parameters, Resources: resources }, null, 1)
}

/** What the fake CloudFormation knows: per stack name or ARN, its pages of summaries and its template body. */
interface FakeStack {
  pages: DeployedResource[][]
  templateBody: string
}

function fakeCloudFormation(stacks: Record<string, FakeStack>) {
  const client = new CloudFormationClient({
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  })
  const cloudFormation = mockClient(client)
  const notFound = (stackName: string) =>
    new CloudFormationServiceException({
      name: 'ValidationError',
      $fault: 'client',
      message: `Stack with id ${stackName} does not exist`,
      $metadata: { httpStatusCode: 400 },
    })
  cloudFormation.on(ListStackResourcesCommand).callsFake(async (input: { StackName: string; NextToken?: string }) => {
    const stack = stacks[input.StackName]
    if (stack === undefined) throw notFound(input.StackName)
    const page = input.NextToken === undefined ? 0 : Number(/^page-(\d+)$/.exec(input.NextToken)?.[1]) - 1
    const resources = stack.pages[page]
    if (resources === undefined) throw new Error(`the fake has no page for NextToken ${input.NextToken}`)
    const output: ListStackResourcesOutput = { StackResourceSummaries: resources.map(summary) }
    if (page + 1 < stack.pages.length) output.NextToken = `page-${page + 2}`
    return output
  })
  cloudFormation.on(GetTemplateCommand).callsFake(async (input: { StackName: string }) => {
    const stack = stacks[input.StackName]
    if (stack === undefined) throw notFound(input.StackName)
    return { TemplateBody: stack.templateBody, StagesAvailable: ['Original', 'Processed'] }
  })
  return { client, cloudFormation }
}

const MY_STACK: Record<string, FakeStack> = {
  MyStack: { pages: ROOT_PAGES, templateBody: templateBody(ROOT_PAGES) },
  [NESTED_ARN]: {
    pages: NESTED_PAGES,
    templateBody: templateBody(NESTED_PAGES, { referencetoMyStackLedgerB7379752Ref: { Type: 'String' } }),
  },
}

function variablesOf(resource: StackResource): Record<string, unknown> {
  const environment = resource.properties?.Environment as { Variables: Record<string, unknown> } | undefined
  return environment?.Variables ?? {}
}

describe('loadDeployedStack', () => {
  let fake: ReturnType<typeof fakeCloudFormation>
  let stack: StackResources

  beforeAll(async () => {
    fake = fakeCloudFormation(MY_STACK)
    stack = await loadDeployedStack('MyStack', { client: fake.client })
  })

  it('reads every page of ListStackResources, following NextToken', () => {
    const calls = fake.cloudFormation
      .commandCalls(ListStackResourcesCommand)
      .map((call) => call.args[0].input)
      .filter((input) => input.StackName === 'MyStack')
    expect(calls).toEqual([
      { StackName: 'MyStack' },
      { StackName: 'MyStack', NextToken: 'page-2' },
      { StackName: 'MyStack', NextToken: 'page-3' },
    ])
    expect(stack.resolve('StatementStateMachine5A7C1B2D').physicalId).toBe(STATE_MACHINE_ARN)
  })

  it('reads the original template of the stack and of its nested stack', () => {
    expect(fake.cloudFormation.commandCalls(GetTemplateCommand).map((call) => call.args[0].input)).toEqual([
      { StackName: 'MyStack', TemplateStage: 'Original' },
      { StackName: NESTED_ARN, TemplateStage: 'Original' },
    ])
  })

  it('keeps every resource but CDK metadata, with type, physical id, path and properties', () => {
    expect(stack.resources).toHaveLength(12)
    expect(stack.resources.some((resource) => resource.type === 'AWS::CDK::Metadata')).toBe(false)
    expect(stack.resolve('MakeExternalCalls')).toEqual({
      stackName: 'MyStack',
      logicalId: 'ApiMakeExternalCallsE839E5B8',
      type: 'AWS::Lambda::Function',
      physicalId: 'MyStack-ApiMakeExternalCallsE839E5B8-Ab12Cd34Ef56',
      path: 'MyStack/Api/MakeExternalCalls/Resource',
      properties: ROOT_PAGES[0]![1]!.properties,
      metadata: { 'aws:cdk:path': 'MyStack/Api/MakeExternalCalls/Resource' },
    })
  })

  describe('resolves every kind of ref', () => {
    const functionName = 'MyStack-ApiMakeExternalCallsE839E5B8-Ab12Cd34Ef56'
    it.each([
      ['a physical name', functionName],
      ['a function ARN', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`],
      ['a qualified function ARN', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}:live`],
      ['a logical id', 'ApiMakeExternalCallsE839E5B8'],
      ['a construct path', 'MyStack/Api/MakeExternalCalls'],
      ['a construct path with /Resource', 'MyStack/Api/MakeExternalCalls/Resource'],
      ['a path suffix', 'Api/MakeExternalCalls'],
      ['a construct id', 'MakeExternalCalls'],
    ])('%s', (_kind, ref) => {
      expect(stack.resolve(ref).logicalId).toBe('ApiMakeExternalCallsE839E5B8')
    })

    it('a state machine by its ARN and by the name at the end of it', () => {
      expect(stack.resolve(STATE_MACHINE_ARN).logicalId).toBe('StatementStateMachine5A7C1B2D')
      expect(stack.resolve('StatementStateMachine-Xy12Zw34').logicalId).toBe('StatementStateMachine5A7C1B2D')
    })

    it('an ARN of another service does not take a resource of the same name', () => {
      const tableArn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${functionName}`
      expect(() => stack.resolve(tableArn)).toThrow(UnknownResourceError)
    })
  })

  it('resolves the resources of the nested stack by id, path, logical id and physical name', () => {
    const inner = stack.resolve('Inner')
    expect(inner).toMatchObject({
      stackName: NESTED_NAME,
      logicalId: 'Inner09E1DD49',
      path: 'MyStack/Workers/Inner/Resource',
    })
    expect(stack.resolve('MyStack/Workers/Inner')).toBe(inner)
    expect(stack.resolve('Workers/Inner')).toBe(inner)
    expect(stack.resolve('Inner09E1DD49')).toBe(inner)
    expect(stack.resolve('MyStack-WorkersNestedStackWo-Inner09E1DD49-QwErTyUi')).toBe(inner)
    expect(stack.resolve('Workers').physicalId).toBe(NESTED_ARN)
    expect(stack.stacks.map((each) => each.stackName)).toEqual(['MyStack', NESTED_NAME])
  })

  it('lists the closest candidates of an unknown ref, with paths and types', () => {
    const error = catchError(() => stack.resolve('MakeExternalCals')) as UnknownResourceError
    expect(error).toBeInstanceOf(UnknownResourceError)
    expect(error).toBeInstanceOf(StakeoutError)
    expect(error.ref).toBe('MakeExternalCals')
    expect(error.candidates[0]?.logicalId).toBe('ApiMakeExternalCallsE839E5B8')
    expect(error.candidates.length).toBeLessThanOrEqual(10)
    const lines = error.message.split('\n')
    expect(lines[0]).toBe(
      'No resource matches "MakeExternalCals" in stack MyStack (12 resources, with 1 nested stack).',
    )
    expect(lines[1]).toBe('Closest candidates:')
    expect(lines[2]).toMatch(
      /^ {2}MyStack\/Api\/MakeExternalCalls +AWS::Lambda::Function +logical id ApiMakeExternalCallsE839E5B8, physical id MyStack-ApiMakeExternalCallsE839E5B8-Ab12Cd34Ef56$/,
    )
    expect(lines).toContain('  … and 2 more')
  })

  it('lists both functions named Handler, and a path picks one', () => {
    const error = catchError(() => stack.resolve('Handler')) as AmbiguousResourceError
    expect(error).toBeInstanceOf(AmbiguousResourceError)
    expect(error.candidates.map((each) => each.path)).toEqual([
      'MyStack/Orders/Handler/Resource',
      'MyStack/Payments/Handler/Resource',
    ])
    expect(error.message).toMatch(/^"Handler" matches 2 resources in stack MyStack/)
    expect(error.message).toMatch(/\n {2}MyStack\/Orders\/Handler +AWS::Lambda::Function/)
    expect(error.message).toMatch(/\n {2}MyStack\/Payments\/Handler +AWS::Lambda::Function/)
    expect(stack.resolve('Orders/Handler').logicalId).toBe('OrdersHandler9F1E2D3C')
    expect(stack.resolve('MyStack/Payments/Handler').logicalId).toBe('PaymentsHandler1A2B3C4D')
  })

  it('narrows by type before judging ambiguity', () => {
    // `Orders` holds a function and a table, one level down each.
    expect(() => stack.resolve('Orders')).toThrow(AmbiguousResourceError)
    expect(stack.resolve('Orders', { type: 'AWS::DynamoDB::Table' }).logicalId).toBe('OrdersTable4E5F6A7B')
    expect(() => stack.resolve('Handler', { type: ['AWS::Lambda::Function', 'AWS::IAM::Role'] })).toThrow(
      /^"Handler" matches 2 resources of type AWS::Lambda::Function or AWS::IAM::Role in stack MyStack/,
    )
    expect(stack.resolve('Orders', { type: 'AWS::Lambda::Function' }).logicalId).toBe('OrdersHandler9F1E2D3C')
    expect(stack.resolve('MakeExternalCalls', { type: 'AWS::IAM::Role' }).logicalId).toBe(
      'ApiMakeExternalCallsServiceRoleB93DB83F',
    )
    const error = catchError(() => stack.resolve('Ledger', { type: 'AWS::Lambda::Function' }))
    expect(error).toBeInstanceOf(UnknownResourceError)
    expect(error.message).toMatch(/^No AWS::Lambda::Function matches "Ledger"/)
    expect(error.message).toMatch(
      /"Ledger" names a resource of another type:\n {2}MyStack\/Ledger +AWS::DynamoDB::Table/,
    )
  })

  it('resolves { Ref } and other template values to what is deployed', () => {
    const makeExternalCalls = stack.resolve('MakeExternalCalls')
    const variables = variablesOf(makeExternalCalls)
    expect(stack.resolveValue(variables.TABLE_NAME, makeExternalCalls)).toBe('MyStack-LedgerB7379752-1XYZ9ABC')
    expect(stack.resolveValue(variables.TABLE_NAME)).toBe('MyStack-LedgerB7379752-1XYZ9ABC')
    expect(stack.resolveValue(variables.STATEMENT_ARN, makeExternalCalls)).toBe(STATE_MACHINE_ARN)
    expect(stack.resolveValue(variables.LEDGER_ARN, makeExternalCalls)).toBe(
      `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/MyStack-LedgerB7379752-1XYZ9ABC`,
    )
    expect(stack.resolveValue(variables.QUEUE, makeExternalCalls)).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub's escaped ${!Literal} stays literal
      'MyStack-MyStack-LedgerB7379752-1XYZ9ABC-${Literal}',
    )
    expect(stack.resolveValue('plain-name')).toBe('plain-name')
    expect(stack.resolveValue({ Ref: 'NoSuchThing' })).toBeUndefined()
    expect(stack.resolveValue({ 'Fn::ImportValue': 'Shared' })).toBeUndefined()
    expect(stack.resolveReference(variables.TABLE_NAME)?.path).toBe('MyStack/Ledger/Resource')
  })

  it('follows a nested stack parameter to the value its parent passes', () => {
    const inner = stack.resolve('Inner')
    const variables = variablesOf(inner)
    expect(stack.resolveValue(variables.TABLE_NAME, inner)).toBe('MyStack-LedgerB7379752-1XYZ9ABC')
    expect(stack.resolveReference(variables.TABLE_NAME, inner)?.logicalId).toBe('LedgerB7379752')
    expect(stack.resolveValue(variables.REGION, inner)).toBe(REGION)
    // Looked up in the root stack, the parameter means nothing.
    expect(stack.resolveValue(variables.TABLE_NAME)).toBeUndefined()
    expect(() => stack.resolveValue(variables.TABLE_NAME, 'Inner' as unknown as StackResource)).toThrow(
      /^resolveValue: from must be a StackResource \(from resolve\), received string 'Inner'$/,
    )
  })
})

describe('loadDeployedStack, other stacks', () => {
  it('reads a stack named by its ARN, and knows it by its name', async () => {
    const stackArn = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Billing/5d4c3b2a-8f5e-11ef-9c1a-0a1b2c3d4e5f`
    const pages = [[fn('Invoice9A8B7C6D', 'Billing/Invoice/Resource', 'Billing-Invoice9A8B7C6D-ZxCvBn')]]
    const { client, cloudFormation } = fakeCloudFormation({ [stackArn]: { pages, templateBody: templateBody(pages) } })
    const stack = await loadDeployedStack(stackArn, { client })
    expect(stack.stackName).toBe('Billing')
    expect(stack.resolve('Invoice')).toMatchObject({
      stackName: 'Billing',
      physicalId: 'Billing-Invoice9A8B7C6D-ZxCvBn',
    })
    expect(stack.resolveValue({ Ref: 'AWS::StackName' })).toBe('Billing')
    expect(cloudFormation.commandCalls(ListStackResourcesCommand, { StackName: stackArn })).toHaveLength(1)
  })

  it('names the stack that does not exist', async () => {
    const { client } = fakeCloudFormation({})
    const error = await loadDeployedStack('Missing', { client }).then(
      () => new Error('expected a rejection'),
      (caught: unknown) => caught as Error,
    )
    expect(error).toBeInstanceOf(StakeoutError)
    expect(error.message).toMatch(
      /^Stack "Missing" was not found in eu-west-1: is STAKEOUT_STACK \(or AWS_REGION\) right\?/,
    )
    expect(error.message).toContain('ValidationError: Stack with id Missing does not exist')
    expect(error.cause).toBeInstanceOf(CloudFormationServiceException)
  })

  it('keeps the resources of a YAML template, known by logical and physical id', async () => {
    const pages = [
      [
        {
          logicalId: 'Queue',
          type: 'AWS::SQS::Queue',
          physicalId: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/orders-queue`,
        },
      ],
    ]
    const { client } = fakeCloudFormation({
      Handwritten: { pages, templateBody: 'Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n' },
    })
    const stack = await loadDeployedStack('Handwritten', { client })
    expect(stack.resolve('Queue')).toEqual({
      stackName: 'Handwritten',
      logicalId: 'Queue',
      type: 'AWS::SQS::Queue',
      physicalId: pages[0]![0]!.physicalId,
    })
    expect(stack.resolve('orders-queue').logicalId).toBe('Queue')
  })
})

describe('loadDeployedStack, its own client', () => {
  it('destroys the client it made once the stack is read (its open socket would keep the process alive)', async () => {
    // Every CloudFormationClient: the one loadDeployedStack makes when it is given none.
    const anyClient = mockClient(CloudFormationClient)
    const destroyed = vi.spyOn(CloudFormationClient.prototype, 'destroy')
    try {
      const pages = [[fn('Only1A2B3C4D', 'Small/Only/Resource', 'Small-Only1A2B3C4D-QwErTy')]]
      anyClient.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: pages[0]!.map(summary) })
      anyClient.on(GetTemplateCommand).resolves({ TemplateBody: templateBody(pages) })
      const stack = await loadDeployedStack('Small', { region: REGION })
      expect(stack.resolve('Only').physicalId).toBe('Small-Only1A2B3C4D-QwErTy')
      expect(destroyed).toHaveBeenCalledTimes(1)
      anyClient.on(ListStackResourcesCommand).rejects(new Error('Stack with id Gone does not exist'))
      await expect(loadDeployedStack('Gone', { region: REGION })).rejects.toThrow(/Stack "Gone" was not found/)
      expect(destroyed).toHaveBeenCalledTimes(2)
    } finally {
      anyClient.restore()
      destroyed.mockRestore()
    }
  })

  it('leaves a client it was given alone', async () => {
    const { client } = fakeCloudFormation(MY_STACK)
    const destroyed = vi.spyOn(client, 'destroy')
    await loadDeployedStack('MyStack', { client })
    expect(destroyed).not.toHaveBeenCalled()
  })
})

describe('resolveTarget', () => {
  let fake: ReturnType<typeof fakeCloudFormation>
  const CACHED: DeployedResource[][] = [
    [
      fn('CheckoutE1F2A3B4', 'CachedStack/Checkout/Resource', 'CachedStack-CheckoutE1F2A3B4-AbCdEf'),
      {
        logicalId: 'Carts5C6D7E8F',
        type: 'AWS::DynamoDB::Table',
        physicalId: 'CachedStack-Carts5C6D7E8F-GhIjKl',
        path: 'CachedStack/Carts/Resource',
      },
    ],
  ]
  beforeEach(() => {
    fake = fakeCloudFormation({ CachedStack: { pages: CACHED, templateBody: templateBody(CACHED) } })
  })

  it('reads STAKEOUT_STACK, and the stack once per process however many resolve', async () => {
    const env = { STAKEOUT_STACK: 'CachedStack', STAKEOUT_REGION: REGION }
    const first = await resolveTarget({ env, client: fake.client })
    const second = await resolveTarget({ env, client: fake.client })
    expect(second).toBe(first)
    expect(first.resolve('Checkout').physicalId).toBe('CachedStack-CheckoutE1F2A3B4-AbCdEf')
    expect(second.resolve('Carts').physicalId).toBe('CachedStack-Carts5C6D7E8F-GhIjKl')
    expect(fake.cloudFormation.commandCalls(ListStackResourcesCommand)).toHaveLength(1)
    expect(first.region).toBe(REGION)
  })

  it('does not keep a failed read: the next call asks again', async () => {
    const env = { STAKEOUT_STACK: 'NotYetDeployed' }
    await expect(resolveTarget({ env, client: fake.client })).rejects.toThrow(/Stack "NotYetDeployed" was not found/)
    await expect(resolveTarget({ env, client: fake.client })).rejects.toThrow(/Stack "NotYetDeployed" was not found/)
    expect(fake.cloudFormation.commandCalls(ListStackResourcesCommand, { StackName: 'NotYetDeployed' })).toHaveLength(2)
  })

  it('says how to name a target when there is none', async () => {
    const error = await resolveTarget({ env: {} }).then(
      () => new Error('expected a rejection'),
      (caught: unknown) => caught as Error,
    )
    expect(error).toBeInstanceOf(StakeoutError)
    expect(error.message).toBe(
      "No target: set STAKEOUT_STACK=<stack name> to test a deployed stack, or run the tests through stakeout's " +
        'global setup (stakeout/vitest/global-setup, stakeout/jest/global-setup) or `npx stakeout local`, which ' +
        'bring the app up on this machine and set STAKEOUT_LOCAL_APP; or pass { functionName, tableName } explicitly.',
    )
  })
})

function catchError(run: () => unknown): Error {
  try {
    run()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a throw')
}
