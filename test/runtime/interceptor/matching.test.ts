import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import {
  compileMatcher,
  countsUses,
  deserializeMatcher,
  matchesUrl,
  matchRequest,
  mismatches,
  needsBody,
  type ParsedRule,
  parseStoredRule,
  pickRule,
  serializeMatcher,
  validateMatcher,
  validateResponse,
} from '../../../src/runtime/interceptor/matching.js'
import type { RequestMatcher, RequestSnapshot, StoredRule } from '../../../src/runtime/interceptor/schema.js'

const request = (overrides: Partial<RequestSnapshot> = {}): RequestSnapshot => ({
  url: 'https://api-1/users/42',
  method: 'GET',
  headers: {},
  ...overrides,
})

describe('matchesUrl', () => {
  it.each([
    ['https://api-1/*', 'https://api-1/users/42', true],
    ['https://api-1/*', 'https://api-1/', true],
    ['https://api-1/*', 'https://api-2/users', false],
    ['https://api-1/*/orders', 'https://api-1/users/42/orders', true],
    ['https://api-1/users/*', 'https://api-1/users/', true],
    ['*/users/42', 'https://api-1/users/42', true],
    ['https://*.example.com/*', 'https://eu.api.example.com/v1', true],
    ['https://*.example.com/*', 'https://example.org/v1', false],
    ['https://api-1/users', 'https://api-1/users/42', false],
    ['https://api-1/users', 'https://api-1/users?page=2', true],
    ['https://api-1/users', 'https://api-1/users#top', true],
    ['https://api-1/users?page=2', 'https://api-1/users?page=2', true],
    ['https://api-1/users?page=2', 'https://api-1/users?page=3', false],
    ['https://api-1/users?page=*', 'https://api-1/users?page=3&size=10', true],
    ['https://api-1/users?page=2', 'https://api-1/users?page=2#top', true],
    ['https://api-1/users#top', 'https://api-1/users#top', true],
  ])('%s vs %s → %s', (pattern, url, expected) => {
    expect(matchesUrl(pattern, url)).toBe(expected)
  })

  it('compares scheme and host case-insensitively, the path case-sensitively', () => {
    expect(matchesUrl('HTTPS://API-1/users', 'https://api-1/users')).toBe(true)
    expect(matchesUrl('https://api-1/users', 'HTTPS://Api-1/users')).toBe(true)
    expect(matchesUrl('https://api-1/Users', 'https://api-1/users')).toBe(false)
  })

  it('ignores default ports on both sides, but not other ports', () => {
    expect(matchesUrl('https://x:443/a', 'https://x/a')).toBe(true)
    expect(matchesUrl('https://x/a', 'https://x:443/a')).toBe(true)
    expect(matchesUrl('http://x:80/a', 'http://x/a')).toBe(true)
    expect(matchesUrl('https://x/a', 'https://x:8443/a')).toBe(false)
    expect(matchesUrl('https://x:8443/a', 'https://x:8443/a')).toBe(true)
    expect(matchesUrl('http://x:443/a', 'http://x/a')).toBe(false)
  })

  it('reads a pattern without a path as the root path', () => {
    expect(matchesUrl('https://api-1', 'https://api-1')).toBe(true)
    expect(matchesUrl('https://api-1', 'https://api-1/')).toBe(true)
    expect(matchesUrl('https://api-1/', 'https://api-1')).toBe(true)
    expect(matchesUrl('https://api-1', 'https://api-1/users')).toBe(false)
    expect(matchesUrl('https://api-1', 'https://api-1/?page=1')).toBe(true)
    expect(matchesUrl('https://api-1?page=1', 'https://api-1/?page=1')).toBe(true)
  })

  it('lets a star in the host run into the path', () => {
    expect(matchesUrl('https://api-1*', 'https://api-1.example.com/users')).toBe(true)
    expect(matchesUrl('https://api-1*', 'https://api-2.example.com/users')).toBe(false)
    expect(matchesUrl('https://*.Example.COM/Users', 'https://eu.example.com/Users')).toBe(true)
    expect(matchesUrl('https://*.example.com/Users', 'https://eu.example.com/users')).toBe(false)
    expect(matchesUrl('https://api*A', 'https://api.test//A')).toBe(true)
  })

  it('percent-encodes spaces and non-ASCII characters of a pattern as a URL does', () => {
    expect(matchesUrl('https://x/a b/é', 'https://x/a b/é')).toBe(true)
    expect(matchesUrl('https://x/a%20b/%C3%A9', 'https://x/a b/é')).toBe(true)
  })

  it('tests a RegExp against the whole URL, query included, without state between calls', () => {
    expect(matchesUrl(/\/users\/\d+$/, 'https://api-1/users/42')).toBe(true)
    expect(matchesUrl(/page=2/, 'https://api-1/users?page=2')).toBe(true)
    expect(matchesUrl(/^https:\/\/api-1\/$/, 'https://api-1')).toBe(true)
    const global = /users/g
    const matcher = compileMatcher({ url: global })
    for (let attempt = 0; attempt < 3; attempt++) expect(matchRequest(matcher, request())).toBe(true)
  })

  it('compares an unparseable URL as it is', () => {
    expect(matchesUrl('not a url*', 'not a url at all')).toBe(false)
    expect(matchesUrl('not%20a%20url*', 'not%20a%20url at all')).toBe(true)
    expect(matchesUrl('/relative/*', '/relative/path')).toBe(true)
  })

  it('matches a URL with any slice replaced by a star (property)', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: false, withFragments: false }), fc.nat(), fc.nat(), (raw, a, b) => {
        const url = new URL(raw).href
        const start = a % (url.length + 1)
        const end = start + (b % (url.length - start + 1))
        const pattern = `${url.slice(0, start)}*${url.slice(end)}`
        expect(matchesUrl(pattern, url)).toBe(true)
      }),
    )
  })

  it('treats regular-expression metacharacters literally (property)', () => {
    const literal = fc.string({ unit: fc.constantFrom(...'.^$+()[]{}|\\ab-/'.split('')), minLength: 1 })
    fc.assert(
      fc.property(literal, literal, (left, right) => {
        const url = new URL(`https://h.test/${left}`).href
        const other = new URL(`https://h.test/${right}`).href
        expect(matchesUrl(url, url)).toBe(true)
        expect(matchesUrl(url, other)).toBe(url === other)
        const path = url.slice('https://h.test/'.length)
        expect(matchesUrl(`https://h.test/x*${path}`, `https://h.test/xyz${path}`)).toBe(true)
      }),
    )
  })
})

