/**
 * What {@link StateMachineClient.start} reads from its arguments (the input as JSON, the options checked) and from
 * the answer (the output decoded, the execution's name).
 */
import { ArgumentError, atUserLine } from '../../errors.js'

const START_KEYS: readonly string[] = ['wait', 'name', 'signal']
/** Execution names (StartExecution's `name`): 1 to 80 characters, none of these. */
const BAD_NAME_CHARACTER = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]/u

/**
 * The execution's input as JSON text; none is `{}`.
 *
 * @param label the client, as messages name it; `boundary` is the method whose caller's line the error points at
 * @throws {ArgumentError} `input` has no JSON text (a function, a cycle, a BigInt)
 * @example
 * const text = startInput('StateMachineClient(Statement)', { accountId: 'acc-1' }, client.start)
 */
export function startInput(label: string, input: unknown, boundary: Function): string {
  if (input === undefined) return '{}'
  let json: string | undefined
  try {
    json = JSON.stringify(input)
  } catch (error) {
    throw atUserLine(
      new ArgumentError(`${label}.start`, 'input', `JSON (${(error as Error).message})`, input),
      boundary,
    )
  }
  if (json === undefined) {
    throw atUserLine(
      new ArgumentError(
        `${label}.start`,
        'input',
        'a JSON value: an object, array, string, number, boolean or null',
        input,
      ),
      boundary,
    )
  }
  return json
}

/**
 * The options of one start, checked.
 *
 * @throws {ArgumentError} an unknown option, or one of the wrong kind (named in the message)
 * @example
 * const { wait, name } = startOptions('StateMachineClient(Statement)', { wait: true }, client.start)
 */
export function startOptions(
  label: string,
  options: unknown,
  boundary: Function,
): { wait: boolean; name?: string; signal?: AbortSignal } {
  const fail = (argument: string, expectation: string, received: unknown): never => {
    throw atUserLine(new ArgumentError(`${label}.start`, argument, expectation, received), boundary)
  }
  if (options === null || typeof options !== 'object') fail('options', 'an object like { wait, name }', options)
  const record = options as Record<string, unknown>
  for (const key of Object.keys(record)) {
    if (!START_KEYS.includes(key)) fail(`options.${key}`, `absent (one of ${START_KEYS.join(', ')})`, record[key])
  }
  const { wait, name, signal } = record
  if (wait !== undefined && typeof wait !== 'boolean') fail('options.wait', 'a boolean', wait)
  if (
    name !== undefined &&
    (typeof name !== 'string' || name.length < 1 || name.length > 80 || BAD_NAME_CHARACTER.test(name))
  ) {
    fail('options.name', '1 to 80 characters without whitespace, brackets, wildcards or "#%\\^|~`$&,;:/', name)
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) fail('options.signal', 'an AbortSignal', signal)
  return {
    wait: wait === true,
    ...(name === undefined ? {} : { name: name as string }),
    ...(signal === undefined ? {} : { signal: signal as AbortSignal }),
  }
}

/**
 * An output's JSON text, decoded; kept as text when it does not parse.
 *
 * @example
 * decodeOutput('{"balance":120}') // { balance: 120 }
 */
export function decodeOutput(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * The name in `arn:aws:states:<region>:<account>:execution:<machine>:<name>` (`express:<machine>:<name>:<id>`).
 *
 * @example
 * nameOfExecution('arn:aws:states:eu-west-1:123456789012:execution:Statement:run-1') // 'run-1'
 */
export function nameOfExecution(executionArn: string): string {
  return executionArn.split(':')[7] ?? executionArn
}
