/**
 * The layer's `handler.mjs`: the handler Lambda runs once the stakeout wrapper script pointed
 * `_HANDLER` here. At load (INIT) it installs the interceptor, then loads the function's own handler
 * from `STAKEOUT_ORIGINAL_HANDLER` exactly as the runtime would; every invocation then runs through
 * the interceptor, which writes its recorded calls before the result goes back to the runtime.
 *
 * Without an interceptor table configured it still runs the function's handler, unintercepted,
 * after one log line: a misconfigured test setup must not take the function down.
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { hasCredentialsInEnv } from './aws-environment.js'
import { installInterceptor, settingsFromEnv } from './interceptor.js'
import { loadHandler } from './load-handler.js'
import { HandlerLoadError } from './runtime-client.js'
import { ENV, LAYER } from './schema.js'
import { wrapHandler } from './wrap-handler.js'

const originalHandler = process.env[ENV.originalHandler]
if (!originalHandler) {
  throw new HandlerLoadError(
    'Runtime.MalformedHandlerName',
    `[stakeout] ${ENV.originalHandler} is not set: the function must start through the stakeout wrapper (AWS_LAMBDA_EXEC_WRAPPER=${LAYER.defaultRoot}/${LAYER.wrapper})`,
  )
}
const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd()
const here = path.dirname(fileURLToPath(import.meta.url))
if (path.resolve(taskRoot, originalHandler.slice(0, originalHandler.lastIndexOf('.'))) === path.join(here, 'handler')) {
  throw new HandlerLoadError(
    'Runtime.MalformedHandlerName',
    `[stakeout] ${ENV.originalHandler} points at stakeout's own handler (${originalHandler}): the wrapper ran twice?`,
  )
}

const { settings, problems } = settingsFromEnv(process.env)
for (const problem of settings ? problems : []) console.warn(`[stakeout] ${problem}`)
if (!settings) {
  const advice = process.env[ENV.table]
    ? 'Run the function on Lambda (or with invokeHandler from stakeout/local), which sets it.'
    : `applyHttpInterceptor sets it; when adding the layer by hand, set it to the name of the interceptor table.`
  console.warn(`[stakeout] ${problems.join('; ')}: outbound calls are not intercepted. ${advice}`)
}
const interceptor = settings
  ? installInterceptor(settings, async () => (await import('./store.js')).openInterceptorStore(settings))
  : undefined
// Off Lambda (a local run with a profile, SSO or a container endpoint), fetching credentials takes longer than a
// call waits for the rules: start it at INIT. On Lambda they are in the environment and INIT loads nothing more.
if (interceptor && !hasCredentialsInEnv(process.env)) interceptor.openTableEarly()

const user = await loadHandler(taskRoot, originalHandler)

/** The function's handler, run inside the interceptor. */
export const handler = wrapHandler(user, (context, call) => {
  if (!interceptor) return call()
  const requestId = (context as { awsRequestId?: unknown } | undefined)?.awsRequestId
  return interceptor.run(
    typeof requestId === 'string' && requestId ? requestId : randomUUID(),
    call,
    deadlineOf(context),
  )
})

/** When Lambda ends this invocation (epoch ms), from `context.getRemainingTimeInMillis()`, read once at its start. */
function deadlineOf(context: unknown): number | undefined {
  try {
    const remaining = (context as { getRemainingTimeInMillis?: unknown } | undefined)?.getRemainingTimeInMillis
    const deadline = typeof remaining === 'function' ? Date.now() + Number(remaining.call(context)) : Number.NaN
    return Number.isFinite(deadline) ? deadline : undefined
  } catch {
    return undefined
  }
}
