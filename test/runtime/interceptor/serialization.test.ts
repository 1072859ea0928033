import { describe, expect, it } from 'vitest'
import type { RequestMatcher } from '../../../src/runtime/interceptor/schema.js'
import { deserializeMatcher, serializeMatcher } from '../../../src/runtime/interceptor/serialization.js'

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
