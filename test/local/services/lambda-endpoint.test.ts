import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  GetFunctionCommand,
  InvokeCommand,
  type InvokeCommandOutput,
  LambdaClient,
  ListFunctionsCommand,
} from '@aws-sdk/client-lambda'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ArgumentError, StakeoutError } from '../../../src/errors.js'
import { type LambdaEndpoint, startLambdaEndpoint } from '../../../src/local/services/lambda-endpoint.js'
import { type HandlersInvoker, startHandlersInvoker } from './handlers-invoker.js'

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' }

let invoker: HandlersInvoker
let endpoint: LambdaEndpoint
let lambda: LambdaClient
const logged: string[] = []
let scratch: string

beforeAll(async () => {
  invoker = await startHandlersInvoker(['echo', 'fail', 'chatty', 'huge', 'touch'])
  endpoint = await startLambdaEndpoint({ invoker, region: 'eu-west-1', log: (line) => logged.push(line) })
  // One attempt: a ServiceException must show as it is, not as the SDK's retries of it.
  lambda = new LambdaClient({
    endpoint: endpoint.endpoint,
    region: 'eu-west-1',
    credentials: CREDENTIALS,
    maxAttempts: 1,
  })
  scratch = await mkdtemp(join(tmpdir(), 'stakeout-lambda-endpoint-'))
})

afterAll(async () => {
  lambda?.destroy()
  await endpoint?.stop()
  await invoker?.stop()
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true })
})

const json = (payload: Uint8Array | undefined): unknown =>
  payload === undefined ? undefined : JSON.parse(Buffer.from(payload).toString('utf8'))
const tail = (output: InvokeCommandOutput): string => Buffer.from(output.LogResult ?? '', 'base64').toString('utf8')

/** The error the SDK throws for a request, or a failure when it succeeds. */
async function rejection(send: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await send
  } catch (error) {
    return error as Error & Record<string, unknown>
  }
  throw new Error('expected the request to fail, and it succeeded')
}

describe('InvocationType RequestResponse', () => {
  it('runs the function with the payload and answers its result, the request id and $LATEST', async () => {
    const output = await lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: JSON.stringify({ id: 7 }) }))

    expect(output.StatusCode).toBe(200)
    expect(output.FunctionError).toBeUndefined()
    expect(output.ExecutedVersion).toBe('$LATEST')
    expect(output.LogResult).toBeUndefined()
    expect(json(output.Payload)).toEqual({
      event: { id: 7 },
      requestId: output.$metadata.requestId,
      clientContext: null,
    })
  })

  it('passes {} for an empty payload, as Lambda does', async () => {
    const output = await lambda.send(new InvokeCommand({ FunctionName: 'echo' }))
    expect(json(output.Payload)).toMatchObject({ event: {} })
  })

  it.each([
    ['an ARN', 'arn:aws:lambda:eu-west-1:123456789012:function:echo'],
    ['a partial ARN', '123456789012:function:echo'],
    ['a name with $LATEST', 'echo:$LATEST'],
    ['an ARN with $LATEST', 'arn:aws:lambda:eu-west-1:123456789012:function:echo:$LATEST'],
  ])('finds the function by %s', async (_, FunctionName) => {
    const output = await lambda.send(new InvokeCommand({ FunctionName, Payload: '"hi"' }))
    expect(json(output.Payload)).toMatchObject({ event: 'hi' })
  })

  it('takes the qualifier $LATEST as the Qualifier parameter', async () => {
    const output = await lambda.send(new InvokeCommand({ FunctionName: 'echo', Qualifier: '$LATEST', Payload: '1' }))
    expect(json(output.Payload)).toMatchObject({ event: 1 })
  })

  it('passes the client context to the function', async () => {
    const ClientContext = Buffer.from(JSON.stringify({ custom: { tenant: 't-1' } })).toString('base64')
    const output = await lambda.send(new InvokeCommand({ FunctionName: 'echo', ClientContext }))
    expect(json(output.Payload)).toMatchObject({ clientContext: { custom: { tenant: 't-1' } } })
  })

  it("answers a function error as Lambda does: 200, X-Amz-Function-Error: Unhandled, the runtime's error payload", async () => {
    const output = await lambda.send(new InvokeCommand({ FunctionName: 'fail', Payload: '{"what":"pears"}' }))

    expect(output.StatusCode).toBe(200)
    expect(output.FunctionError).toBe('Unhandled')
    expect(output.ExecutedVersion).toBe('$LATEST')
    const payload = json(output.Payload) as { errorType: string; errorMessage: string; trace: string[] }
    expect(payload).toEqual({ errorType: 'TypeError', errorMessage: 'cannot handle pears', trace: expect.any(Array) })
    expect(payload.trace[0]).toBe('TypeError: cannot handle pears')
  })

  it('turns a response over 6 MB into the Function.ResponseSizeTooLarge function error', async () => {
    const output = await lambda.send(new InvokeCommand({ FunctionName: 'huge' }))

    expect(output.FunctionError).toBe('Unhandled')
    expect(json(output.Payload)).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    })
  })

  it('answers concurrent invocations each with its own result', async () => {
    const outputs = await Promise.all(
      Array.from({ length: 6 }, (_, n) =>
        lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: JSON.stringify({ n }) })),
      ),
    )
    expect(outputs.map((output) => (json(output.Payload) as { event: unknown }).event)).toEqual(
      Array.from({ length: 6 }, (_, n) => ({ n })),
    )
  })
})