describe('matchRequest', () => {
  it('compares methods case-insensitively', () => {
    expect(matchRequest({ url: '*', method: 'post' }, request({ method: 'POST' }))).toBe(true)
    expect(matchRequest({ url: '*', method: 'POST' }, request({ method: 'post' }))).toBe(true)
    expect(matchRequest({ url: '*', method: 'POST' }, request({ method: 'GET' }))).toBe(false)
  })

  it.each([
    [{ page: '2' }, 'https://x/?page=2&size=10', true],
    [{ page: '2' }, 'https://x/?page=3', false],
    [{ page: '2' }, 'https://x/', false],
    [{ page: /^\d+$/ }, 'https://x/?page=12', true],
    [{ tag: 'b' }, 'https://x/?tag=a&tag=b', true],
    [{ q: 'a b' }, 'https://x/?q=a%20b', true],
    [{ q: 'a b' }, 'https://x/?q=a+b', true],
    [{ page: '2', size: '10' }, 'https://x/?page=2', false],
  ])('query %o vs %s → %s', (query, url, expected) => {
    expect(matchRequest({ url: '*', query }, request({ url }))).toBe(expected)
  })

  it('matches header names case-insensitively and values exactly or by RegExp', () => {
    const headers = { 'x-trace': 'abc-123', 'content-type': 'application/json; charset=utf-8' }
    expect(matchRequest({ url: '*', headers: { 'X-Trace': 'abc-123' } }, request({ headers }))).toBe(true)
    expect(matchRequest({ url: '*', headers: { 'x-trace': 'ABC-123' } }, request({ headers }))).toBe(false)
    expect(matchRequest({ url: '*', headers: { 'Content-Type': /json/ } }, request({ headers }))).toBe(true)
    expect(matchRequest({ url: '*', headers: { 'x-missing': /.*/ } }, request({ headers }))).toBe(false)
    expect(
      matchRequest({ url: '*', headers: { 'x-trace': 'abc-123' } }, request({ headers: { 'X-Trace': 'abc-123' } })),
    ).toBe(true)
  })

  it('matches a text body exactly, a RegExp body by test', () => {
    expect(matchRequest({ url: '*', body: 'hello' }, request({ body: 'hello' }))).toBe(true)
    expect(matchRequest({ url: '*', body: 'hello' }, request({ body: 'hello!' }))).toBe(false)
    expect(matchRequest({ url: '*', body: /^hel/ }, request({ body: 'hello' }))).toBe(true)
    expect(matchRequest({ url: '*', body: '' }, request())).toBe(true)
  })

  it.each([
    [{ a: 1 }, { a: 1, b: 2 }, true],
    [{ a: 1 }, { a: '1' }, false],
    [{ a: { b: { c: true } } }, { a: { b: { c: true, d: 1 }, e: [] } }, true],
    [{ a: null }, { a: null }, true],
    [{ a: null }, {}, false],
    [{ a: [1, { b: 2 }] }, { a: [1, { b: 2, c: 3 }] }, true],
    [{ a: [1] }, { a: [1, 2] }, false],
    [{ a: [1, 2] }, { a: [2, 1] }, false],
    [{ a: {} }, { a: [] }, false],
    [{ a: [] }, { a: {} }, false],
    [{ name: /^A/ }, { name: 'Ada' }, true],
    [{ name: /^A/ }, { name: 42 }, false],
    [{}, { anything: 1 }, true],
    [{ a: 1 }, [1], false],
    [[{ id: 1 }], [{ id: 1, x: 2 }], true],
  ])('body %o vs JSON %o → %s', (expected, actual, result) => {
    expect(
      matchRequest({ url: '*', body: expected as Record<string, unknown> }, request({ body: JSON.stringify(actual) })),
    ).toBe(result)
  })

  it('never matches an object against a body that is not JSON', () => {
    expect(matchRequest({ url: '*', body: {} }, request({ body: 'not json' }))).toBe(false)
    expect(matchRequest({ url: '*', body: {} }, request())).toBe(false)
  })

  it('uses asymmetric matchers inside a body object (test side)', () => {
    const matcher = { url: '*', body: { id: expect.any(Number) } }
    expect(matchRequest(matcher, request({ body: '{"id":42}' }))).toBe(true)
    expect(matchRequest(matcher, request({ body: '{"id":"42"}' }))).toBe(false)
  })

  it('matches any body against a sub-object of itself (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
        const body = JSON.stringify(value)
        const parsed = JSON.parse(body) as unknown
        if (parsed === null || typeof parsed !== 'object') return
        const expected = subset(parsed, seed) as Record<string, unknown>
        expect(matchRequest({ url: '*', body: expected }, request({ body }))).toBe(true)
      }),
    )
  })

  it('does not match when an expected leaf changes (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1 }), (value) => {
        const parsed = JSON.parse(JSON.stringify(value)) as Record<string, unknown>
        const key = Object.keys(parsed)[0]!
        const expected = Object.fromEntries([[key, { changed: [parsed[key]] }]])
        expect(matchRequest({ url: '*', body: expected }, request({ body: JSON.stringify(parsed) }))).toBe(false)
      }),
    )
  })
})

