/**
 * The AWS SDK clients of an {@link EventStoreClient}: each option a client or the settings to make one, checked, and
 * made lazily (a ledger without replay never makes a Lambda client).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams'
import { LambdaClient } from '@aws-sdk/client-lambda'
import { SQSClient } from '@aws-sdk/client-sqs'
import { isPlainObject } from '../runtime/interceptor/values.js'
import type { ClientSettings } from '../target/index.js'
import type { EventStoreClientOptions } from './event-store-options.js'
import { sdkClientConfig } from './sdk-config.js'

/**
 * Checks one client option: an AWS SDK v3 client (anything with `send`), or settings `{ region?, endpoint?, credentials? }`.
 *
 * @param argument the option, as messages name it: `options.dynamodb`
 * @example
 * checkClientOption(options.sqs, 'options.sqs', fail)
 */
export function checkClientOption(
  value: unknown,
  argument: string,
  fail: (argument: string, expectation: string, received: unknown) => never,
): void {
  if (value === undefined) return
  if (!isPlainObject(value) && typeof (value as { send?: unknown })?.send === 'function') return
  if (!isPlainObject(value))
    fail(argument, 'an AWS SDK v3 client, or settings { region?, endpoint?, credentials? }', value)
  const { region, endpoint, credentials, ...rest } = value as Record<string, unknown>
  for (const key of Object.keys(rest)) fail(`${argument}.${key}`, 'absent (one of region, endpoint, credentials)', key)
  if (endpoint !== undefined && (typeof endpoint !== 'string' || !URL.canParse(endpoint))) {
    fail(`${argument}.endpoint`, 'a URL such as http://127.0.0.1:8000', endpoint)
  }
  if (region !== undefined && (typeof region !== 'string' || region === ''))
    fail(`${argument}.region`, 'a region such as eu-west-1', region)
  if (
    credentials !== undefined &&
    (!isPlainObject(credentials) ||
      typeof credentials.accessKeyId !== 'string' ||
      typeof credentials.secretAccessKey !== 'string')
  ) {
    fail(`${argument}.credentials`, 'an object { accessKeyId, secretAccessKey, sessionToken? } of strings', credentials)
  }
}

type Destroyable = { destroy(): void }

/**
 * The AWS clients of one {@link EventStoreClient}: the ones given are used as they are; the others are made, from
 * their settings, when first needed, and closed by `destroy()`.
 * @internal
 */
export class LazyClients {
  readonly #options: EventStoreClientOptions
  readonly #made = new Map<string, Destroyable>()

  constructor(options: EventStoreClientOptions) {
    this.#options = options
  }

  dynamodb(): DynamoDBClient {
    return this.#client('dynamodb', this.#options.dynamodb, (config) => new DynamoDBClient(config))
  }

  lambda(): LambdaClient {
    return this.#client('lambda', this.#options.lambda, (config) => new LambdaClient(config))
  }

  sqs(): SQSClient {
    return this.#client('sqs', this.#options.sqs, (config) => new SQSClient(config))
  }

  streams(): DynamoDBStreamsClient {
    const settings = this.#options.streams ?? (isSettings(this.#options.dynamodb) ? this.#options.dynamodb : undefined)
    return this.#client('streams', settings, (config) => new DynamoDBStreamsClient(config))
  }

  destroy(): void {
    for (const client of this.#made.values()) client.destroy()
    this.#made.clear()
  }

  #client<C extends Destroyable>(
    service: string,
    given: C | ClientSettings | undefined,
    make: (config: ReturnType<typeof sdkClientConfig>) => C,
  ): C {
    if (given !== undefined && !isSettings(given)) return given as C
    const made = this.#made.get(service)
    if (made !== undefined) return made as C
    const client = make(sdkClientConfig(given ?? {}))
    this.#made.set(service, client)
    return client
  }
}

function isSettings(value: unknown): value is ClientSettings {
  return isPlainObject(value)
}
