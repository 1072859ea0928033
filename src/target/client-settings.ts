/**
 * The AWS services a stakeout client or fixture reaches, spelled as the `AWS_ENDPOINT_URL_<SERVICE>` variables and
 * the SDK v3 packages spell them (`@aws-sdk/client-dynamodb`, `client-lambda`, `client-eventbridge` is `events`...).
 */
export type AwsService = 'dynamodb' | 'lambda' | 'events' | 'sqs' | 'sfn' | 'logs' | 'cloudformation'

/** Every {@link AwsService}, in a stable order (for messages and validation). */
export const AWS_SERVICES: readonly AwsService[] = [
  'dynamodb',
  'lambda',
  'events',
  'sqs',
  'sfn',
  'logs',
  'cloudformation',
]

/**
 * What an AWS SDK v3 client needs to reach one service of a target: spread it into the client's configuration.
 * A deployed stack gives its region only (credentials and any endpoint come from the SDK's own chain); the local
 * target gives its region, the local endpoint and dummy credentials.
 *
 * @example
 * const stack = await resolveTarget()
 * const dynamodb = new DynamoDBClient({ ...stack.clientSettings('dynamodb') })
 */
export interface ClientSettings {
  /** The region to sign requests for. Unset: the SDK's own chain (`AWS_REGION`, the profile). */
  readonly region?: string
  /** The service's endpoint URL. Unset: the SDK's own (the real AWS endpoint, or `AWS_ENDPOINT_URL`). */
  readonly endpoint?: string
  /** Static credentials. Unset: the SDK's own chain (`AWS_PROFILE`, the environment, SSO, instance roles). */
  readonly credentials?: {
    readonly accessKeyId: string
    readonly secretAccessKey: string
    readonly sessionToken?: string
  }
  /**
   * Set for Step Functions on the local target: the SDK must not put an operation's host prefix before the local
   * endpoint's host (StartSyncExecution would go to `sync-127.0.0.1`, which does not resolve).
   */
  readonly disableHostPrefix?: boolean
}

/**
 * How a local app is reached, kept in a {@link StackResources} of source `local`: its region, the endpoint of each
 * service it serves, and the dummy credentials local services accept.
 */
export interface LocalConnection {
  /** The region the local app's names and ARNs carry, and that clients sign for. */
  readonly region: string
  /** The account id its ARNs carry. */
  readonly account: string
  /** The endpoint of each service the local app serves; a service without one is not served locally. */
  readonly endpoints: Readonly<Partial<Record<AwsService, string>>>
  /** The dummy credentials every client uses against the local services. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
}

/**
 * The credentials clients and functions use against the local target. The local services do not check them, but the
 * SDK needs some to sign with, and static ones keep it from looking up a profile or an instance role. Letters only:
 * DynamoDB Local 2.x refuses an access key id with any other character (`UnrecognizedClientException`).
 */
export const LOCAL_CREDENTIALS: LocalConnection['credentials'] = Object.freeze({
  accessKeyId: 'stakeoutlocal',
  secretAccessKey: 'stakeoutlocal',
})

/** The region of the local target when the stack names none (an environment-agnostic stack). */
export const LOCAL_REGION = 'us-east-1'

/** The account id of the local target's ARNs when the stack names none: all zeros, which no real account has. */
export const LOCAL_ACCOUNT = '000000000000'
