import { CfnCondition, CfnParameter, Fn, Lazy, Stack } from 'aws-cdk-lib'
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as kms from 'aws-cdk-lib/aws-kms'
import * as logs from 'aws-cdk-lib/aws-logs'
import * as sfn from 'aws-cdk-lib/aws-stepfunctions'
import { Construct } from 'constructs'
import { ExecutionLogsAspect, requireExecutionLogs } from 'stakeout/construct'
import { describe, expect, it } from 'vitest'
import { testStack } from './synth.js'

const DELIVERY_STATEMENT = {
  Effect: 'Allow',
  Action: [
    'logs:CreateLogDelivery',
    'logs:GetLogDelivery',
    'logs:UpdateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:ListLogDeliveries',
    'logs:PutResourcePolicy',
    'logs:DescribeResourcePolicies',
    'logs:DescribeLogGroups',
  ],
  Resource: '*',
}

function machine(scope: Construct, id: string, props: Partial<sfn.StateMachineProps> = {}): sfn.StateMachine {
  return new sfn.StateMachine(scope, id, {
    stateMachineType: sfn.StateMachineType.EXPRESS,
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(scope, `${id}Start`)),
    ...props,
  })
}

function rawMachine(scope: Construct, id: string, props: Partial<sfn.CfnStateMachineProps> = {}): sfn.CfnStateMachine {
  const role = new iam.Role(scope, `${id}Role`, { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') })
  return new sfn.CfnStateMachine(scope, id, {
    stateMachineType: 'EXPRESS',
    roleArn: role.roleArn,
    definitionString: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
    ...props,
  })
}

function logGroup(stack: Stack, id = 'Existing'): logs.LogGroup {
  return new logs.LogGroup(stack, id, { logGroupName: `/aws/vendedlogs/states/${id}` })
}

function idOf(group: logs.LogGroup): string {
  return Stack.of(group).getLogicalId(group.node.defaultChild as logs.CfnLogGroup)
}

/** The machine resources as CloudFormation gets them, by logical id prefix. */
function loggingOf(template: Template, prefix: string): unknown {
  const machines = Object.entries(template.findResources('AWS::StepFunctions::StateMachine')).filter(([id]) =>
    id.startsWith(prefix),
  )
  expect(machines).toHaveLength(1)
  const [, resource] = machines[0] as [string, { Properties: { LoggingConfiguration?: unknown } }]
  return resource.Properties.LoggingConfiguration
}

function statementsOfPoliciesOn(template: Template, roleLogicalId: string): unknown[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(roleLogicalId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as unknown[])
}

function roleIdOf(template: Template, prefix: string): string {
  const ids = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) => id.startsWith(prefix))
  expect(ids).toHaveLength(1)
  return ids[0] as string
}

