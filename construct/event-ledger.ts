import { CfnOutput, Duration, RemovalPolicy, Token } from 'aws-cdk-lib'
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import * as events from 'aws-cdk-lib/aws-events'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources'
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs'
import * as sqs from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { failArgument } from '../src/errors.js'
import {
  AGGREGATE_ID_ATTRIBUTE,
  EVENT_STORE_ID_ATTRIBUTE,
  INITIAL_EVENTS_INDEX,
  LEDGER_ENV,
  TIMESTAMP_ATTRIBUTE,
  VERSION_ATTRIBUTE,
} from '../src/runtime/ledger/schema.js'
import {
  checkSeconds,
  checkWholeNumber,
  type LedgerFunctionOptions,
  ledgerFunction,
  validateFunctionOptions,
} from './ledger-function.js'
import { Projector, type ProjectorOptions, validateProjector } from './ledger-projector.js'

/** How the dispatch function is built and fed from the ledger's stream. */
export interface DispatchOptions extends LedgerFunctionOptions {
  /**
   * How many times Lambda retries a failing batch of stream records (0 to 10,000) before it parks
   * the records' place in the on-failure queue. Bounded, so one poison event cannot hold its shard
   * until the stream's 24 hours run out.
   * @default 10
   */
  readonly retryAttempts?: number
  /**
   * Stream records per invocation (1 to 10,000).
   * @default 100
   */
  readonly batchSize?: number
  /**
   * Records older than this are not retried any more, but parked in the on-failure queue (60 seconds
   * to 7 days; the stream keeps records 24 hours).
   * @default - no limit but `retryAttempts`
   */
  readonly maxRecordAge?: Duration
}