describe('LogType Tail', () => {
  it("returns the invocation's log framed by START, END and REPORT, as Lambda's tail", async () => {
    const output = await lambda.send(new InvokeCommand({ FunctionName: 'fail', LogType: 'Tail', Payload: '{}' }))

    const requestId = output.$metadata.requestId
    const lines = tail(output).trimEnd().split('\n')
    expect(lines[0]).toBe(`START RequestId: ${requestId} Version: $LATEST`)
    expect(tail(output)).toContain('about to fail')
    expect(lines.at(-2)).toBe(`END RequestId: ${requestId}`)
    expect(lines.at(-1)).toMatch(new RegExp(`^REPORT RequestId: ${requestId}\\tDuration: \\d+\\.\\d\\d ms\\tBilled`))
  })

  it('returns the last 4 KB of a longer log', async () => {
    const output = await lambda.send(
      new InvokeCommand({ FunctionName: 'chatty', LogType: 'Tail', Payload: '{"lines":200}' }),
    )

    const bytes = Buffer.from(output.LogResult ?? '', 'base64')
    expect(bytes.length).toBe(4096)
    expect(tail(output)).toContain('line 199 ')
    expect(tail(output)).not.toContain('line 0 ')
    expect(tail(output)).toMatch(/REPORT RequestId: [^\n]+\n$/)
  })
})

describe('InvocationType Event', () => {
  it('answers 202 and runs the function in the background', async () => {
    const path = join(scratch, 'event-ran')
    const output = await lambda.send(
      new InvokeCommand({ FunctionName: 'touch', InvocationType: 'Event', Payload: JSON.stringify({ path }) }),
    )

    expect(output.StatusCode).toBe(202)
    expect(output.Payload?.length ?? 0).toBe(0)
    await vi.waitFor(() => expect(existsSync(path)).toBe(true), { timeout: 10_000, interval: 20 })
  })

  it('logs a failed Event invocation, which nobody waits for, saying it is not retried', async () => {
    const output = await lambda.send(
      new InvokeCommand({ FunctionName: 'touch', InvocationType: 'Event', Payload: '{"fail":"disk full"}' }),
    )

    const id = output.$metadata.requestId
    await vi.waitFor(() => expect(logged.some((line) => line.includes(id ?? '?'))).toBe(true), { timeout: 10_000 })
    expect(logged.find((line) => line.includes(id ?? '?'))).toBe(
      `stakeout local Lambda: Event invocation ${id} of touch failed: Error: disk full. Lambda would retry it up to ` +
        'twice (the function’s MaximumRetryAttempts); the local Lambda does not retry.',
    )
  })

  it('refuses a payload over 1 MB', async () => {
    const error = await rejection(
      lambda.send(
        new InvokeCommand({
          FunctionName: 'touch',
          InvocationType: 'Event',
          Payload: JSON.stringify('x'.repeat(1_048_577)),
        }),
      ),
    )
    expect(error.name).toBe('RequestEntityTooLargeException')
    expect(error.$metadata).toMatchObject({ httpStatusCode: 413 })
    expect(error.message).toBe('1048579 byte payload is too large for the Event invocation type (limit 1048576 bytes)')
  })
})

describe('InvocationType DryRun', () => {
  it('answers 204 for a function it serves, without running it', async () => {
    const before = invoker.started.length
    const output = await lambda.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'DryRun' }))
    expect(output.StatusCode).toBe(204)
    expect(invoker.started.length).toBe(before)
  })

  it('answers ResourceNotFoundException for one it does not serve', async () => {
    const error = await rejection(lambda.send(new InvokeCommand({ FunctionName: 'nope', InvocationType: 'DryRun' })))
    expect(error.name).toBe('ResourceNotFoundException')
  })

  it('is refused, saying why, when the invoker cannot tell whether a function exists', async () => {
    const blind = await startLambdaEndpoint({ invoker: { invoke: () => undefined } })
    const client = new LambdaClient({ endpoint: blind.endpoint, region: 'us-east-1', credentials: CREDENTIALS })
    try {
      const error = await rejection(client.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'DryRun' })))
      expect(error.name).toBe('InvalidParameterValueException')
      expect(error.message).toContain('has no has(functionName)')
    } finally {
      client.destroy()
      await blind.stop()
    }
  })
})

