/**
 * Which header and query parameter values are recorded as `[REDACTED]`: the one rule, applied by the
 * runtime to every recorded call and to the URLs in its own log lines, and imported by the test side.
 *
 * A name is secret when, split into words (at `-`, `_`, `.`, spaces, camelCase and digits, case
 * ignored), it holds:
 * - a secret word ({@link SECRET_WORDS}, or its plural): `authorization`, `x-auth-token`,
 *   `Private-Token`, `sessionToken`, `client_secret`, `X-Amz-Signature`, `X-Amz-Credential`;
 * - `key` right after one of {@link KEY_QUALIFIERS}, or joined to it in one word: `x-api-key`,
 *   `X-Goog-Api-Key`, `Ocp-Apim-Subscription-Key`, `apiKey`, `apikey`;
 * - a word that ends in token, secret, password or passwd (`x-sessiontoken`, `clientsecret`): header
 *   names reach the interceptor lower-case, so `X-SessionToken` is one word.
 *
 * Whole words only: `author`, `monkey`, `keyboard`, `tokenizer`, `passenger`, `x-idempotency-key`
 * stay in clear. A query parameter named exactly `key` (Google APIs' `?key=`) is secret too.
 */
import { ENV, REDACTED } from './schema.js'

/** Words that make a name secret, whole (a plural too): see the module's documentation. */
export const SECRET_WORDS: readonly string[] = [
  'assertion',
  'auth',
  'authorization',
  'cookie',
  'credential',
  'csrf',
  'jwt',
  'passphrase',
  'passwd',
  'password',
  'private',
  'pwd',
  'secret',
  'session',
  'sig',
  'signature',
  'token',
  'xsrf',
]

/** Words after which `key` is secret (`api-key`, `subscription-key`); `key` alone is not (`idempotency-key`). */
export const KEY_QUALIFIERS: readonly string[] = [
  'access',
  'account',
  'api',
  'app',
  'client',
  'master',
  'private',
  'secret',
  'signing',
  'subscription',
]

/** Endings that make a one-word compound secret (`accesstoken`, `clientsecret`). */
const SECRET_ENDINGS: readonly string[] = ['token', 'secret', 'password', 'passwd']
/** Query parameters secret by their whole name only. */
const SECRET_QUERY_NAMES: readonly string[] = ['key']

const secretWords = new Set(SECRET_WORDS)
const keyQualifiers = new Set(KEY_QUALIFIERS)
const keyCompounds = new Set(KEY_QUALIFIERS.map((word) => `${word}key`))

/**
 * The words of a name, lower-case: split at separators, camelCase humps and digits.
 *
 * @example
 * nameWords('X-Goog-Api-Key') // ['x', 'goog', 'api', 'key']
 * nameWords('sessionToken')   // ['session', 'token']
 * nameWords('APIKey2')        // ['api', 'key', '2']
 */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-zA-Z])(\d)|(\d)([a-zA-Z])/g, '$1$3 $2$4')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
}

/**
 * True when a header or query parameter of this name is recorded as `[REDACTED]` by default (see
 * the module's documentation for the rule).
 *
 * @example
 * isSecretName('Ocp-Apim-Subscription-Key') // true
 * isSecretName('refresh_token')              // true
 * isSecretName('author')                     // false
 */
export function isSecretName(name: string): boolean {
  const words = nameWords(name)
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!
    const singular = word.endsWith('s') ? word.slice(0, -1) : word
    if (secretWords.has(word) || secretWords.has(singular)) return true
    if (keyCompounds.has(word) || keyCompounds.has(singular)) return true
    if ((word === 'key' || word === 'keys') && index > 0 && keyQualifiers.has(words[index - 1]!)) return true
    if (SECRET_ENDINGS.some((ending) => singular.endsWith(ending))) return true
  }
  return false
}

/** What the runtime redacts, read once from the function's environment. */
export interface Redaction {
  /** False with `STAKEOUT_REDACT=false`: everything is recorded in clear. */
  readonly enabled: boolean
  /** Lower-case header names redacted besides the secret ones (`STAKEOUT_REDACT_HEADERS`). */
  readonly headers: ReadonlySet<string>
  /** Lower-case query parameter names redacted besides the secret ones (`STAKEOUT_REDACT_QUERY_PARAMS`). */
  readonly queryParams: ReadonlySet<string>
  /** Lower-case header names recorded in clear though secret (`STAKEOUT_UNREDACT_HEADERS`). */
  readonly clearHeaders: ReadonlySet<string>
  /** Lower-case query parameter names recorded in clear though secret (`STAKEOUT_UNREDACT_QUERY_PARAMS`). */
  readonly clearQueryParams: ReadonlySet<string>
}

