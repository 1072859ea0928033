/**
 * The launcher on its own: a code directory, a Lambda handler string, an environment and layers
 * (what a cdk.out asset and its template give), run as an execution environment in a real Node.js
 * process. The layers are built in a scratch directory as Lambda extracts them under /opt.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type FunctionEnvironment, type InvokeResult, startFunctionEnvironment } from 'stakeout/local'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { interceptorLayerRoot } from '../../src/build/interceptor-layer.js'
import { ArgumentError } from '../../src/errors.js'

const codeDir = fileURLToPath(new URL('./fixtures/launcher/code', import.meta.url))

let scratch: string
/** A layer giving a module under nodejs/node_modules, and a module the second layer replaces. */
let modulesLayer: string
/** A layer giving an exec wrapper (bin/wrap), a handler file, and its own copy of the shadowed module. */
let wrapperLayer: string

async function writeLayer(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true })
    await writeFile(join(root, path), text)
  }
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'stakeout-launcher-test-'))
  modulesLayer = join(scratch, 'modules-layer')
  wrapperLayer = join(scratch, 'wrapper-layer')
  await writeLayer(modulesLayer, {
    'nodejs/node_modules/greeting/package.json': '{ "name": "greeting", "main": "index.js" }',
    'nodejs/node_modules/greeting/index.js': "exports.greet = (name) => 'hello ' + name + ' from a layer'\n",
    'nodejs/node_modules/shadowed/index.js': "module.exports = 'from the first layer'\n",
  })
  await writeLayer(wrapperLayer, {
    'bin/wrap': [
      '#!/bin/bash',
      'export WRAPPED_BY="the second layer\'s wrapper"',
      'export WRAPPER_ARGUMENTS="$#"',
      'exec "$@"',
      '',
    ].join('\n'),
    'nodejs/node_modules/shadowed/index.js': "module.exports = 'from the second layer'\n",
    'nodejs/at-opt.js': 'exports.handler = async () => ({ loadedFrom: __filename, handler: process.env._HANDLER })\n',
    'nodejs/package.json': '{ "type": "commonjs" }',
  })
  await chmod(join(wrapperLayer, 'bin/wrap'), 0o755)
})

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

const started: FunctionEnvironment[] = []
async function start(options: Partial<Parameters<typeof startFunctionEnvironment>[0]>): Promise<FunctionEnvironment> {
  const environment = await startFunctionEnvironment({ codeDir, handler: 'index.handler', ...options })
  started.push(environment)
  return environment
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((environment) => environment.stop()))
})

