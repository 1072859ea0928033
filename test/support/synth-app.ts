import { mkdir, mkdtemp } from 'node:fs/promises'
import { join } from 'node:path'
import { App } from 'aws-cdk-lib'

/** Where test apps are synthesized: inside the project, so a function's `import '@aws-sdk/…'` resolves. */
const ASSEMBLIES = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'stakeout', 'test-assemblies')

/**
 * A CDK app built by `build`, synthesized in this process into a fresh directory inside the project's cache (so a
 * function's `require('@aws-sdk/client-dynamodb')` resolves from the project's node_modules, as the local runtime
 * needs); the directory, ready for `startLocal({ app })`.
 *
 * @example
 * const app = await startLocal({ app: await synthesizeTestApp('shop', buildShop) })
 */
export async function synthesizeTestApp(prefix: string, build: (app: App) => unknown): Promise<string> {
  await mkdir(ASSEMBLIES, { recursive: true })
  const outdir = await mkdtemp(join(ASSEMBLIES, `${prefix}-`))
  const app = new App({ outdir })
  build(app)
  app.synth()
  return outdir
}