describe('errors, as the SDK parses them', () => {
  it('an unknown function: 404 ResourceNotFoundException naming its ARN', async () => {
    const error = await rejection(lambda.send(new InvokeCommand({ FunctionName: 'nope', Payload: '{}' })))

    expect(error.name).toBe('ResourceNotFoundException')
    expect(error.$metadata).toMatchObject({ httpStatusCode: 404 })
    expect(error.message).toBe('Function not found: arn:aws:lambda:eu-west-1:000000000000:function:nope')
    expect(error.Type).toBe('User')
  })

  it('a qualifier other than $LATEST: the local Lambda has no versions or aliases', async () => {
    const error = await rejection(lambda.send(new InvokeCommand({ FunctionName: 'echo', Qualifier: 'prod' })))
    expect(error.name).toBe('ResourceNotFoundException')
    expect(error.message).toBe('Function not found: arn:aws:lambda:eu-west-1:000000000000:function:echo:prod')
  })

  it('a name that breaks the documented pattern: 400 ValidationException', async () => {
    const error = await rejection(lambda.send(new InvokeCommand({ FunctionName: 'no spaces allowed' })))
    expect(error.name).toBe('ValidationException')
    expect(error.$metadata).toMatchObject({ httpStatusCode: 400 })
    expect(error.message).toMatch(/^1 validation error detected: Value 'no spaces allowed' at 'functionName'/)
  })

  it('a path that is not percent-encoding, and a method other than POST: errors, not a crash', async () => {
    const broken = await fetch(`${endpoint.endpoint}/2015-03-31/functions/%E0%A4%A/invocations`, { method: 'POST' })
    expect(broken.status).toBe(400)
    expect(broken.headers.get('x-amzn-errortype')).toBe('ValidationException')
    const get = await fetch(`${endpoint.endpoint}/2015-03-31/functions/echo/invocations`)
    expect(get.status).toBe(400)
    expect(get.headers.get('x-amzn-errortype')).toBe('UnsupportedOperationException')
    expect(((await get.json()) as { message: string }).message).toContain(
      'GET /2015-03-31/functions/echo/invocations is another Lambda operation',
    )
  })

  it('a payload that is not JSON: 400 InvalidRequestContentException', async () => {
    const error = await rejection(
      lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: new TextEncoder().encode('{not json') })),
    )

    expect(error.name).toBe('InvalidRequestContentException')
    expect(error.$metadata).toMatchObject({ httpStatusCode: 400 })
    expect(error.message).toMatch(/^Could not parse request body into json: Could not parse payload into json: /)
    expect(error.Type).toBe('User')
  })

  it('a payload over 6 MB: 413 RequestTooLargeException, and the function does not run', async () => {
    const before = invoker.started.length
    const error = await rejection(
      lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: JSON.stringify('x'.repeat(6 * 1024 * 1024)) })),
    )

    expect(error.name).toBe('RequestTooLargeException')
    expect(error.$metadata).toMatchObject({ httpStatusCode: 413 })
    expect(error.message).toBe('Request must be smaller than 6291456 bytes for the InvokeFunction operation')
    expect(invoker.started.length).toBe(before)
  })

  it('a client context that is not base64 JSON: 400 InvalidRequestContentException', async () => {
    const error = await rejection(
      lambda.send(new InvokeCommand({ FunctionName: 'echo', ClientContext: Buffer.from('[1]').toString('base64') })),
    )
    expect(error.name).toBe('InvalidRequestContentException')
  })

  it('another Lambda operation: an error saying the local Lambda serves Invoke only', async () => {
    for (const command of [new GetFunctionCommand({ FunctionName: 'echo' }), new ListFunctionsCommand({})]) {
      const error = await rejection(lambda.send(command as never))
      expect(error.name).toBe('UnsupportedOperationException')
      expect(error.message).toMatch(/^stakeout's local Lambda serves Invoke only \(POST \/2015-03-31\/functions\//)
      expect(error.message).toContain(' is another Lambda operation.')
    }
  })
})

