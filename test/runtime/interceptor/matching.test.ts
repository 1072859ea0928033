import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileMatcher, matchesUrl, matchRequest, mismatches } from '../../../src/runtime/interceptor/matching.js'
import type { RequestMatcher } from '../../../src/runtime/interceptor/schema.js'
import { request } from './fixtures/request.js'

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

  // fetch (and @mswjs/interceptors for node:http) normalizes the URL it calls with WHATWG URL: a pattern written
  // with the same characters must match what was called.
  it.each([
    ['https://api-1/items/{id}', 'https://api-1/items/{id}'],
    ['https://api-1/items/`x`', 'https://api-1/items/`x`'],
    ['https://api-1/a/../b', 'https://api-1/b'],
    ['https://api-1/a/./b', 'https://api-1/a/b'],
    ['https://api-1/a b', 'https://api-1/a b'],
    ['https://api-1/search?q={x} y', 'https://api-1/search?q={x} y'],
    ["https://api-1/search?name=O'Brien", "https://api-1/search?name=O'Brien"],
    ['https://bücher.example/*', 'https://bücher.example/x'],
    ['https://api-1\\users', 'https://api-1/users'],
    ['https://api-1/items/{id}/*', 'https://api-1/items/{id}/orders'],
    ['https://*.example.com/items/{id}', 'https://eu.example.com/items/{id}'],
  ])('%s matches %s as fetch calls it', (pattern, called) => {
    const url = new Request(called).url
    expect(matchesUrl(pattern, url)).toBe(true)
    expect(matchesUrl(pattern, new URL(called).href)).toBe(true)
  })

  it('matches what fetch calls for any path of printable characters written as a pattern', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[\x20-\x7e]{0,20}$/), (path) => {
        const raw = `https://api-1/${path.replaceAll('*', '').replaceAll('#', '').replaceAll('?', '')}`
        expect(matchesUrl(raw, new Request(raw).url)).toBe(true)
      }),
    )
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
