/**
 * stakeout/runtime runs inside Lambda: bundled as NodejsFunction bundles a user's dispatch (esbuild, @aws-sdk/* left
 * to the runtime), it holds nothing of CDK, a test runner or the test side.
 */
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../../', import.meta.url))

describe('stakeout/runtime', () => {
  it('bundles from src/runtime and src/errors.ts alone, the AWS SDK left external', async () => {
    const out = await build({
      entryPoints: [`${root}src/runtime/index.ts`],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      external: ['@aws-sdk/*'],
      absWorkingDir: root,
      logLevel: 'silent',
    })
    const inputs = Object.keys(out.metafile.inputs)
    expect(inputs.filter((input) => !/^src\/(runtime\/|errors\.ts$)/.test(input))).toEqual([])
    const external = Object.values(out.metafile.outputs).flatMap((output) => output.imports.map((i) => i.path))
    expect([...new Set(external)].filter((path) => !path.startsWith('node:')).sort()).toEqual([
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/client-eventbridge',
      '@aws-sdk/util-dynamodb',
    ])
  })
})
