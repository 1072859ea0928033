import { LambdaClient } from '@aws-sdk/client-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FunctionClient } from '../../src/clients/function-client.js'
import { ArgumentError, StakeoutError } from '../../src/errors.js'
import { type LambdaEndpoint, startLambdaEndpoint } from '../../src/local/services/lambda-endpoint.js'
import { type HandlersInvoker, startHandlersInvoker } from '../local/services/handlers-invoker.js'

// The function runs in a real Node.js process behind the local Lambda Invoke API; FunctionClient reaches it through
// the real @aws-sdk/client-lambda, exactly as it reaches a deployed function (only the endpoint differs).
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' }
const REGION = 'eu-west-1'

let invoker: HandlersInvoker
let lambda: LambdaEndpoint
const clients: FunctionClient[] = []

beforeAll(async () => {
  invoker = await startHandlersInvoker(['echo', 'fail', 'chatty', 'slow'])
  lambda = await startLambdaEndpoint({ invoker, region: REGION, log: () => {} })
})

afterAll(async () => {
  for (const client of clients) client.destroy()
  await lambda?.stop()
  await invoker?.stop()
})

function clientOf(functionName: string, options: { qualifier?: string } = {}): FunctionClient {
  const client = new FunctionClient({
    functionName,
    endpoint: lambda.endpoint,
    region: REGION,
    credentials: CREDENTIALS,
    ...options,
  })
  clients.push(client)
  return client
}

describe('invoke', () => {
  it("returns the function's result, its log, duration and request id", async () => {
    const out = await clientOf('echo').invoke({ orderId: 'o-1' })

    expect(out.error).toBeUndefined()
    expect(out.result).toEqual({ event: { orderId: 'o-1' }, requestId: out.requestId, clientContext: null })
    expect(out.requestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(out.statusCode).toBe(200)
    expect(out.executedVersion).toBe('$LATEST')
    expect(out.logs).toMatch(new RegExp(`^START RequestId: ${out.requestId} Version: \\$LATEST\\n`))
    expect(out.logs).toContain('echo {"orderId":"o-1"}')
    const reported = new RegExp(`REPORT RequestId: ${out.requestId}\\tDuration: ([\\d.]+) ms`).exec(out.logs)?.[1]
    expect(out.durationMs).toBe(Number(reported))
  })

  it('sends no payload for no event: the function receives {}', async () => {
    expect((await clientOf('echo').invoke()).result).toMatchObject({ event: {} })
  })

  it('passes JSON values other than objects as they are', async () => {
    const echo = clientOf('echo')
    expect((await echo.invoke(null)).result).toMatchObject({ event: null })
    expect((await echo.invoke([1, 'two'])).result).toMatchObject({ event: [1, 'two'] })
  })

  it('resolves a failed invocation with the error parsed from the function-error payload', async () => {
    const out = await clientOf('fail').invoke({ what: 'pears' })

    expect(out.result).toBeUndefined()
    expect(out.statusCode).toBe(200)
    expect(out.error).toEqual({ errorType: 'TypeError', errorMessage: 'cannot handle pears', stack: expect.any(Array) })
    expect(out.error?.stack?.[0]).toBe('TypeError: cannot handle pears')
    expect(out.logs).toContain('about to fail')
  })

  it("keeps the end of a long log, as Lambda's 4 KB tail", async () => {
    const out = await clientOf('chatty').invoke({ lines: 100 })

    expect(out.result).toBe('done')
    expect(Buffer.byteLength(out.logs)).toBeLessThanOrEqual(4096)
    expect(out.logs).toContain('line 99 ')
    expect(out.logs).not.toContain('line 0 ')
  })

  it('passes the client context', async () => {
    const out = await clientOf('echo').invoke({}, { clientContext: { custom: { tenant: 't-9' } } })
    expect(out.result).toMatchObject({ clientContext: { custom: { tenant: 't-9' } } })
  })

  it('reaches the function by ARN and with the qualifier $LATEST', async () => {
    const byArn = clientOf(`arn:aws:lambda:${REGION}:000000000000:function:echo`)
    expect((await byArn.invoke('a')).result).toMatchObject({ event: 'a' })
    expect((await clientOf('echo', { qualifier: '$LATEST' }).invoke('b')).result).toMatchObject({ event: 'b' })
  })

  it('aborts the request on the signal', async () => {
    const controller = new AbortController()
    const invocation = clientOf('slow').invoke({}, { signal: controller.signal })
    controller.abort()
    await expect(invocation).rejects.toMatchObject({ name: 'AbortError' })
  })
})

describe('when the Invoke API refuses the request', () => {
  it('rejects with a StakeoutError naming the function, the answer and what to check', async () => {
    const failure = clientOf('nope').invoke({})

    await expect(failure).rejects.toThrow(StakeoutError)
    await expect(failure).rejects.toThrow(
      'FunctionClient(nope).invoke: the Lambda Invoke API answered ResourceNotFoundException: Function not found: ' +
        `arn:aws:lambda:${REGION}:000000000000:function:nope. Check the function name (and qualifier), and that the ` +
        'client reaches the region or endpoint the function lives in.',
    )
    await expect(failure).rejects.toMatchObject({ cause: { name: 'ResourceNotFoundException' } })
  })

  it('names the qualifier', async () => {
    await expect(clientOf('echo', { qualifier: 'live' }).invoke({})).rejects.toThrow(
      `FunctionClient(echo:live).invoke: the Lambda Invoke API answered ResourceNotFoundException: Function not found: arn:aws:lambda:${REGION}:000000000000:function:echo:live.`,
    )
  })

  it('says when the event is over the 6 MB Lambda takes', async () => {
    await expect(clientOf('echo').invoke('x'.repeat(6 * 1024 * 1024))).rejects.toThrow(
      /answered RequestTooLargeException: Request must be smaller than 6291456 bytes for the InvokeFunction operation\. Lambda takes events up to 6 MB/,
    )
  })
})

describe('clients', () => {
  it('closes the Lambda client it made on destroy(), and leaves a given one open', async () => {
    const given = new LambdaClient({ endpoint: lambda.endpoint, region: REGION, credentials: CREDENTIALS })
    try {
      const first = new FunctionClient({ functionName: 'echo', lambda: given })
      first.destroy()
      const second = new FunctionClient({ functionName: 'echo', lambda: given })
      expect((await second.invoke(1)).result).toMatchObject({ event: 1 })
    } finally {
      given.destroy()
    }
  })

  it('signs with local credentials against an endpoint when none are set anywhere', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, profile: process.env.AWS_PROFILE }
    delete process.env.AWS_ACCESS_KEY_ID
    delete process.env.AWS_PROFILE
    try {
      const client = new FunctionClient({ functionName: 'echo', endpoint: lambda.endpoint })
      clients.push(client)
      expect((await client.invoke(2)).result).toMatchObject({ event: 2 })
    } finally {
      if (saved.id !== undefined) process.env.AWS_ACCESS_KEY_ID = saved.id
      if (saved.profile !== undefined) process.env.AWS_PROFILE = saved.profile
    }
  })
})