describe("requireExecutionLogs: mode 'fix'", () => {
  it('gives an L2 Express machine without logs a log group, level ALL with execution data, and the delivery grant', () => {
    const { stack } = testStack()
    machine(stack, 'Statement')
    requireExecutionLogs(stack, { mode: 'fix' })
    const template = Template.fromStack(stack)

    template.resourceCountIs('AWS::Logs::LogGroup', 1)
    const [groupId, group] = Object.entries(template.findResources('AWS::Logs::LogGroup'))[0] as [string, never]
    expect(group).toMatchObject({
      Properties: { LogGroupName: '/aws/vendedlogs/states/Test/Statement', RetentionInDays: 30 },
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    })
    expect(loggingOf(template, 'Statement')).toEqual({
      Level: 'ALL',
      IncludeExecutionData: true,
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [groupId, 'Arn'] } } }],
    })
    expect(statementsOfPoliciesOn(template, roleIdOf(template, 'StatementRole'))).toEqual([DELIVERY_STATEMENT])
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue())
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue())
  })

  it('fixes a raw CfnStateMachine, grants its iam.Role and makes the machine wait for the grant', () => {
    const { stack } = testStack()
    rawMachine(stack, 'Raw')
    requireExecutionLogs(stack, { mode: 'fix', retention: logs.RetentionDays.ONE_WEEK })
    const template = Template.fromStack(stack)

    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/vendedlogs/states/Test/Raw',
      RetentionInDays: 7,
    })
    expect(loggingOf(template, 'Raw')).toMatchObject({ Level: 'ALL', IncludeExecutionData: true })
    const roleId = roleIdOf(template, 'RawRole')
    expect(statementsOfPoliciesOn(template, roleId)).toEqual([DELIVERY_STATEMENT])
    const policyId = Object.keys(template.findResources('AWS::IAM::Policy'))[0] as string
    template.hasResource('AWS::StepFunctions::StateMachine', {
      DependsOn: Match.arrayWith([policyId, roleId]),
    })
  })

  it('grants a raw CfnRole through a policy of its own', () => {
    const { stack } = testStack()
    const role = new iam.CfnRole(stack, 'BareRole', {
      assumeRolePolicyDocument: {
        Statement: [{ Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
    })
    new sfn.CfnStateMachine(stack, 'Bare', {
      stateMachineType: 'EXPRESS',
      roleArn: role.attrArn,
      definitionString: '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}',
    })
    requireExecutionLogs(stack, { mode: 'fix' })
    const template = Template.fromStack(stack)

    expect(statementsOfPoliciesOn(template, 'BareRole')).toEqual([DELIVERY_STATEMENT])
    const policyId = Object.keys(template.findResources('AWS::IAM::Policy'))[0] as string
    template.hasResource('AWS::StepFunctions::StateMachine', { DependsOn: [policyId] })
    expect(loggingOf(template, 'Bare')).toMatchObject({ Level: 'ALL', IncludeExecutionData: true })
  })

  it("catches CDK's default level ERROR (logs: { destination } only), keeps the log group and says so", () => {
    const { stack } = testStack()
    const existing = logGroup(stack)
    machine(stack, 'Statement', { logs: { destination: existing } })
    requireExecutionLogs(stack, { mode: 'fix' })
    const template = Template.fromStack(stack)

    template.resourceCountIs('AWS::Logs::LogGroup', 1)
    expect(loggingOf(template, 'Statement')).toEqual({
      Level: 'ALL',
      IncludeExecutionData: true,
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [idOf(existing), 'Arn'] } } }],
    })
    // CDK granted delivery for `logs`; the aspect's identical statement is not rendered twice.
    expect(statementsOfPoliciesOn(template, roleIdOf(template, 'StatementRole'))).toEqual([DELIVERY_STATEMENT])
    Annotations.fromStack(stack).hasInfo(
      '/Test/Statement/Resource',
      Match.stringLikeRegexp(
        'kept .* log destination and raised its level from ERROR to ALL and included execution data',
      ),
    )
  })

  it('only adds execution data to a machine at level ALL without it', () => {
    const { stack } = testStack()
    machine(stack, 'Statement', { logs: { destination: logGroup(stack), level: sfn.LogLevel.ALL } })
    requireExecutionLogs(stack, { mode: 'fix' })
    const template = Template.fromStack(stack)

    template.resourceCountIs('AWS::Logs::LogGroup', 1)
    expect(loggingOf(template, 'Statement')).toMatchObject({ Level: 'ALL', IncludeExecutionData: true })
    Annotations.fromStack(stack).hasInfo(
      '/Test/Statement/Resource',
      Match.stringLikeRegexp('kept .* destination and included execution data'),
    )
  })

  it('leaves a machine whose role is imported as it is, with an error naming the actions to grant', () => {
    const { stack } = testStack()
    machine(stack, 'Statement', {
      role: iam.Role.fromRoleArn(stack, 'Imported', 'arn:aws:iam::123456789012:role/sfn'),
    })
    rawMachine(stack, 'Raw', { roleArn: 'arn:aws:iam::123456789012:role/other' })
    requireExecutionLogs(stack, { mode: 'fix' })
    const template = Template.fromStack(stack)

    template.resourceCountIs('AWS::Logs::LogGroup', 0)
    expect(loggingOf(template, 'Statement')).toBeUndefined()
    expect(loggingOf(template, 'Raw')).toBeUndefined()
    const annotations = Annotations.fromStack(stack)
    for (const path of ['/Test/Statement/Resource', '/Test/Raw']) {
      annotations.hasError(
        path,
        Match.stringLikeRegexp(
          'role .* is not defined in this app.*logs:CreateLogDelivery, logs:GetLogDelivery, .*logs:DescribeLogGroups on "\\*"',
        ),
      )
    }
    annotations.hasError('/Test/Raw', Match.stringLikeRegexp('arn:aws:iam::123456789012:role/other'))
  })

  it('warns that a customer managed key needs a grant of its own', () => {
    const { stack } = testStack()
    machine(stack, 'Encrypted', {
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(new kms.Key(stack, 'Key')),
    })
    machine(stack, 'Plain')
    requireExecutionLogs(stack, { mode: 'fix' })
    const annotations = Annotations.fromStack(stack)

    annotations.hasWarning(
      '/Test/Encrypted/Resource',
      Match.stringLikeRegexp(
        'customer managed KMS key: .*kms:GenerateDataKey.*delivery.logs.amazonaws.com kms:Decrypt',
      ),
    )
    expect(annotations.findWarning('/Test/Plain/Resource', Match.anyValue())).toEqual([])
    expect(loggingOf(Template.fromStack(stack), 'Encrypted')).toMatchObject({ Level: 'ALL' })
  })

  it('fixes several machines in nested scopes, each with its own log group named after its path', () => {
    const { stack } = testStack({ stackName: 'bank-test-pr-42' })
    const payments = new Construct(new Construct(stack, 'Bank'), 'Payments')
    machine(payments, 'Statement')
    machine(payments, 'Refund')
    rawMachine(stack, 'Raw')
    requireExecutionLogs(stack, { mode: 'fix' })
    const template = Template.fromStack(stack)

    template.resourceCountIs('AWS::Logs::LogGroup', 3)
    for (const name of [
      '/aws/vendedlogs/states/bank-test-pr-42/Bank/Payments/Statement',
      '/aws/vendedlogs/states/bank-test-pr-42/Bank/Payments/Refund',
      '/aws/vendedlogs/states/bank-test-pr-42/Raw',
    ]) {
      template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: name })
    }
    template.allResourcesProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: Match.anyValue() },
    })
  })

  it('sees only the machines under its scope, and machines created after the call', () => {
    const { stack } = testStack()
    const inside = new Construct(stack, 'Inside')
    requireExecutionLogs(inside, { mode: 'fix' })
    machine(inside, 'Later')
    machine(stack, 'Outside')
    const template = Template.fromStack(stack)

    expect(loggingOf(template, 'InsideLater')).toMatchObject({ Level: 'ALL' })
    expect(loggingOf(template, 'Outside')).toBeUndefined()
  })

  it('leaves compliant and STANDARD machines untouched', () => {
    const { stack } = testStack()
    const existing = logGroup(stack)
    machine(stack, 'Complete', {
      logs: { destination: existing, level: sfn.LogLevel.ALL, includeExecutionData: true },
    })
    machine(stack, 'Standard', { stateMachineType: sfn.StateMachineType.STANDARD })
    new sfn.StateMachine(stack, 'DefaultType', {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Only')),
    })
    rawMachine(stack, 'RawStandard', { stateMachineType: 'STANDARD' })
    const before = Template.fromStack(
      testStackWith((s) => {
        const group = logGroup(s)
        machine(s, 'Complete', { logs: { destination: group, level: sfn.LogLevel.ALL, includeExecutionData: true } })
        machine(s, 'Standard', { stateMachineType: sfn.StateMachineType.STANDARD })
        new sfn.StateMachine(s, 'DefaultType', {
          definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(s, 'Only')),
        })
        rawMachine(s, 'RawStandard', { stateMachineType: 'STANDARD' })
      }),
    ).toJSON()
    requireExecutionLogs(stack, { mode: 'fix' })

    expect(Template.fromStack(stack).toJSON()).toEqual(before)
    expect(Annotations.fromStack(stack).findInfo('*', Match.anyValue())).toEqual([])
  })
})

