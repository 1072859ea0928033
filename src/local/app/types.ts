import type { StackResources } from '../../target/index.js'
import type { InvokeResult } from '../invoke-handler.js'
import type { LocalQueueMessage } from './services.js'

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
  /**
   * Delivery faults, opt-in for this run: what AWS may do (deliver twice, out of order, late, retry after a failure)
   * made to happen often, so a test proves its projectors idempotent and order-proof.
   * @default none
   */
  readonly faults?: LocalFaults
}

/**
 * Opt-in delivery faults of a local app. Every choice comes from one seeded generator: the same seed gives the same
 * faults for the same deliveries, and the seed is logged at start so a failing run can be replayed.
 *
 * @example
 * await startLocal({ app: 'cdk.out', faults: { eventBridge: { duplicate: 0.3, reorder: true, delayMs: [0, 200] } } })
 */
export interface LocalFaults {
  /**
   * The seed of every fault choice (a 32-bit integer).
   * @default a random seed, logged at start
   */
  readonly seed?: number
  /** Faults of the local EventBridge's deliveries to rule targets. */
  readonly eventBridge?: {
    /** The share of deliveries (0 to 1) made twice, as EventBridge's at-least-once delivery may. @default 0 */
    readonly duplicate?: number
    /** Deliveries to a target in a shuffled order instead of the order the events were put. @default false */
    readonly reorder?: boolean
    /** A delay before each delivery: a fixed number of ms, or a range `[min, max]` drawn from. @default 0 */
    readonly delayMs?: number | readonly [number, number]
  }
  /** Faults of the stream event sources (the ledger's dispatch). */
  readonly eventSources?: {
    /**
     * The share of invocations (0 to 1) reported failed after the function ran (its writes and published events
     * stay), as a timeout after the work would be: the mapping retries the batch, so the function sees it again.
     * @default 0
     */
    readonly fail?: number
  }
}

/** What a script or the AWS CLI needs to reach the local services (`aws --endpoint-url ...`). */
export interface LocalEndpoints {
  /** DynamoDB Local, holding the app's tables. */
  readonly dynamodb: string
  /** The Lambda Invoke API for the app's functions. */
  readonly lambda: string
  /**
   * The EventBridge API (`PutEvents`) of the app's buses, when it has one (`AWS_ENDPOINT_URL_EVENTBRIDGE`;
   * `clientSettings('events')` gives it to an SDK client).
   */
  readonly eventbridge?: string
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
  /**
   * The messages of a local queue (visible, delayed and in flight), in send order, without receiving them: unlike a
   * peek through SQS, nothing is hidden from consumers and no receive is counted.
   *
   * @param ref the queue: construct id, construct path, logical id, name or URL
   * @example
   * expect((await app.messages('OnFailureQueue')).map((message) => JSON.parse(message.body))).toHaveLength(1)
   */
  messages(ref: string): Promise<LocalQueueMessage[]>
  /** The process ids of DynamoDB Local's Java and of every running function environment (for a supervisor or a test). */
  pids(): number[]
  /** Stops every function environment and DynamoDB Local, and removes the temporary files. Safe to call twice. */
  stop(): Promise<void>
}
