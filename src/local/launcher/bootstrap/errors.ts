/** Errors as the Lambda runtime names, logs and reports them. */
import util from 'node:util'
import type { InvocationError } from '../types.js'

/** An error whose `name` is a runtime error type (`Runtime.<name>`). */
export function runtimeError(name: string, message: string): Error {
  const error = new Error(message)
  error.name = `Runtime.${name}`
  return error
}

function isErrorLike(value: unknown): value is Error {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Error).name === 'string' &&
    typeof (value as Error).message === 'string' &&
    typeof (value as Error).stack === 'string'
  )
}

/** The error as Lambda's Invoke API returns it. */
export function toInvocationError(error: unknown): InvocationError {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      return {
        errorType: error.name,
        errorMessage: error.message,
        stack: typeof error.stack === 'string' ? error.stack.split('\n') : [],
      }
    }
    return { errorType: typeof error, errorMessage: String(error), stack: [] }
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    }
  }
}

function withEnumerableProperties(value: unknown): unknown {
  if (value instanceof Error) {
    const copy: Record<string, unknown> = {
      errorType: value.name,
      errorMessage: value.message,
      code: (value as { code?: unknown }).code,
      ...value,
    }
    if (typeof value.stack === 'string') copy.stack = value.stack.split('\n')
    return copy
  }
  return value
}

/** How the runtime prints an error after its title in the text log format. */
function formatted(error: Error): string {
  try {
    return `\t${JSON.stringify(error, (_key, value: unknown) => withEnumerableProperties(value))}`
  } catch {
    return `\t${JSON.stringify(toInvocationError(error))}`
  }
}

/** What was thrown, as an Error (a string becomes its message). */
export function intoError(value: unknown): Error {
  return value instanceof Error ? value : new Error(value as string)
}

/** Logs an error as the runtime does (`Invoke Error`, `Uncaught Exception`, ...), in either log format. */
export function logError(title: string, error: unknown, jsonLogs: boolean): void {
  if (jsonLogs) console.error(intoError(error))
  else console.error(title, formatted(intoError(error)))
}