function succeeded(out: InvokeResult): Record<string, unknown> {
  expect(out.error, out.logs).toBeUndefined()
  return out.result as Record<string, unknown>
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('startFunctionEnvironment runs a function as Lambda does', () => {
  it('lays out two layers as /opt: a module of the first, the second’s exec wrapper, later files winning', async () => {
    const fn = await start({
      layers: [modulesLayer, wrapperLayer],
      environment: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/bin/wrap', CONFIGURED: 'yes', AWS_REGION: 'eu-west-3' },
      functionName: 'Greeter',
      memoryMb: 256,
      runtime: 'nodejs22.x',
    })
    const result = succeeded(await fn.invoke({ name: 'Ada' }))
    expect(result).toMatchObject({
      greeting: 'hello Ada from a layer',
      shadowed: 'from the second layer',
      wrappedBy: "the second layer's wrapper",
      configured: 'yes',
      functionName: 'Greeter',
      memoryLimitInMB: '256',
      cwd: codeDir,
    })
    // The runtime's command line (node, its flags, the bootstrap) reached the wrapper as its arguments.
    expect(Number(result.wrapperArguments)).toBeGreaterThan(1)
    const lambda = result.lambda as Record<string, string>
    expect(lambda).toMatchObject({
      LAMBDA_TASK_ROOT: codeDir,
      _HANDLER: 'index.handler',
      AWS_LAMBDA_FUNCTION_NAME: 'Greeter',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_REGION: 'eu-west-3',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    })
    // NODE_PATH is Lambda's, with /opt pointed at the environment's own directory.
    const [node22Modules, nodeModules] = lambda.NODE_PATH!.split(':')
    expect(node22Modules).toMatch(/\/nodejs\/node22\/node_modules$/)
    expect(nodeModules).toMatch(/\/nodejs\/node_modules$/)
    expect(result.greetingFile).toBe(join(nodeModules!, 'greeting', 'index.js'))
  })

  it('runs a CommonJS asset of a "type": "module" project as CommonJS, as /var/task would, its externals still found', async () => {
    // A cdk.out asset as NodejsFunction builds it: index.js (CommonJS), no package.json of its own.
    const project = join(scratch, 'module-project')
    await writeLayer(project, {
      'package.json': '{ "name": "module-project", "type": "module" }',
      'node_modules/left-out/index.js': "module.exports = 'resolved from the project'\n",
      'cdk.out/asset.0123/index.js':
        "const leftOut = require('left-out')\nexports.handler = async () => ({ leftOut, taskRoot: process.env.LAMBDA_TASK_ROOT })\n",
    })
    const fn = await start({ codeDir: join(project, 'cdk.out/asset.0123') })
    const result = succeeded(await fn.invoke({}))
    expect(result.leftOut).toBe('resolved from the project')
    expect(result.taskRoot).not.toContain(project)
  })

  it('runs stakeout’s interceptor layer unchanged from layers, as a deployed function does', async () => {
    const fn = await start({
      handler: 'src/app.main',
      layers: [interceptorLayerRoot()],
      environment: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/stakeout/wrapper' },
    })
    const out = await fn.invoke({})
    // The wrapper pointed _HANDLER at the layer's handler.mjs, which loaded src/app.main.
    expect(succeeded(out).handler).toMatch(/^\/.+\/opt\/stakeout\/handler\.handler$/)
    // No table configured: it fails open, with one line saying so.
    expect(out.logs).toContain('[stakeout] ')
  })

  it('removes the directory an environment of a process that died left behind', async () => {
    const { pid } = spawnSync(process.execPath, ['-e', ''])
    const orphan = join(tmpdir(), `stakeout-env-${pid}-orphan`)
    await mkdir(join(orphan, 'opt'), { recursive: true })
    await start({})
    expect(existsSync(orphan)).toBe(false)
  })

  it('removes its /opt directory and its process on stop', async () => {
    const fn = await start({ layers: [modulesLayer] })
    const result = succeeded(await fn.invoke({ name: 'Grace' }))
    expect(existsSync(result.greetingFile as string)).toBe(true)
    await fn.stop()
    expect(existsSync(result.greetingFile as string)).toBe(false)
    expect(isAlive(result.pid as number)).toBe(false)
    expect(fn.pid).toBeUndefined()
    await expect(fn.invoke({})).rejects.toThrow('is stopped')
  })
})

describe('startFunctionEnvironment takes the handler strings Lambda takes', () => {
  it('loads a module in a subdirectory (src/app.main)', async () => {
    const fn = await start({ handler: 'src/app.main' })
    expect(succeeded(await fn.invoke({}))).toMatchObject({ handler: 'src/app.main' })
  })

  it('loads a handler inside a layer by its /opt path', async () => {
    const fn = await start({ handler: '/opt/nodejs/at-opt.handler', layers: [wrapperLayer] })
    const result = succeeded(await fn.invoke({}))
    expect(result.loadedFrom).toMatch(/\/nodejs\/at-opt\.js$/)
    expect(result.loadedFrom).not.toMatch(/^\/opt\//)
    expect(result.handler).toBe(dirname(dirname(result.loadedFrom as string)).concat('/nodejs/at-opt.handler'))
  })

  it.each([
    ['a file that does not exist', 'missing.handler', 'Runtime.ImportModuleError', "Cannot find module 'missing'"],
    [
      'an export the module lacks',
      'src/app.nope',
      'Runtime.HandlerNotFound',
      'src/app.nope is undefined or not exported',
    ],
    ['a path with ..', '../code/index.handler', 'Runtime.MalformedHandlerName', 'is not a valid handler name'],
    ['a string without a dot', 'index', 'Runtime.MalformedHandlerName', 'Bad handler'],
  ])('refuses %s at INIT, as the first invocation reports', async (_, handler, errorType, message) => {
    const fn = await start({ handler })
    const out = await fn.invoke({})
    expect(out.error?.errorType).toBe(errorType)
    expect(out.error?.errorMessage).toContain(message)
  })
})

describe('startFunctionEnvironment replaces its process as Lambda replaces a sandbox', () => {
  it('ends an invocation past its timeout with Lambda’s error, and starts a fresh process next time', async () => {
    const fn = await start({ handler: 'behave.handler', timeoutMs: 1000 })
    const first = fn.pid!
    const out = await fn.invoke({ hang: true })
    expect(out.error?.errorType).toBe('Sandbox.Timedout')
    expect(out.error?.errorMessage).toMatch(/ Task timed out after 1\.00 seconds$/)
    expect(isAlive(first)).toBe(false)
    const next = succeeded(await fn.invoke({}))
    expect(next.pid).not.toBe(first)
  })

  it('gives INIT Lambda’s 10 s, not the function’s shorter timeout', async () => {
    // Its module takes 1.5 s to load: past the 1 s timeout, within the init limit.
    const fn = await start({ handler: 'slow-init.handler', timeoutMs: 1000 })
    expect(succeeded(await fn.invoke({}))).toEqual({ initialized: true })
  })

  it('reports a crashed process as Runtime.ExitError, and starts a fresh one next time', async () => {
    const fn = await start({ handler: 'behave.handler' })
    const first = fn.pid!
    const out = await fn.invoke({ exit: 3 })
    expect(out.error).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${out.requestId} Error: Runtime exited with error: exit status 3`,
    })
    expect(fn.pid).toBeUndefined()
    const next = succeeded(await fn.invoke({}))
    expect(next.pid).not.toBe(first)
  })

  it('queues invocations beyond maxConcurrency: one process runs one at a time by default', async () => {
    const fn = await start({ handler: 'behave.handler' })
    const results = await Promise.all([fn.invoke({}), fn.invoke({}), fn.invoke({})])
    for (const out of results) expect(succeeded(out)).toEqual({ pid: fn.pid, mostAtOnce: 1 })
  })

  it('runs maxConcurrency invocations at once in one process (nodejs24.x)', async () => {
    const fn = await start({ handler: 'behave.handler', runtime: 'nodejs24.x', maxConcurrency: 2 })
    const results = await Promise.all([fn.invoke({}), fn.invoke({})])
    expect(results.map((out) => succeeded(out).mostAtOnce)).toContain(2)
  })

  it('rejects an aborted invocation with the signal’s reason, and starts a fresh process next time', async () => {
    const fn = await start({ handler: 'behave.handler', timeoutMs: 30_000 })
    const first = fn.pid!
    const controller = new AbortController()
    const started = join(scratch, `started-${first}`)
    const pending = fn.invoke({ hang: true, touch: started }, { signal: controller.signal })
    // Aborted once the handler runs, so the process itself must go.
    await vi.waitFor(() => expect(existsSync(started)).toBe(true), { timeout: 10_000, interval: 20 })
    controller.abort(new Error('the caller went away'))
    await expect(pending).rejects.toThrow('the caller went away')
    expect(succeeded(await fn.invoke({})).pid).not.toBe(first)
  })
})

describe('startFunctionEnvironment refuses bad options', () => {
  // Options made when the test runs: the layers exist only then.
  it.each([
    ['codeDir', () => ({ codeDir: join(codeDir, 'nope') }), 'options.codeDir must be an existing directory'],
    ['handler', () => ({ handler: '' }), "options.handler must be a Lambda handler string like 'index.handler'"],
    [
      'a layer',
      () => ({ layers: [modulesLayer, join(codeDir, 'nope')] }),
      'options.layers[1] must be an existing directory',
    ],
    [
      'a reserved variable',
      () => ({ environment: { _HANDLER: 'x.y' } }),
      'options.environment._HANDLER must be left out',
    ],
    ['runtime', () => ({ runtime: 'nodejs18.x' as never }), "options.runtime must be one of 'nodejs20.x'"],
    ['timeoutMs', () => ({ timeoutMs: 0 }), 'options.timeoutMs must be a positive number of milliseconds'],
  ])('names %s', async (_, options, message) => {
    const attempt = startFunctionEnvironment({ codeDir, handler: 'index.handler', ...options() })
    await expect(attempt).rejects.toThrow(ArgumentError)
    await expect(attempt).rejects.toThrow(`startFunctionEnvironment: ${message}`)
  })
})
