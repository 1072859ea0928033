/**
 * The configuration of a {@link StateMachineClient}: its options, checked, and the Step Functions and CloudWatch Logs
 * clients they give or describe.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { SFNClient } from '@aws-sdk/client-sfn'
import { failArgument } from '../../errors.js'
import type { ClientSettings } from '../../target/index.js'
import {
  checkClientWithoutSettings,
  checkEndpoint,
  checkRegionAndCredentials,
  checkSdkClient,
  sdkClientConfig,
} from '../sdk-config.js'

/** Options of {@link StateMachineClient}: the machine, and how to reach Step Functions and CloudWatch Logs. */
export interface StateMachineClientOptions extends ClientSettings {
  /** The machine's ARN (`arn:aws:states:<region>:<account>:stateMachine:<name>`). Its region is the default region. */
  readonly stateMachineArn: string
  /**
   * The CloudWatch Logs endpoint, when it is not the SDK's own (a local target serves Step Functions and Logs on
   * two endpoints: `clientSettings('logs').endpoint`). Region and credentials are those given for Step Functions.
   * @default the SDK's chain (`AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`, or AWS)
   */
  readonly logsEndpoint?: string
  /** A Step Functions client to use; not with `region`, `endpoint` or `credentials`. @default a new client from those */
  readonly sfn?: SFNClient
  /** A CloudWatch Logs client to use; not with `logsEndpoint`. @default a new client from the settings above */
  readonly cloudWatchLogs?: CloudWatchLogsClient
  /**
   * Keep the SDK from putting StartSyncExecution's `sync-` host prefix before the endpoint's host (a local target's
   * `clientSettings('sfn')` sets it). @default true with an `endpoint`, else false
   */
  readonly disableHostPrefix?: boolean
}

const OPTION_KEYS: readonly string[] = [
  'stateMachineArn',
  'logsEndpoint',
  'sfn',
  'cloudWatchLogs',
  'region',
  'endpoint',
  'credentials',
  'disableHostPrefix',
]
/** `arn:aws:states:eu-west-1:123456789012:stateMachine:Name`, with an optional version or alias. */
const MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:\s]+(?::[^:\s]+)?$/

/** What {@link readClientOptions} makes of the options: the machine, its two SDK clients, and which ones are ours. */
export interface StateMachineClientConfig {
  readonly stateMachineArn: string
  readonly sfn: SFNClient
  readonly logs: CloudWatchLogsClient
  /** The client made the SDK client, so it destroys it. */
  readonly ownsSfn: boolean
  readonly ownsLogs: boolean
}

/**
 * Checks a {@link StateMachineClient}'s options and makes the SDK clients they do not give.
 *
 * @param boundary the constructor: errors point at its caller's line
 * @throws {ArgumentError} an option is missing or malformed (named in the message)
 * @example
 * const { sfn, logs } = readClientOptions({ stateMachineArn }, StateMachineClient)
 */
export function readClientOptions(options: StateMachineClientOptions, boundary: Function): StateMachineClientConfig {
  const fail = (argument: string, expectation: string, received: unknown): never =>
    failArgument(boundary, 'StateMachineClient', argument, expectation, received)
  if (options === null || typeof options !== 'object') fail('options', 'an object like { stateMachineArn }', options)
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) fail(`options.${key}`, `absent (one of ${OPTION_KEYS.join(', ')})`, key)
  }
  const { stateMachineArn, logsEndpoint, sfn, cloudWatchLogs, region, endpoint, credentials, disableHostPrefix } =
    options
  if (typeof stateMachineArn !== 'string' || !MACHINE_ARN.test(stateMachineArn)) {
    fail(
      'options.stateMachineArn',
      "a state machine ARN such as 'arn:aws:states:eu-west-1:123456789012:stateMachine:Statement'",
      stateMachineArn,
    )
  }
  checkEndpoint('options.endpoint', endpoint, fail, 'http://127.0.0.1:9001')
  checkEndpoint('options.logsEndpoint', logsEndpoint, fail, 'http://127.0.0.1:9001')
  checkRegionAndCredentials(options, fail)
  if (disableHostPrefix !== undefined && typeof disableHostPrefix !== 'boolean') {
    fail('options.disableHostPrefix', 'a boolean', disableHostPrefix)
  }
  const givenSfn = { option: 'sfn', value: sfn, expectation: 'an SFNClient from @aws-sdk/client-sfn' }
  checkSdkClient(givenSfn, fail)
  checkSdkClient(
    {
      option: 'cloudWatchLogs',
      value: cloudWatchLogs,
      expectation: 'a CloudWatchLogsClient from @aws-sdk/client-cloudwatch-logs',
    },
    fail,
  )
  checkClientWithoutSettings(options, givenSfn, fail)
  if (cloudWatchLogs !== undefined && logsEndpoint !== undefined) {
    fail('options.cloudWatchLogs', 'absent when logsEndpoint is given (configure your client instead)', cloudWatchLogs)
  }
  // The ARN names the machine's region: the default, so a bare ARN reaches it.
  const settings = {
    region: region ?? stateMachineArn.split(':')[3] ?? '',
    ...(credentials === undefined ? {} : { credentials }),
  }
  return {
    stateMachineArn,
    ownsSfn: sfn === undefined,
    ownsLogs: cloudWatchLogs === undefined,
    sfn:
      sfn ??
      new SFNClient({
        ...sdkClientConfig({ ...settings, ...(endpoint === undefined ? {} : { endpoint }) }),
        // StartSyncExecution prefixes the host with `sync-`: a local endpoint (127.0.0.1) has no such host.
        disableHostPrefix: disableHostPrefix ?? endpoint !== undefined,
      }),
    logs:
      cloudWatchLogs ??
      new CloudWatchLogsClient(
        sdkClientConfig({ ...settings, ...(logsEndpoint === undefined ? {} : { endpoint: logsEndpoint }) }),
      ),
  }
}
