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
