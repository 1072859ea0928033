import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { matchesUrl } from '../../../src/runtime/interceptor/matching.js'
import {
  isSecretName,
  KEY_QUALIFIERS,
  nameWords,
  redactHeaders,
  redactionFromEnv,
  redactsHeader,
  redactsQueryParam,
  redactUrl,
  SECRET_WORDS,
} from '../../../src/runtime/interceptor/redaction.js'
import { REDACTED } from '../../../src/runtime/interceptor/schema.js'

const defaults = redactionFromEnv({})

/** Lower-case words that are none of the secret words, nor end like one. */
const plainWord = fc
  .stringMatching(/^[a-z]{1,8}$/)
  .filter((word) => !isSecretName(word) && word !== 'key' && word !== 'keys')
/** How names join words: kebab, snake, dots, camelCase, Title-Kebab. */
const joins: Array<(words: string[]) => string> = [
  (words) => words.join('-'),
  (words) => words.join('_'),
  (words) => words.join('.'),
  (words) => words.map((word, index) => (index === 0 ? word : word[0]!.toUpperCase() + word.slice(1))).join(''),
  (words) => words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('-'),
]

describe('nameWords', () => {
  it.each([
    ['X-Goog-Api-Key', ['x', 'goog', 'api', 'key']],
    ['sessionToken', ['session', 'token']],
    ['APIKey2', ['api', 'key', '2']],
    ['oauth2_token', ['oauth', '2', 'token']],
    ['X-Amz-Signature', ['x', 'amz', 'signature']],
    ['client.secret', ['client', 'secret']],
  ])('splits %s', (name, words) => {
    expect(nameWords(name)).toEqual(words)
  })
})

describe('isSecretName', () => {
  it.each([
    // Redacted before.
    'authorization',
    'cookie',
    'set-cookie',
    'x-api-key',
    'api_key',
    'X-Amz-Signature',
    'X-Amz-Credential',
    'X-Amz-Security-Token',
    // Stored in clear before.
    'Api-Key',
    'X-Goog-Api-Key',
    'Ocp-Apim-Subscription-Key',
    'Private-Token',
    'X-Access-Token',
    'Proxy-Authorization',
    'access_token',
    'refresh_token',
    'sessionToken',
    'client_secret',
    'apiKey',
    'apikey',
    'x-sessiontoken',
    'db_password',
    'passwd',
    'x-csrf-token',
    'X-XSRF-TOKEN',
    'AWSAccessKey',
    'sig',
    'credentials',
    'client_assertion',
    'id_token',
  ])('%s is secret', (name) => {
    expect(isSecretName(name)).toBe(true)
  })

  it.each([
    'author',
    'x-author',
    'monkey',
    'keyboard',
    'tokenizer',
    'passenger',
    'x-idempotency-key',
    'key',
    'content-type',
    'accept',
    'page',
    'x-request-id',
    'authority',
    'design',
  ])('%s is not', (name) => {
    expect(isSecretName(name)).toBe(false)
  })

  it('is true for any name holding a secret word as a whole word, however the name is written', () => {
    fc.assert(
      fc.property(
        fc.array(plainWord, { maxLength: 3 }),
        fc.constantFrom(...SECRET_WORDS),
        fc.array(plainWord, { maxLength: 3 }),
        fc.constantFrom(...joins),
        (before, secret, after, join) => {
          expect(isSecretName(join([...before, secret, ...after]))).toBe(true)
        },
      ),
    )
  })

  it('is true for key after a qualifier (api key, subscription key), however the name is written', () => {
    fc.assert(
      fc.property(
        fc.array(plainWord, { maxLength: 3 }),
        fc.constantFrom(...KEY_QUALIFIERS),
        fc.constantFrom(...joins),
        (before, qualifier, join) => {
          expect(isSecretName(join([...before, qualifier, 'key']))).toBe(true)
        },
      ),
    )
  })

  it('is false for names made of other words only, author and monkey among them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(plainWord, fc.constantFrom('author', 'monkey', 'keyboard', 'tokenizer')), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.constantFrom(...joins),
        (words, join) => {
          expect(isSecretName(join(words))).toBe(false)
        },
      ),
    )
  })
})

