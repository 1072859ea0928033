import { readdir, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ArgumentError, StakeoutError } from '../../../src/errors.js'
import { startLocal } from '../../../src/local/index.js'
import { CATALOG_COMMAND, CATALOG_DIR, copyAssembly, synthesizeCatalog } from './support.js'

let assembly: string
const made: string[] = []

beforeAll(async () => {
  assembly = await synthesizeCatalog()
  made.push(assembly)
}, 120_000)

afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })))
})

/** The error `startLocal` rejects with (it must reject). */
async function failure(options: Parameters<typeof startLocal>[0]): Promise<Error> {
  return startLocal(options).then(
    async (app) => {
      await app.stop()
      return new Error('expected startLocal to fail')
    },
    (error: unknown) => error as Error,
  )
}

describe('startLocal from a cdk.out directory', () => {
  it('brings up an assembly synthesized without asset metadata (code found through the assets manifest)', async () => {
    const lines: string[] = []
    const app = await startLocal({ app: assembly, log: (line) => lines.push(line) })
    try {
      expect(lines[0]).toMatch(new RegExp(`^cloud assembly: CatalogStack read from ${assembly} in \\d+\\.\\d\\d s$`))
      const out = await app.invoke('AddBook', { shelf: 'A', isbn: '1', title: 't', author: 'a', year: 2 })
      expect(out.error).toBeUndefined()
      expect((out.result as { label: string }).label).toBe('shelf A (from the Shelf layer)')
      // The assembly is the user's: stop() leaves it in place.
    } finally {
      await app.stop()
    }
    expect(await readdir(assembly)).toContain('manifest.json')
  })
})

describe('startLocal with a function it cannot run', () => {
  it('lists a function whose layer is not of this stack in the warning, refuses it, and runs the rest', async () => {
    const withExternalLayer = await synthesizeCatalog({ externalLayer: true })
    made.push(withExternalLayer)
    const lines: string[] = []
    const app = await startLocal({ app: withExternalLayer, log: (line) => lines.push(line) })
    try {
      const reason =
        'its layer arn:aws:lambda:us-east-1:094274105915:layer:AWSLambdaPowertoolsTypeScriptV2:1 (Layers[0]) is not a layer of this stack, so it cannot be mounted locally'
      const traced = app.resources.resolve('Traced', { type: 'AWS::Lambda::Function' })
      const warning = lines.find((line) => line.startsWith('startLocal:'))
      expect(warning?.split('\n')).toContain(
        `  AWS::Lambda::Function ${traced.logicalId} CatalogStack/Traced: ${reason}; invoking it fails`,
      )
      await expect(app.invoke('Traced', {})).rejects.toThrow(`function CatalogStack/Traced: ${reason}`)
      expect((await app.invoke('Describe', { ok: 1 })).result).toMatchObject({ echo: { ok: 1 } })
    } finally {
      await app.stop()
    }
  })
})

