import { BlockList, isIPv4, isIPv6 } from 'node:net'
import { ArgumentError } from '../../../errors.js'

/** A test on one leaf value of the event (a string, number, boolean or null). */
export type LeafTest = (value: unknown) => boolean

/** What one field of a pattern asks: a list of conditions (OR), or a nested object. */
export type FieldRule =
  | { readonly kind: 'leaf'; readonly tests: readonly LeafTest[]; readonly absent: boolean }
  | { readonly kind: 'object'; readonly node: PatternNode }

/** One object level of a pattern: every field must match (AND), and each `$or` group by one alternative. */
export interface PatternNode {
  readonly fields: ReadonlyMap<string, FieldRule>
  readonly alternatives: readonly (readonly PatternNode[])[]
}

/** The longest pattern EventBridge accepts, in characters of its JSON [EventBridge quotas]. */
export const EVENT_PATTERN_MAX_LENGTH = 2048

const CALLEE = 'compilePattern'

/** The operator names, refused as field names inside `$or` as event-ruler refuses them. */
const OPERATORS = [
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
] as const

function refuse(path: string, expectation: string, received: unknown): never {
  throw new ArgumentError(CALLEE, path, expectation, received)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function fieldPath(path: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`
}

/**
 * Parses an object level of a pattern. `inOr` is true inside an alternative of `$or` (at any depth),
 * where event-ruler refuses operator names as fields (they would be read as a misplaced condition).
 */
export function parseNode(value: unknown, path: string, inOr = false): PatternNode {
  if (!isPlainObject(value)) refuse(path, 'an object of fields', value)
  const entries = Object.entries(value)
  if (entries.length === 0) refuse(path, 'an object with at least one field (EventBridge refuses empty objects)', value)
  const fields = new Map<string, FieldRule>()
  const alternatives: PatternNode[][] = []
  for (const [name, child] of entries) {
    const childPath = fieldPath(path, name)
    if (name === '$or') {
      alternatives.push(parseOr(child, childPath))
      continue
    }
    if (inOr && (OPERATORS as readonly string[]).includes(name)) {
      refuse(childPath, `a field name other than an operator (${name} is a reserved word inside $or)`, child)
    }
    if (Array.isArray(child)) fields.set(name, parseLeafList(child, childPath))
    else if (isPlainObject(child)) fields.set(name, { kind: 'object', node: parseNode(child, childPath, inOr) })
    else refuse(childPath, 'an array of match values or an object of fields', child)
  }
  return { fields, alternatives }
}

function parseOr(value: unknown, path: string): PatternNode[] {
  if (!Array.isArray(value)) refuse(path, 'an array of at least 2 objects', value)
  if (value.length < 2) refuse(path, 'an array of at least 2 objects', value)
  return value.map((alternative, index) => parseNode(alternative, `${path}[${index}]`, true))
}

function parseLeafList(list: readonly unknown[], path: string): FieldRule {
  if (list.length === 0) refuse(path, 'a non-empty array of match values (EventBridge refuses empty arrays)', list)
  const tests: LeafTest[] = []
  let absent = false
  list.forEach((item, index) => {
    const itemPath = `${path}[${index}]`
    if (isPlainObject(item)) {
      const condition = parseCondition(item, itemPath)
      if (condition === 'absent') absent = true
      else tests.push(condition)
    } else if (isExactValue(item)) {
      tests.push(exactTest(item))
    } else {
      refuse(itemPath, 'a string, number, true, false, null or an operator object', item)
    }
  })
  return { kind: 'leaf', tests, absent }
}

function isExactValue(value: unknown): value is string | number | boolean | null {
  return value === null || ['string', 'boolean'].includes(typeof value) || isFiniteNumber(value)
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/**
 * Exact match: strings by code points, numbers numerically (300 matches 3.0e2), booleans and null as
 * such. A string that is an IP address matches that address in any spelling (`2001:DB8::1`,
 * `2001:db8:0:0:0:0:0:1`), as event-ruler compiles it to a one-address range.
 */
function exactTest(expected: string | number | boolean | null): LeafTest {
  if (typeof expected === 'string' && (isIPv4(expected) || isIPv6(expected))) {
    const family = isIPv4(expected) ? 'ipv4' : 'ipv6'
    const address = new BlockList()
    address.addAddress(expected, family)
    return (value) =>
      value === expected || (typeof value === 'string' && ipFamily(value) === family && address.check(value, family))
  }
  return (value) => value === expected
}

function ipFamily(value: string): 'ipv4' | 'ipv6' | undefined {
  return isIPv4(value) ? 'ipv4' : isIPv6(value) ? 'ipv6' : undefined
}

function singleKey(item: Record<string, unknown>, path: string): [string, unknown] {
  const keys = Object.keys(item)
  if (keys.length !== 1) refuse(path, 'an operator object with exactly one key', item)
  const name = keys[0] as string
  return [name, item[name]]
}

function parseCondition(item: Record<string, unknown>, path: string): LeafTest | 'absent' {
  const [operator, operand] = singleKey(item, path)
  const operandPath = `${path}.${operator}`
  switch (operator) {
    case 'prefix':
    case 'suffix':
      return affixTest(operator, operand, operandPath)
    case 'equals-ignore-case':
      return ignoreCaseTest(requireString(operand, operandPath))
    case 'wildcard':
      return wildcardTest(operand, operandPath)
    case 'anything-but':
      return anythingButTest(operand, operandPath)
    case 'numeric':
      return numericTest(operand, operandPath)
    case 'exists':
      if (typeof operand !== 'boolean') refuse(operandPath, 'true or false', operand)
      return operand ? (value) => value !== undefined : 'absent'
    case 'cidr':
      return cidrTest(operand, operandPath)
    default:
      return refuse(
        path,
        `an operator object with one of ${OPERATORS.join(', ')} (unknown operator ${JSON.stringify(operator)})`,
        item,
      )
  }
}

function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') refuse(path, 'a string', value)
  return value
}

function fold(text: string): string {
  return text.toLowerCase()
}

function affixTest(operator: 'prefix' | 'suffix', operand: unknown, path: string): LeafTest {
  let affix: string
  let ignoreCase = false
  if (isPlainObject(operand)) {
    const [inner, value] = singleKey(operand, path)
    if (inner !== 'equals-ignore-case') refuse(path, `a string or { "equals-ignore-case": string }`, operand)
    affix = requireString(value, `${path}.equals-ignore-case`)
    ignoreCase = true
  } else {
    affix = requireString(operand, path)
  }
  const wanted = ignoreCase ? fold(affix) : affix
  return (value) => {
    if (typeof value !== 'string') return false
    const text = ignoreCase ? fold(value) : value
    return operator === 'prefix' ? text.startsWith(wanted) : text.endsWith(wanted)
  }
}

function ignoreCaseTest(expected: string): LeafTest {
  const wanted = fold(expected)
  return (value) => typeof value === 'string' && fold(value) === wanted
}

/**
 * Reads a wildcard as event-ruler's WildcardParser does: `*` is any run of characters, `\*` a literal
 * star, `\\` a literal backslash; any other escape and two consecutive `*` are refused. Returns the
 * literal segments between the stars (`a*b*` → `['a', 'b', '']`).
 */
export function wildcardSegments(pattern: string, path: string): string[] {
  const segments: string[] = []
  let segment = ''
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string
    if (char === '*') {
      if (pattern[index + 1] === '*') {
        refuse(path, `a wildcard without consecutive * (at position ${index})`, pattern)
      }
      segments.push(segment)
      segment = ''
    } else if (char === '\\') {
      const next = pattern[index + 1]
      if (next !== '*' && next !== '\\') {
        refuse(path, `a wildcard whose backslashes escape only * or \\ (invalid escape at position ${index})`, pattern)
      }
      segment += next
      index++
    } else {
      segment += char
    }
  }
  segments.push(segment)
  return segments
}

/**
 * Whether `text` matches the segments: the first is a prefix, the last a suffix, the middle ones found
 * left to right. Leftmost placement is always safe with `*` as the only wildcard, so this is linear in
 * the text for each segment, where a regular expression backtracks polynomially on a hostile value.
 */
function matchesSegments(segments: readonly string[], text: string): boolean {
  const first = segments[0] as string
  if (segments.length === 1) return text === first
  const last = segments[segments.length - 1] as string
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false
  let from = first.length
  const until = text.length - last.length
  for (const middle of segments.slice(1, -1)) {
    const at = text.indexOf(middle, from)
    if (at === -1 || at + middle.length > until) return false
    from = at + middle.length
  }
  return true
}

function wildcardTest(operand: unknown, path: string): LeafTest {
  const segments = wildcardSegments(requireString(operand, path), path)
  return (value) => typeof value === 'string' && matchesSegments(segments, value)
}

/**
 * `anything-but`: a value or a list of values (all strings or all numbers), or one of prefix, suffix,
 * equals-ignore-case and wildcard with a string or a list of strings. It matches a leaf that is present
 * and none of the excluded ones.
 */
function anythingButTest(operand: unknown, path: string): LeafTest {
  if (isPlainObject(operand)) {
    const [inner, value] = singleKey(operand, path)
    const innerPath = `${path}.${inner}`
    if (!['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(inner)) {
      refuse(path, 'a value, a list, or an object with prefix, suffix, equals-ignore-case or wildcard', operand)
    }
    const strings = (Array.isArray(value) ? value : [value]).map((item, index) =>
      requireString(item, Array.isArray(value) ? `${innerPath}[${index}]` : innerPath),
    )
    if (strings.length === 0) refuse(innerPath, 'a string or a non-empty array of strings', value)
    let excluded: LeafTest
    switch (inner) {
      case 'prefix':
      case 'suffix':
        strings.forEach((text, index) => {
          if (text === '')
            refuse(Array.isArray(value) ? `${innerPath}[${index}]` : innerPath, `a non-empty ${inner}`, text)
        })
        excluded = anyOf(strings.map((text) => affixTest(inner, text, innerPath)))
        break
      case 'equals-ignore-case':
        excluded = anyOf(strings.map(ignoreCaseTest))
        break
      case 'wildcard':
        excluded = anyOf(strings.map((text) => wildcardTest(text, innerPath)))
        break
      default:
        return refuse(
          path,
          'a value, a list, or an object with prefix, suffix, equals-ignore-case or wildcard',
          operand,
        )
    }
    return (value) => value !== undefined && !excluded(value)
  }
  const values = Array.isArray(operand) ? operand : [operand]
  const allStrings = values.every((item) => typeof item === 'string')
  const allNumbers = values.every(isFiniteNumber)
  if (values.length === 0 || !(allStrings || allNumbers)) {
    refuse(path, 'a string, a number, or a non-empty array of all strings or all numbers', operand)
  }
  const excluded = new Set<unknown>(values)
  return (value) => value !== undefined && !excluded.has(value)
}

function anyOf(tests: readonly LeafTest[]): LeafTest {
  return (value) => tests.some((test) => test(value))
}

type Bound = { readonly value: number; readonly inclusive: boolean }

/** `numeric`: `["=", n]`, `[">" | ">=", n]`, `["<" | "<=", n]` or a range `[">" | ">=", a, "<" | "<=", b]` with a < b. */
function numericTest(operand: unknown, path: string): LeafTest {
  const shape = 'an array like ["=", 5], [">", 0], ["<=", 9] or [">", 0, "<=", 5]'
  if (!Array.isArray(operand)) refuse(path, shape, operand)
  const [first, firstValue, second, secondValue, ...rest] = operand as unknown[]
  const numberAt = (value: unknown, index: number, operator: unknown): number => {
    if (!isFiniteNumber(value)) refuse(`${path}[${index}]`, `a number (the value of ${String(operator)})`, value)
    return value
  }
  if (operand.length !== 2 && operand.length !== 4) refuse(path, shape, operand)
  if (rest.length > 0) refuse(path, shape, operand)
  let lower: Bound | undefined
  let upper: Bound | undefined
  switch (first) {
    case '=': {
      if (operand.length !== 2) refuse(path, `${shape} (= takes one number)`, operand)
      const expected = numberAt(firstValue, 1, first)
      return (value) => value === expected
    }
    case '>':
    case '>=':
      lower = { value: numberAt(firstValue, 1, first), inclusive: first === '>=' }
      break
    case '<':
    case '<=':
      if (operand.length !== 2) refuse(path, `${shape} (a range starts with > or >=)`, operand)
      upper = { value: numberAt(firstValue, 1, first), inclusive: first === '<=' }
      break
    default:
      refuse(`${path}[0]`, 'one of =, <, <=, >, >=', first)
  }
  if (operand.length === 4) {
    if (second !== '<' && second !== '<=') refuse(`${path}[2]`, 'one of <, <= (the top of the range)', second)
    upper = { value: numberAt(secondValue, 3, second), inclusive: second === '<=' }
    if (lower !== undefined && lower.value >= upper.value) {
      refuse(path, 'a range whose bottom is less than its top', operand)
    }
  }
  return (value) =>
    isFiniteNumber(value) &&
    (lower === undefined || (lower.inclusive ? value >= lower.value : value > lower.value)) &&
    (upper === undefined || (upper.inclusive ? value <= upper.value : value < upper.value))
}

/** `cidr`: an IPv4 or IPv6 block with one `/`; mask bits under 32 (v4) or 128 (v6), as event-ruler's CIDR requires. */
function cidrTest(operand: unknown, path: string): LeafTest {
  const text = requireString(operand, path)
  const parts = text.split('/')
  const [address, bits] = parts
  const expectation = 'a CIDR block such as 10.0.0.0/24 or 2001:db8::/64'
  if (parts.length !== 2 || address === undefined || bits === undefined || !/^\d+$/.test(bits)) {
    refuse(path, `${expectation} (one / and an integer mask)`, text)
  }
  const family = isIPv4(address)
    ? 'ipv4'
    : isIPv6(address)
      ? 'ipv6'
      : refuse(path, `${expectation} (not an IP address before /)`, text)
  const mask = Number(bits)
  const limit = family === 'ipv4' ? 32 : 128
  if (mask >= limit)
    refuse(path, `${expectation} (${family === 'ipv4' ? 'IPv4' : 'IPv6'} mask bits must be < ${limit})`, text)
  const block = new BlockList()
  block.addSubnet(address, mask, family)
  return (value) => {
    const valueFamily = typeof value === 'string' ? ipFamily(value) : undefined
    return valueFamily !== undefined && block.check(value as string, valueFamily)
  }
}

type Occurrence = { readonly path: string; readonly shown: string; readonly choices: ReadonlyMap<number, number> }

/**
 * Refuses a field path given twice in one conjunction (outside and inside a `$or`, or in two nested
 * `$or`s that can both apply): event-ruler refuses it ("Path `x` cannot be allowed multiple times")
 * unless told to let the later one override, and EventBridge documents neither, so it is refused here.
 * Two occurrences can both apply unless they sit in different alternatives of the same `$or`.
 */
export function refuseRepeatedPaths(root: PatternNode, argument: string): void {
  const occurrences: Occurrence[] = []
  let groups = 0
  const visit = (node: PatternNode, prefix: string, shown: string, choices: ReadonlyMap<number, number>) => {
    for (const [name, rule] of node.fields) {
      const path = prefix === '' ? name : `${prefix}.${name}`
      const shownPath = fieldPath(shown, name)
      if (rule.kind === 'leaf') occurrences.push({ path, shown: shownPath, choices })
      else visit(rule.node, path, shownPath, choices)
    }
    for (const group of node.alternatives) {
      const id = groups++
      for (const [index, alternative] of group.entries()) {
        visit(alternative, prefix, `${shown}.$or[${index}]`, new Map([...choices, [id, index]]))
      }
    }
  }
  visit(root, '', argument, new Map())
  for (const [index, first] of occurrences.entries()) {
    for (const second of occurrences.slice(index + 1)) {
      if (first.path !== second.path) continue
      const exclusive = [...first.choices].some(
        ([id, choice]) => second.choices.has(id) && second.choices.get(id) !== choice,
      )
      if (!exclusive) {
        refuse(
          second.shown,
          `a field not already given at ${first.shown} (a path may appear once in each $or branch)`,
          first.path,
        )
      }
    }
  }
}
