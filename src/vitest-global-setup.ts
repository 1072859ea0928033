/**
 * stakeout/vitest/global-setup: list it in Vitest's `globalSetup`. Once per run, before any test file:
 *
 * - `STAKEOUT_STACK` set: reads that deployed stack, so a wrong stack name, region or credentials fail the run once
 *   with one clear error instead of in every test;
 * - else `STAKEOUT_LOCAL_APP` set (`npx stakeout local` running elsewhere): checks that app, and tests use it;
 * - else it brings the app of `STAKEOUT_APP` (a `cdk.out`, a CDK project folder or an app command), or of the
 *   `cdk.json` at Vitest's `root`, up on this machine (`startLocal`), printing one line per step with its time;
 *   it hands the app to the project's workers (`project.provide`; stakeout/vitest reads it with `inject`), so each
 *   project of a run may test its own app, and the app stops when the run ends;
 * - with none of these, it brings nothing up (one line says so): tests that give their resources explicitly run.
 *
 * `STAKEOUT_LOCAL_FAULTS` (the JSON of `startLocal`'s `faults`), in the environment or in a project's `test.env`,
 * brings the local app up with delivery faults on.
 *
 * A failure to start fails the run once, before any test, with the app and the cause in the message.
 *
 * @example
 * // vitest.config.ts
 * export default defineConfig({
 *   test: { setupFiles: ['stakeout/vitest'], globalSetup: ['stakeout/vitest/global-setup'] },
 * })
 * @packageDocumentation
 */
import { faultsFromEnv, startRunTarget } from './run-target/index.js'
import { PROVIDED_LOCAL_APP } from './run-target/provided-app.js'

/** What Vitest hands a global setup (its `TestProject`): the project's root is read, and its app is provided. */
export interface GlobalSetupProject {
  /** The project's root, and its `test.env` (where `STAKEOUT_LOCAL_FAULTS` may turn faults on for this project's app). */
  readonly config: { readonly root: string; readonly env?: Readonly<Record<string, string | undefined>> }
  /** Vitest's `project.provide`: the project's workers read the value with `inject(key)`. */
  readonly provide?: (key: typeof PROVIDED_LOCAL_APP, value: string) => void
}

/**
 * Vitest's global setup hook: brings the run's target up (see the module's description) and returns the teardown
 * that stops what it started.
 *
 * @param project Vitest's `TestProject`: its `config.root` is where `cdk.json` is looked for
 * @throws {StakeoutError} the stack could not be read, or the local app could not be brought up
 * @example
 * // STAKEOUT_STACK=MyStack npx vitest run   → the deployed stack
 * // npx vitest run                          → the app of ./cdk.json, on this machine
 * const teardown = await setup(project)
 */
export default async function setup(project?: GlobalSetupProject): Promise<() => Promise<void>> {
  const faults = faultsFromEnv({ ...project?.config.env })
  const target = await startRunTarget({
    root: project?.config.root ?? process.cwd(),
    perProject: true,
    ...(faults === undefined ? {} : { faults }),
  })
  // '' too: a project with no app of its own must not test the one another project's setup put in the environment.
  project?.provide?.(PROVIDED_LOCAL_APP, target.localApp ?? '')
  return () => target.stop()
}
