/**
 * The layer's own DynamoDB client: the three operations the interceptor makes (Query, BatchWriteItem, UpdateItem),
 * over the AWS JSON 1.0 protocol, signed with the AWS SDK's own SigV4 signer (`@smithy/signature-v4`).
 *
 * Why not `@aws-sdk/client-dynamodb`: loading it (its middleware stack, endpoint rules, credential chain, config
 * loaders) cost the first invocation of every sandbox about 70 ms, most of the layer's cold-start cost. This module
 * and the signer load in a few milliseconds.
 *
 * What it does, as the SDK client would for these operations:
 * - endpoint: `AWS_ENDPOINT_URL_DYNAMODB`, else `AWS_ENDPOINT_URL`, else `https://dynamodb.<region>.amazonaws.com`
 *   (aws-environment.ts); region from `AWS_REGION`, else `AWS_DEFAULT_REGION`.
 * - credentials: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, as Lambda sets them. Without
 *   them (a local run with a profile, SSO, or a container endpoint) the SDK's default credential chain is loaded,
 *   once, and used instead.
 * - retries: throttling errors, 5xx answers and dropped connections are retried twice, with jittered exponential
 *   backoff; each attempt has a connection and a request timeout, and the caller's `abortSignal` ends it all.
 * - errors: a DynamoDB error becomes a {@link DynamoDBError} named like the SDK's (`ConditionalCheckFailedException`).
 *
 * Not supported (the layer never needs them): FIPS and dual-stack endpoints, endpoint discovery, clock-skew
 * correction, other operations.
 */
import http from 'node:http'
import https from 'node:https'
import type {
  BatchWriteItemCommandInput,
  BatchWriteItemCommandOutput,
  QueryCommandInput,
  QueryCommandOutput,
  UpdateItemCommandInput,
  UpdateItemCommandOutput,
} from '@aws-sdk/client-dynamodb'
import { Sha256 } from '@smithy/core/checksum'
import { SignatureV4 } from '@smithy/signature-v4'
import pRetry from 'p-retry'
import { dynamodbEndpointFromEnv, hasCredentialsInEnv, regionFromEnv } from './aws-environment.js'
import { OWN_TRAFFIC_HEADER, ownTrafficAgents } from './own-traffic.js'

/** The DynamoDB operations the interceptor makes, with their SDK input and output shapes. */
export interface DynamoDBOperations {
  Query: { input: QueryCommandInput; output: Omit<QueryCommandOutput, '$metadata'> }
  BatchWriteItem: { input: BatchWriteItemCommandInput; output: Omit<BatchWriteItemCommandOutput, '$metadata'> }
  UpdateItem: { input: UpdateItemCommandInput; output: Omit<UpdateItemCommandOutput, '$metadata'> }
}

/**
 * Sends one DynamoDB operation: the shape shared by this client and an adapter over the SDK's `DynamoDBClient`
 * (test side), so the paginated Query and the batch write (table-io.ts) exist once.
 */
export type SendOperation = <Name extends keyof DynamoDBOperations>(
  operation: Name,
  input: DynamoDBOperations[Name]['input'],
  abortSignal?: AbortSignal,
) => Promise<DynamoDBOperations[Name]['output']>

/** AWS credentials, as the SDK's signer takes them. */
export interface AwsCredentialIdentity {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}
type AwsCredentialIdentityProvider = () => Promise<AwsCredentialIdentity>

/** An error DynamoDB answered with, named as the AWS SDK names it (`ResourceNotFoundException`, ...). */
export class DynamoDBError extends Error {
  /** The HTTP status of the answer. */
  readonly statusCode: number

  constructor(name: string, message: string, statusCode: number) {
    super(message)
    this.name = name
    this.statusCode = statusCode
  }
}

/** Settings of {@link createDynamoDBClient}; every one has a default from the environment. */
export interface DynamoDBClientOptions {
  /** @default from `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL`, or the region */
  endpoint?: string
  /** @default `AWS_REGION`, else `AWS_DEFAULT_REGION` (`us-east-1` with an explicit endpoint) */
  region?: string
  /** @default from the environment variables, else the AWS SDK's default chain */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider
  /** Attempts per operation, the first included. @default 3 */
  maxAttempts?: number
  /** Milliseconds to open a connection. @default 1000 */
  connectionTimeoutMs?: number
  /** Milliseconds an attempt may take once connected. @default 2000 */
  requestTimeoutMs?: number
}

const TARGET_PREFIX = 'DynamoDB_20120810'
const CONTENT_TYPE = 'application/x-amz-json-1.0'
/** The error names the SDK retries as throttling or transient (its retry strategy's lists, for DynamoDB). */
const RETRYABLE_ERRORS = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottledException',
  'TooManyRequestsException',
  'TransactionInProgressException',
  'InternalServerError',
  'ServiceUnavailable',
])
const RETRYABLE_SOCKET_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED'])

class AttemptTimeout extends Error {
  override name = 'TimeoutError'
}

/**
 * A DynamoDB client for the layer, whose connections bypass the interceptor (own-traffic.ts).
 *
 * @example
 * const send = createDynamoDBClient()
 * const page = await send('Query', { TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues })
 */
