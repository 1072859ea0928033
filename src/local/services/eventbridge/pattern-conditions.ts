import { BlockList, isIPv4, isIPv6 } from 'node:net'
import { ArgumentError } from '../../../errors.js'

/*
 * The leaf conditions of an event pattern (exact values and the operators of "eb-create-pattern-operators"):
 * each operand is checked as event-ruler's JsonRuleCompiler checks it and compiled to a test on one leaf
 * value. The structure around them (fields, nesting, `$or`) is pattern-parse.ts.
 */

const CALLEE = 'compilePattern'

/** A test on one leaf value of the event (a string, number, boolean or null). */
export type LeafTest = (value: unknown) => boolean

/** Throws the {@link ArgumentError} of a refused pattern, naming the offending path. */
export function refuse(path: string, expectation: string, received: unknown): never {
  throw new ArgumentError(CALLEE, path, expectation, received)
}

/** A JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A number JSON can hold (NaN and the infinities are not). */
export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/**
 * Exact match: strings by code points, numbers numerically (300 matches 3.0e2), booleans and null as
 * such. A string that is an IP address matches that address in any spelling (`2001:DB8::1`,
 * `2001:db8:0:0:0:0:0:1`), as event-ruler compiles it to a one-address range.
 */
export function exactTest(expected: string | number | boolean | null): LeafTest {
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

/** The one key of an operator object, and its operand; more or fewer keys are refused. */
export function singleKey(item: Record<string, unknown>, path: string): [string, unknown] {
  const keys = Object.keys(item)
  if (keys.length !== 1) refuse(path, 'an operator object with exactly one key', item)
  const name = keys[0] as string
  return [name, item[name]]
}

/** The operand as a string, or refused. */
export function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') refuse(path, 'a string', value)
  return value
}

function fold(text: string): string {
  return text.toLowerCase()
}

/** `prefix` / `suffix`: a string, or `{ "equals-ignore-case": string }`; matches string leaves only. */
export function affixTest(operator: 'prefix' | 'suffix', operand: unknown, path: string): LeafTest {
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

/** `equals-ignore-case`: string leaves equal up to case. */
export function ignoreCaseTest(expected: string): LeafTest {
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

/** `wildcard`: string leaves that match the glob. */
export function wildcardTest(operand: unknown, path: string): LeafTest {
  const segments = wildcardSegments(requireString(operand, path), path)
  return (value) => typeof value === 'string' && matchesSegments(segments, value)
}

/**
 * `anything-but`: a value or a list of values (all strings or all numbers), or one of prefix, suffix,
 * equals-ignore-case and wildcard with a string or a list of strings. It matches a leaf that is present
 * and none of the excluded ones.
 */
export function anythingButTest(operand: unknown, path: string): LeafTest {
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
export function numericTest(operand: unknown, path: string): LeafTest {
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
export function cidrTest(operand: unknown, path: string): LeafTest {
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
