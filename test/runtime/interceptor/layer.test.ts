/**
 * The layer's build and its wrapper script: what ends up in the layer, where the CDK construct
 * finds it (source checkout or installed package), and how the wrapper rewrites the environment.
 */
import { execFile } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildInterceptorLayer, interceptorLayerRoot } from '../../../src/build/interceptor-layer.js'
import { LAYER } from '../../../src/runtime/interceptor/schema.js'

const run = promisify(execFile)
const packageDir = path.resolve(import.meta.dirname, '../../..')
let scratch: string

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'stakeout-layer-'))
})

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true })
})

/** Files statically imported from `file`, transitively (what loading it costs). */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen
  seen.add(file)
  const source = readFileSync(file, 'utf8')
  for (const [, specifier] of source.matchAll(/(?:^|[;\s}])import\s*(?:[^'"()]*?from\s*)?["'](\.\/[^"']+)["']/g)) {
    staticClosure(path.join(path.dirname(file), specifier!), seen)
  }
  return seen
}

describe('buildInterceptorLayer', () => {
  let root: string

  beforeAll(async () => {
    ;({ root } = await buildInterceptorLayer(path.join(scratch, 'built')))
  })

  it('writes the wrapper (executable), handler.mjs and llhttp.wasm under stakeout/', () => {
    const dir = path.join(root, LAYER.dir)
    expect(statSync(path.join(dir, LAYER.wrapper)).mode & 0o777).toBe(0o755)
    expect(existsSync(path.join(dir, LAYER.handlerModule))).toBe(true)
    expect(existsSync(path.join(dir, 'llhttp', 'llhttp.wasm'))).toBe(true)
    expect(readFileSync(path.join(dir, LAYER.wrapper), 'utf8')).toBe(
      readFileSync(path.join(packageDir, 'src/runtime/interceptor/wrapper'), 'utf8'),
    )
  })

  it('keeps the AWS SDK out of what handler.mjs loads at start-up', () => {
    const dir = path.join(root, LAYER.dir)
    const startup = staticClosure(path.join(dir, LAYER.handlerModule))
    expect(startup.size).toBeGreaterThan(1)
    // The DynamoDB service's target prefix is in the SDK only (our own log lines name its actions too).
    for (const file of startup) expect(readFileSync(file, 'utf8')).not.toContain('DynamoDB_20120810')
    // ...but it is in the layer, in a chunk loaded on the first outbound call.
    const all = readFileSync(path.join(dir, LAYER.handlerModule), 'utf8')
    const store = /import\("\.\/(store-[A-Z0-9]+\.mjs)"\)/.exec(all)?.[1]
    expect(store).toBeDefined()
    expect(readFileSync(path.join(dir, store!), 'utf8')).toContain('DynamoDB_20120810')
  })

  it('is what scripts/build-layer.mjs builds', async () => {
    const outdir = path.join(scratch, 'scripted')
    const runtimeOutdir = path.join(scratch, 'scripted-runtime')
    const { stdout } = await run(process.execPath, [
      path.join(packageDir, 'scripts/build-layer.mjs'),
      '--outdir',
      outdir,
      '--runtime-outdir',
      runtimeOutdir,
    ])
    expect(stdout).toMatch(/^interceptor layer: .+ \(\d+ KiB\)$/m)
    expect(stdout).toMatch(/^local runtime: .+bootstrap\.mjs \(\d+ KiB\)$/m)
    expect(existsSync(path.join(runtimeOutdir, 'bootstrap.mjs'))).toBe(true)
    const names = (dir: string) => readFileSync(path.join(dir, LAYER.dir, LAYER.handlerModule), 'utf8')
    expect(names(outdir)).toBe(names(root))
  })
})

describe('interceptorLayerRoot', () => {
  it('builds from the sources once, into node_modules/.cache, in a checkout', () => {
    const first = interceptorLayerRoot()
    expect(first).toMatch(/node_modules\/\.cache\/stakeout\/layer-[0-9a-f]{16}$/)
    const built = statSync(path.join(first, LAYER.dir, LAYER.handlerModule)).mtimeMs
    expect(interceptorLayerRoot()).toBe(first)
    expect(statSync(path.join(first, LAYER.dir, LAYER.handlerModule)).mtimeMs).toBe(built)
  })

  describe('in an installed package (no src/)', () => {
    let installed: string

    beforeAll(async () => {
      // An installed stakeout: package.json and dist/ only, dependencies from this checkout.
      installed = path.join(scratch, 'app', 'node_modules', 'stakeout')
      mkdirSync(path.join(installed, 'dist'), { recursive: true })
      writeFileSync(path.join(installed, 'package.json'), JSON.stringify({ name: 'stakeout', type: 'module' }))
      symlinkSync(path.join(packageDir, 'node_modules'), path.join(installed, 'node_modules'))
      for (const [format, file] of [
        ['esm', 'construct.js'],
        ['cjs', 'construct.cjs'],
      ] as const) {
        await build({
          entryPoints: [path.join(packageDir, 'src/build/interceptor-layer.ts')],
          outfile: path.join(installed, 'dist', file),
          bundle: true,
          platform: 'node',
          format,
          packages: 'external',
          logLevel: 'silent',
        })
      }
    })

    const layerRootFrom = async (file: string) => {
      const script = file.endsWith('.cjs')
        ? `console.log(require(${JSON.stringify(file)}).interceptorLayerRoot())`
        : `import(${JSON.stringify(file)}).then((m) => console.log(m.interceptorLayerRoot()))`
      return (await run(process.execPath, ['-e', script], { cwd: scratch })).stdout.trim()
    }

    it('fails with advice when dist/layer is missing', async () => {
      await expect(layerRootFrom(path.join(installed, 'dist', 'construct.js'))).rejects.toThrow(
        /interceptor layer is missing from .*dist\/layer .*run npm run build, or reinstall stakeout/,
      )
    })

    it('returns dist/layer, from the ESM and the CommonJS build', async () => {
      const handler = path.join(installed, 'dist', 'layer', LAYER.dir, LAYER.handlerModule)
      mkdirSync(path.dirname(handler), { recursive: true })
      writeFileSync(handler, '')
      expect(await layerRootFrom(path.join(installed, 'dist', 'construct.js'))).toBe(
        path.join(installed, 'dist', 'layer'),
      )
      expect(await layerRootFrom(path.join(installed, 'dist', 'construct.cjs'))).toBe(
        path.join(installed, 'dist', 'layer'),
      )
    })
  })
})

describe('the wrapper script', () => {
  // Where Lambda puts it (/opt/stakeout/wrapper), under a scratch root: it finds handler.mjs beside itself.
  let wrapper: string
  let layerDir: string
  beforeAll(() => {
    layerDir = path.join(scratch, 'opt', LAYER.dir)
    wrapper = path.join(layerDir, LAYER.wrapper)
    mkdirSync(layerDir, { recursive: true })
    writeFileSync(wrapper, readFileSync(path.join(packageDir, 'src/runtime/interceptor/wrapper')))
    chmodSync(wrapper, 0o755)
  })

  /** Runs the wrapper with `env` as the runtime command and returns the environment it produced. */
  async function environmentAfter(env: Record<string, string>, command = ['env']) {
    const { stdout } = await run('bash', [wrapper, ...command], { env: { PATH: process.env.PATH ?? '', ...env } })
    return Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    )
  }

  it('saves the handler, points _HANDLER at the handler beside it, and leaves NODE_OPTIONS alone', async () => {
    const env = await environmentAfter({ _HANDLER: 'src/index.handler', NODE_OPTIONS: '--enable-source-maps' })
    expect(env).toMatchObject({
      STAKEOUT_ORIGINAL_HANDLER: 'src/index.handler',
      _HANDLER: `${layerDir}/handler.handler`,
      NODE_OPTIONS: '--enable-source-maps',
    })
  })

  it('points _HANDLER at an absolute path when run by a relative one', async () => {
    const { stdout } = await run('bash', [path.join('opt', LAYER.dir, LAYER.wrapper), 'env'], {
      cwd: scratch,
      env: { PATH: process.env.PATH ?? '', _HANDLER: 'index.handler' },
    })
    expect(stdout.split('\n')).toContain(`_HANDLER=${layerDir}/handler.handler`)
  })

  it('uses STAKEOUT_LAYER_DIR, and keeps an original handler saved earlier', async () => {
    const env = await environmentAfter({
      _HANDLER: 'other.handler',
      STAKEOUT_ORIGINAL_HANDLER: 'src/index.handler',
      STAKEOUT_LAYER_DIR: '/layers/stakeout',
    })
    expect(env).toMatchObject({
      STAKEOUT_ORIGINAL_HANDLER: 'src/index.handler',
      _HANDLER: '/layers/stakeout/handler.handler',
    })
  })

  it('runs the next wrapper with the same arguments, after its own changes', async () => {
    const next = path.join(scratch, 'next-wrapper')
    writeFileSync(next, '#!/bin/bash\necho "next: $* handler=$_HANDLER"\n')
    chmodSync(next, 0o755)
    const { stdout } = await run('bash', [wrapper, '/var/lang/bin/node', '/var/runtime/index.mjs'], {
      env: { PATH: process.env.PATH ?? '', _HANDLER: 'index.handler', STAKEOUT_NEXT_WRAPPER: next },
    })
    expect(stdout.trim()).toBe(`next: /var/lang/bin/node /var/runtime/index.mjs handler=${layerDir}/handler.handler`)
  })
})
