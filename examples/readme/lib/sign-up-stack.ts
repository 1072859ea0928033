// lib/sign-up-stack.ts: the function, and stakeout's interceptor on it
import { Stack, type StackProps } from 'aws-cdk-lib'
import { Runtime } from 'aws-cdk-lib/aws-lambda'
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs'
import type { Construct } from 'constructs'
import { applyHttpInterceptor, HttpInterceptor } from 'stakeout/construct'

export interface SignUpStackProps extends StackProps {
  /** Add stakeout's interceptor: in test stacks only (it refuses production stacks). @default true */
  readonly testable?: boolean
}

export class SignUpStack extends Stack {
  constructor(scope: Construct, id: string, props: SignUpStackProps = {}) {
    super(scope, id, props)
    new NodejsFunction(this, 'SignUp', { entry: 'functions/sign-up.ts', runtime: Runtime.NODEJS_22_X })
    if (props.testable ?? true) {
      applyHttpInterceptor(this, new HttpInterceptor(this, 'HttpInterceptor'))
    }
  }
}
