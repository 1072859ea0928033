import type { StackResources } from '../../target/index.js'
import type { InvokeResult } from '../invoke-handler.js'

/**
 * Options of `startLocal`.
 *
 * @example
 * await startLocal({ app: 'npx tsx bin/app.ts', stack: 'OrdersStack', log: console.log })
 */
export interface StartLocalOptions {
  /**
   * A synthesized cloud assembly (a `cdk.out` directory), or the app command of a `cdk.json` (`npx tsx bin/app.ts`),
   * run in a shell as the CDK CLI runs it.
   */
  readonly app: string
  /**
   * The stack to bring up: its stack name, artifact id or display name (`Stage/MyStack`).
   * @default the assembly's only stack (required when it has several)
   */
  readonly stack?: string
  /**
   * Where the app command runs, and where a relative `cdk.out` path and `cdk.json` are looked up.
   * @default process.cwd()
   */
  readonly cwd?: string
  /**
   * Receives one progress line per step (synth, DynamoDB Local, tables, functions) with its time, and the one
   * warning that lists what is not brought up.
   * @default no progress lines; the warning goes to `console.warn`
   */
  readonly log?: (line: string) => void
  /**
   * Aborts the start: whatever was started is stopped, and `startLocal` rejects.
   * @default none
   */
  readonly signal?: AbortSignal
  /**
   * The port DynamoDB Local listens on.
   * @default a free port
   */
  readonly dynamodbPort?: number
}

/** What a script or the AWS CLI needs to reach the local services (`aws --endpoint-url ...`). */
export interface LocalEndpoints {
  /** DynamoDB Local, holding the app's tables. */
  readonly dynamodb: string
  /** The Lambda Invoke API for the app's functions. */
  readonly lambda: string
  /** The EventBridge API (`PutEvents`) of the app's buses, when it has one. */
  readonly events?: string
  /** The SQS API of the app's queues, when it has one. */
  readonly sqs?: string
  /** The Step Functions API of the app's state machines, when it has one. */
  readonly sfn?: string
  /** The CloudWatch Logs API (`FilterLogEvents`) of the app's log groups, when it has one. */
  readonly logs?: string
  /** The region the local names and ARNs carry, and to sign requests for. */
  readonly region: string
}

/** A CDK app running on this machine, from `startLocal`. */
export interface LocalApp {
  /** The stack's name, as CloudFormation would know it. */
  readonly stackName: string
  /** The stack's resources with their local names as physical ids (source `local`): the same API as a deployed stack's. */
  readonly resources: StackResources
  /** Where the local services listen. */
  readonly endpoints: LocalEndpoints
  /** The JSON file other processes load with `resolveTarget()` when `STAKEOUT_LOCAL_APP` names it. */
  readonly manifestPath: string
  /**
   * Invokes a function of the app through its pool of execution environments: a cold start on the first invoke
   * (and whenever every warm environment is busy), a warm one after.
   *
   * @param ref the function: construct id, construct path, logical id or local name
   * @param event the event, as JSON
   */
  invoke(ref: string, event: unknown, options?: { readonly signal?: AbortSignal }): Promise<InvokeResult>
  /** The process ids of DynamoDB Local's Java and of every running function environment (for a supervisor or a test). */
  pids(): number[]
  /** Stops every function environment and DynamoDB Local, and removes the temporary files. Safe to call twice. */
  stop(): Promise<void>
}