/** Props of {@link EventLedger}. */
export interface EventLedgerProps {
  /** The dispatch: the user's `dispatchAggregate` handler, on the ledger's stream. */
  readonly dispatch: DispatchOptions
  /**
   * Physical name of the ledger table.
   * @default - a name CloudFormation generates
   */
  readonly tableName?: string
  /**
   * Name of the event bus.
   * @default - a name made from the construct's path
   */
  readonly busName?: string
  /**
   * Point-in-time recovery on the ledger table (the snapshot and projection tables are rebuilt by a
   * replay, so they go without).
   * @default false
   */
  readonly pointInTimeRecovery?: boolean
  /**
   * What happens to the ledger, snapshot and projection tables when they leave the stack. The ledger is
   * the source of truth, so it stays by default; pass `RemovalPolicy.DESTROY` for a test stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy
}

/** Actions the dispatch has on the ledger table: consistent reads of an aggregate's events. */
export const DISPATCH_LEDGER_ACTIONS: readonly string[] = ['dynamodb:GetItem', 'dynamodb:Query']
/** Actions the dispatch has on the snapshot table: read the newest snapshot, write a new one. */
export const DISPATCH_SNAPSHOT_ACTIONS: readonly string[] = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem']
/** Actions {@link EventLedger.grantAppend} gives on the ledger table. */
export const APPEND_ACTIONS: readonly string[] = ['dynamodb:PutItem']
/** Actions {@link EventLedger.grantRead} gives on the ledger and snapshot tables (and Castore's index). */
export const READ_ACTIONS: readonly string[] = ['dynamodb:GetItem', 'dynamodb:Query']

const MAX_RETRY_ATTEMPTS = 10_000
const MAX_BATCH_SIZE = 10_000
const ON_FAILURE_RETENTION = Duration.days(14)
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/
const BUS_NAME = /^[A-Za-z0-9._-]{1,256}$/

/**
 * An event-sourced ledger with state-carried events: the ledger table, a dispatch function on its stream
 * that folds each aggregate and publishes `{ aggregate, lastEvent }` to an EventBridge bus, and projectors
 * ({@link EventLedger.addProjector}) that each keep a projection table from the bus's events.
 *
 * **The ledger table.** Partition key `aggregateId` (string), sort key `version` (number), items
 * `aggregateId`, `version`, `type`, `payload`, `metadata`, `timestamp`, and Castore's `initialEvents`
 * index (`eventStoreId` / `timestamp`, keys only): the layout of Castore's
 * `DynamoDBSingleTableEventStorageAdapter` (read from castore-dev/castore,
 * packages/event-storage-adapter-dynamodb, its constants.ts, singleTableAdapter.ts and README, commit
 * fd79dfc), so a Castore event store can share the ledger both ways, its `<eventStoreId>#<aggregateId>`
 * keys included. On-demand billing; a stream of new images (Castore's demo uses the same: the dispatch
 * reads the inserted event and nothing of an old image, which an insert has not).
 *
 * **The dispatch.** The user's handler (a `NodejsFunction`) on the stream, INSERTs only
 * (`{"eventName":["INSERT"]}`), from TRIM_HORIZON (the oldest record the stream keeps, so events written
 * before the mapping was live are dispatched too; projectors guard on version, so a record seen twice is
 * harmless), with bounded retries, bisect on error and partial batch failures (`ReportBatchItemFailures`).
 * A record that keeps failing is parked in `onFailureQueue` (14 days, SQS-encrypted): the message says
 * where the record is in the stream (`DDBStreamBatchInfo`); the event itself stays in the ledger, so
 * nothing is lost and a replay brings the projections up to date once fixed. It reads the ledger
 * (`GetItem`, `Query`), reads and writes the snapshot table, and puts events on this bus, nothing else.
 *
 * **Snapshots** live in a table of their own (`aggregateId` / `version`), not in the ledger: a snapshot
 * item in the ledger would come back through the stream to the dispatch and, through Castore's
 * `getEvents`, to Castore as an event; and the dispatch never needs to write the ledger.
 *
 * **Not test-only.** The ledger is a production construct: unlike `HttpInterceptor`, it does not refuse a
 * stack marked as production. Its tables are retained by default.
 *
 * @example
 * import { RemovalPolicy, Stack } from 'aws-cdk-lib'
 * import { EventLedger } from 'stakeout/construct'
 *
 * const ledger = new EventLedger(this, 'Ledger', {
 *   dispatch: { entry: 'src/dispatch.ts' },
 *   removalPolicy: RemovalPolicy.DESTROY,          // a test stack
 * })
 * ledger.addProjector('Balance', { entry: 'src/balance-projector.ts', eventTypes: ['Credit', 'Debit'] })
 * ledger.grantAppend(creditAccount)                // a command handler appends...
 * ledger.grantRead(creditAccount)                  // ...after folding the aggregate
 */
export class EventLedger extends Construct {
  /** The ledger: every event of every aggregate, keyed `aggregateId` / `version`, with a stream of new images. */
  readonly table: dynamodb.Table
  /** The dispatch's snapshots: the aggregate as of a version, keyed `aggregateId` / `version`. */
  readonly snapshotTable: dynamodb.Table
  /** The bus the dispatch publishes state-carried events to, and the projectors' rules listen on. */
  readonly bus: events.EventBus
  /** The user's dispatch handler, on the ledger's stream. */
  readonly dispatch: nodejs.NodejsFunction
  /** Where the place of a stream record the dispatch kept failing on is parked (14 days). */
  readonly onFailureQueue: sqs.Queue
  /** The projectors, by name, in the order they were added. */
  readonly projectors: ReadonlyMap<string, Projector>
  readonly #projectors = new Map<string, Projector>()
  readonly #projectorScope: Construct
  readonly #removalPolicy: RemovalPolicy

