import { fileURLToPath } from 'node:url'
import { type LocalHandler, startHandler } from '../../../src/local/invoke-handler.js'
import type { LambdaInvoker } from '../../../src/local/services/lambda-endpoint.js'

/** The handler file whose exports the invoker serves, one function per export. */
export const FUNCTIONS_FILE = fileURLToPath(new URL('./fixtures/functions.mjs', import.meta.url))

/** The exports of fixtures/functions.mjs. */
export type FunctionExport = 'echo' | 'fail' | 'chatty' | 'huge' | 'touch' | 'slow'

/** An invoker over real handler processes (startHandler), as a local app's pool is, plus what it was asked. */
export interface HandlersInvoker extends LambdaInvoker {
  /** The names of the invocations started, in order. */
  readonly started: string[]
  stop(): Promise<void>
}

/**
 * Starts one handler process per export of fixtures/functions.mjs, each served under `<prefix><export>`. Honours
 * the endpoint's abort signal the way a pool would: the invocation rejects.
 */
export async function startHandlersInvoker(exports: readonly FunctionExport[], prefix = ''): Promise<HandlersInvoker> {
  const handlers = new Map<string, LocalHandler>()
  await Promise.all(
    exports.map(async (name) => {
      const functionName = `${prefix}${name}`
      handlers.set(functionName, await startHandler({ entry: FUNCTIONS_FILE, handler: name, functionName }))
    }),
  )
  const started: string[] = []
  return {
    started,
    has: (functionName) => handlers.has(functionName),
    invoke(functionName, event, options) {
      const handler = handlers.get(functionName)
      if (handler === undefined) return undefined
      started.push(functionName)
      const invocation = handler.invoke(event, {
        ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
        ...(options.clientContext === undefined ? {} : { clientContext: options.clientContext }),
      })
      const signal = options.signal
      if (signal === undefined) return invocation
      return new Promise((resolve, reject) => {
        const aborted = () => reject(signal.reason)
        if (signal.aborted) aborted()
        signal.addEventListener('abort', aborted, { once: true })
        invocation.then(resolve, reject).finally(() => signal.removeEventListener('abort', aborted))
      })
    },
    async stop() {
      await Promise.all([...handlers.values()].map((handler) => handler.stop()))
    },
  }
}
