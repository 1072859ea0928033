import { inspect } from 'node:util'

/** Base class of every error stakeout throws on purpose, so a test can tell them from its own. */
export class StakeoutError extends Error {
  override name = 'StakeoutError'
}

/**
 * A bad argument: names the function, the argument and what it must be.
 *
 * @example
 * throw new ArgumentError('toHaveCalled', 'url', 'a string or RegExp', 42)
 * // toHaveCalled: url must be a string or RegExp, received number 42
 */
export class ArgumentError extends StakeoutError {
  override name = 'ArgumentError'
  /** The argument (or `argument.field`) that was wrong. */
  readonly argument: string

  constructor(callee: string, argument: string, expectation: string, received: unknown) {
    super(`${callee}: ${argument} must be ${expectation}, received ${describeValue(received)}`)
    this.argument = argument
  }
}

/**
 * Throws an {@link ArgumentError} whose stack starts at the caller of `boundary`
 * (the user's line), not inside stakeout.
 */
export function failArgument(
  boundary: Function,
  callee: string,
  argument: string,
  expectation: string,
  received: unknown,
): never {
  throw atUserLine(new ArgumentError(callee, argument, expectation, received), boundary)
}

/**
 * The stack frames above `boundary` (the user's line), without a header line. Capture it before the
 * first `await`: after it, the user's frames are gone from the stack.
 *
 * @example
 * const site = callSite(eventually)
 * await poll()
 * throw atUserLine(new EventuallyTimeoutError(message, outcome), site)
 */
export function callSite(boundary: Function): string {
  const holder: { stack?: string } = {}
  Error.captureStackTrace(holder, boundary)
  const stack = holder.stack ?? ''
  const newline = stack.indexOf('\n')
  // With `boundary` not on the stack V8 keeps no frame, only the header: there is no user's line.
  return newline === -1 ? '' : stack.slice(newline + 1)
}

/**
 * Points `error`'s stack at the user's line, so the runner shows their code, not stakeout's: `site` is
 * the function the user called (the frames above it now), or frames kept by {@link callSite} (none kept:
 * the stack stays as it is). Returns `error`; anything not an Error is returned as it is.
 *
 * @example
 * try { validateMatcher('toHaveCalled', 'options', fields) } catch (error) { throw atUserLine(error, toHaveCalled) }
 */
export function atUserLine<E>(error: E, site: Function | string): E {
  if (!(error instanceof Error)) return error
  if (typeof site === 'function') Error.captureStackTrace(error, site)
  else if (site !== '') error.stack = `${error.name}: ${error.message}\n${site}`
  return error
}

/**
 * {@link atUserLine} for errors stakeout throws on purpose ({@link StakeoutError}) only: anything else (a
 * bug, an AWS SDK error) keeps its own stack, which says where it came from. No `site`: `error` as it is.
 *
 * @example
 * const site = callSite(this.mock)
 * return client.mock(request, response).catch((error: unknown) => Promise.reject(restack(error, site)))
 */
export function restack(error: unknown, site: Function | string | undefined): unknown {
  if (!(error instanceof StakeoutError) || site === undefined) return error
  // Frames taken here, not by captureStackTrace on the error: without `site` on the stack the error keeps its own.
  return atUserLine(error, typeof site === 'string' ? site : callSite(site))
}

/**
 * An error for a failure message: `TypeError [ECONNREFUSED]: fetch failed`, cut at `limit` characters;
 * a thrown non-Error as {@link describeValue} shows it.
 *
 * @example
 * lines.push(`Last error: ${describeError(outcome.lastError)}`)
 */
export function describeError(error: unknown, limit = 2000): string {
  if (!(error instanceof Error)) return describeValue(error)
  const code = 'code' in error && typeof error.code === 'string' ? ` [${error.code}]` : ''
  const text = `${error.name}${code}: ${error.message}`
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length - limit} more characters)`
}

/**
 * `number 42`, `string "x"`, `undefined`, `null`, `array [1,2]`, `object {…}`: what a user needs to spot the mistake.
 *
 * @example
 * describeValue(42) // 'number 42'
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  const kind = Array.isArray(value) ? 'array' : value instanceof RegExp ? 'RegExp' : typeof value
  return `${kind} ${inspect(value, { depth: 2, breakLength: Number.POSITIVE_INFINITY, maxStringLength: 80 })}`
}

/**
 * An append lost a race: another writer stored an event of the aggregate at the same version first (optimistic
 * concurrency, as a conditional write on the ledger's `aggregateId` / `version` key refuses it).
 *
 * @example
 * try {
 *   await ledger.append('acct-1', { type: 'Debit', payload: { amount: 50 } }, { expectedVersion: 3 })
 * } catch (error) {
 *   if (error instanceof VersionConflictError) console.log(error.aggregateId, error.version, error.storedVersion)
 * }
 */
export class VersionConflictError extends StakeoutError {
  override name = 'VersionConflictError'
  /** The aggregate appended to. */
  readonly aggregateId: string
  /** The version the append tried to write (the first of its events). */
  readonly version: number
  /** The aggregate's last version, read after the conflict; `undefined` when it could not be read. */
  readonly storedVersion: number | undefined

  constructor(aggregateId: string, version: number, storedVersion?: number, options?: ErrorOptions) {
    const stored = storedVersion === undefined ? '' : ` (the ledger now holds version ${storedVersion})`
    super(
      `Version conflict on aggregate ${JSON.stringify(aggregateId)}: version ${version} is already stored${stored}. ` +
        'Another append won the race: read the aggregate again and retry with its new version.',
      options,
    )
    this.aggregateId = aggregateId
    this.version = version
    this.storedVersion = storedVersion
  }
}
