import { Stack, type StackProps } from 'aws-cdk-lib'
import { Runtime } from 'aws-cdk-lib/aws-lambda'
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs'
import type { Construct } from 'constructs'
import { applyHttpInterceptor, HttpInterceptor } from 'stakeout/construct'

export interface BankStackProps extends StackProps {
  /** Add stakeout's HTTP interceptor (test stacks only). @default true */
  readonly testable?: boolean
}

export class BankStack extends Stack {
  constructor(scope: Construct, id: string, props: BankStackProps = {}) {
    super(scope, id, props)
    new NodejsFunction(this, 'CreditAccount', { entry: 'functions/credit-account.ts', runtime: Runtime.NODEJS_22_X })
    if (props.testable ?? true) {
      const interceptor = new HttpInterceptor(this, 'HttpInterceptor')
      applyHttpInterceptor(this, interceptor)
    }
  }
}