/** Keeps a pseudo-random subset of the keys of every object (arrays keep all elements: same length is required). */
function subset(value: unknown, seed: number): unknown {
  let state = seed >>> 0
  const next = () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state
  }
  const visit = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(visit)
    if (item === null || typeof item !== 'object') return item
    return Object.fromEntries(
      Object.entries(item)
        .filter(() => next() % 2 === 0)
        .map(([key, child]) => [key, visit(child)]),
    )
  }
  return visit(value)
}

describe('mismatches', () => {
  it('lists every differing field, and nothing for a match', () => {
    const matcher: RequestMatcher = {
      url: 'https://api-1/*',
      method: 'POST',
      query: { page: '2', size: '10' },
      headers: { 'X-Trace': /abc/ },
      body: { a: 1 },
    }
    expect(
      mismatches(matcher, request({ url: 'https://api-2/x?page=3&size=10', method: 'GET', body: '{"a":2}' })),
    ).toEqual(['url', 'method', 'query.page', 'headers.x-trace', 'body'])
    expect(
      mismatches(
        matcher,
        request({
          url: 'https://api-1/x?page=2&size=10',
          method: 'POST',
          headers: { 'x-trace': 'abc' },
          body: '{"a":1,"b":2}',
        }),
      ),
    ).toEqual([])
  })
})

