import { ArgumentError } from '../../../errors.js'
import {
  EVENT_PATTERN_MAX_LENGTH,
  type FieldRule,
  type PatternNode,
  parseNode,
  refuseRepeatedPaths,
} from './pattern-parse.js'

export { EVENT_PATTERN_MAX_LENGTH } from './pattern-parse.js'

/** An event pattern checked once by {@link compilePattern}, ready for {@link matches}. */
export interface CompiledPattern {
  /** The pattern as given (parsed when it was a JSON string). */
  readonly source: unknown
  /** @internal the compiled tree. */
  readonly root: PatternNode
}

/** Options of {@link compilePattern}. */
export interface CompilePatternOptions {
  /**
   * The longest pattern accepted, in characters of its JSON.
   * @default 2048 (EventBridge's limit); Lambda filter criteria allow 4096
   */
  readonly maxLength?: number
  /** The name of the argument in error messages. @default 'pattern' */
  readonly argument?: string
}

/**
 * Validates an EventBridge event pattern as EventBridge does and compiles it. Refused: a pattern that
 * is not a JSON object, empty objects and arrays, a leaf that is not an array, unknown operators,
 * operator objects with more than one key, `numeric` with a bad operator or an empty range, `cidr`
 * that is not a v4/v6 block, mixed `anything-but` lists, `$or` with fewer than 2 objects, and
 * patterns over 2,048 characters. Each error names the path of the offending field.
 *
 * @example
 * const rule = compilePattern({ source: ['bank'], detail: { amount: [{ numeric: ['>', 100] }] } })
 * matches(rule, { source: 'bank', detail: { amount: 250 } }) // true
 */
export function compilePattern(pattern: unknown, options: CompilePatternOptions = {}): CompiledPattern {
  const argument = options.argument ?? 'pattern'
  const maxLength = options.maxLength ?? EVENT_PATTERN_MAX_LENGTH
  let source = pattern
  let text: string
  if (typeof pattern === 'string') {
    text = pattern
    try {
      source = JSON.parse(pattern)
    } catch (error) {
      throw new ArgumentError('compilePattern', argument, `valid JSON (${(error as Error).message})`, pattern)
    }
  } else {
    try {
      text = JSON.stringify(pattern) ?? ''
    } catch (error) {
      throw new ArgumentError('compilePattern', argument, `JSON-serialisable (${(error as Error).message})`, pattern)
    }
  }
  if (text.length > maxLength) {
    throw new ArgumentError(
      'compilePattern',
      argument,
      `at most ${maxLength} characters of JSON`,
      `${text.length} characters: ${text.slice(0, 80)}…`,
    )
  }
  const root = parseNode(source, argument)
  refuseRepeatedPaths(root, argument)
  return { source, root }
}

/**
 * Whether `event` matches a compiled pattern, with EventBridge's semantics: AND across fields, OR
 * within a field's list; a field whose value is an array matches when any element does, and the
 * fields of one pattern object must all be met inside the same array element (event-ruler's array
 * consistency); `exists` sees leaf values only (an object or an empty array does not exist).
 *
 * @example
 * matches(compilePattern({ 'detail-type': [{ prefix: 'Account' }] }), { 'detail-type': 'AccountOpened' }) // true
 */
export function matches(compiled: CompiledPattern, event: unknown): boolean {
  return matchesNode(compiled.root, event)
}

function matchesNode(node: PatternNode, value: unknown): boolean {
  if (Array.isArray(value)) {
    // An empty array holds no leaves: the fields under it are absent, not unmatched.
    const items = elements(value)
    if (items.length === 0) return matchesNode(node, undefined)
    return items.some((element) => matchesNode(node, element))
  }
  const object = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined
  for (const [name, rule] of node.fields) {
    const child = object !== undefined && Object.hasOwn(object, name) ? object[name] : undefined
    if (!matchesField(rule, child)) return false
  }
  return node.alternatives.every((group) => group.some((alternative) => matchesNode(alternative, value)))
}