function testStackWith(build: (stack: Stack) => void): Stack {
  const { stack } = testStack()
  build(stack)
  return stack
}

describe("requireExecutionLogs: modes 'error' and 'warn'", () => {
  it('annotates an L2 machine without logs with what is wrong, why, and the fix, and changes nothing', () => {
    const { stack } = testStack()
    machine(stack, 'Statement')
    requireExecutionLogs(stack, { mode: 'error' })
    const template = Template.fromStack(stack)

    template.resourceCountIs('AWS::Logs::LogGroup', 0)
    expect(loggingOf(template, 'Statement')).toBeUndefined()
    const errors = Annotations.fromStack(stack).findError('/Test/Statement/Resource', Match.anyValue())
    expect(errors).toHaveLength(1)
    const message = errors[0]?.entry.data as string
    expect(message).toContain('it has no loggingConfiguration, so it logs nothing (level OFF)')
    expect(message).toContain('Express workflows keep no execution history')
    expect(message).toContain("requireExecutionLogs(this, { mode: 'fix' })")
    expect(message).toContain('logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true }')
    expect(message).not.toContain('level ERROR when given only')
  })

  it("explains CDK's default level ERROR on a machine given only a destination", () => {
    const { stack } = testStack()
    machine(stack, 'Statement', { logs: { destination: logGroup(stack) } })
    requireExecutionLogs(stack, { mode: 'warn' })

    Annotations.fromStack(stack).hasWarning(
      '/Test/Statement/Resource',
      Match.stringLikeRegexp(
        'it logs at level ERROR, not ALL; it leaves out execution data .*logs at level ERROR when given only logs: \\{ destination \\}, which logs nothing for a successful run',
      ),
    )
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue())
    // Warn mode changes nothing: the only log group is the user's.
    Template.fromStack(stack).resourceCountIs('AWS::Logs::LogGroup', 1)
  })

  it('names each missing part: execution data, destination, an unset level', () => {
    const { stack } = testStack()
    machine(stack, 'NoData', { logs: { destination: logGroup(stack), level: sfn.LogLevel.ALL } })
    rawMachine(stack, 'NoDestination', { loggingConfiguration: { level: 'ALL', includeExecutionData: true } })
    rawMachine(stack, 'NoLevel', {
      loggingConfiguration: {
        includeExecutionData: true,
        destinations: [
          { cloudWatchLogsLogGroup: { logGroupArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:x:*' } },
        ],
      },
    })
    requireExecutionLogs(stack, { mode: 'error' })
    const annotations = Annotations.fromStack(stack)

    const only = (path: string) => annotations.findError(path, Match.anyValue()).map((e) => e.entry.data as string)
    expect(only('/Test/NoData/Resource')).toEqual([
      expect.stringContaining('incomplete: it leaves out execution data (includeExecutionData is not true)'),
    ])
    expect(only('/Test/NoDestination')).toEqual([expect.stringContaining('incomplete: it has no log destination.')])
    expect(only('/Test/NoLevel')).toEqual([
      expect.stringContaining('incomplete: its logging level is not set (Step Functions then logs at level OFF).'),
    ])
  })

  it('annotates every incomplete machine of a stack once, and none of the complete or STANDARD ones', () => {
    const { stack } = testStack()
    const bank = new Construct(stack, 'Bank')
    machine(bank, 'A')
    machine(bank, 'B', { logs: { destination: logGroup(stack), level: sfn.LogLevel.FATAL } })
    machine(bank, 'Complete', {
      logs: { destination: logGroup(stack, 'Other'), level: sfn.LogLevel.ALL, includeExecutionData: true },
    })
    machine(bank, 'Standard', { stateMachineType: sfn.StateMachineType.STANDARD })
    requireExecutionLogs(stack, { mode: 'warn' })

    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue())
    expect(warnings.map((w) => w.id).sort()).toEqual(['/Test/Bank/A/Resource', '/Test/Bank/B/Resource'])
    expect(warnings.find((w) => w.id === '/Test/Bank/B/Resource')?.entry.data).toContain('level FATAL, not ALL')
  })

  it('checks after a fix applied to the same scope: a fixed machine raises nothing', () => {
    const { stack } = testStack()
    machine(stack, 'Statement')
    requireExecutionLogs(stack, { mode: 'error' })
    requireExecutionLogs(stack, { mode: 'fix' })

    Annotations.fromStack(stack).hasNoError('*', Match.anyValue())
    expect(loggingOf(Template.fromStack(stack), 'Statement')).toMatchObject({ Level: 'ALL' })
  })
})