describe('serializeMatcher / deserializeMatcher', () => {
  it('round-trips RegExps anywhere through JSON', () => {
    const matcher: RequestMatcher = {
      url: /^https:\/\/api-1\//i,
      method: 'GET',
      query: { page: /\d+/, size: '10' },
      headers: { 'x-trace': /abc/g },
      body: { user: { name: /^A/, tags: ['x', /y/] } },
    }
    const stored = JSON.parse(JSON.stringify(serializeMatcher(matcher))) as unknown
    expect(stored).toMatchObject({ url: { $regex: '^https:\\/\\/api-1\\/', flags: 'i' } })
    expect(deserializeMatcher(stored)).toEqual(matcher)
  })

  it('keeps text matchers as text', () => {
    const matcher: RequestMatcher = { url: 'https://api-1/*', body: 'hello' }
    expect(deserializeMatcher(JSON.parse(JSON.stringify(serializeMatcher(matcher))))).toEqual(matcher)
  })

  it('refuses to store an asymmetric matcher', () => {
    expect(() => serializeMatcher({ url: '*', body: { id: expect.any(Number) } })).toThrow(
      /request\.body\.id must be a JSON value or RegExp to be stored in a rule/,
    )
  })

  it.each([
    [null, /must be an object, received null/],
    [{}, /url must be a string or \{ \$regex, flags \}, received undefined/],
    [{ url: '' }, /url must not be empty/],
    [{ url: 42 }, /url must be a string or \{ \$regex, flags \}, received number/],
    [{ url: { $regex: '(', flags: '' } }, /url is not a valid RegExp/],
    [{ url: '*', method: 1 }, /method must be a string/],
    [{ url: '*', query: [] }, /query must be an object, received array/],
    [{ url: '*', headers: { a: 1 } }, /headers\.a must be a string/],
    [{ url: '*', body: 42 }, /body must be a string, RegExp or object, received number/],
    [{ url: '*', extra: 1 }, /unknown key "extra"/],
  ])('throws a clear error for the malformed %o', (json, message) => {
    expect(() => deserializeMatcher(json)).toThrow(message)
  })
})

describe('validateMatcher', () => {
  it('accepts a URL pattern as shorthand for { url }', () => {
    expect(validateMatcher('mock', 'request', 'https://api-1/*')).toEqual({ url: 'https://api-1/*' })
    expect(validateMatcher('mock', 'request', /api-1/)).toEqual({ url: /api-1/ })
  })

  it('pins the messages users see', () => {
    expect(() => validateMatcher('mock', 'request', 42)).toThrow(
      'mock: request must be a URL pattern (string or RegExp) or a { url, ... } matcher, received number 42',
    )
    expect(() => validateMatcher('mock', 'request', { url: 'https://x', mehtod: 'GET' })).toThrow(
      "mock: request.mehtod must be absent (unknown key; did you mean method?), received string 'GET'",
    )
    expect(() => validateMatcher('calls', 'filter', { url: '' })).toThrow(
      "calls: filter.url must be a non-empty URL pattern, received string ''",
    )
  })

  it.each([
    [{ url: 42 }, 'request.url'],
    [{ method: 'GET' }, 'request.url'],
    [{ url: '*', method: 'GE T' }, 'request.method'],
    [{ url: '*', method: 42 }, 'request.method'],
    [{ url: '*', query: 'page=2' }, 'request.query'],
    [{ url: '*', query: { page: 2 } }, 'request.query.page'],
    [{ url: '*', headers: { 'x-a': ['a'] } }, 'request.headers.x-a'],
    [{ url: '*', body: 42 }, 'request.body'],
    [{ url: '*', body: { a: { b: () => 1 } } }, 'request.body.a.b'],
    [{ url: '*', body: { a: [1, Number.NaN] } }, 'request.body.a[1]'],
    [{ url: '*', bdy: 'x' }, 'request.bdy'],
  ])('names the field of %o', (value, argument) => {
    expect(() => validateMatcher('mock', 'request', value)).toThrow(ArgumentError)
    try {
      validateMatcher('mock', 'request', value)
    } catch (error) {
      expect((error as ArgumentError).argument).toBe(argument)
    }
  })
})

