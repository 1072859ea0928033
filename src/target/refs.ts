/**
 * How a user's ref names a resource of a stack: construct paths as a user types them, the kinds of match tried in
 * order (physical id or ARN, logical id, path, path end, holding construct), and the errors that list the
 * candidates, closest first, when a ref names none or several. {@link StackResources.resolve} uses them.
 */
import leven from 'leven'
import { StakeoutError } from '../errors.js'
import { arnServiceOfType, isArn, nameInArn, parseArn } from './arn.js'
import type { StackResource, StackResources } from './stack-resources.js'

/** How many candidates an error lists before it says how many more there are. */
export const LISTED_CANDIDATES = 10

/**
 * A ref matched no resource. `candidates` holds the closest resources, closest first.
 *
 * @example
 * try { stack.resolve('MakeExternalCals') } catch (error) {
 *   if (error instanceof UnknownResourceError) console.log(error.candidates[0]?.path)
 * }
 */
export class UnknownResourceError extends StakeoutError {
  override name = 'UnknownResourceError'
  /** The ref that matched nothing. */
  readonly ref: string
  /** The closest resources, closest first (at most ten). */
  readonly candidates: readonly StackResource[]

  constructor(message: string, ref: string, candidates: readonly StackResource[]) {
    super(message)
    this.ref = ref
    this.candidates = candidates
  }
}

/**
 * A ref matched more than one resource. `candidates` holds all of them: a longer path or a `type` picks one.
 *
 * @example
 * stack.resolve('Handler')                                  // throws: MyStack/Orders/Handler, MyStack/Payments/Handler
 * stack.resolve('Orders/Handler')                           // the one
 */
export class AmbiguousResourceError extends StakeoutError {
  override name = 'AmbiguousResourceError'
  /** The ref that matched several resources. */
  readonly ref: string
  /** Every resource the ref matched, in stack order. */
  readonly candidates: readonly StackResource[]

  constructor(message: string, ref: string, candidates: readonly StackResource[]) {
    super(message)
    this.ref = ref
    this.candidates = candidates
  }
}

/**
 * The construct path a user would type for `resource`: `aws:cdk:path` without the leading `/`, without the
 * `/Resource` (or `/Default`) child CDK adds under L2 constructs, and with a nested stack's
 * `X.NestedStack/X.NestedStackResource` read as `X`. `undefined` when CDK recorded no path.
 *
 * @example
 * constructPath({ path: 'MyStack/Api/MakeExternalCalls/Resource', ... }) // 'MyStack/Api/MakeExternalCalls'
 */
export function constructPath(resource: Pick<StackResource, 'path'>): string | undefined {
  return resource.path === undefined ? undefined : normalizePath(resource.path)
}

/**
 * The construct id of `resource`: the last meaningful segment of its path (`MakeExternalCalls` for
 * `MyStack/Api/MakeExternalCalls/Resource`). `undefined` when CDK recorded no path.
 */
export function constructId(resource: Pick<StackResource, 'path'>): string | undefined {
  const path = constructPath(resource)
  return path?.slice(path.lastIndexOf('/') + 1)
}

export function normalizePath(path: string): string {
  let normalized = path.replace(/^\/+|\/+$/g, '')
  const nestedStack = /^(.*?)([^/]+)\.NestedStack\/\2\.NestedStackResource$/.exec(normalized)
  if (nestedStack !== null) normalized = `${nestedStack[1]}${nestedStack[2]}`
  return normalized.replace(/\/(?:Resource|Default)$/, '')
}

