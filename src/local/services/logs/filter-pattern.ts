/**
 * CloudWatch Logs filter patterns (FilterLogEvents' `filterPattern`), the subset the local log store evaluates:
 *
 * - terms: `ERROR`, `"exact phrase"`, several terms (all must appear), `-term` (must not appear), `?a ?b` (any);
 * - JSON: `{ $.execution_arn = "arn:..." }`, with `=`, `!=`, `<`, `>`, `<=`, `>=`, `*` wildcards in strings,
 *   `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`, `&&`, `||` and parentheses, selectors `$.a.b` and `$.a[0]`.
 *
 * The space-delimited form (`[ip, user, ...]`) and regular expressions (`%...%`) are refused with a message naming
 * them, never matched loosely. The CloudWatch Logs User Guide ("Filter pattern syntax for metric filters,
 * subscription filters, filter log events") gives the grammar; where it does not say (whether a term matches inside
 * a longer word), the local store reads the term as a case-sensitive substring, as the guide's examples match.
 */

/**
 * A filter pattern the local store does not accept, and why (FilterLogEvents answers InvalidParameterException).
 *
 * @example
 * try { compileFilterPattern('[ip, user]') } catch (error) { if (error instanceof FilterPatternError) console.log(error.message) }
 */
export class FilterPatternError extends Error {
  override readonly name = 'FilterPatternError'
}

/**
 * A compiled pattern: whether one log message matches.
 *
 * @example
 * const matches: MessageMatcher = compileFilterPattern('ERROR')
 */
export type MessageMatcher = (message: string) => boolean

/**
 * Compiles a filter pattern. An empty or blank pattern matches every message, as FilterLogEvents without one does.
 *
 * @throws {FilterPatternError} the pattern is malformed, or of a form the local store does not evaluate
 * @example
 * const matches = compileFilterPattern('{ $.type = "ExecutionSucceeded" }')
 * matches('{"type":"ExecutionSucceeded"}') // true
 */
export function compileFilterPattern(pattern: string): MessageMatcher {
  const text = pattern.trim()
  if (text === '') return () => true
  if (text.startsWith('{')) return compileJsonPattern(text)
  if (text.startsWith('[')) {
    throw new FilterPatternError(
      `space-delimited filter patterns ([...]) are not evaluated by the local log store: use terms or a JSON pattern ({ $.field = "value" })`,
    )
  }
  if (/(^|\s)%/.test(text)) {
    throw new FilterPatternError(
      'regular-expression filter patterns (%...%) are not evaluated by the local log store: use terms or a JSON pattern',
    )
  }
  return compileTerms(text)
}

interface Term {
  readonly text: string
  readonly kind: 'all' | 'any' | 'not'
}

function compileTerms(text: string): MessageMatcher {
  const terms: Term[] = []
  let at = 0
  while (at < text.length) {
    if (/\s/.test(text[at] ?? '')) {
      at += 1
      continue
    }
    let kind: Term['kind'] = 'all'
    if (text[at] === '?' || text[at] === '-') {
      kind = text[at] === '?' ? 'any' : 'not'
      at += 1
    }
    if (text[at] === '"') {
      const { value, end } = quoted(text, at)
      terms.push({ text: value, kind })
      at = end
      continue
    }
    const start = at
    while (at < text.length && !/\s/.test(text[at] ?? '')) at += 1
    const word = text.slice(start, at)
    if (word === '') throw new FilterPatternError(`a ${kind === 'any' ? '?' : '-'} at ${start} is followed by no term`)
    if (!/^[\w.*]+$/.test(word)) {
      throw new FilterPatternError(
        `the term ${word} holds characters other than letters, digits and _: put it in double quotes ("${word}")`,
      )
    }
    terms.push({ text: word, kind })
  }
  const any = terms.filter((term) => term.kind === 'any')
  if (any.length > 0 && any.length !== terms.length) {
    throw new FilterPatternError('?term (any of) cannot be mixed with plain or -term terms in one pattern')
  }
  if (terms.every((term) => term.kind === 'not')) {
    throw new FilterPatternError('a pattern of -term exclusions only matches nothing: give a term to match')
  }
  if (any.length > 0) return (message) => any.some((term) => message.includes(term.text))
  return (message) =>
    terms.every((term) => (term.kind === 'not' ? !message.includes(term.text) : message.includes(term.text)))
}

