import { describe, expect, it } from 'vitest'
import { validateMatcher, validateResponse, validateUrl } from '../../src/clients/rule-validation.js'
import { ArgumentError } from '../../src/errors.js'

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

describe('validateUrl', () => {
  it('refuses a pattern without a scheme, saying to add https://', () => {
    expect(() => validateUrl('mock', 'request', 'api.example.com/*')).toThrow(
      "mock: request must be a URL pattern with a scheme: add https:// (https://api.example.com/*), received string 'api.example.com/*'",
    )
    expect(() => validateUrl('toHaveCalled', 'url', '/users/*')).toThrow(
      "toHaveCalled: url must be a URL pattern with a scheme and a host, such as https://api.example.com/users/* (or one starting with *), received string '/users/*'",
    )
  })

  it('refuses a pattern no called URL can match, with the reason', () => {
    expect(() => validateUrl('mock', 'request', 'https://api-1:99999/x')).toThrow(
      /^mock: request must be a URL pattern that is a valid URL once each \* is set aside \(Invalid URL\)/,
    )
    expect(() => validateUrl('mock', 'request', 'https://api-1/*/../x')).toThrow(
      'mock: request must be a URL pattern whose * stay where they are: a /../ after one removes it with its segment',
    )
  })

  it.each([
    'https://api-1/*',
    'HTTP://API-1:80',
    '*/users/*',
    '*',
    'https://*.example.com/*',
    'https://api-1*',
    'https://api-1/items/{id}',
    'https://api-1/a/../b',
    'foo://bar/*',
  ])('accepts %s', (pattern) => {
    expect(validateUrl('mock', 'request', pattern)).toBe(pattern)
  })

  it('is what mock, passThrough, calls and toHaveCalled check (through validateMatcher)', () => {
    expect(() => validateMatcher('passThrough', 'request', { url: 'api.example.com' })).toThrow(
      /^passThrough: request\.url must be a URL pattern with a scheme: add https:\/\/ \(https:\/\/api\.example\.com\)/,
    )
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
      "mock: response.headers.x-broken must be a header value without control characters such as line breaks (a response cannot carry them), received string 'line\\nbreak'",
    )
    expect(() => validateResponse('mock', 'response', { status: 101 })).toThrow(
      'mock: response.status must be an integer from 200 to 599 (a 1xx is not a final answer), received number 101',
    )
    expect(() => validateResponse('mock', 'response[1]', { json: {}, body: '' })).toThrow(
      'mock: response[1].json must be absent when response[1].body is given (use one), received object {}',
    )
  })

  describe('refuses what the function could not receive, naming the header', () => {
    it.each([
      ['a\u0001b', 'control characters'],
      ['a\u007fb', 'control characters'],
      ['a\rb', 'control characters'],
      ['a\u0000', 'control characters'],
      ['price in €', 'Latin-1 characters'],
      ['\u{1F600}', 'Latin-1 characters'],
    ])('the header value %j', (value, reason) => {
      expect(() => validateResponse('mock', 'response', { headers: { 'x-price': value } })).toThrow(
        new RegExp(`^mock: response\\.headers\\.x-price must be a header value (without|of) ${reason}`),
      )
    })

    it('keeps tabs, Latin-1 and obs-text, which an answer carries', () => {
      const headers = { 'x-a': 'a\tb', 'x-b': 'café', 'x-c': '\u00ff' }
      expect(validateResponse('mock', 'response', { headers })).toEqual({ headers })
    })

    it('refuses a content-length that disagrees with the body, and accepts the right one', () => {
      expect(() =>
        validateResponse('mock', 'response', { body: 'hello world', headers: { 'Content-Length': '5' } }),
      ).toThrow(
        "mock: response.headers.Content-Length must be 11, the length in bytes of the body, or absent (the answer carries the right one; only a rule with method HEAD may give the length of a body it does not send), received string '5'",
      )
      expect(() =>
        validateResponse('mock', 'response', { json: { a: 'é' }, headers: { 'content-length': '9' } }),
      ).toThrow(/content-length must be 10, the length in bytes of the body/)
      expect(() => validateResponse('mock', 'response', { headers: { 'content-length': '100' } })).toThrow(
        /content-length must be 0, the length in bytes of the body/,
      )
      expect(() => validateResponse('mock', 'response', { body: 'x', headers: { 'content-length': ' 1' } })).toThrow(
        /content-length must be a length in bytes \(digits only\)/,
      )
      const right = { body: 'héllo', headers: { 'content-length': '6' } }
      expect(validateResponse('mock', 'response', right)).toEqual(right)
    })

    it('lets a HEAD rule, or a 204 or 304, give a length without a body', () => {
      const head = { headers: { 'content-length': '1234' } }
      expect(validateResponse('mock', 'response', head, 'head')).toEqual(head)
      expect(validateResponse('mock', 'response', { status: 304, ...head })).toEqual({ status: 304, ...head })
    })
  })

  describe('refuses inputs it could not honour', () => {
    it('a delay longer than the longest timer', () => {
      expect(validateResponse('mock', 'response', { delayMs: 2 ** 31 - 1 })).toEqual({ delayMs: 2 ** 31 - 1 })
      expect(() => validateResponse('mock', 'response', { delayMs: 2 ** 31 })).toThrow(
        'mock: response.delayMs must be at most 2147483647 ms (about 24.8 days, the longest timer Node.js runs), received number 2147483648',
      )
    })

    it.each([
      [{ status: 500 }, 'status'],
      [{ body: 'x' }, 'body'],
      [{ json: {} }, 'json'],
      [{ headers: { 'x-a': 'b' } }, 'headers'],
    ])('a network error with %o', (fields, field) => {
      expect(() => validateResponse('mock', 'response', { networkError: true, ...fields })).toThrow(
        `mock: response.${field} must be absent when networkError is true (a failed request gets no answer)`,
      )
      expect(validateResponse('mock', 'response', { networkError: false, ...fields })).toMatchObject(fields)
      expect(validateResponse('mock', 'response', { networkError: true, delayMs: 10 })).toEqual({
        networkError: true,
        delayMs: 10,
      })
    })

    it.each([204, 205, 304])('a body on a %i', (status) => {
      expect(() => validateResponse('mock', 'response', { status, body: 'x' })).toThrow(
        `mock: response.body must be absent for status ${status} (a 204, 205 or 304 answer has no body), received string 'x'`,
      )
      expect(() => validateResponse('mock', 'response', { status, json: { a: 1 } })).toThrow(
        `mock: response.json must be absent for status ${status}`,
      )
      expect(validateResponse('mock', 'response', { status })).toEqual({ status })
    })
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
