import {
  affixTest,
  anythingButTest,
  cidrTest,
  exactTest,
  ignoreCaseTest,
  isFiniteNumber,
  isPlainObject,
  type LeafTest,
  numericTest,
  refuse,
  requireString,
  singleKey,
  wildcardTest,
} from './pattern-conditions.js'

export type { LeafTest } from './pattern-conditions.js'

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