describe('validateResponse', () => {
  it('accepts every field', () => {
    const response = {
      status: 201,
      headers: { 'x-a': 'b' },
      json: { ok: true },
      delayMs: 0,
      networkError: false,
      times: 2,
    }
    expect(validateResponse('mock', 'response', response)).toEqual(response)
    expect(validateResponse('mock', 'response', {})).toEqual({})
  })

  it('pins the messages users see', () => {
    expect(() => validateResponse('mock', 'response', { stauts: 404 })).toThrow(
      'mock: response.stauts must be absent (unknown key; did you mean status?), received number 404',
    )
    expect(() => validateResponse('mock', 'response', { status: 99 })).toThrow(
      'mock: response.status must be an integer from 200 to 599 (a 1xx is not a final answer), received number 99',
    )
    expect(() => validateResponse('mock', 'response', { headers: { 'x-broken': 'line\nbreak' } })).toThrow(
      "mock: response.headers.x-broken must be a header value without line breaks or NUL, received string 'line\\nbreak'",
    )
    expect(() => validateResponse('mock', 'response', { status: 101 })).toThrow(
      'mock: response.status must be an integer from 200 to 599 (a 1xx is not a final answer), received number 101',
    )
    expect(() => validateResponse('mock', 'response[1]', { json: {}, body: '' })).toThrow(
      'mock: response[1].json must be absent when response[1].body is given (use one), received object {}',
    )
  })

  it.each([
    [null, 'response'],
    [{ status: 200.5 }, 'response.status'],
    [{ status: 600 }, 'response.status'],
    [{ status: '200' }, 'response.status'],
    [{ headers: { 'x-a': 1 } }, 'response.headers.x-a'],
    [{ headers: { 'bad name': 'x' } }, 'response.headers'],
    [{ headers: 'x' }, 'response.headers'],
    [{ json: 1n }, 'response.json'],
    [{ body: { a: 1 } }, 'response.body'],
    [{ delayMs: -1 }, 'response.delayMs'],
    [{ delayMs: Number.POSITIVE_INFINITY }, 'response.delayMs'],
    [{ networkError: 'yes' }, 'response.networkError'],
    [{ times: 0 }, 'response.times'],
    [{ times: 1.5 }, 'response.times'],
    [{ xyzzy: 1 }, 'response.xyzzy'],
  ])('names the field of %o', (value, argument) => {
    let thrown: unknown
    try {
      validateResponse('mock', 'response', value)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ArgumentError)
    expect((thrown as ArgumentError).argument).toBe(argument)
  })
})

const storedRule = (rule: Partial<StoredRule> & Pick<StoredRule, 'id'>): string =>
  JSON.stringify({ createdAt: 1, match: { url: '*' }, action: 'mock', responses: [{ status: 200 }], ...rule })

