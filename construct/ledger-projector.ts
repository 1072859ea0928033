import { CfnOutput, Duration, type RemovalPolicy } from 'aws-cdk-lib'
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import * as events from 'aws-cdk-lib/aws-events'
import * as targets from 'aws-cdk-lib/aws-events-targets'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations'
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs'
import * as sqs from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { failArgument } from '../src/errors.js'
import {
  AGGREGATE_ID_ATTRIBUTE,
  LEDGER_ENV,
  LEDGER_EVENT_SOURCE,
  REPLAY_DETAIL_TYPE,
} from '../src/runtime/ledger/schema.js'
import {
  checkWholeNumber,
  type LedgerFunctionOptions,
  ledgerFunction,
  validateFunctionOptions,
} from './ledger-function.js'

/** Options of {@link EventLedger.addProjector}. */
export interface ProjectorOptions extends LedgerFunctionOptions {
  /**
   * The event types (the ledger items' `type`, the EventBridge detail-type) this projector listens to.
   * Replays ({@link REPLAY_DETAIL_TYPE}) always reach it besides these.
   */
  readonly eventTypes: readonly string[]
  /**
   * How many times Lambda retries the projector when it fails (0 to 2, Lambda's asynchronous
   * invocation retries); after the last, the event goes to the projector's dead-letter queue.
   * @default 2
   */
  readonly retryAttempts?: number
}

/** Props of {@link Projector}: the options, and what the ledger gives it. */
interface ProjectorProps extends ProjectorOptions {
  readonly name: string
  readonly bus: events.IEventBus
  readonly removalPolicy: RemovalPolicy
}

/** EventBridge's documented limits: detail-type up to 128 characters, an event pattern up to 2,048. */
const MAX_DETAIL_TYPE_LENGTH = 128
const MAX_PATTERN_LENGTH = 2048
/** EventBridge's own defaults for a target, made explicit: a delivery fails only on throttling or a service error. */
const DELIVERY_RETRY_ATTEMPTS = 185
const DELIVERY_MAX_EVENT_AGE = Duration.hours(24)
const DEAD_LETTER_RETENTION = Duration.days(14)
/** Lambda keeps an asynchronous event at most 6 hours. */
const MAX_ASYNC_EVENT_AGE = Duration.hours(6)
/** A projector name becomes a construct id and an output's id: letters, digits, `-` and `_`. */
const PROJECTOR_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/

/** Actions a projector has on its own table, and nothing more. */
export const PROJECTOR_TABLE_ACTIONS: readonly string[] = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
]
/** Actions {@link Projector.grantRead} gives on a projection table. */
export const PROJECTION_READ_ACTIONS: readonly string[] = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
]

/**
 * One projector of an {@link EventLedger} (made by {@link EventLedger.addProjector}): its projection table
 * (partition key `aggregateId`), its function, and the rule that sends it the ledger's events of its types and
 * every replay.
 *
 * Nothing it is sent is lost: EventBridge retries a delivery it could not make (throttling, a service error)
 * for up to 24 hours and 185 attempts, then puts the event in `deadLetterQueue` (with `ERROR_CODE` and
 * `RULE_ARN` message attributes); a delivered event the function fails on is retried by Lambda
 * (`retryAttempts`), then sent to the same queue as a Lambda on-failure record (`requestContext`,
 * `requestPayload`, `responseContext`, `responsePayload`). The queue keeps messages 14 days.
 *
 * @example
 * const balance = ledger.addProjector('Balance', { entry: 'src/balance-projector.ts', eventTypes: ['Credit', 'Debit'] })
 * balance.grantRead(getBalance)   // a query handler reads the projection
 */
export class Projector extends Construct {
  /** The name given to `addProjector`. */
  readonly projectorName: string
  /** The event types the rule matches, besides {@link REPLAY_DETAIL_TYPE}. */
  readonly eventTypes: readonly string[]
  /** The projection: one item per aggregate, keyed `aggregateId`, written by this projector only. */
  readonly table: dynamodb.Table
  /** The user's projector. */
  readonly function: nodejs.NodejsFunction
  /** Sends the ledger's events of {@link Projector.eventTypes}, and replays, to the function. */
  readonly rule: events.Rule
  /** Where an event ends that could not be delivered, or that the function kept failing on. */
  readonly deadLetterQueue: sqs.Queue

