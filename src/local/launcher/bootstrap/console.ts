/**
 * `console`, patched as the runtime patches it: each line carries the time, the request id and the
 * level (text format), or is one JSON object (`AWS_LAMBDA_LOG_FORMAT=JSON`); levels below
 * `AWS_LAMBDA_LOG_LEVEL` are dropped.
 */
import util from 'node:util'
import { invocationScope } from './channel.js'

/** The runtime's symbol for the request id of the invocation in flight. */
export const REQUEST_ID_SYMBOL = Symbol.for('aws.lambda.runtime.requestId')

const LEVELS = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 } as const
type Level = keyof typeof LEVELS

function currentRequestId(): unknown {
  const scope = invocationScope.getStore()
  return scope ? scope.requestId : (globalThis as Record<symbol, unknown>)[REQUEST_ID_SYMBOL]
}

function errorFields(error: Error): Record<string, unknown> {
  return {
    errorType: error?.constructor?.name || 'UnknownError',
    errorMessage: error.message,
    stackTrace: typeof error.stack === 'string' ? error.stack.split('\n') : error.stack,
  }
}

function jsonLine(timestamp: string, level: Level, requestId: unknown, params: unknown[]): string {
  const entry: Record<string, unknown> = { timestamp, level, requestId }
  if (params.length === 1) {
    entry.message = params[0]
    try {
      return JSON.stringify(entry, (_key, value: unknown) =>
        value instanceof Error ? Object.assign(errorFields(value), value) : value,
      )
    } catch {
      entry.message = util.format(entry.message)
      return JSON.stringify(entry)
    }
  }
  entry.message = util.format(...params)
  const error = params.find((param): param is Error => param instanceof Error)
  if (error) Object.assign(entry, errorFields(error))
  return JSON.stringify(entry)
}

/** Patches `console` from the environment's log settings; returns whether the format is JSON. */
export function patchConsole(env: NodeJS.ProcessEnv): { jsonLogs: boolean } {
  const minimumLevel = LEVELS[String(env.AWS_LAMBDA_LOG_LEVEL ?? '').toUpperCase() as Level] ?? LEVELS.TRACE
  const jsonLogs = String(env.AWS_LAMBDA_LOG_FORMAT ?? '').toUpperCase() === 'JSON'
  const write = (level: Level, params: unknown[]) => {
    const timestamp = new Date().toISOString()
    const requestId = currentRequestId()
    const line = jsonLogs
      ? jsonLine(timestamp, level, requestId, params)
      : `${timestamp}\t${requestId}\t${level}\t${util.format(...params)}`
    process.stdout.write(`${line}\n`)
  }
  const at =
    (level: Level) =>
    (...params: unknown[]): void => {
      if (LEVELS[level] >= minimumLevel) write(level, params)
    }
  const patched = console as Console & { fatal?: (...params: unknown[]) => void }
  patched.trace = at('TRACE')
  patched.debug = at('DEBUG')
  patched.info = at('INFO')
  patched.log = patched.info
  patched.warn = at('WARN')
  patched.error = at('ERROR')
  patched.fatal = at('FATAL')
  return { jsonLogs }
}
