import { describe, expect, it } from 'vitest'
import { validateMatcher, validateResponse } from '../../src/clients/rule-validation.js'
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
