/**
 * How a Vitest project's local app reaches its workers: the global setup provides its manifest under
 * {@link PROVIDED_LOCAL_APP} (`project.provide`), and stakeout/vitest, in each worker, hands what it injects to
 * {@link adoptProvidedLocalApp} before any fixture resolves. One environment variable is shared by every project of
 * a run; a provided value is the project's own, so two projects of one run can each test their own app.
 * @packageDocumentation
 */
import { LOCAL_APP_ENV } from '../target/local-manifest.js'

/** The key of the project's local app in Vitest's provided context: its manifest, or `''` when it has none. */
export const PROVIDED_LOCAL_APP = 'stakeoutLocalApp'

/**
 * Makes the local app provided to this worker's project the one `resolveTarget()` reads (`STAKEOUT_LOCAL_APP`, so a
 * process the test starts inherits it too). `undefined` (the project has no stakeout global setup) leaves the
 * environment as it is; `''` (its global setup brought no app up) unsets a variable inherited from another project.
 *
 * @param manifestPath what `inject(PROVIDED_LOCAL_APP)` returned in this worker
 * @param env where `resolveTarget()` reads the variable
 * @example
 * adoptProvidedLocalApp(inject(PROVIDED_LOCAL_APP))
 */
export function adoptProvidedLocalApp(manifestPath: unknown, env: NodeJS.ProcessEnv = process.env): void {
  if (typeof manifestPath !== 'string') return
  if (manifestPath === '') delete env[LOCAL_APP_ENV]
  else env[LOCAL_APP_ENV] = manifestPath
}