/**
 * Reads the redaction settings: `STAKEOUT_REDACT`, `STAKEOUT_REDACT_HEADERS`, `STAKEOUT_REDACT_QUERY_PARAMS`,
 * `STAKEOUT_UNREDACT_HEADERS`, `STAKEOUT_UNREDACT_QUERY_PARAMS` (names comma separated, case ignored).
 *
 * @example
 * const redaction = redactionFromEnv({ STAKEOUT_UNREDACT_HEADERS: 'x-session-id' })
 */
export function redactionFromEnv(env: Readonly<Record<string, string | undefined>>): Redaction {
  const names = (variable: string): Set<string> =>
    new Set(
      (env[variable] ?? '')
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter(Boolean),
    )
  return {
    enabled: env[ENV.redact]?.trim().toLowerCase() !== 'false',
    headers: names(ENV.redactHeaders),
    queryParams: names(ENV.redactQueryParams),
    clearHeaders: names(ENV.unredactHeaders),
    clearQueryParams: names(ENV.unredactQueryParams),
  }
}

/** Names seen so far and whether they are secret: a function sends the same few names again and again. */
const verdicts = new Map<string, boolean>()

function secret(name: string): boolean {
  let verdict = verdicts.get(name)
  if (verdict === undefined) {
    verdict = isSecretName(name)
    // Bounded: names come from the function's traffic.
    if (verdicts.size > 1000) verdicts.clear()
    verdicts.set(name, verdict)
  }
  return verdict
}

/**
 * True when this header's value is recorded as `[REDACTED]`. A name given to redact wins over one
 * given to record in clear.
 *
 * @example
 * redactsHeader(redactionFromEnv({}), 'x-goog-api-key') // true
 */
export function redactsHeader(redaction: Redaction, name: string): boolean {
  if (!redaction.enabled) return false
  const lower = name.toLowerCase()
  if (redaction.headers.has(lower)) return true
  return !redaction.clearHeaders.has(lower) && secret(lower)
}

/**
 * True when this query parameter's value is recorded as `[REDACTED]` (as {@link redactsHeader}).
 *
 * @example
 * redactsQueryParam(redactionFromEnv({}), 'access_token') // true
 */
export function redactsQueryParam(redaction: Redaction, name: string): boolean {
  if (!redaction.enabled) return false
  const lower = name.toLowerCase()
  if (redaction.queryParams.has(lower)) return true
  if (redaction.clearQueryParams.has(lower)) return false
  return SECRET_QUERY_NAMES.includes(lower) || secret(name)
}

/**
 * The headers, with the values of secret ones replaced by `[REDACTED]`.
 *
 * @example
 * redactHeaders({ authorization: 'Bearer x', accept: '*\/*' }, redaction) // { authorization: '[REDACTED]', accept: '*\/*' }
 */
export function redactHeaders(headers: Record<string, string>, redaction: Redaction): Record<string, string> {
  if (!redaction.enabled) return headers
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) out[name] = redactsHeader(redaction, name) ? REDACTED : value
  return out
}

/** A URL's `user:password@`, the password in group 2. */
const USERINFO_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:)([^/?#@]+)@/i
/** `[REDACTED]` as WHATWG URL writes it in userinfo (which percent-encodes brackets). */
const REDACTED_USERINFO = encodeURIComponent(REDACTED)

/**
 * The URL with the values of secret query parameters replaced by `[REDACTED]`, and a password in
 * it too. Everything else is kept as it is, in order, so a filter such as `?api_key=*&page=2` (or
 * `?api_key=[REDACTED]&page=2`) matches the recorded URL the way the user wrote it.
 *
 * @example
 * redactUrl('https://api-1/x?api_key=k1&page=2', redaction) // 'https://api-1/x?api_key=[REDACTED]&page=2'
 */
export function redactUrl(url: string, redaction: Redaction): string {
  if (!redaction.enabled) return url
  // Most calls have neither a password nor a query string: two scans, nothing more.
  let out = url.includes('@') ? url.replace(USERINFO_PASSWORD, `$1${REDACTED_USERINFO}@`) : url
  const question = out.indexOf('?')
  if (question === -1) return out
  const hash = out.indexOf('#')
  if (hash !== -1 && hash < question) return out
  const end = hash === -1 ? out.length : hash
  const query = out
    .slice(question + 1, end)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=')
      if (equals === -1) return pair
      const name = pair.slice(0, equals)
      return redactsQueryParam(redaction, decodeName(name)) ? `${name}=${REDACTED}` : pair
    })
    .join('&')
  out = `${out.slice(0, question + 1)}${query}${out.slice(end)}`
  return out
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replaceAll('+', ' '))
  } catch {
    return name
  }
}
