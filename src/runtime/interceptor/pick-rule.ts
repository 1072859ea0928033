/**
 * Which rule handles a call: the most recent matching rule that is not used up. Runs inside Lambda
 * on every outbound call, against the rules read once per invocation.
 */
import { matchesApartFromBody, matchesPrepared, prepareRequest } from './matching.js'
import type { MockResponse, RequestSnapshot, StoredRule } from './schema.js'
import type { ParsedRule } from './stored-rule.js'

/**
 * Picks the rule that handles a call: the most recent matching rule that is not used up.
 * `rules` must be in creation order (as the table returns them); `uses` counts how many calls each
 * rule id has handled so far. Returns the rule and, for a mock, the response to answer with.
 *
 * A mock's responses are a sequence: response `i` answers `times` calls (by default once, except
 * the last, which answers forever). Once the sequence is used up, the rule is exhausted and older
 * rules (or the network) get the call. A pass-through handles `times` calls (default: unlimited).
 *
 * @example
 * const picked = pickRule(rules, { url, method, headers }, uses)
 * if (picked?.response) answerWith(picked.response)
 */
export function pickRule(
  rules: readonly ParsedRule[],
  request: RequestSnapshot,
  uses: ReadonlyMap<string, number>,
): { rule: ParsedRule; response?: MockResponse } | undefined {
  const prepared = prepareRequest(request)
  for (let index = rules.length - 1; index >= 0; index--) {
    const rule = rules[index]!
    const used = uses.get(rule.id) ?? 0
    if (rule.action === 'passThrough') {
      if (used >= (rule.times ?? Number.POSITIVE_INFINITY)) continue
      if (matchesPrepared(rule.matcher, prepared)) return { rule }
      continue
    }
    const response = responseAt(rule.responses ?? [], used)
    if (response === undefined) continue
    if (matchesPrepared(rule.matcher, prepared)) return { rule, response }
  }
  return undefined
}

/**
 * True when {@link pickRule} needs the request's body to choose: the most recent rule that is not used up and matches
 * every other field matches on the body. Otherwise the body can stay unread (an upload is neither buffered nor held)
 * unless the call is recorded. `request.body` is ignored.
 *
 * @example
 * const body = needsBody(rules, { url, method, headers }, uses) ? await readBody(request) : undefined
 */
export function needsBody(
  rules: readonly ParsedRule[],
  request: RequestSnapshot,
  uses: ReadonlyMap<string, number>,
): boolean {
  const prepared = prepareRequest(request)
  for (let index = rules.length - 1; index >= 0; index--) {
    const rule = rules[index]!
    if (usedUp(rule, uses.get(rule.id) ?? 0) || !matchesApartFromBody(rule.matcher, prepared)) continue
    return rule.matcher.body !== undefined
  }
  return false
}

/**
 * True when a rule's uses must be counted: it handles a limited number of calls (`times`) or answers with a sequence.
 * A rule that answers every call the same way forever is never used up, so its uses need no counting (nor storing).
 *
 * @example
 * countsUses({ id, createdAt, match, action: 'mock', responses: [{ status: 503, times: 2 }, { status: 200 }] }) // true
 */
export function countsUses(rule: StoredRule): boolean {
  if (rule.action === 'passThrough') return rule.times !== undefined
  const responses = rule.responses ?? []
  return responses.length > 1 || responses.some((response) => response.times !== undefined)
}

/**
 * How many uses of a rule are claimed one by one (store.ts `claimUse`): the calls before it answers the same way
 * forever, or before it is used up. 0 for a rule that answers every call alike (see {@link countsUses}).
 *
 * @example
 * claimedUses({ id, createdAt, match, action: 'mock', responses: [{ status: 503, times: 2 }, { status: 200 }] }) // 2
 * claimedUses({ id, createdAt, match, action: 'passThrough', times: 1 }) // 1
 */
export function claimedUses(rule: StoredRule): number {
  if (!countsUses(rule)) return 0
  if (rule.action === 'passThrough') return rule.times ?? 0
  const responses = rule.responses ?? []
  const forever = responses.at(-1)?.times === undefined
  const counted = forever ? responses.slice(0, -1) : responses
  return counted.reduce((sum, response) => sum + (response.times ?? 1), 0)
}

function usedUp(rule: ParsedRule, used: number): boolean {
  if (rule.action === 'passThrough') return used >= (rule.times ?? Number.POSITIVE_INFINITY)
  return responseAt(rule.responses ?? [], used) === undefined
}

/** The response of a sequence that answers call number `used` (from 0), or undefined when the sequence is used up. */
function responseAt(responses: readonly MockResponse[], used: number): MockResponse | undefined {
  let remaining = used
  for (let index = 0; index < responses.length; index++) {
    const response = responses[index]!
    const last = index === responses.length - 1
    const budget = response.times ?? (last ? Number.POSITIVE_INFINITY : 1)
    if (remaining < budget) return response
    remaining -= budget
  }
  return undefined
}