describe('parseStoredRule', () => {
  it('parses and compiles a rule', () => {
    const rule = parseStoredRule(
      storedRule({ id: 'r1', match: serializeMatcher({ url: /api-1/, method: 'POST' }), responses: [{ status: 404 }] }),
    )
    expect(rule).toMatchObject({ id: 'r1', createdAt: 1, action: 'mock', responses: [{ status: 404 }] })
    expect(matchRequest(rule.matcher, request({ method: 'POST' }))).toBe(true)
    expect(matchRequest(rule.matcher, request({ method: 'GET' }))).toBe(false)
  })

  it.each([
    ['not json', /JSON/],
    ['[]', /must be an object, received array/],
    [storedRule({ id: '' }), /id must be a non-empty string/],
    [storedRule({ id: 'r', createdAt: 'x' as never }), /createdAt must be a number/],
    [storedRule({ id: 'r', action: 'answer' as never }), /action must be "mock" or "passThrough"/],
    [storedRule({ id: 'r', match: 'x' as never }), /match must be an object/],
    [storedRule({ id: 'r', match: { url: 1 } }), /url must be a string/],
    [storedRule({ id: 'r', responses: [] }), /responses must be a non-empty array/],
    [storedRule({ id: 'r', responses: [{ status: 1 }] }), /responses\[0\]\.status must be an integer/],
    [storedRule({ id: 'r', action: 'passThrough', times: 0 }), /times must be a positive integer/],
  ])('throws on the corrupt rule %s', (json, message) => {
    expect(() => parseStoredRule(json)).toThrow(message)
  })
})

let ruleClock = 0
/** A parsed rule (a mock answering 200 forever unless `fields` says otherwise). */
const parsedRule = (id: string, fields: Partial<StoredRule> = {}, matcher: RequestMatcher = { url: '*' }): ParsedRule =>
  parseStoredRule(
    JSON.stringify({
      id,
      createdAt: ++ruleClock,
      match: serializeMatcher(matcher),
      action: 'mock',
      responses: [{ status: 200 }],
      ...fields,
    }),
  )

describe('countsUses', () => {
  it('is true for a rule that can be used up or plays a sequence, false for one answering forever', () => {
    expect(countsUses(parsedRule('a'))).toBe(false)
    expect(countsUses(parsedRule('a', { action: 'passThrough' }))).toBe(false)
    expect(countsUses(parsedRule('a', { responses: [{ status: 500, times: 2 }] }))).toBe(true)
    expect(countsUses(parsedRule('a', { responses: [{ status: 500 }, { status: 200 }] }))).toBe(true)
    expect(countsUses(parsedRule('a', { action: 'passThrough', times: 1 }))).toBe(true)
  })

  it('is false only when no count of uses changes what pickRule answers', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            status: fc.integer({ min: 200, max: 599 }),
            times: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 1 }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        fc.boolean(),
        fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 1 }),
        (responses, passThrough, times) => {
          const responseList = responses.map(({ status, times }) =>
            times === undefined ? { status } : { status, times },
          )
          const candidate = passThrough
            ? parsedRule('r', times === undefined ? { action: 'passThrough' } : { action: 'passThrough', times })
            : parsedRule('r', { responses: responseList })
          if (countsUses(candidate)) return
          const first = pickRule([candidate], request(), new Map())
          for (const used of [1, 2, 7, 1000])
            expect(pickRule([candidate], request(), new Map([['r', used]]))).toEqual(first)
        },
      ),
    )
  })
})

describe('needsBody', () => {
  const orders = { url: 'https://api-1/orders', method: 'POST' }

  it('is true when the most recent rule matching everything else matches on the body', () => {
    const byBody = parsedRule('body', {}, { ...orders, body: { amount: 50 } })
    expect(needsBody([byBody], request({ url: 'https://api-1/orders', method: 'POST' }), new Map())).toBe(true)
  })

  it('is false when no rule matching on the body matches the other fields', () => {
    const byBody = parsedRule('body', {}, { ...orders, body: { amount: 50 } })
    expect(needsBody([byBody], request({ url: 'https://api-1/uploads', method: 'POST' }), new Map())).toBe(false)
    expect(needsBody([byBody], request({ url: 'https://api-1/orders', method: 'PUT' }), new Map())).toBe(false)
  })

  it('is false when a more recent rule answers without looking at the body', () => {
    const byBody = parsedRule('body', {}, { ...orders, body: { amount: 50 } })
    const any = parsedRule('any', {}, orders)
    expect(needsBody([byBody, any], request(orders), new Map())).toBe(false)
    expect(needsBody([any, byBody], request(orders), new Map())).toBe(true)
  })

  it('skips used-up rules, as pickRule does', () => {
    const byBody = parsedRule('body', { responses: [{ status: 402, times: 1 }] }, { ...orders, body: { amount: 50 } })
    expect(needsBody([byBody], request(orders), new Map([['body', 1]]))).toBe(false)
    const once = parsedRule('once', { responses: [{ status: 200, times: 1 }] }, orders)
    expect(needsBody([byBody, once], request(orders), new Map([['once', 1]]))).toBe(true)
  })
})

