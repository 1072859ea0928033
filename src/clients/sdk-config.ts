import type { ClientSettings } from '../target/index.js'

/** What an AWS SDK v3 client's constructor takes from {@link ClientSettings}. */
export interface SdkClientConfig {
  region?: string
  endpoint?: string
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
}

/**
 * The configuration of an SDK client stakeout makes from a user's (or a target's) settings.
 *
 * Without an endpoint it is the AWS SDK's default chain, with the region if given. With one (a local service,
 * LocalStack), the region falls back to `AWS_REGION`, `AWS_DEFAULT_REGION`, then `us-east-1`, and when neither
 * credentials are given nor this process has AWS credentials set, `local`/`local` is used: local endpoints accept
 * any, but the SDK refuses to sign a request without some.
 *
 * @example
 * const lambda = new LambdaClient(sdkClientConfig({ endpoint: 'http://127.0.0.1:9001' }))
 */
export function sdkClientConfig(settings: ClientSettings): SdkClientConfig {
  const { endpoint, region, credentials } = settings
  const config: SdkClientConfig = {}
  if (credentials !== undefined) config.credentials = { ...credentials }
  if (endpoint === undefined) {
    if (region !== undefined) config.region = region
    return config
  }
  const env = process.env
  config.endpoint = endpoint
  config.region = region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1'
  const hasCredentials = env.AWS_ACCESS_KEY_ID !== undefined || env.AWS_PROFILE !== undefined
  if (credentials === undefined && !hasCredentials)
    config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' }
  return config
}

/** Throws the `ArgumentError` of one option of a client's constructor (a `failArgument` bound to it). */
export type FailOption = (argument: string, expectation: string, received: unknown) => never

/** An SDK client a user may give in a client's options instead of the settings: `{ sqs }`, `{ lambda }`. */
export interface GivenSdkClient {
  /** The option's key: `sqs`. */
  readonly option: string
  readonly value: unknown
  /** What it must be: `an SQSClient from @aws-sdk/client-sqs`. */
  readonly expectation: string
}

/**
 * Checks how a client's options reach AWS: the SDK client given, or the settings to make one, not both. In order: the
 * client ({@link checkSdkClient}), `endpoint`, `region` and `credentials`, then that not both are given.
 *
 * @param exampleEndpoint the URL a message about `endpoint` shows (the service's local port)
 * @throws {ArgumentError} through `fail`, naming the first option that is wrong
 * @example
 * checkClientOrSettings(options, { option: 'sqs', value: options.sqs, expectation: 'an SQSClient' }, fail, 'http://127.0.0.1:9324')
 */
export function checkClientOrSettings(
  settings: ClientSettings,
  client: GivenSdkClient,
  fail: FailOption,
  exampleEndpoint: string,
): void {
  checkSdkClient(client, fail)
  checkEndpoint('options.endpoint', settings.endpoint, fail, exampleEndpoint)
  checkRegionAndCredentials(settings, fail)
  checkClientWithoutSettings(settings, client, fail)
}

/**
 * Checks that the SDK client given, if any, is one (it has `send`).
 *
 * @example
 * checkSdkClient({ option: 'sfn', value: options.sfn, expectation: 'an SFNClient from @aws-sdk/client-sfn' }, fail)
 */
export function checkSdkClient(client: GivenSdkClient, fail: FailOption): void {
  const { option, value, expectation } = client
  if (value !== undefined && typeof (value as { send?: unknown }).send !== 'function') {
    fail(`options.${option}`, expectation, value)
  }
}

/**
 * Checks an endpoint option, if given: a URL.
 *
 * @param argument the option, as the message names it: `options.endpoint`
 * @example
 * checkEndpoint('options.logsEndpoint', options.logsEndpoint, fail, 'http://127.0.0.1:9001')
 */
export function checkEndpoint(argument: string, value: unknown, fail: FailOption, example: string): void {
  if (value !== undefined && (typeof value !== 'string' || !URL.canParse(value))) {
    fail(argument, `a URL such as ${example}`, value)
  }
}

/**
 * Checks `region` (a non-blank string) and `credentials` (an object of strings), if given.
 *
 * @example
 * checkRegionAndCredentials(options, fail)
 */
export function checkRegionAndCredentials(settings: ClientSettings, fail: FailOption): void {
  const { region, credentials } = settings
  if (region !== undefined && (typeof region !== 'string' || region.trim() === '')) {
    fail('options.region', 'a region such as eu-west-1', region)
  }
  if (
    credentials !== undefined &&
    (credentials === null ||
      typeof credentials !== 'object' ||
      typeof credentials.accessKeyId !== 'string' ||
      typeof credentials.secretAccessKey !== 'string')
  ) {
    fail('options.credentials', 'an object { accessKeyId, secretAccessKey, sessionToken? } of strings', credentials)
  }
}

/**
 * Checks that an SDK client given comes without settings: they would not reach it (the user configures their client).
 *
 * @example
 * checkClientWithoutSettings(options, { option: 'sfn', value: options.sfn, expectation: 'an SFNClient' }, fail)
 */
export function checkClientWithoutSettings(settings: ClientSettings, client: GivenSdkClient, fail: FailOption): void {
  const { endpoint, region, credentials } = settings
  if (client.value !== undefined && (endpoint !== undefined || region !== undefined || credentials !== undefined)) {
    fail(
      `options.${client.option}`,
      'absent when endpoint, region or credentials are given (configure your client instead)',
      client.value,
    )
  }
}