/** The candidates of the first kind of match that finds any, after preferences (see {@link StackResources}). */
export function matching(ref: string, pool: readonly StackResource[]): StackResource[] {
  const byPhysical = pool.filter((resource) => matchesPhysical(ref, resource))
  if (byPhysical.length > 0) return byPhysical
  const byLogical = pool.filter((resource) => resource.logicalId === ref)
  if (byLogical.length > 0) return byLogical
  if (isArn(ref)) return []
  const wanted = normalizePath(ref)
  if (wanted === '') return []
  const withPaths = pool.flatMap((resource) => {
    const path = constructPath(resource)
    return path === undefined ? [] : [{ resource, path }]
  })
  const exact = withPaths.filter(({ resource, path }) => path === wanted || resource.path === ref)
  if (exact.length > 0) return exact.map(({ resource }) => resource)
  // The end of a path on whole segments (depth 0: `Api/MakeExternalCalls`, or the construct id alone), else a
  // construct that holds resources: its shallowest ones win (the function, not its ServiceRole one level down).
  const below = withPaths.flatMap(({ resource, path }) => {
    const at = `/${path}/`.lastIndexOf(`/${wanted}/`)
    if (at === -1) return []
    const rest = `/${path}/`.slice(at + wanted.length + 2)
    return [{ resource, depth: rest.split('/').length - 1 }]
  })
  const shallowest = Math.min(...below.map(({ depth }) => depth))
  return below.filter(({ depth }) => depth === shallowest).map(({ resource }) => resource)
}

export function matchesPhysical(ref: string, resource: StackResource): boolean {
  const physicalId = resource.physicalId
  if (physicalId === undefined) return false
  if (physicalId === ref) return true
  const physicalName = nameInArn(physicalId) ?? queueNameOf(physicalId) ?? physicalId
  const arn = parseArn(ref)
  // An ARN names a resource of its own service only: a function ARN never means the table of the same name.
  if (arn !== undefined) return nameInArn(ref) === physicalName && arn.service === arnServiceOfType(resource.type)
  return physicalName === ref
}

/** CloudFormation reports an SQS queue by its URL: `https://sqs.<region>.amazonaws.com/<account>/<name>`. */
export function queueNameOf(physicalId: string): string | undefined {
  return /^https:\/\/sqs\.[^/]+\/\d+\/([^/]+)$/.exec(physicalId)?.[1]
}

export function typeLabel(types: readonly string[] | undefined): string {
  return types === undefined ? 'resource' : types.join(' or ')
}

export function label(resource: StackResource): string {
  return constructPath(resource) ?? `${resource.stackName}:${resource.logicalId}`
}

/** One aligned line per candidate: path (what to type), type, logical and physical ids. */
export function listCandidates(resources: readonly StackResource[]): string[] {
  const shown = resources.slice(0, LISTED_CANDIDATES)
  const labelWidth = Math.max(...shown.map((resource) => label(resource).length))
  const typeWidth = Math.max(...shown.map((resource) => resource.type.length))
  const lines = shown.map((resource) => {
    const ids = [`logical id ${resource.logicalId}`]
    if (resource.physicalId !== undefined) ids.push(`physical id ${resource.physicalId}`)
    return `  ${label(resource).padEnd(labelWidth)}  ${resource.type.padEnd(typeWidth)}  ${ids.join(', ')}`
  })
  if (resources.length > shown.length) lines.push(`  … and ${resources.length - shown.length} more`)
  return lines
}

/** How far `ref` is from each name of `resource` (0 = same), so an error can list the closest first. */
export function distanceTo(ref: string, resource: StackResource): number {
  const wanted = normalizePath(ref).toLowerCase()
  const path = constructPath(resource)
  const segments = wanted.split('/').length
  const names = [
    resource.logicalId,
    resource.physicalId,
    resource.physicalId === undefined ? undefined : nameInArn(resource.physicalId),
    path,
    path?.split('/').slice(-segments).join('/'),
  ]
  let best = 1
  for (const name of names) {
    if (name === undefined || name === '') continue
    const candidate = name.toLowerCase()
    const longest = Math.max(wanted.length, candidate.length)
    let distance = leven(wanted, candidate) / longest
    // `Ledger` is close to `LedgerB7379752` however many characters the hash adds.
    if (candidate.includes(wanted) || wanted.includes(candidate)) {
      distance = Math.min(distance, 0.3 * (1 - Math.min(wanted.length, candidate.length) / longest))
    }
    best = Math.min(best, distance)
  }
  return best
}