describe('requireExecutionLogs: tokens', () => {
  it('reads a loggingConfiguration given as a Lazy (an IResolvable) and fixes it, keeping its destination', () => {
    const { stack } = testStack()
    const existing = logGroup(stack)
    rawMachine(stack, 'Lazy', {
      loggingConfiguration: Lazy.any({
        produce: () => ({
          Level: 'ERROR',
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: existing.logGroupArn } }],
        }),
      }),
    })
    requireExecutionLogs(stack, { mode: 'fix' })
    const template = Template.fromStack(stack)

    template.resourceCountIs('AWS::Logs::LogGroup', 1)
    expect(loggingOf(template, 'Lazy')).toEqual({
      Level: 'ALL',
      IncludeExecutionData: true,
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [idOf(existing), 'Arn'] } } }],
    })
  })

  it('warns, and never guesses, when a part is only known at deploy time', () => {
    const { stack } = testStack()
    const level = new CfnParameter(stack, 'Level', { default: 'ALL' })
    const data = new CfnParameter(stack, 'Data', { type: 'String', default: 'true' })
    const arn = 'arn:aws:logs:eu-west-1:123456789012:log-group:x:*'
    rawMachine(stack, 'TokenLevel', {
      loggingConfiguration: {
        level: level.valueAsString,
        includeExecutionData: true,
        destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: arn } }],
      },
    })
    rawMachine(stack, 'TokenData', {
      loggingConfiguration: {
        level: 'ALL',
        includeExecutionData: Fn.conditionEquals(data.valueAsString, 'true'),
        destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: arn } }],
      },
    })
    new CfnCondition(stack, 'Full', { expression: Fn.conditionEquals(data.valueAsString, 'true') })
    rawMachine(stack, 'TokenWhole', {
      loggingConfiguration: Fn.conditionIf('Full', { Level: 'ALL' }, { Level: 'OFF' }),
    })
    const type = new CfnParameter(stack, 'Type', { default: 'EXPRESS' })
    rawMachine(stack, 'TokenType', { stateMachineType: type.valueAsString })
    requireExecutionLogs(stack, { mode: 'fix' })
    const template = Template.fromStack(stack)
    const annotations = Annotations.fromStack(stack)

    template.resourceCountIs('AWS::Logs::LogGroup', 0)
    expect(loggingOf(template, 'TokenLevel')).toMatchObject({ Level: { Ref: 'Level' } })
    const warning = (path: string) => annotations.findWarning(path, Match.anyValue()).map((w) => w.entry.data)
    expect(warning('/Test/TokenLevel')).toEqual([
      expect.stringContaining('its logging level is only known at deploy time ({"Ref":"Level"})'),
    ])
    expect(warning('/Test/TokenData')).toEqual([
      expect.stringContaining('its includeExecutionData is only known at deploy time'),
    ])
    expect(warning('/Test/TokenWhole')).toEqual([
      expect.stringContaining('its loggingConfiguration is only known at deploy time ({"Fn::If":'),
    ])
    expect(warning('/Test/TokenType')).toEqual([
      expect.stringContaining('its stateMachineType is only known at deploy time ({"Ref":"Type"})'),
    ])
    annotations.hasNoError('*', Match.anyValue())
  })
})

