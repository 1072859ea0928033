/**
 * How the layer's handler.mjs finds and calls the function's own handler: the same resolution as
 * Lambda's Node.js runtime (module root, extensions, CommonJS and ESM, nested names, absolute
 * paths, NODE_PATH, the runtime's error types). Each case is a real child process started through
 * the wrapper script. These handlers make no outbound calls, so the table is never touched.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { interceptorLayerRoot } from '../../../src/build/interceptor-layer.js'
import { FIXTURES, type RunOptions, runFunction } from './fixtures/harness.js'

let layerRoot: string
let emptyTaskRoot: string

beforeAll(() => {
  layerRoot = interceptorLayerRoot()
  emptyTaskRoot = mkdtempSync(path.join(tmpdir(), 'stakeout-task-'))
})

afterAll(() => {
  rmSync(emptyTaskRoot, { recursive: true, force: true })
})

function start(handler: string, options: Partial<RunOptions> = {}) {
  return runFunction({
    layerRoot,
    handler,
    functionName: `fn-${randomUUID()}`,
    tableName: 'never-read',
    dynamodbEndpoint: 'http://127.0.0.1:9',
    invocations: [{ event: { hello: 'world' }, requestId: 'request-1' }],
    ...options,
  })
}

describe('finding the handler', () => {
  it.each([
    ['an ES module (.mjs)', 'handlers/esm.handler', { kind: 'esm', event: { hello: 'world' }, requestId: 'request-1' }],
    ['a CommonJS module (.cjs)', 'handlers/cjs.handler', { kind: 'cjs', event: { hello: 'world' } }],
    ['a .js file in a CommonJS package', 'handlers/commonjs/index.handler', { kind: 'commonjs .js' }],
    ['a .js file in a "type": "module" package', 'handlers/module-js/index.handler', { kind: 'module .js' }],
    ['a nested property path', 'handlers/nested.api.v1.handler', { kind: 'nested' }],
    ['a CommonJS handler only on module.exports (default)', 'handlers/dynamic.handler', { kind: 'default only' }],
  ])('loads %s', async (_, handler, value) => {
    const outcome = await start(handler)
    expect(outcome.initError).toBeUndefined()
    expect(outcome.results).toEqual([{ requestId: 'request-1', ok: true, value }])
  })

  it('loads a CommonJS handler as the runtime client would: require on nodejs22.x, import() on nodejs24.x', async () => {
    const v3 = await start('handlers/loaded-by.handler', { env: { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' } })
    expect(v3.results[0]?.value).toEqual({ loadedBy: 'require' })
    const v4 = await start('handlers/loaded-by.handler', { env: { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' } })
    expect(v4.results[0]?.value).toEqual({ loadedBy: 'import' })
  })

  it('finds a handler on the default export on nodejs24.x only, as the runtime clients do', async () => {
    const v4 = await start('handlers/default-only.handler', { env: { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' } })
    expect(v4.results[0]?.value).toEqual({ foundOn: 'default' })
    const v3 = await start('handlers/default-only.handler', { env: { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' } })
    expect(v3.initError).toEqual({
      name: 'Runtime.HandlerNotFound',
      message: 'handlers/default-only.handler is undefined or not exported',
    })
  })

  it('loads an absolute handler path, whatever the task root', async () => {
    const outcome = await start(`${FIXTURES}/handlers/esm.handler`, { taskRoot: emptyTaskRoot })
    expect(outcome.results[0]?.value).toMatchObject({ kind: 'esm' })
  })

  it('falls back to NODE_PATH, as the runtime does for /opt/nodejs/node_modules', async () => {
    const outcome = await start('shared-handler.handler', {
      taskRoot: emptyTaskRoot,
      env: { NODE_PATH: path.join(FIXTURES, 'handlers', 'node-path') },
    })
    expect(outcome.results[0]?.value).toEqual({ kind: 'found through NODE_PATH' })
  })

  it('uses the working directory when LAMBDA_TASK_ROOT is not set', async () => {
    const outcome = await start(path.relative(process.cwd(), path.join(FIXTURES, 'handlers/esm.handler')), {
      env: { LAMBDA_TASK_ROOT: undefined },
    })
    expect(outcome.results[0]?.value).toMatchObject({ kind: 'esm' })
  })

  it('keeps a STAKEOUT_ORIGINAL_HANDLER set before the wrapper ran', async () => {
    const outcome = await start('handlers/not-a-function.handler', {
      env: { STAKEOUT_ORIGINAL_HANDLER: 'handlers/cjs.handler' },
    })
    expect(outcome.results[0]?.value).toMatchObject({ kind: 'cjs' })
  })
})

describe('failing at INIT with the runtime error types', () => {
  it.each([
    [
      'a handler path with ..',
      '../handlers/esm.handler',
      'Runtime.MalformedHandlerName',
      'is not a valid handler name',
    ],
    ['a handler without a property', 'handlers/esm', 'Runtime.MalformedHandlerName', 'Bad handler'],
    ['a missing module', 'handlers/missing.handler', 'Runtime.ImportModuleError', "Cannot find module 'missing'"],
    [
      'a missing export',
      'handlers/esm.nope',
      'Runtime.HandlerNotFound',
      'handlers/esm.nope is undefined or not exported',
    ],
    [
      'an export that is not a function',
      'handlers/not-a-function.handler',
      'Runtime.HandlerNotFound',
      'is not a function',
    ],
  ])('refuses %s', async (_, handler, name, message) => {
    const outcome = await start(handler)
    expect(outcome.initError).toEqual({ name, message: expect.stringContaining(message) })
    expect(outcome.exitCode).toBe(1)
  })

  it('refuses to load itself as the original handler (the wrapper ran twice)', async () => {
    const outcome = await start('handlers/esm.handler', {
      env: { STAKEOUT_ORIGINAL_HANDLER: path.join(layerRoot, 'stakeout', 'handler.handler') },
    })
    expect(outcome.initError?.message).toContain('wrapper ran twice')
  })
})