/** A double-quoted string from `start` (at the quote): its value (`\"` and `\\` unescaped) and the index past it. */
function quoted(text: string, start: number): { value: string; end: number } {
  let value = ''
  let at = start + 1
  while (at < text.length) {
    const char = text[at]
    if (char === '\\' && at + 1 < text.length) {
      value += text[at + 1]
      at += 2
      continue
    }
    if (char === '"') return { value, end: at + 1 }
    value += char
    at += 1
  }
  throw new FilterPatternError(`the quote at ${start} is not closed`)
}

// --- JSON patterns ---------------------------------------------------------------------------------------------

type Step = { readonly key: string } | { readonly index: number }
type Operator = '=' | '!=' | '<' | '>' | '<=' | '>='
type Condition =
  | {
      readonly kind: 'compare'
      readonly path: readonly Step[]
      readonly operator: Operator
      readonly value: string | number
    }
  | { readonly kind: 'is'; readonly path: readonly Step[]; readonly what: 'NULL' | 'TRUE' | 'FALSE' }
  | { readonly kind: 'missing'; readonly path: readonly Step[] }
  | { readonly kind: 'and' | 'or'; readonly left: Condition; readonly right: Condition }

const MISSING = Symbol('missing')

function compileJsonPattern(text: string): MessageMatcher {
  if (!text.endsWith('}')) throw new FilterPatternError('a JSON pattern must end with }')
  const parser = new JsonPatternParser(text.slice(1, -1))
  const condition = parser.parse()
  return (message) => {
    let record: unknown
    try {
      record = JSON.parse(message)
    } catch {
      return false
    }
    return evaluate(condition, record)
  }
}

function evaluate(condition: Condition, record: unknown): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluate(condition.left, record) && evaluate(condition.right, record)
    case 'or':
      return evaluate(condition.left, record) || evaluate(condition.right, record)
    case 'missing':
      return select(record, condition.path) === MISSING
    case 'is': {
      const value = select(record, condition.path)
      return condition.what === 'NULL' ? value === null : value === (condition.what === 'TRUE')
    }
    case 'compare':
      return compare(select(record, condition.path), condition.operator, condition.value)
  }
}

function select(record: unknown, path: readonly Step[]): unknown {
  let value: unknown = record
  for (const step of path) {
    if ('key' in step) {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, step.key)) {
        return MISSING
      }
      value = (value as Record<string, unknown>)[step.key]
    } else {
      if (!Array.isArray(value) || step.index >= value.length) return MISSING
      value = value[step.index]
    }
  }
  return value
}

function compare(actual: unknown, operator: Operator, expected: string | number): boolean {
  if (actual === MISSING) return false
  if (typeof expected === 'number') {
    if (typeof actual !== 'number') return false
    switch (operator) {
      case '=':
        return actual === expected
      case '!=':
        return actual !== expected
      case '<':
        return actual < expected
      case '>':
        return actual > expected
      case '<=':
        return actual <= expected
      case '>=':
        return actual >= expected
    }
  }
  if (typeof actual !== 'string') return operator === '!=' && actual !== null && typeof actual !== 'object'
  const matches = wildcard(expected).test(actual)
  return operator === '=' ? matches : !matches
}