describe('requireExecutionLogs: arguments', () => {
  it('names the option that is wrong', () => {
    const { stack } = testStack()
    expect(() => requireExecutionLogs(stack, { mode: 'fail' as never })).toThrow(
      "requireExecutionLogs: options.mode must be one of 'fix', 'error', 'warn', received string 'fail'",
    )
    expect(() => requireExecutionLogs(stack, undefined as never)).toThrow(
      /^requireExecutionLogs: options must be an object/,
    )
    expect(() => requireExecutionLogs(stack, { mode: 'fix', retention: 31 as never })).toThrow(
      /^requireExecutionLogs: options\.retention must be a logs\.RetentionDays .*received number 31/,
    )
    expect(() => requireExecutionLogs(stack, { mode: 'fix', retention: '30' as never })).toThrow(
      /options\.retention must be a logs\.RetentionDays/,
    )
    expect(() => requireExecutionLogs({} as never, { mode: 'fix' })).toThrow(
      /^requireExecutionLogs: scope must be a construct/,
    )
    expect(() => new ExecutionLogsAspect({ mode: 'loud' as never })).toThrow(
      /^ExecutionLogsAspect: options\.mode must be/,
    )
  })

  it('accepts every logs.RetentionDays', () => {
    const { stack } = testStack()
    machine(stack, 'Statement')
    requireExecutionLogs(stack, { mode: 'fix', retention: logs.RetentionDays.INFINITE })
    const group = Object.values(Template.fromStack(stack).findResources('AWS::Logs::LogGroup'))[0]
    expect(group?.Properties.RetentionInDays).toBeUndefined()
  })
})