describe('pickRule', () => {
  let clock = 0
  const rule = (id: string, fields: Partial<StoredRule> = {}, matcher: RequestMatcher = { url: '*' }): ParsedRule =>
    parseStoredRule(
      JSON.stringify({
        id,
        createdAt: ++clock,
        match: serializeMatcher(matcher),
        action: 'mock',
        responses: [{ status: 200 }],
        ...fields,
      }),
    )

  /** Simulates the runtime: picks for `count` calls, counting uses, and returns what answered each call. */
  const play = (rules: ParsedRule[], count: number, call = request()): string[] => {
    const uses = new Map<string, number>()
    const answers: string[] = []
    for (let index = 0; index < count; index++) {
      const picked = pickRule(rules, call, uses)
      if (picked === undefined) {
        answers.push('network')
        continue
      }
      uses.set(picked.rule.id, (uses.get(picked.rule.id) ?? 0) + 1)
      answers.push(picked.response ? `${picked.rule.id}:${picked.response.status}` : `${picked.rule.id}:pass`)
    }
    return answers
  }

  it('answers forever with a single response', () => {
    expect(play([rule('a')], 4)).toEqual(['a:200', 'a:200', 'a:200', 'a:200'])
  })

  it('answers a single response `times` times, then lets the call through', () => {
    expect(play([rule('a', { responses: [{ status: 500, times: 2 }] })], 3)).toEqual(['a:500', 'a:500', 'network'])
  })

  it('plays a sequence once each, the last forever', () => {
    const sequence = rule('a', { responses: [{ status: 500 }, { status: 503 }, { status: 200 }] })
    expect(play([sequence], 5)).toEqual(['a:500', 'a:503', 'a:200', 'a:200', 'a:200'])
  })

  it('honours times inside a sequence and ends it when the last has times', () => {
    const sequence = rule('a', {
      responses: [
        { status: 500, times: 2 },
        { status: 200, times: 1 },
      ],
    })
    expect(play([sequence], 4)).toEqual(['a:500', 'a:500', 'a:200', 'network'])
  })

  it('prefers the most recent matching rule and falls back to older ones when it is used up', () => {
    const older = rule('old', { responses: [{ status: 404 }] })
    const newer = rule('new', { responses: [{ status: 500, times: 1 }] })
    expect(play([older, newer], 3)).toEqual(['new:500', 'old:404', 'old:404'])
  })

  it('skips rules that do not match', () => {
    const other = rule('other', {}, { url: 'https://api-2/*' })
    const post = rule('post', {}, { url: '*', method: 'POST' })
    const mine = rule('mine', { responses: [{ status: 201 }] }, { url: 'https://api-1/*' })
    expect(play([mine, other, post], 1)).toEqual(['mine:201'])
    expect(play([other, post], 1)).toEqual(['network'])
  })

  it('limits a pass-through by times (default: unlimited)', () => {
    expect(play([rule('p', { action: 'passThrough', responses: undefined as never })], 3)).toEqual([
      'p:pass',
      'p:pass',
      'p:pass',
    ])
    const mock = rule('m', { responses: [{ status: 418 }] })
    const pass = rule('p', { action: 'passThrough', times: 1 })
    expect(play([mock, pass], 3)).toEqual(['p:pass', 'm:418', 'm:418'])
  })

  it('continues from the uses it is given (uses recorded by earlier invocations)', () => {
    const sequence = rule('a', { responses: [{ status: 500 }, { status: 200 }] })
    expect(pickRule([sequence], request(), new Map([['a', 1]]))?.response).toEqual({ status: 200 })
    expect(pickRule([sequence], request(), new Map([['a', 0]]))?.response).toEqual({ status: 500 })
  })
})
