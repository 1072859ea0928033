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

  it('has no interceptor when built for production', () => {
    const prod = Template.fromStack(new BankStack(new App(), 'BankProd', { testable: false }))
    prod.resourceCountIs('AWS::Lambda::LayerVersion', 0)
  })
})
