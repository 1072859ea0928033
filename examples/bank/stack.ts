import { fileURLToPath } from 'node:url'
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib'
import { Runtime } from 'aws-cdk-lib/aws-lambda'
import { NodejsFunction, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs'
import * as sfn from 'aws-cdk-lib/aws-stepfunctions'
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks'
import type { Construct } from 'constructs'
import { applyHttpInterceptor, EventLedger, HttpInterceptor, requireExecutionLogs } from 'stakeout/construct'
import { EXAMPLE_FRAUD_API_KEY } from './fraud-api.js'

/** Props of the bank's stack. */
export interface BankStackProps extends StackProps {
  /** Add stakeout's HTTP interceptor (test stacks only). @default true */
  readonly testable?: boolean
}

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/** How every function of the bank is built: Node.js 22, bundled with the repository's esbuild (offline). */
const BUILD = {
  runtime: Runtime.NODEJS_22_X,
  // The repository root, so synthesis uses the repository's esbuild (no download, works offline).
  projectRoot: here('../..'),
  depsLockFilePath: here('../../package-lock.json'),
} satisfies Partial<NodejsFunctionProps>

/**
 * The bank of shared/reference/articles.md: Credit and Debit commands append to an event-sourced ledger (Credit
 * after asking a third-party fraud API, made testable by stakeout's interceptor); the ledger's dispatch folds each
 * account and publishes it to the Balance and LastTransaction projectors; a monthly-statement Express workflow reads
 * the Balance projection, with full execution logs enforced by `requireExecutionLogs`.
 */
export class BankStack extends Stack {
  readonly creditAccount: NodejsFunction
  readonly debitAccount: NodejsFunction
  readonly ledger: EventLedger
  readonly statement: sfn.StateMachine

  constructor(scope: Construct, id: string, props: BankStackProps = {}) {
    super(scope, id, props)

    this.ledger = new EventLedger(this, 'Ledger', {
      dispatch: { entry: here('./functions/dispatch.ts'), ...BUILD },
      // A test stack: its tables go with it.
      removalPolicy: RemovalPolicy.DESTROY,
    })
    const balance = this.ledger.addProjector('Balance', {
      entry: here('./functions/balance-projector.ts'),
      eventTypes: ['Credit', 'Debit'],
      ...BUILD,
    })
    this.ledger.addProjector('LastTransaction', {
      entry: here('./functions/last-transaction-projector.ts'),
      eventTypes: ['Credit', 'Debit'],
      ...BUILD,
    })

    const ledgerEnvironment = { LEDGER_TABLE: this.ledger.table.tableName }
    this.creditAccount = new NodejsFunction(this, 'CreditAccount', {
      entry: here('./functions/credit-account.ts'),
      ...BUILD,
      environment: {
        FRAUD_API_URL: 'https://fraud.example.com',
        FRAUD_API_KEY: EXAMPLE_FRAUD_API_KEY,
        ...ledgerEnvironment,
      },
    })
    this.debitAccount = new NodejsFunction(this, 'DebitAccount', {
      entry: here('./functions/debit-account.ts'),
      ...BUILD,
      environment: ledgerEnvironment,
    })
    for (const command of [this.creditAccount, this.debitAccount]) {
      this.ledger.grantAppend(command)
      this.ledger.grantRead(command)
    }

    const readBalance = new NodejsFunction(this, 'ReadBalance', {
      entry: here('./functions/read-balance.ts'),
      ...BUILD,
      environment: { BALANCE_TABLE: balance.table.tableName },
    })
    balance.grantRead(readBalance)
    this.statement = new sfn.StateMachine(this, 'MonthlyStatement', {
      stateMachineType: sfn.StateMachineType.EXPRESS,
      definitionBody: sfn.DefinitionBody.fromChainable(statementDefinition(this, readBalance)),
    })
    // The statement machine declares no logs: the aspect gives it level ALL with execution data.
    requireExecutionLogs(this, { mode: 'fix' })

    if (props.testable ?? true) {
      const interceptor = new HttpInterceptor(this, 'HttpInterceptor')
      applyHttpInterceptor(this, interceptor)
    }
  }
}

/** ReadBalance → a premium or a standard statement on the balance; an unknown account fails the run. */
function statementDefinition(scope: Construct, readBalance: NodejsFunction): sfn.IChainable {
  const unknownAccount = new sfn.Fail(scope, 'UnknownAccount', {
    error: 'UnknownAccount',
    cause: 'The Balance projection has no such account',
  })
  const read = new tasks.LambdaInvoke(scope, 'ReadBalanceTask', {
    stateName: 'ReadBalance',
    lambdaFunction: readBalance,
    payloadResponseOnly: true,
  }).addCatch(unknownAccount, { errors: ['AccountNotFound'] })
  const statement = (tier: string) =>
    new sfn.Pass(scope, `${tier}Statement`, {
      parameters: { 'accountId.$': '$.accountId', 'balance.$': '$.balance', tier: tier.toLowerCase() },
    })
  return read.next(
    new sfn.Choice(scope, 'ChooseStatement')
      .when(sfn.Condition.numberGreaterThanEquals('$.balance', 1000), statement('Premium'))
      .otherwise(statement('Standard')),
  )
}