describe('an invoker that picks its own request ids', () => {
  it("answers the function's awsRequestId as x-amzn-RequestId, as Lambda does", async () => {
    const own = await startLambdaEndpoint({
      invoker: { invoke: (name, event) => invoker.invoke(name, event, {}) },
    })
    const client = new LambdaClient({ endpoint: own.endpoint, region: 'us-east-1', credentials: CREDENTIALS })
    try {
      const output = await client.send(new InvokeCommand({ FunctionName: 'echo', LogType: 'Tail' }))
      const { requestId } = json(output.Payload) as { requestId: string }
      expect(output.$metadata.requestId).toBe(requestId)
      expect(tail(output)).toMatch(new RegExp(`^START RequestId: ${requestId} `))
    } finally {
      client.destroy()
      await own.stop()
    }
  })
})

describe('an invoker that fails', () => {
  it('answers a ServiceException naming the function when its invocation rejects, or when it throws', async () => {
    const lines: string[] = []
    const broken = await startLambdaEndpoint({
      invoker: {
        invoke: (name) => {
          if (name === 'throws') throw new Error('pool is gone')
          return Promise.reject(new Error('process crashed'))
        },
      },
      log: (line) => lines.push(line),
    })
    const client = new LambdaClient({
      endpoint: broken.endpoint,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      maxAttempts: 1,
    })
    try {
      const rejected = await rejection(client.send(new InvokeCommand({ FunctionName: 'rejects' })))
      expect(rejected.name).toBe('ServiceException')
      expect(rejected.$metadata).toMatchObject({ httpStatusCode: 500 })
      expect(rejected.message).toBe('Invocation of rejects failed: Error: process crashed')

      const thrown = await rejection(client.send(new InvokeCommand({ FunctionName: 'throws' })))
      expect(thrown.name).toBe('ServiceException')
      expect(thrown.message).toBe('Invocation of throws failed: Error: pool is gone')
      // The caller was told: nothing to log.
      expect(lines).toEqual([])
    } finally {
      client.destroy()
      await broken.stop()
    }
  })
})

describe('stop()', () => {
  it('ends an invocation in flight with a ServiceException, and logs a lost Event invocation', async () => {
    const slow = await startHandlersInvoker(['slow'])
    const lines: string[] = []
    const local = await startLambdaEndpoint({ invoker: slow, log: (line) => lines.push(line) })
    const client = new LambdaClient({
      endpoint: local.endpoint,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      maxAttempts: 1,
    })
    try {
      const waiting = rejection(client.send(new InvokeCommand({ FunctionName: 'slow' })))
      await client.send(new InvokeCommand({ FunctionName: 'slow', InvocationType: 'Event' }))
      await vi.waitFor(() => expect(slow.started).toHaveLength(2), { timeout: 10_000 })

      await local.stop()

      const error = await waiting
      expect(error.name).toBe('ServiceException')
      expect(error.message).toBe('Invocation of slow failed: the local Lambda endpoint stopped')
      expect(lines).toEqual([
        expect.stringMatching(
          /^stakeout local Lambda: Event invocation [0-9a-f-]{36} of slow did not run to its end: the local Lambda endpoint stopped before it ended\. The event is lost\.$/,
        ),
      ])
      await expect(
        fetch(`${local.endpoint}/2015-03-31/functions/slow/invocations`, { method: 'POST' }),
      ).rejects.toThrow()
      await local.stop()
    } finally {
      client.destroy()
      await slow.stop()
    }
  })
})

describe('startLambdaEndpoint options', () => {
  it.each([
    [undefined, 'startLambdaEndpoint: options must be an object like { invoker }, received undefined'],
    [
      {},
      'startLambdaEndpoint: options.invoker must be an object with invoke(functionName, event, options), received undefined',
    ],
    [
      { invoker: { invoke() {} }, port: 70_000 },
      'startLambdaEndpoint: options.port must be a port from 0 to 65535, received number 70000',
    ],
    [
      { invoker: { invoke() {} }, region: 'Europe' },
      "startLambdaEndpoint: options.region must be a region such as eu-west-1, received string 'Europe'",
    ],
  ])('refuses %j', async (options, message) => {
    await expect(startLambdaEndpoint(options as never)).rejects.toThrow(new ArgumentError('x', 'y', 'z', 0).constructor)
    await expect(startLambdaEndpoint(options as never)).rejects.toThrow(message)
  })

  it('says so when the port is taken', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const { port } = blocker.address() as { port: number }
    try {
      const failure = startLambdaEndpoint({ invoker: { invoke: () => undefined }, port })
      await expect(failure).rejects.toThrow(StakeoutError)
      await expect(failure).rejects.toThrow(`startLambdaEndpoint: port ${port} on 127.0.0.1 is taken.`)
    } finally {
      blocker.close()
    }
  })
})