export function createDynamoDBClient(
  options: DynamoDBClientOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): SendOperation {
  const endpoint = options.endpoint ?? dynamodbEndpointFromEnv(env)
  const url = endpoint === undefined ? undefined : new URL(endpoint)
  const region = options.region ?? regionFromEnv(env) ?? ((options.endpoint ?? endpoint) ? 'us-east-1' : undefined)
  const maxAttempts = options.maxAttempts ?? 3
  const connectionTimeoutMs = options.connectionTimeoutMs ?? 1_000
  const requestTimeoutMs = options.requestTimeoutMs ?? 2_000
  const agents = ownTrafficAgents()
  const signer =
    region === undefined
      ? undefined
      : new SignatureV4({
          service: 'dynamodb',
          region,
          credentials: options.credentials ?? credentialsFromEnv(env),
          sha256: Sha256,
        })

  const attempt = async (operation: string, body: string, abortSignal: AbortSignal | undefined): Promise<unknown> => {
    if (!url || !signer) {
      throw new Error('no DynamoDB endpoint: set AWS_REGION (Lambda sets it) or AWS_ENDPOINT_URL_DYNAMODB')
    }
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname || '/',
      query: {},
      headers: {
        host: url.host,
        'content-type': CONTENT_TYPE,
        'x-amz-target': `${TARGET_PREFIX}.${operation}`,
        'content-length': String(Buffer.byteLength(body)),
      },
      body,
    })
    // Added after signing: the header is not part of the signature, and the listener strips it (own-traffic.ts).
    const headers = { ...signed.headers, [OWN_TRAFFIC_HEADER]: '1' }
    const { status, text } = await post(url, headers, body, {
      agent: url.protocol === 'https:' ? agents.httpsAgent : agents.httpAgent,
      connectionTimeoutMs,
      requestTimeoutMs,
      abortSignal,
    })
    if (status === 200) return text === '' ? {} : JSON.parse(text)
    throw errorFrom(status, text)
  }

  return (async (operation, input, abortSignal) => {
    const body = JSON.stringify(input)
    return pRetry(() => attempt(operation, body, abortSignal), {
      retries: maxAttempts - 1,
      minTimeout: 25,
      maxTimeout: 400,
      factor: 2,
      randomize: true,
      ...(abortSignal ? { signal: abortSignal } : {}),
      shouldRetry: ({ error }) => isRetryable(error),
    })
  }) as SendOperation
}

function credentialsFromEnv(env: NodeJS.ProcessEnv): AwsCredentialIdentity | AwsCredentialIdentityProvider {
  if (hasCredentialsInEnv(env)) {
    const identity = { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! }
    return env.AWS_SESSION_TOKEN ? { ...identity, sessionToken: env.AWS_SESSION_TOKEN } : identity
  }
  // Not on Lambda (which always sets the variables): the SDK's chain knows profiles, SSO, container endpoints and
  // IMDS, and caches what it got until it expires. Loaded only here, so a Lambda sandbox never pays for it, and
  // started at once: the client is made at INIT then (handler.ts), and the first rules read need not wait for it.
  const chain = import('@aws-sdk/credential-provider-node').then((module) => {
    // In the layer's bundle, the CommonJS package's exports arrive as `default`.
    const { defaultProvider } = typeof module.defaultProvider === 'function' ? module : module.default
    return defaultProvider()
  })
  const provider = async () => (await chain)()
  provider().catch(() => {
    // Reported by the first operation that needs them.
  })
  return provider
}

interface PostOptions {
  agent: http.Agent
  connectionTimeoutMs: number
  requestTimeoutMs: number
  abortSignal: AbortSignal | undefined
}

function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  { agent, connectionTimeoutMs, requestTimeoutMs, abortSignal }: PostOptions,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      headers,
      agent,
      ...(abortSignal ? { signal: abortSignal } : {}),
    })
    let timer = setTimeout(
      () => request.destroy(new AttemptTimeout(`no connection to ${url.origin} within ${connectionTimeoutMs} ms`)),
      connectionTimeoutMs,
    )
    const startRequestTimer = () => {
      clearTimeout(timer)
      timer = setTimeout(
        () => request.destroy(new AttemptTimeout(`no answer from ${url.origin} within ${requestTimeoutMs} ms`)),
        requestTimeoutMs,
      )
    }
    request.on('socket', (socket) => {
      // A reused keep-alive socket is already connected.
      if (!socket.connecting) startRequestTimer()
      else socket.once('connect', startRequestTimer)
    })
    request.on('response', (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => {
        clearTimeout(timer)
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') })
      })
      response.on('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
    })
    request.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    request.end(body)
  })
}

/** AWS JSON 1.0 errors: `__type` is `<namespace>#<Name>` (or the name alone), the message in `message` or `Message`. */
function errorFrom(status: number, text: string): DynamoDBError {
  let parsed: { __type?: unknown; message?: unknown; Message?: unknown } = {}
  try {
    parsed = JSON.parse(text)
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  const type = typeof parsed.__type === 'string' ? parsed.__type : ''
  const name = type.slice(type.lastIndexOf('#') + 1) || (status >= 500 ? 'InternalServerError' : `HTTP${status}`)
  const message = parsed.message ?? parsed.Message
  return new DynamoDBError(name, typeof message === 'string' ? message : `DynamoDB answered ${status}`, status)
}

function isRetryable(error: unknown): boolean {
  if (error instanceof DynamoDBError) return error.statusCode >= 500 || RETRYABLE_ERRORS.has(error.name)
  if (error instanceof AttemptTimeout) return true
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'string' && RETRYABLE_SOCKET_ERRORS.has(code)
}
