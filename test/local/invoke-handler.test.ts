import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type InvokeResult, invokeHandler, type LocalHandler, startHandler } from 'stakeout/local'
import { afterEach, describe, expect, it } from 'vitest'
import { ArgumentError, StakeoutError } from '../../src/errors.js'

const fixture = (path: string) => fileURLToPath(new URL(`./fixtures/${path}`, import.meta.url))

/** True while a process with this id exists (signal 0 only checks). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function succeeded(out: InvokeResult): Record<string, unknown> {
  expect(out.error, out.logs).toBeUndefined()
  return out.result as Record<string, unknown>
}

const started: LocalHandler[] = []
async function start(options: Parameters<typeof startHandler>[0]): Promise<LocalHandler> {
  const handler = await startHandler(options)
  started.push(handler)
  return handler
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((handler) => handler.stop()))
})

describe('invokeHandler loads the handler as the runtime client does', () => {
  it('requires a CommonJS .js file on nodejs22.x (client v3)', async () => {
    const out = await invokeHandler({ entry: fixture('commonjs/echo.js'), event: { orderId: 'o-1' } })
    const result = succeeded(out)
    expect(result).toMatchObject({ event: { orderId: 'o-1' }, loadedBy: 'require' })
    expect(isAlive(result.pid as number)).toBe(false)
  })

  it('imports the same CommonJS file on nodejs24.x (client v4 imports every handler)', async () => {
    const out = await invokeHandler({ entry: fixture('commonjs/echo.js'), runtime: 'nodejs24.x' })
    expect(succeeded(out)).toMatchObject({ event: {}, loadedBy: 'import' })
  })

  it('imports an ES module .mjs file', async () => {
    const out = await invokeHandler({ entry: fixture('echo.mjs'), event: { n: 1 } })
    expect(succeeded(out)).toMatchObject({ event: { n: 1 }, format: 'esm', requestId: out.requestId })
  })

  it('imports a .js file whose package.json says "type": "module"', async () => {
    const out = await invokeHandler({ entry: fixture('esm/echo.js'), event: { n: 2 } })
    expect(succeeded(out)).toEqual({ event: { n: 2 }, format: 'esm', meta: 'string' })
  })

  it('requires a .cjs file inside a "type": "module" package', async () => {
    const out = await invokeHandler({ entry: fixture('classic.cjs') })
    expect(succeeded(out)).toMatchObject({ format: 'cjs', loadedBy: 'require' })
  })

  it('follows the runtime’s extension order: echo.mjs is found before echo.cjs', async () => {
    // The handler setting is `echo.handler`; Lambda tries echo, echo.js, echo.mjs, then echo.cjs.
    const out = await invokeHandler({ entry: fixture('echo.cjs') })
    expect(succeeded(out)).toMatchObject({ format: 'esm' })
  })

  it('bundles a TypeScript entry into a CommonJS index.js, removed afterwards', async () => {
    const out = await invokeHandler({ entry: fixture('typescript/echo.ts'), event: { name: 'Ada' } })
    const result = succeeded(out)
    expect(result).toMatchObject({ message: 'hello Ada', handlerSetting: 'index.handler', format: 'cjs' })
    expect(result.taskRoot).not.toBe(dirname(fixture('typescript/echo.ts')))
    expect(existsSync(result.taskRoot as string)).toBe(false)
  })

  it("bundles a TypeScript entry into an ES module index.mjs with bundling.format 'esm'", async () => {
    const out = await invokeHandler({
      entry: fixture('typescript/echo.ts'),
      event: { name: 'Grace' },
      bundling: { format: 'esm' },
    })
    expect(succeeded(out)).toMatchObject({ message: 'hello Grace', handlerSetting: 'index.handler', format: 'esm' })
  })

  it('follows a dotted handler path into nested objects', async () => {
    const out = await invokeHandler({
      entry: fixture('commonjs/nested.js'),
      handler: 'handlers.orders.create',
      event: { orderId: 'o-9' },
    })
    expect(succeeded(out)).toEqual({ created: 'o-9' })
  })

  it('finds a handler on the default export on nodejs24.x only', async () => {
    const v4 = await invokeHandler({ entry: fixture('default-export.mjs'), runtime: 'nodejs24.x' })
    expect(succeeded(v4)).toEqual({ foundOn: 'default' })

    const v3 = await invokeHandler({ entry: fixture('default-export.mjs'), runtime: 'nodejs22.x' })
    expect(v3.error).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'default-export.handler is undefined or not exported',
    })
  })
})

describe('invokeHandler calls the handler as the runtime client does', () => {
  it('supports callback handlers on nodejs22.x, answering once the event loop is empty', async () => {
    const out = await invokeHandler({ entry: fixture('commonjs/callback.js') })
    expect(succeeded(out)).toEqual({ answeredBy: 'callback', requestId: out.requestId })
    // The timer set before the callback ran before the response was posted.
    expect(out.logs).toContain('timer fired after the callback')
  })

  it('answers a callback at once when callbackWaitsForEmptyEventLoop is false', async () => {
    const out = await invokeHandler({ entry: fixture('commonjs/callback.js'), event: { waitForEmptyEventLoop: false } })
    expect(succeeded(out)).toEqual({ answeredBy: 'callback', requestId: out.requestId })
    expect(out.logs).not.toContain('timer fired after the callback')
  })

  it('refuses a callback handler at INIT on nodejs24.x', async () => {
    const out = await invokeHandler({ entry: fixture('commonjs/callback.js'), runtime: 'nodejs24.x' })
    expect(out.result).toBeUndefined()
    expect(out.error?.errorType).toBe('Runtime.CallbackHandlerDeprecated')
    expect(out.error?.errorMessage).toContain(
      'removed support for callback-based function handlers starting with Node.js 24',
    )
  })

  it('collects what a response-streaming handler writes, on nodejs22.x and nodejs24.x', async () => {
    for (const runtime of ['nodejs22.x', 'nodejs24.x'] as const) {
      const bytes = await invokeHandler({ entry: fixture('streaming.mjs'), runtime })
      expect(bytes.result).toBe(`chunk 1, chunk 2 of ${bytes.requestId}`)
      const http = await invokeHandler({ entry: fixture('streaming.mjs'), runtime, event: { http: true } })
      expect(http.result).toEqual({
        statusCode: 201,
        headers: { 'content-type': 'text/plain' },
        body: `chunk 1, chunk 2 of ${http.requestId}`,
      })
    }
  })

  it('returns the thrown error with its type, message and stack, and logs it', async () => {
    const out = await invokeHandler({ entry: fixture('commonjs/throws.js'), event: { amount: 12 } })
    expect(out.result).toBeUndefined()
    expect(out.error).toMatchObject({ errorType: 'PaymentDeclined', errorMessage: 'card refused for 12 EUR' })
    expect(out.error?.stack?.[0]).toBe('PaymentDeclined: card refused for 12 EUR')
    expect(out.error?.stack?.some((line) => line.includes('commonjs/throws.js'))).toBe(true)
    expect(out.logs).toContain('charging 12')
    expect(out.logs).toMatch(/\tERROR\tInvoke Error \t\{"errorType":"PaymentDeclined"/)
  })

  it('fails an invocation whose promise never settles with Runtime.NodeJsExit (nodejs22.x)', async () => {
    const out = await invokeHandler({ entry: fixture('commonjs/never-settles.js') })
    expect(out.error?.errorType).toBe('Runtime.NodeJsExit')
  })

  it('reports a missing export as Runtime.HandlerNotFound', async () => {
    const out = await invokeHandler({ entry: fixture('commonjs/echo.js'), handler: 'nope' })
    expect(out.error).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'echo.nope is undefined or not exported',
    })
  })

  it('reports a module that cannot load as Runtime.ImportModuleError, with INIT’s log', async () => {
    const out = await invokeHandler({ entry: fixture('commonjs/missing-dependency.js') })
    expect(out.error?.errorType).toBe('Runtime.ImportModuleError')
    expect(out.error?.errorMessage).toContain("Error: Cannot find module 'stakeout-package-that-does-not-exist'")
    expect(out.logs).toContain('\tundefined\tERROR\tUncaught Exception \t{"errorType":"Runtime.ImportModuleError"')
  })

  it('fails the invocation with an exception thrown outside the handler, and starts a new process next time', async () => {
    const fn = await start({ entry: fixture('commonjs/crash.js') })
    const pid = fn.pid as number
    const out = await fn.invoke()
    expect(out.error).toMatchObject({ errorType: 'RangeError', errorMessage: 'thrown from a timer' })
    expect(out.logs).toContain('Uncaught Exception')
    expect(isAlive(pid)).toBe(false)
    const again = await fn.invoke()
    expect(again.error?.errorType).toBe('RangeError')
    expect(again.requestId).not.toBe(out.requestId)
  })

  it('on nodejs24.x, ends the process as Node.js does (the v4 runtime client listens to no uncaught error): Runtime.ExitError', async () => {
    const fn = await start({ entry: fixture('commonjs/crash.js'), runtime: 'nodejs24.x' })
    const pid = fn.pid as number
    const out = await fn.invoke()
    expect(out.error).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${out.requestId} Error: Runtime exited with error: exit status 1`,
    })
    expect(out.logs).toContain('RangeError: thrown from a timer')
    expect(isAlive(pid)).toBe(false)
  })
})

describe('invokeHandler gives the handler a Lambda environment', () => {
  it('sets the Lambda variables, the function’s own variables and a realistic context', async () => {
    const entry = fixture('commonjs/echo.js')
    const out = await invokeHandler({
      entry,
      runtime: 'nodejs20.x',
      functionName: 'orders-api',
      memorySizeMb: 256,
      timeoutMs: 10_000,
      env: { GREETING: 'bonjour', AWS_REGION: 'eu-west-3' },
      requestId: 'request-1',
      clientContext: { client: { app_title: 'shop' } },
    })
    const result = succeeded(out)
    expect(out.requestId).toBe('request-1')
    expect(result.env).toMatchObject({
      LAMBDA_TASK_ROOT: dirname(entry),
      _HANDLER: 'echo.handler',
      AWS_LAMBDA_FUNCTION_NAME: 'orders-api',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
      AWS_REGION: 'eu-west-3',
      TZ: ':UTC',
      GREETING: 'bonjour',
    })
    expect((result.env as Record<string, string>)._X_AMZN_TRACE_ID).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};/)
    expect(result.cwd).toBe(dirname(entry))
    const context = result.context as Record<string, unknown>
    expect(context).toMatchObject({
      awsRequestId: 'request-1',
      functionName: 'orders-api',
      functionVersion: '$LATEST',
      memoryLimitInMB: '256',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-3:000000000000:function:orders-api',
      logGroupName: '/aws/lambda/orders-api',
      callbackWaitsForEmptyEventLoop: true,
      clientContext: { client: { app_title: 'shop' } },
    })
    expect(context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/)
    expect(context.remainingTimeInMillis).toBeGreaterThan(0)
    expect(context.remainingTimeInMillis).toBeLessThanOrEqual(10_000)
  })

  it('captures each invocation’s output, INIT’s with the cold start only', async () => {
    const fn = await start({ entry: fixture('commonjs/logs.js') })
    const cold = await fn.invoke()
    const warm = await fn.invoke()
    expect(cold.result).toBe('logged')
    expect(cold.logs).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z\tundefined\tINFO\tloading the module\n/)
    for (const out of [cold, warm]) {
      expect(out.logs).toContain(`\t${out.requestId}\tINFO\thello from ${out.requestId}\n`)
      expect(out.logs).toContain(`\t${out.requestId}\tERROR\tan error line { code: 42 }\n`)
      expect(out.logs).toContain('raw stdout line\n')
      expect(out.logs).toContain('raw stderr line\n')
    }
    expect(warm.logs).not.toContain('loading the module')
    expect(cold.logs).not.toContain(warm.requestId)
  })

  it('kills the process on timeout with Lambda’s message, and cold-starts the next invocation', async () => {
    const fn = await start({ entry: fixture('commonjs/slow.js'), timeoutMs: 500 })
    const pid = fn.pid as number
    expect(isAlive(pid)).toBe(true)
    const out = await fn.invoke({ ms: 60_000 })
    expect(out.error?.errorType).toBe('Sandbox.Timedout')
    expect(out.error?.errorMessage).toMatch(
      new RegExp(`^\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z ${out.requestId} Task timed out after 0\\.50 seconds$`),
    )
    expect(out.logs).toContain('waiting 60000 ms')
    expect(out.logs).toContain('Task timed out after 0.50 seconds')
    expect(isAlive(pid)).toBe(false)

    const next = await fn.invoke({ ms: 0 })
    expect(succeeded(next)).toEqual({ waited: 0 })
    expect(fn.pid).not.toBe(pid)
  })
})

describe('startHandler keeps one warm process', () => {
  it('runs INIT once: later invocations are warm, in the same process', async () => {
    const fn = await start({ entry: fixture('commonjs/echo.js') })
    const first = succeeded(await fn.invoke({ n: 1 }))
    const second = succeeded(await fn.invoke({ n: 2 }))
    expect(first).toMatchObject({ invocations: 1, pid: fn.pid })
    expect(second).toMatchObject({ invocations: 2, pid: fn.pid, event: { n: 2 } })
  })

  it('runs invocations concurrently in one process with maxConcurrency (nodejs24.x)', async () => {
    const fn = await start({
      entry: fixture('concurrent.mjs'),
      runtime: 'nodejs24.x',
      maxConcurrency: 3,
      timeoutMs: 5000,
    })
    // Each invocation waits until all three are in flight: they only answer if they run together.
    const outs = await Promise.all([1, 2, 3].map((n) => fn.invoke({ n, expected: 3 })))
    expect(outs.map((out) => succeeded(out).n)).toEqual([1, 2, 3])
    expect(new Set(outs.map((out) => out.requestId)).size).toBe(3)
    for (const out of outs) {
      expect(succeeded(out)).toMatchObject({ requestId: out.requestId, pid: fn.pid })
      expect(out.logs).toContain(`\t${out.requestId}\tINFO\tanswering ${succeeded(out).n}\n`)
    }
  })

  it('queues concurrent invocations one at a time by default, each with its own request id', async () => {
    const fn = await start({ entry: fixture('commonjs/echo.js') })
    const outs = await Promise.all([1, 2, 3].map((n) => fn.invoke({ n })))
    expect(outs.map((out) => (succeeded(out).event as { n: number }).n)).toEqual([1, 2, 3])
    expect(outs.map((out) => succeeded(out).invocations).sort()).toEqual([1, 2, 3])
    expect(new Set(outs.map((out) => out.requestId)).size).toBe(3)
    for (const out of outs)
      expect((succeeded(out).context as { awsRequestId: string }).awsRequestId).toBe(out.requestId)
  })

  it('leaves no process behind after stop, and refuses invocations then', async () => {
    const fn = await startHandler({ entry: fixture('commonjs/echo.js') })
    const pid = fn.pid as number
    expect(succeeded(await fn.invoke()).pid).toBe(pid)
    await fn.stop()
    expect(isAlive(pid)).toBe(false)
    expect(fn.pid).toBeUndefined()
    await expect(fn.invoke()).rejects.toThrow(StakeoutError)
    await expect(fn.invoke()).rejects.toThrow(
      'LocalHandler.invoke: echo is stopped: start it again with startHandler() to invoke it',
    )
    await fn.stop()
  })

  it('reports a failed INIT on the first invocation, and retries INIT on the next', async () => {
    const fn = await start({ entry: fixture('commonjs/missing-dependency.js') })
    const first = await fn.invoke()
    const second = await fn.invoke()
    expect(first.error?.errorType).toBe('Runtime.ImportModuleError')
    expect(second.error?.errorType).toBe('Runtime.ImportModuleError')
    expect(second.logs).toContain('Uncaught Exception')
  })
})

describe('invokeHandler refuses bad options', () => {
  it('names entry when the file does not exist', async () => {
    const missing = fixture('commonjs/no-such-handler.js')
    const error = await invokeHandler({ entry: missing }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ArgumentError)
    expect((error as ArgumentError).argument).toBe('options.entry')
    expect((error as Error).message).toBe(
      `invokeHandler: options.entry must be an existing .js, .mjs, .cjs, .ts, .mts or .cts file, received string '${missing}'`,
    )
  })

  it('names the option that is wrong', async () => {
    const entry = fixture('commonjs/echo.js')
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ runtime: 'nodejs18.x' }, 'options.runtime'],
      [{ timeoutMs: 0 }, 'options.timeoutMs'],
      [{ memorySizeMb: 64 }, 'options.memorySizeMb'],
      [{ handler: '../escape' }, 'options.handler'],
      [{ env: { GREETING: 1 } }, 'options.env.GREETING'],
      [{ env: { _HANDLER: 'other.handler' } }, 'options.env._HANDLER'],
      [{ functionName: 'has space' }, 'options.functionName'],
      [{ maxConcurrency: 2, runtime: 'nodejs20.x' }, 'options.maxConcurrency'],
      [{ interceptor: { tableName: '', functionName: 'f' } }, 'options.interceptor.tableName'],
      [{ event: { amount: 10n } }, 'options.event'],
    ]
    for (const [options, argument] of cases) {
      const error = await invokeHandler({ entry, ...options }).catch((caught: unknown) => caught)
      expect(error, argument).toBeInstanceOf(ArgumentError)
      expect((error as ArgumentError).argument).toBe(argument)
    }
  })

  it('leaves no bundle behind when it refuses the event of a TypeScript entry', async () => {
    const project = await mkdtemp(join(tmpdir(), 'stakeout-bundle-leak-'))
    try {
      // The project's own node_modules is where bundles of its entries are written.
      const bundles = join(project, 'node_modules', '.cache', 'stakeout', 'bundles')
      await mkdir(join(project, 'node_modules'))
      const entry = join(project, 'handler.ts')
      await writeFile(entry, 'export const handler = async (): Promise<number> => 1\n')

      const error = await invokeHandler({ entry, event: { amount: 10n } }).catch((caught: unknown) => caught)
      expect((error as ArgumentError).argument).toBe('options.event')
      expect(existsSync(bundles) ? await readdir(bundles) : []).toEqual([])
    } finally {
      await rm(project, { recursive: true, force: true })
    }
  })

  it('names the event of LocalHandler.invoke when it cannot be sent as JSON', async () => {
    const fn = await start({ entry: fixture('commonjs/echo.js') })
    await expect(fn.invoke({ amount: 10n })).rejects.toThrow(/^LocalHandler.invoke: event must be JSON-serializable/)
  })
})
