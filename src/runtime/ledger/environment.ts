/**
 * What the ledger's functions take from their environment: the variables `EventLedger` sets (`LEDGER_ENV`) and the
 * AWS SDK clients, made once per execution environment and reused by every invocation.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { EventBridgeClient } from '@aws-sdk/client-eventbridge'
import { StakeoutError } from '../../errors.js'

/**
 * The AWS SDK clients a ledger function uses. Meant for tests (a client with a counting middleware, a client pointed
 * at a local endpoint); a deployed function leaves them out and gets the SDK's defaults, which honour
 * `AWS_ENDPOINT_URL_DYNAMODB` and `AWS_ENDPOINT_URL_EVENTBRIDGE`.
 *
 * @example
 * dispatchAggregate({ reducer, initialState, clients: { dynamodb: new DynamoDBClient({ endpoint: local.endpoint }) } })
 */
export interface LedgerClients {
  /** @default new DynamoDBClient({}) */
  readonly dynamodb?: DynamoDBClient
  /** @default new EventBridgeClient({}) (the dispatch only) */
  readonly eventBridge?: EventBridgeClient
}

/** The variable's value; a missing one is a deployment mistake, named with who sets it. */
export function requireVariable(callee: string, name: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') {
    throw new StakeoutError(
      `${callee}: the environment variable ${name} is not set. The EventLedger construct sets it on the functions it ` +
        'creates (and the local target on them locally); a function made otherwise must set it itself.',
    )
  }
  return value
}

/** A client made on first use, so a function whose clients are given never builds the default. */
export function lazily<T>(given: T | undefined, make: () => T): () => T {
  let client = given
  return () => {
    client ??= make()
    return client
  }
}

/** The default clients: the SDK's own configuration (region, credentials, endpoint variables) from the environment. */
export const defaultDynamoDB = (): DynamoDBClient => new DynamoDBClient({})
/** @see defaultDynamoDB */
export const defaultEventBridge = (): EventBridgeClient => new EventBridgeClient({})