  /** Made by {@link EventLedger.addProjector}, which checks the options first. */
  constructor(scope: Construct, id: string, props: ProjectorProps) {
    super(scope, id)
    this.projectorName = props.name
    this.eventTypes = [...props.eventTypes]

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: AGGREGATE_ID_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      removalPolicy: props.removalPolicy,
    })
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      retentionPeriod: DEAD_LETTER_RETENTION,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    })
    this.function = ledgerFunction(this, 'Function', props, {
      description: `stakeout event ledger: projector ${props.name}`,
      timeout: Duration.seconds(10),
      environment: {
        [LEDGER_ENV.projectionTable]: this.table.tableName,
        [LEDGER_ENV.projectorName]: props.name,
      },
    })
    this.function.configureAsyncInvoke({
      retryAttempts: props.retryAttempts ?? 2,
      maxEventAge: MAX_ASYNC_EVENT_AGE,
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    })
    iam.Grant.addToPrincipal({
      grantee: this.function,
      actions: [...PROJECTOR_TABLE_ACTIONS],
      resourceArns: [this.table.tableArn],
    })

    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.bus,
      description: `stakeout event ledger: ${[...this.eventTypes, REPLAY_DETAIL_TYPE].join(', ')} to projector ${props.name}`,
      eventPattern: projectorPattern(this.eventTypes),
      targets: [
        new targets.LambdaFunction(this.function, {
          retryAttempts: DELIVERY_RETRY_ATTEMPTS,
          maxEventAge: DELIVERY_MAX_EVENT_AGE,
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    })

    new CfnOutput(this, 'TableName', {
      value: this.table.tableName,
      description: `stakeout event ledger: the projection table of projector ${props.name}`,
    })
    new CfnOutput(this, 'FunctionName', {
      value: this.function.functionName,
      description: `stakeout event ledger: the function of projector ${props.name}`,
    })
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: this.deadLetterQueue.queueUrl,
      description: `stakeout event ledger: where the events projector ${props.name} could not take are parked`,
    })
  }

  /**
   * Lets a query handler (or a test runner) read the projection: `GetItem`, `BatchGetItem` and `Query` on
   * this projector's table only.
   *
   * @example
   * ledger.addProjector('Balance', { entry: 'src/balance-projector.ts', eventTypes: ['Credit'] }).grantRead(getBalance)
   */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    if (typeof grantee !== 'object' || grantee === null || !('grantPrincipal' in grantee)) {
      failArgument(this.grantRead, 'Projector.grantRead', 'grantee', 'an iam.IGrantable', grantee)
    }
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...PROJECTION_READ_ACTIONS],
      resourceArns: [this.table.tableArn],
    })
  }
}

/** The rule's pattern: the dispatch's events of these types, or a replay. */
function projectorPattern(eventTypes: readonly string[]): events.EventPattern {
  return { source: [LEDGER_EVENT_SOURCE], detailType: [...eventTypes, REPLAY_DETAIL_TYPE] }
}

/** Checks `addProjector`'s arguments, naming the one that is wrong. */
export function validateProjector(
  name: unknown,
  options: unknown,
  taken: ReadonlySet<string>,
  fail: (argument: string, expectation: string, received: unknown) => never,
): asserts options is ProjectorOptions {
  if (typeof name !== 'string' || !PROJECTOR_NAME.test(name)) {
    fail('name', 'a projector name: a letter, then up to 63 letters, digits, - or _', name)
  }
  if (taken.has(name as string)) {
    fail('name', `a name no other projector of this ledger has (${[...taken].join(', ')})`, name)
  }
  validateFunctionOptions(options, 'options', fail)
  const { eventTypes, retryAttempts } = options as unknown as Record<string, unknown>
  if (!Array.isArray(eventTypes) || eventTypes.length === 0) {
    fail('options.eventTypes', 'a non-empty array of event types', eventTypes)
  }
  const seen = new Set<string>()
  for (const [index, type] of (eventTypes as unknown[]).entries()) {
    const argument = `options.eventTypes[${index}]`
    if (typeof type !== 'string' || type === '' || type.length > MAX_DETAIL_TYPE_LENGTH) {
      fail(argument, `an event type: a string of 1 to ${MAX_DETAIL_TYPE_LENGTH} characters`, type)
    }
    if (type === REPLAY_DETAIL_TYPE) {
      fail(argument, `an event type other than '${REPLAY_DETAIL_TYPE}' (every projector receives replays)`, type)
    }
    if (seen.has(type as string)) fail(argument, 'an event type not listed before', type)
    seen.add(type as string)
  }
  const pattern = JSON.stringify({ source: [LEDGER_EVENT_SOURCE], 'detail-type': [...seen, REPLAY_DETAIL_TYPE] })
  if (pattern.length > MAX_PATTERN_LENGTH) {
    fail(
      'options.eventTypes',
      `event types that fit EventBridge's ${MAX_PATTERN_LENGTH}-character event pattern (this one has ${pattern.length})`,
      `${seen.size} event types`,
    )
  }
  checkWholeNumber(retryAttempts, 'options.retryAttempts', [0, 2], fail)
}
