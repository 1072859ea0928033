/**
 * An error as the interceptor's `[stakeout]` log lines name it: `Name: message`, or the message alone for
 * a plain `Error`, or the value as text.
 *
 * @example
 * describeError(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })) // 'TimeoutError: socket hang up'
 */
export function describeError(error: unknown): string {
  if (error instanceof Error)
    return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message
  return String(error)
}
