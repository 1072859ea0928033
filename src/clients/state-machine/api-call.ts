/**
 * One Step Functions or CloudWatch Logs call of a {@link StateMachineClient}: a refusal, or no answer at all, becomes
 * a {@link StakeoutError} saying which call, of which machine, and why.
 */
import { describeValue, StakeoutError } from '../../errors.js'

/** Runs one API call of a client method (`logs`, `start`...): see {@link callApi}. */
export type ApiCall = <T>(method: string, call: () => Promise<T>, api?: string) => Promise<T>

/**
 * Runs `call`; an AWS error becomes a {@link StakeoutError} (with a hint for the usual ones), an unreachable endpoint
 * one that says so. Aborts and stakeout's own errors pass as they are.
 *
 * @param label the client, as messages name it: `StateMachineClient(Statement)`
 * @example
 * const out = await callApi('StateMachineClient(Statement)', 'describe', () => sfn.send(command))
 */
export async function callApi<T>(
  label: string,
  method: string,
  call: () => Promise<T>,
  api = 'Step Functions',
): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if (!(error instanceof Error)) throw new StakeoutError(`${label}.${method} failed: ${describeValue(error)}`)
    if (error.name === 'AbortError' || error instanceof StakeoutError) throw error
    const hint =
      error.name === 'StateMachineDoesNotExist'
        ? ' Check the ARN, and that the client reaches the region or endpoint the machine lives in.'
        : error.name === 'ResourceNotFoundException'
          ? ' The log group does not exist (yet): Step Functions creates no log group, the stack must.'
          : error.name === 'StateMachineTypeNotSupported'
            ? ' StartSyncExecution runs Express machines only.'
            : ''
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      // No answer at all (ECONNREFUSED, ENOTFOUND): the endpoint is wrong or down, not the request.
      throw new StakeoutError(
        `${label}.${method}: could not reach the ${api} API (${code}: ${error.message}). Check the ` +
          'endpoint and region the client was given, or that the local app is up.',
        { cause: error },
      )
    }
    throw new StakeoutError(`${label}.${method}: the ${api} API answered ${error.name}: ${error.message}.${hint}`, {
      cause: error,
    })
  }
}