  constructor(scope: Construct, id: string, props: EventLedgerProps) {
    validateProps(props)
    super(scope, id)
    this.projectors = this.#projectors
    this.#removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN

    this.table = new dynamodb.Table(this, 'Table', {
      ...(props.tableName === undefined ? {} : { tableName: props.tableName }),
      partitionKey: { name: AGGREGATE_ID_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      sortKey: { name: VERSION_ATTRIBUTE, type: dynamodb.AttributeType.NUMBER },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? false },
      removalPolicy: this.#removalPolicy,
    })
    this.table.addGlobalSecondaryIndex({
      indexName: INITIAL_EVENTS_INDEX,
      partitionKey: { name: EVENT_STORE_ID_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TIMESTAMP_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    })
    // One level down, so `Ledger` names the ledger table, not this one, among the construct's tables.
    this.snapshotTable = new dynamodb.Table(new Construct(this, 'Snapshots'), 'Table', {
      partitionKey: { name: AGGREGATE_ID_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      sortKey: { name: VERSION_ATTRIBUTE, type: dynamodb.AttributeType.NUMBER },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      removalPolicy: this.#removalPolicy,
    })

    this.bus = new events.EventBus(this, 'Bus', props.busName === undefined ? {} : { eventBusName: props.busName })

    this.onFailureQueue = new sqs.Queue(this, 'OnFailureQueue', {
      retentionPeriod: ON_FAILURE_RETENTION,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    })

    const dispatch = props.dispatch
    this.dispatch = ledgerFunction(this, 'Dispatch', dispatch, {
      description: "stakeout event ledger: folds each appended event's aggregate and publishes it to the bus",
      timeout: Duration.seconds(30),
      environment: {
        [LEDGER_ENV.ledgerTable]: this.table.tableName,
        [LEDGER_ENV.snapshotTable]: this.snapshotTable.tableName,
        [LEDGER_ENV.eventBus]: this.bus.eventBusName,
      },
    })
    // Grants stream reads (DescribeStream, GetRecords, GetShardIterator, ListStreams) and SendMessage on the queue.
    this.dispatch.addEventSource(
      new sources.DynamoEventSource(this.table as dynamodb.ITable, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: dispatch.batchSize ?? 100,
        retryAttempts: dispatch.retryAttempts ?? 10,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        ...(dispatch.maxRecordAge === undefined ? {} : { maxRecordAge: dispatch.maxRecordAge }),
        filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('INSERT') })],
        onFailure: new sources.SqsDlq(this.onFailureQueue),
      }),
    )
    iam.Grant.addToPrincipal({
      grantee: this.dispatch,
      actions: [...DISPATCH_LEDGER_ACTIONS],
      resourceArns: [this.table.tableArn],
    })
    iam.Grant.addToPrincipal({
      grantee: this.dispatch,
      actions: [...DISPATCH_SNAPSHOT_ACTIONS],
      resourceArns: [this.snapshotTable.tableArn],
    })
    this.bus.grantPutEventsTo(this.dispatch)

    this.#projectorScope = new Construct(this, 'Projectors')

    const output = (outputId: string, value: string, description: string) =>
      new CfnOutput(this, outputId, { value, description: `stakeout event ledger: ${description}` })
    output('TableName', this.table.tableName, 'the ledger table')
    output('SnapshotTableName', this.snapshotTable.tableName, 'the snapshot table')
    output('BusName', this.bus.eventBusName, 'the event bus')
    output('BusArn', this.bus.eventBusArn, 'the event bus ARN')
    output('DispatchFunctionName', this.dispatch.functionName, 'the dispatch function')
    output(
      'OnFailureQueueUrl',
      this.onFailureQueue.queueUrl,
      'where stream records the dispatch kept failing on are parked',
    )
    output('OnFailureQueueArn', this.onFailureQueue.queueArn, 'the on-failure queue ARN')
  }

  /**
   * Adds a projector: a projection table (partition key `aggregateId`), the user's projector function, and a
   * rule on the bus that sends it the dispatch's events whose detail-type is one of `eventTypes`, and every
   * replay. The projector may read and write its own table only.
   *
   * @param name the projector's name, unique in this ledger: its construct id (`Ledger/Projectors/<name>`)
   * @example
   * ledger.addProjector('Balance', { entry: 'src/balance-projector.ts', eventTypes: ['Credit', 'Debit'] })
   */
  addProjector(name: string, options: ProjectorOptions): Projector {
    validateProjector(name, options, new Set(this.#projectors.keys()), (argument, expectation, received) =>
      failArgument(this.addProjector, 'EventLedger.addProjector', argument, expectation, received),
    )
    const projector = new Projector(this.#projectorScope, name, {
      ...options,
      name,
      bus: this.bus as events.IEventBus,
      removalPolicy: this.#removalPolicy,
    })
    this.#projectors.set(name, projector)
    return projector
  }

  /**
   * Lets a command handler append events: `PutItem` on the ledger table (conditional puts included, which is
   * how an append at a taken version is refused). Give it {@link EventLedger.grantRead} as well to fold the
   * aggregate it validates against.
   *
   * @example
   * ledger.grantAppend(creditAccount)
   */
  grantAppend(grantee: iam.IGrantable): iam.Grant {
    checkGrantee(grantee, this.grantAppend, 'EventLedger.grantAppend')
    return iam.Grant.addToPrincipal({ grantee, actions: [...APPEND_ACTIONS], resourceArns: [this.table.tableArn] })
  }

  /**
   * Lets a handler read aggregates: `GetItem` and `Query` on the ledger table, its `initialEvents` index
   * (Castore's `listAggregateIds`) and the snapshot table. No writes, no `Scan`.
   *
   * @example
   * ledger.grantRead(creditAccount)
   */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    checkGrantee(grantee, this.grantRead, 'EventLedger.grantRead')
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...READ_ACTIONS],
      resourceArns: [
        this.table.tableArn,
        `${this.table.tableArn}/index/${INITIAL_EVENTS_INDEX}`,
        this.snapshotTable.tableArn,
      ],
    })
  }
}