function wildcard(value: string): RegExp {
  return new RegExp(`^${value.split('*').map(escapeRegExp).join('.*')}$`, 's')
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** A recursive-descent parser of the inside of `{ ... }`: `||` binds looser than `&&`, as the guide's examples group. */
class JsonPatternParser {
  #at = 0

  constructor(readonly text: string) {}

  parse(): Condition {
    const condition = this.#or()
    this.#space()
    if (this.#at < this.text.length)
      this.#fail(`unexpected ${JSON.stringify(this.text.slice(this.#at, this.#at + 10))}`)
    return condition
  }

  #or(): Condition {
    let left = this.#and()
    while (this.#eat('||')) left = { kind: 'or', left, right: this.#and() }
    return left
  }

  #and(): Condition {
    let left = this.#unary()
    while (this.#eat('&&')) left = { kind: 'and', left, right: this.#unary() }
    return left
  }

  #unary(): Condition {
    if (this.#eat('(')) {
      const inner = this.#or()
      if (!this.#eat(')')) this.#fail('a ( is not closed')
      return inner
    }
    const path = this.#selector()
    if (this.#word('IS')) {
      for (const what of ['NULL', 'TRUE', 'FALSE'] as const) if (this.#word(what)) return { kind: 'is', path, what }
      this.#fail('IS must be followed by NULL, TRUE or FALSE')
    }
    if (this.#word('NOT')) {
      if (this.#word('EXISTS')) return { kind: 'missing', path }
      this.#fail('NOT must be followed by EXISTS')
    }
    const operator = (['!=', '<=', '>=', '=', '<', '>'] as const).find((each) => this.#eat(each))
    if (operator === undefined) this.#fail('expected =, !=, <, >, <=, >=, IS or NOT EXISTS after the selector')
    return { kind: 'compare', path, operator: operator as Operator, value: this.#value(operator as Operator) }
  }

  #selector(): Step[] {
    this.#space()
    if (this.text[this.#at] !== '$') this.#fail('a selector must start with $ ($.field)')
    this.#at += 1
    const path: Step[] = []
    for (;;) {
      const char = this.text[this.#at]
      if (char === '.') {
        this.#at += 1
        const match = /^[A-Za-z_][\w-]*/.exec(this.text.slice(this.#at))
        if (match === null) this.#fail('a . in a selector must be followed by a field name')
        path.push({ key: match![0] })
        this.#at += match![0].length
      } else if (char === '[') {
        const match = /^\[(\d+)\]/.exec(this.text.slice(this.#at))
        if (match === null) this.#fail('a [ in a selector must hold an index ([0]); [*] is not evaluated locally')
        path.push({ index: Number(match![1]) })
        this.#at += match![0].length
      } else break
    }
    if (path.length === 0) this.#fail('a selector must name a field ($.field)')
    return path
  }

  #value(operator: Operator): string | number {
    this.#space()
    if (this.text[this.#at] === '"') {
      const { value, end } = quoted(this.text, this.#at)
      this.#at = end
      if (operator !== '=' && operator !== '!=') this.#fail(`${operator} compares numbers, not a string`)
      return value
    }
    const match = /^[^\s()&|]+/.exec(this.text.slice(this.#at))
    if (match === null) this.#fail('expected a value after the operator')
    this.#at += match![0].length
    const word = match![0]
    if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(word)) return Number(word)
    if (operator !== '=' && operator !== '!=') this.#fail(`${operator} compares numbers, not ${word}`)
    return word
  }

  #space(): void {
    while (/\s/.test(this.text[this.#at] ?? '')) this.#at += 1
  }

  #eat(token: string): boolean {
    this.#space()
    if (!this.text.startsWith(token, this.#at)) return false
    this.#at += token.length
    return true
  }

  #word(word: string): boolean {
    this.#space()
    const next = this.text.slice(this.#at, this.#at + word.length + 1)
    if (next.toUpperCase().startsWith(word) && !/\w/.test(next[word.length] ?? '')) {
      this.#at += word.length
      return true
    }
    return false
  }

  #fail(reason: string): never {
    throw new FilterPatternError(`invalid JSON filter pattern at ${this.#at + 1}: ${reason}`)
  }
}
