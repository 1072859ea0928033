import { fileURLToPath } from 'node:url'
import { Stack, type StackProps } from 'aws-cdk-lib'
import { Runtime } from 'aws-cdk-lib/aws-lambda'
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs'
import type { Construct } from 'constructs'
import { applyHttpInterceptor, HttpInterceptor } from 'stakeout/construct'
import { EXAMPLE_FRAUD_API_KEY } from './fraud-api.js'

/** Props of the bank's stack. */
export interface BankStackProps extends StackProps {
  /** Add stakeout's HTTP interceptor (test stacks only). @default true */
  readonly testable?: boolean
}

/** The bank: a Credit command that calls a third-party fraud API, made testable by stakeout's interceptor. */
export class BankStack extends Stack {
  readonly creditAccount: NodejsFunction

  constructor(scope: Construct, id: string, props: BankStackProps = {}) {
    super(scope, id, props)
    this.creditAccount = new NodejsFunction(this, 'CreditAccount', {
      entry: fileURLToPath(new URL('./functions/credit-account.ts', import.meta.url)),
      runtime: Runtime.NODEJS_22_X,
      // The repository root, so synthesis uses the repository's esbuild (no download, works offline).
      projectRoot: fileURLToPath(new URL('../..', import.meta.url)),
      depsLockFilePath: fileURLToPath(new URL('../../package-lock.json', import.meta.url)),
      environment: { FRAUD_API_URL: 'https://fraud.example.com', FRAUD_API_KEY: EXAMPLE_FRAUD_API_KEY },
    })
    if (props.testable ?? true) {
      const interceptor = new HttpInterceptor(this, 'HttpInterceptor')
      applyHttpInterceptor(this, interceptor)
    }
  }
}
