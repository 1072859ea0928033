import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { countsUses, needsBody, pickRule } from '../../../src/runtime/interceptor/pick-rule.js'
import type { RequestMatcher, StoredRule } from '../../../src/runtime/interceptor/schema.js'
import { serializeMatcher } from '../../../src/runtime/interceptor/serialization.js'
import { type ParsedRule, parseStoredRule } from '../../../src/runtime/interceptor/stored-rule.js'
import { request } from './fixtures/request.js'

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