function matchesField(rule: FieldRule, value: unknown): boolean {
  if (rule.kind === 'object') {
    // A nested pattern needs an object (or an array holding one); exists:false deep inside still
    // matches when the whole branch is absent, as the flattened event of event-ruler has no leaf there.
    if (value === undefined || typeof value !== 'object' || value === null) return matchesNode(rule.node, undefined)
    return matchesNode(rule.node, value)
  }
  const values = leaves(value)
  if (rule.absent && values.length === 0) return true
  return values.some((leaf) => rule.tests.some((test) => test(leaf)))
}

/** The leaf values at a field: itself, or the scalars of an array (nested arrays flattened); objects are no leaves. */
function leaves(value: unknown): unknown[] {
  if (value === undefined) return []
  const items = Array.isArray(value) ? elements(value) : [value]
  return items.filter((item) => typeof item !== 'object' || item === null)
}

/**
 * The items of an array with nested arrays flattened, in order. Iterative: an event of 256 KB can nest
 * arrays 100,000 deep, which would overflow the stack of a recursive walk.
 */
function elements(array: readonly unknown[]): unknown[] {
  const items: unknown[] = []
  const stack: { array: readonly unknown[]; index: number }[] = [{ array, index: 0 }]
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { array: readonly unknown[]; index: number }
    if (top.index >= top.array.length) {
      stack.pop()
      continue
    }
    const item = top.array[top.index++]
    if (Array.isArray(item)) stack.push({ array: item, index: 0 })
    else items.push(item)
  }
  return items
}

/** One entry of a Lambda event source mapping's `FilterCriteria.Filters`. */
export interface StreamFilter {
  /** An event pattern as a JSON string (EventBridge grammar, up to 4,096 characters). */
  readonly Pattern: string
}

/** How many filters a mapping may hold by default [Lambda developer guide, "invocation-eventfiltering"]. */
export const MAX_FILTERS_PER_MAPPING = 5

/** Lambda's limit on one filter's `Pattern` [Lambda API reference, Filter]. */
export const FILTER_PATTERN_MAX_LENGTH = 4096

/**
 * Compiles a mapping's `FilterCriteria.Filters` (at most 5), naming the offending filter in errors.
 *
 * @example
 * const filters = compileFilters([{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }])
 */
export function compileFilters(filters: readonly StreamFilter[]): CompiledPattern[] {
  if (!Array.isArray(filters)) {
    throw new ArgumentError('compileFilters', 'filters', `an array of { Pattern: string }`, filters)
  }
  if (filters.length > MAX_FILTERS_PER_MAPPING) {
    throw new ArgumentError(
      'compileFilters',
      'filters',
      `at most ${MAX_FILTERS_PER_MAPPING} filters (Lambda's quota per event source mapping)`,
      `${filters.length} filters`,
    )
  }
  return filters.map((filter, index) => {
    const pattern = (filter as { Pattern?: unknown } | null)?.Pattern
    if (typeof pattern !== 'string') {
      throw new ArgumentError('compileFilters', `filters[${index}].Pattern`, 'a JSON string', pattern)
    }
    return compilePattern(pattern, { maxLength: FILTER_PATTERN_MAX_LENGTH, argument: `filters[${index}].Pattern` })
  })
}

/**
 * Whether a stream record passes a mapping's filter criteria: OR across the filters; no filters pass
 * everything, as a mapping without `FilterCriteria` does. The record is the one Lambda hands the
 * function (`eventName`, `dynamodb.NewImage.<attribute>.S`, ...).
 *
 * @example
 * matchesAnyFilter([{ Pattern: '{"dynamodb":{"NewImage":{"type":{"S":["Credit"]}}}}' }], record)
 */
export function matchesAnyFilter(
  filters: readonly StreamFilter[] | readonly CompiledPattern[],
  record: unknown,
): boolean {
  if (!Array.isArray(filters)) {
    throw new ArgumentError(
      'matchesAnyFilter',
      'filters',
      'an array of { Pattern: string } or of compiled patterns',
      filters,
    )
  }
  if (filters.length === 0) return true
  const compiled = filters.every((filter) => typeof filter === 'object' && filter !== null && 'root' in filter)
    ? (filters as readonly CompiledPattern[])
    : compileFilters(filters as readonly StreamFilter[])
  return compiled.some((pattern) => matches(pattern, record))
}
