import { App } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import { describe, expect, it } from 'vitest'
import { BankStack } from './stack.js'

describe('BankStack', () => {
  const app = new App()
  const stack = new BankStack(app, 'Bank')
  const template = Template.fromStack(stack)

  it('runs CreditAccount through the interceptor layer', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Layers: Match.arrayWith([{ Ref: Match.stringLikeRegexp('HttpInterceptor') }]),
      Environment: {
        Variables: Match.objectLike({
          AWS_LAMBDA_EXEC_WRAPPER: '/opt/stakeout/wrapper',
          STAKEOUT_INTERCEPTOR_TABLE: { Ref: Match.stringLikeRegexp('HttpInterceptor') },
          FRAUD_API_URL: 'https://fraud.example.com',
        }),
      },
    })
  })

  it('lets CreditAccount touch only its own interceptor items', () => {
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Condition: Match.anyValue() })]) },
      },
    })
    expect(JSON.stringify(policies)).toContain('dynamodb:LeadingKeys')
  })

  it('has the ledger with its Balance and LastTransaction projectors', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1)
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1)
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['stakeout.ledger'], 'detail-type': ['Credit', 'Debit', 'stakeout.replay'] },
    })
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table')).length).toBe(5)
  })

  it('lets the commands append to and read the ledger, and write nothing else', () => {
    const policies = template.findResources('AWS::IAM::Policy')
    const debit = Object.entries(policies).find(([id]) => id.startsWith('DebitAccount'))?.[1]
    const actions = JSON.stringify(
      debit?.Properties.PolicyDocument.Statement.map((each: { Action: unknown }) => each.Action),
    )
    expect(actions).toContain('dynamodb:PutItem')
    expect(actions).toContain('dynamodb:Query')
    expect(actions).not.toMatch(/dynamodb:(UpdateItem|DeleteItem|Scan|\*)/)
  })

  it('logs every monthly statement at level ALL with execution data (requireExecutionLogs fixed it)', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'EXPRESS',
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
    })
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/'),
    })
  })

  it('has no interceptor when built for production', () => {
    const prod = Template.fromStack(new BankStack(new App(), 'BankProd', { testable: false }))
    prod.resourceCountIs('AWS::Lambda::LayerVersion', 0)
  })
})