describe('redactionFromEnv', () => {
  it('adds names with STAKEOUT_REDACT_*, keeps names in clear with STAKEOUT_UNREDACT_*, and the first wins', () => {
    const redaction = redactionFromEnv({
      STAKEOUT_REDACT_HEADERS: 'X-Tenant, x-both',
      STAKEOUT_UNREDACT_HEADERS: 'X-Session-Id,x-both',
      STAKEOUT_REDACT_QUERY_PARAMS: 'tenant',
      STAKEOUT_UNREDACT_QUERY_PARAMS: 'sessionId',
    })
    expect(redactsHeader(redaction, 'x-tenant')).toBe(true)
    expect(redactsHeader(redaction, 'x-session-id')).toBe(false)
    expect(redactsHeader(redaction, 'x-both')).toBe(true)
    expect(redactsHeader(redaction, 'authorization')).toBe(true)
    expect(redactsQueryParam(redaction, 'Tenant')).toBe(true)
    expect(redactsQueryParam(redaction, 'sessionId')).toBe(false)
    expect(redactsQueryParam(redaction, 'sessionToken')).toBe(true)
  })

  it('redacts nothing with STAKEOUT_REDACT=false', () => {
    const redaction = redactionFromEnv({ STAKEOUT_REDACT: 'false' })
    expect(redactHeaders({ authorization: 'Bearer x' }, redaction)).toEqual({ authorization: 'Bearer x' })
    expect(redactUrl('https://api-1/?token=t', redaction)).toBe('https://api-1/?token=t')
  })
})

describe('redactHeaders', () => {
  it('replaces the values of secret headers only', () => {
    expect(redactHeaders({ 'x-goog-api-key': 'k', author: 'Ada', accept: '*/*' }, defaults)).toEqual({
      'x-goog-api-key': REDACTED,
      author: 'Ada',
      accept: '*/*',
    })
  })
})

describe('redactUrl', () => {
  it('keeps the query in order, and everything but the secret values as it was', () => {
    expect(redactUrl('https://api-1/x?api_key=k1&page=2&access_token=a%20b&q=a+b&key=g&flag#token=f', defaults)).toBe(
      `https://api-1/x?api_key=${REDACTED}&page=2&access_token=${REDACTED}&q=a+b&key=${REDACTED}&flag#token=f`,
    )
  })

  it('redacts every value of a repeated parameter, and names written percent-encoded', () => {
    expect(redactUrl('https://api-1/?token=a&token=b&%74oken=c', defaults)).toBe(
      `https://api-1/?token=${REDACTED}&token=${REDACTED}&%74oken=${REDACTED}`,
    )
  })

  it('redacts a password in the URL', () => {
    expect(redactUrl('http://ada:hunter2@api-1/x', defaults)).toBe('http://ada:%5BREDACTED%5D@api-1/x')
  })

  it('leaves a URL without a query alone', () => {
    expect(redactUrl('https://api-1/token/x#a?token=1', defaults)).toBe('https://api-1/token/x#a?token=1')
  })

  it('gives a URL that WHATWG URL leaves as it is, and that filters match the way the user wrote them', () => {
    const recorded = redactUrl('https://api-1/x?api_key=k1&page=2', defaults)
    expect(new URL(recorded).href).toBe(recorded)
    expect(new URL(recorded).searchParams.get('api_key')).toBe(REDACTED)
    expect(matchesUrl('https://api-1/x?api_key=*&page=2', recorded)).toBe(true)
    expect(matchesUrl(`https://api-1/x?api_key=${REDACTED}&page=2`, recorded)).toBe(true)
  })

  it('never leaves a secret value in the URL', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('page', 'access_token', 'q', 'X-Amz-Signature', 'key'), fc.uuid())),
        (pairs) => {
          const url = `https://api-1/x?${pairs.map(([name, value]) => `${name}=${value}`).join('&')}`
          const recorded = new URL(redactUrl(url, defaults))
          const kept = [...recorded.searchParams]
          expect(kept.map(([name]) => name)).toEqual(pairs.map(([name]) => name))
          for (const [index, [name, value]] of pairs.entries()) {
            expect(kept[index]![1]).toBe(isSecretName(name) || name === 'key' ? REDACTED : value)
          }
        },
      ),
    )
  })
})
