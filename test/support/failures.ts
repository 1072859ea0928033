import { stripVTControlCharacters } from 'node:util'

/**
 * The failure message of an assertion as a terminal shows it, without colours, with the poll line's counts and times
 * normalised (`Polled <n> times over <t> s`); fails if the assertion passes.
 *
 * @example
 * expect(await failureOf(expect(client).toEventuallyProject('Balance', 'a-1', {}, SHORT))).toMatchInlineSnapshot()
 */
export async function failureOf(assertion: Promise<unknown>): Promise<string> {
  const error = await assertion.then(
    () => {
      throw new Error('expected the assertion to fail')
    },
    (failure: unknown) => failure as Error,
  )
  return stripVTControlCharacters(error.message).replace(
    /^Polled \d+ times? over \d+\.\d s/m,
    'Polled <n> times over <t> s',
  )
}
