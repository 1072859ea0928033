import { describe, expect, it } from 'vitest'
import { matchRequest } from '../../../src/runtime/interceptor/matching.js'
import type { StoredRule } from '../../../src/runtime/interceptor/schema.js'
import { serializeMatcher } from '../../../src/runtime/interceptor/serialization.js'
import { parseStoredRule } from '../../../src/runtime/interceptor/stored-rule.js'
import { request } from './fixtures/request.js'

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
    [
      storedRule({ id: 'r', responses: [{ body: 'hello', headers: { 'content-length': '2' } }] }),
      /responses\[0\]\.headers\.content-length must be 5, the length in bytes of the body/,
    ],
    [storedRule({ id: 'r', responses: [{ headers: { 'x-a': 'a\u0001' } }] }), /headers\.x-a must be a header value/],
    [storedRule({ id: 'r', responses: [{ delayMs: 2 ** 31 }] }), /delayMs must be at most 2147483647 ms/],
  ])('throws on the corrupt rule %s', (json, message) => {
    expect(() => parseStoredRule(json)).toThrow(message)
  })
})

describe('parseStoredRule on a HEAD rule', () => {
  it('accepts a content-length without a body: the answer to HEAD has none', () => {
    const json = storedRule({
      id: 'head',
      match: serializeMatcher({ url: '*', method: 'HEAD' }),
      responses: [{ headers: { 'content-length': '1234' } }],
    })
    expect(parseStoredRule(json).responses).toEqual([{ headers: { 'content-length': '1234' } }])
    expect(() => parseStoredRule(json.replace('"HEAD"', '"GET"'))).toThrow(/content-length must be 0/)
  })
})
