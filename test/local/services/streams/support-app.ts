import { mkdir, mkdtemp } from 'node:fs/promises'
import { join } from 'node:path'
import { App } from 'aws-cdk-lib'
import { buildStreamsApp } from './fixtures/streams-stack.js'

/**
 * The streams app synthesized in this process into a fresh directory inside the project (so a function's
 * `require('@aws-sdk/client-dynamodb')` resolves from the project's node_modules, as the local runtime needs).
 */
export async function synthesizeStreamsApp(): Promise<string> {
  const root = join(
    import.meta.dirname,
    '..',
    '..',
    '..',
    '..',
    'node_modules',
    '.cache',
    'stakeout',
    'test-assemblies',
  )
  await mkdir(root, { recursive: true })
  const outdir = await mkdtemp(join(root, 'streams-'))
  const app = new App({ outdir })
  buildStreamsApp(app)
  app.synth()
  return outdir
}