function checkGrantee(grantee: unknown, boundary: Function, callee: string): asserts grantee is iam.IGrantable {
  if (typeof grantee !== 'object' || grantee === null || !('grantPrincipal' in grantee)) {
    failArgument(boundary, callee, 'grantee', 'an iam.IGrantable', grantee)
  }
}

function validateProps(props: unknown): asserts props is EventLedgerProps {
  const fail = (argument: string, expectation: string, received: unknown): never =>
    failArgument(EventLedger, 'EventLedger', argument, expectation, received)
  if (typeof props !== 'object' || props === null || Array.isArray(props)) {
    fail('props', 'an object (EventLedgerProps) with dispatch: { entry }', props)
  }
  const { dispatch, tableName, busName, pointInTimeRecovery, removalPolicy } = props as Record<string, unknown>
  validateFunctionOptions(dispatch, 'props.dispatch', fail)
  const { retryAttempts, batchSize, maxRecordAge } = dispatch as unknown as Record<string, unknown>
  checkWholeNumber(retryAttempts, 'props.dispatch.retryAttempts', [0, MAX_RETRY_ATTEMPTS], fail)
  checkWholeNumber(batchSize, 'props.dispatch.batchSize', [1, MAX_BATCH_SIZE], fail)
  checkSeconds(maxRecordAge, 'props.dispatch.maxRecordAge', [Duration.seconds(60), Duration.days(7)], fail)
  if (tableName !== undefined) {
    if (typeof tableName !== 'string') fail('props.tableName', 'a string', tableName)
    if (!Token.isUnresolved(tableName) && !TABLE_NAME.test(tableName as string)) {
      fail('props.tableName', 'a DynamoDB table name: 3 to 255 of A-Z a-z 0-9 _ - .', tableName)
    }
  }
  if (busName !== undefined) {
    if (typeof busName !== 'string') fail('props.busName', 'a string', busName)
    if (!Token.isUnresolved(busName) && (!BUS_NAME.test(busName as string) || busName === 'default')) {
      fail('props.busName', "an event bus name: 1 to 256 of A-Z a-z 0-9 . _ -, not 'default'", busName)
    }
  }
  if (pointInTimeRecovery !== undefined && typeof pointInTimeRecovery !== 'boolean') {
    fail('props.pointInTimeRecovery', 'a boolean', pointInTimeRecovery)
  }
  if (removalPolicy !== undefined && !Object.values(RemovalPolicy).includes(removalPolicy as RemovalPolicy)) {
    fail('props.removalPolicy', 'a RemovalPolicy', removalPolicy)
  }
}