describe('startLocal refuses bad input, naming the cause', () => {
  it('an app path that does not exist', async () => {
    const error = await failure({ app: './no-such-cdk.out', cwd: CATALOG_DIR })
    expect(error).toBeInstanceOf(StakeoutError)
    expect(error.message).toBe(
      `startLocal: app "./no-such-cdk.out" does not exist (looked for ${join(CATALOG_DIR, 'no-such-cdk.out')}): give a synthesized cloud assembly (cdk.out) or an app command like 'npx tsx bin/app.ts'.`,
    )
  })

  it('a directory that is not a cloud assembly', async () => {
    const error = await failure({ app: 'functions', cwd: CATALOG_DIR })
    expect(error.message).toMatch(/^startLocal: app "functions" is a directory with no manifest.json/)
  })

  it('a synth that fails, showing its own output', async () => {
    const error = await failure({ app: `CATALOG_FAIL_SYNTH=shelves-overflow ${CATALOG_COMMAND}`, cwd: CATALOG_DIR })
    expect(error.message).toMatch(
      /^startLocal: the app command ".*" exited with code 1 \(in .*catalog\)\. Its output:\n/,
    )
    expect(error.message).toContain('Error: catalog: shelves-overflow')
  })

  it('an app with several stacks and none chosen, listing them', async () => {
    const twoStacks = await synthesizeCatalog({ secondStack: true })
    made.push(twoStacks)
    const error = await failure({ app: twoStacks })
    expect(error.message).toBe(
      `startLocal: the app ${JSON.stringify(twoStacks)} has 2 stacks (CatalogStack, CatalogArchive): choose one with { stack }, e.g. startLocal({ app, stack: "CatalogStack" }) (STAKEOUT_APP_STACK=<name> for the global setup and npx stakeout local).`,
    )
    const unknown = await failure({ app: twoStacks, stack: 'Nope' })
    expect(unknown.message).toContain('no stack named "Nope"')
  })

  it('an asset directory missing from the assembly', async () => {
    const broken = await copyAssembly(assembly)
    made.push(broken)
    const assets = (await readdir(broken)).filter((name) => name.startsWith('asset.'))
    // Remove AddBook's code: the asset that holds index.js and no layer layout.
    for (const asset of assets) {
      const files = await readdir(join(broken, asset))
      if (files.includes('index.js')) await rm(join(broken, asset), { recursive: true })
    }
    const error = await failure({ app: broken })
    expect(error.message).toMatch(
      /^CatalogStack\/AddBook \(AWS::Lambda::Function\): its code asset .*asset\.[0-9a-f]{64} is missing from the cloud assembly/,
    )
  })

  it('a handler that does not exist in its asset', async () => {
    const missing = await synthesizeCatalog({ missingHandler: true })
    made.push(missing)
    const error = await failure({ app: missing })
    expect(error.message).toMatch(
      /^function CatalogStack\/AddBook: its handler "missing.handler" names module missing, which does not exist in its code asset .*asset\.[0-9a-f]{64} \(tried missing.js, missing.mjs, missing.cjs\)\.$/,
    )
  })

  it("DynamoDB Local's port taken, leaving nothing running", async () => {
    const server: Server = createServer()
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening))
    const port = (server.address() as { port: number }).port
    try {
      const error = await failure({ app: assembly, dynamodbPort: port })
      expect(error.message).toBe(
        `DynamoDB Local could not listen on port ${port}: it is already in use. Pass another port, or none to get a free one.`,
      )
    } finally {
      await new Promise((closed) => server.close(closed))
    }
  })

  it('options that are not what they must be', async () => {
    await expect(startLocal({ app: '' })).rejects.toThrow(
      new ArgumentError(
        'startLocal',
        'options.app',
        "a cdk.out directory or an app command like 'npx tsx bin/app.ts'",
        '',
      ),
    )
    await expect(startLocal({ app: assembly, log: 'yes' as never })).rejects.toThrow(
      "startLocal: options.log must be a function taking one line, received string 'yes'",
    )
    await expect(startLocal({ app: assembly, cwd: join(CATALOG_DIR, 'nowhere') })).rejects.toThrow(
      `startLocal: cwd ${join(CATALOG_DIR, 'nowhere')} is not a directory (the app command runs there)`,
    )
  })

  it('an aborted start stops what it started', async () => {
    const controller = new AbortController()
    let endpoint: string | undefined
    const started = startLocal({
      app: assembly,
      signal: controller.signal,
      log: (line) => {
        endpoint ??= /^DynamoDB Local: (\S+)/.exec(line)?.[1]
        if (endpoint !== undefined) controller.abort(new Error('no longer wanted'))
      },
    })
    await expect(started).rejects.toThrow('no longer wanted')
    expect(endpoint).toBeDefined()
    // DynamoDB Local was up when the start was aborted; it is stopped before startLocal rejects.
    await expect(fetch(endpoint as string)).rejects.toThrow()
  })
})