describe('bad input', () => {
  it.each([
    [undefined, 'FunctionClient: options must be an object like { functionName }, received undefined'],
    [
      {},
      "FunctionClient: options.functionName must be the function's name or ARN, a non-empty string, received undefined",
    ],
    [
      { functionName: ' ' },
      "FunctionClient: options.functionName must be the function's name or ARN, a non-empty string, received string ' '",
    ],
    [
      { functionName: 'f', tableName: 't' },
      "FunctionClient: options.tableName must be absent (one of functionName, qualifier, lambda, region, endpoint, credentials), received string 'tableName'",
    ],
    [
      { functionName: 'f', endpoint: 'localhost' },
      "FunctionClient: options.endpoint must be a URL such as http://127.0.0.1:9001, received string 'localhost'",
    ],
    [
      { functionName: 'f', region: '' },
      "FunctionClient: options.region must be a region such as eu-west-1, received string ''",
    ],
    [
      { functionName: 'f', qualifier: 'a b' },
      "FunctionClient: options.qualifier must be a version or alias such as '$LATEST', '3' or 'live', received string 'a b'",
    ],
    [
      { functionName: 'f', credentials: { accessKeyId: 'a' } },
      'FunctionClient: options.credentials must be an object { accessKeyId, secretAccessKey, sessionToken? } of strings',
    ],
    [
      { functionName: 'f', lambda: {} },
      'FunctionClient: options.lambda must be a LambdaClient from @aws-sdk/client-lambda, received object {}',
    ],
    [
      { functionName: 'f', lambda: new LambdaClient({}), region: 'eu-west-1' },
      'FunctionClient: options.lambda must be absent when endpoint, region or credentials are given',
    ],
  ])('refuses options %#', (options, message) => {
    expect(() => new FunctionClient(options as never)).toThrow(ArgumentError)
    expect(() => new FunctionClient(options as never)).toThrow(message)
  })

  it.each([
    [
      10n,
      'FunctionClient(echo).invoke: event must be JSON (Do not know how to serialize a BigInt), received bigint 10n',
    ],
    [
      () => 1,
      'FunctionClient(echo).invoke: event must be a JSON value: an object, array, string, number, boolean or null, received function',
    ],
    [Symbol('s'), 'FunctionClient(echo).invoke: event must be a JSON value'],
  ])('refuses the event %#', async (event, message) => {
    await expect(clientOf('echo').invoke(event)).rejects.toThrow(ArgumentError)
    await expect(clientOf('echo').invoke(event)).rejects.toThrow(message)
  })

  it('refuses a circular event, naming JSON', async () => {
    const event: Record<string, unknown> = {}
    event.self = event
    await expect(clientOf('echo').invoke(event)).rejects.toThrow(
      /^FunctionClient\(echo\)\.invoke: event must be JSON \(Converting circular/,
    )
  })

  it("points a refused option at the caller's line", async () => {
    const error = (() => {
      try {
        new FunctionClient({ functionName: '' })
      } catch (caught) {
        return caught as Error
      }
    })()
    expect(error).toBeInstanceOf(ArgumentError)
    expect(error?.stack?.split('\n')[1]).toContain('function-client.test.ts')
    const invoked = await clientOf('echo')
      .invoke({}, { signal: 'stop' as never })
      .catch((caught: unknown) => caught)
    expect(invoked).toBeInstanceOf(ArgumentError)
    expect((invoked as Error).stack?.split('\n')[1]).toContain('function-client.test.ts')
  })

  it('refuses bad invoke options', async () => {
    const echo = clientOf('echo')
    await expect(echo.invoke({}, { clientContext: [] as never })).rejects.toThrow(
      'FunctionClient(echo).invoke: options.clientContext must be an object (JSON), received array []',
    )
    await expect(echo.invoke({}, { signal: 'stop' as never })).rejects.toThrow(
      "FunctionClient(echo).invoke: options.signal must be an AbortSignal, received string 'stop'",
    )
  })
})
