import { ArgumentError, atUserLine, describeValue, StakeoutError } from '../errors.js'
import { isArn } from './arn.js'
import { AWS_SERVICES, type AwsService, type ClientSettings, type LocalConnection } from './client-settings.js'
import {
  AmbiguousResourceError,
  distanceTo,
  LISTED_CANDIDATES,
  label,
  listCandidates,
  matching,
  typeLabel,
  UnknownResourceError,
} from './refs.js'
import { isRecord } from './template.js'

export { AmbiguousResourceError, constructId, constructPath, UnknownResourceError } from './refs.js'

/**
 * One resource of a stack (or of one of its nested stacks), as CloudFormation or a synthesized cloud assembly
 * describes it.
 */
export interface StackResource {
  /** The stack that holds the resource: the deployed stack's name, or for a nested stack in a cloud assembly its construct path. */
  stackName: string
  /** The CloudFormation logical id, unique within `stackName`. */
  logicalId: string
  /** The CloudFormation type, e.g. `AWS::Lambda::Function`. */
  type: string
  /** The physical id (function name, table name, state machine ARN...). In a cloud assembly: the explicit name, if any. */
  physicalId?: string
  /** The construct path CDK recorded (`aws:cdk:path`), e.g. `MyStack/Api/MakeExternalCalls/Resource`. */
  path?: string
  /** The template's `Properties`, intrinsics unresolved (see {@link StackResources.resolveValue}). */
  properties?: Record<string, unknown>
  /** The template's `Metadata`. */
  metadata?: Record<string, unknown>
  /**
   * The values `Fn::GetAtt` gives, when the target knows them: a local app fills `Arn`, `StreamArn`... with the
   * local resource's.
   */
  attributes?: Record<string, string>
}

/** A stack the resources came from: the root stack or one of its nested stacks. */
export interface StackDescription {
  /** As in {@link StackResource.stackName}. */
  stackName: string
  /** For a nested stack: the `AWS::CloudFormation::Stack` resource of its parent that creates it. */
  parent?: { stackName: string; logicalId: string }
  /** The stack's region, when known (`AWS::Region`). */
  region?: string
  /** The stack's account, when known (`AWS::AccountId`). */
  account?: string
  /** Whether `stackName` is the name CloudFormation knows the stack by (`AWS::StackName`). */
  deployedName?: boolean
  /** The stack's outputs by logical id, resolved, when the target knows them (a local app does). */
  outputs?: Record<string, string>
  /** The template's `Outputs` (each `{ Value, Description?, Export? }`, intrinsics unresolved), when read from a template. */
  templateOutputs?: Record<string, unknown>
  /** The template's `Parameters` (each `{ Type, Default?, ... }`), when read from a template: what a `Ref` to one names. */
  templateParameters?: Record<string, unknown>
}

/**
 * Where a {@link StackResources} was read from: a deployed stack (`cloudformation`), a synthesized cloud assembly on
 * disk (`cloud-assembly`), or an app brought up on this machine by `startLocal` (`local`: physical ids are the local
 * names, and {@link StackResources.clientSettings} points at the local services).
 */
export type ResourceSource = 'cloudformation' | 'cloud-assembly' | 'local'

/** How {@link StackResources.resolve} narrows its candidates. */
export interface ResolveOptions {
  /** Only resources of this CloudFormation type (or of one of these), e.g. `AWS::Lambda::Function`. */
  type?: string | readonly string[]
}

/**
 * The resources of one stack and its nested stacks (or of every stack of a cloud assembly), and the one place
 * that turns a user's ref into a resource.
 *
 * A ref is, in the order tried: a physical id or ARN (`my-fn`, `arn:aws:lambda:…:function:my-fn`), a logical id
 * (`ApiMakeExternalCallsE839E5B8`), a construct path (`MyStack/Api/MakeExternalCalls`, with or without the
 * `/Resource` CDK adds), the end of a construct path on whole segments (`Api/MakeExternalCalls`, or the construct
 * id alone, `MakeExternalCalls`), and last a construct that holds the resource (`Ledger` for
 * `MyStack/Ledger/Table/Resource`, the shallowest resources below it winning). The first kind that matches
 * decides; if it matches several resources the ref is ambiguous.
 *
 * @example
 * const stack = await resolveTarget()
 * const fn = stack.resolve('MakeExternalCalls', { type: 'AWS::Lambda::Function' })
 * fn.physicalId                                            // the deployed function's name
 */
export class StackResources {
  /** Every resource, root stack first, then nested stacks in the order they were found. */
  readonly resources: readonly StackResource[]
  /** The stacks the resources came from, root stacks first. */
  readonly stacks: readonly StackDescription[]
  /** Where the resources were read from: a deployed stack, or a synthesized cloud assembly on disk. */
  readonly source: ResourceSource
  /** How the local app is reached (source `local` only). */
  readonly local: LocalConnection | undefined
  readonly #byStack = new Map<string, Map<string, StackResource>>()
  readonly #stackByName = new Map<string, StackDescription>()

  /**
   * @param resources every resource, as {@link loadDeployedStack} or {@link loadCloudAssembly} read them
   * @param options where they came from, the stacks that hold them, and for source `local` how the local app is
   *   reached
   */
  constructor(
    resources: readonly StackResource[],
    options: { source: ResourceSource; stacks: readonly StackDescription[]; local?: LocalConnection },
  ) {
    if ((options.source === 'local') !== (options.local !== undefined)) {
      throw new ArgumentError('StackResources', 'options.local', 'given exactly when source is local', options.local)
    }
    this.resources = resources
    this.stacks = options.stacks
    this.source = options.source
    this.local = options.local
    for (const stack of options.stacks) this.#stackByName.set(stack.stackName, stack)
    for (const resource of resources) {
      const logicalIds = this.#byStack.get(resource.stackName) ?? new Map<string, StackResource>()
      this.#byStack.set(resource.stackName, logicalIds.set(resource.logicalId, resource))
    }
  }

  /** The root stack's name (for a cloud assembly of several stacks: the first). */
  get stackName(): string {
    return this.#rootStacks()[0]?.stackName ?? ''
  }

  /** The root stack's region, when known. */
  get region(): string | undefined {
    return this.#rootStacks()[0]?.region
  }

  /**
   * What an AWS SDK v3 client needs to reach `service` on this target. A deployed stack gives its region (when
   * known); credentials and endpoints come from the SDK's own chain, so `AWS_PROFILE` or `AWS_ENDPOINT_URL` keep
   * working. The local target gives its region, the local service's endpoint and dummy credentials.
   *
   * @param service the service, as in `AWS_ENDPOINT_URL_<SERVICE>`: `dynamodb`, `lambda`, `events`...
   * @throws {StakeoutError} the local target does not serve `service` (the message lists the ones it serves)
   * @example
   * const stack = await resolveTarget()
   * const dynamodb = new DynamoDBClient({ ...stack.clientSettings('dynamodb') })
   */
  clientSettings(service: AwsService): ClientSettings {
    if (typeof service !== 'string' || !AWS_SERVICES.includes(service)) {
      const expectation = `one of ${AWS_SERVICES.map((each) => `'${each}'`).join(', ')}`
      throw atUserLine(new ArgumentError('clientSettings', 'service', expectation, service), this.clientSettings)
    }
    const local = this.local
    if (local === undefined) return this.region === undefined ? {} : { region: this.region }
    const endpoint = local.endpoints[service]
    if (endpoint === undefined) {
      const served = AWS_SERVICES.filter((each) => local.endpoints[each] !== undefined)
      throw atUserLine(
        new StakeoutError(
          `The local target does not serve ${service}: it serves ${served.join(', ') || 'no service'}. ` +
            'Test the stack deployed (STAKEOUT_STACK=<stack name>) to reach it.',
        ),
        this.clientSettings,
      )
    }
    return {
      region: local.region,
      endpoint,
      credentials: { accessKeyId: local.credentials.accessKeyId, secretAccessKey: local.credentials.secretAccessKey },
      // StartSyncExecution's host prefix (`sync-`) would make the local host `sync-127.0.0.1`, which does not resolve.
      ...(service === 'sfn' ? { disableHostPrefix: true } : {}),
    }
  }

  /**
   * The one resource `ref` names.
   *
   * @param ref a construct id, a construct path, a logical id, or a physical name / ARN
   * @param options `type` narrows the candidates before ambiguity is judged
   * @throws {UnknownResourceError} nothing matches: the message lists the closest resources
   * @throws {AmbiguousResourceError} several resources match: the message lists them
   * @example
   * stack.resolve('MakeExternalCalls')                       // construct id: the function, not its ServiceRole
   * stack.resolve('MyStack/Api/MakeExternalCalls')           // construct path
   * stack.resolve('Ledger', { type: 'AWS::DynamoDB::Table' }) // the table inside the Ledger construct
   */
  resolve(ref: string, options: ResolveOptions = {}): StackResource {
    if (typeof ref !== 'string' || ref.trim() === '') {
      throw atUserLine(new ArgumentError('resolve', 'ref', 'a non-empty string', ref), this.resolve)
    }
    const types = typesOf(options, this.resolve)
    const pool =
      types === undefined ? this.resources : this.resources.filter((resource) => types.includes(resource.type))
    const matches = matching(ref.trim(), pool)
    if (matches.length === 1) return matches[0]!
    if (matches.length > 1) throw atUserLine(this.#ambiguous(ref, matches, types), this.resolve)
    throw atUserLine(this.#unknown(ref, pool, types), this.resolve)
  }

  /**
   * Every resource of one CloudFormation type (or of one of several), in stack order.
   *
   * @example
   * const functions = stack.ofType('AWS::Lambda::Function')
   */
  ofType(type: string | readonly string[]): StackResource[] {
    const types = typesOf({ type }, this.ofType) ?? []
    return this.resources.filter((resource) => types.includes(resource.type))
  }

  /**
   * The value a template expression stands for, as far as this target knows it: a plain string is itself,
   * `{ Ref: logicalId }` is that resource's physical id, `{ Ref: 'AWS::Region' }` and the other pseudo parameters
   * their value, `{ 'Fn::GetAtt': [id, attribute] }` the attribute when the target knows it (a local app knows
   * `Arn`, `StreamArn`...; a deployed stack the `Arn` of a resource whose physical id is one), and `Fn::Join`,
   * `Fn::Sub`, `Fn::Select` and `Fn::Split` of such values their text. A `Ref` to a nested stack's parameter
   * follows the value its parent passes. `undefined` when the value cannot be known here (a resource of a cloud
   * assembly with no explicit name, a condition, an import); {@link StackResources.requireValue} says why.
   *
   * @param value a property value, e.g. `fn.properties.Environment.Variables.TABLE_NAME`
   * @param from the resource whose properties hold `value`: logical ids are looked up in its stack (nested
   *   stacks have their own); by default the root stack
   * @example
   * const fn = stack.resolve('MakeExternalCalls')
   * const env = fn.properties?.Environment as { Variables: Record<string, unknown> }
   * const tableName = stack.resolveValue(env.Variables.TABLE_NAME, fn)    // { Ref: 'Ledger1234' } → 'MyStack-Ledger1234-XYZ'
   */
  resolveValue(value: unknown, from?: StackResource): string | undefined {
    const stackName = this.#stackOf(from, this.resolveValue)
    try {
      const resolved = this.#value(value, stackName, 0)
      return typeof resolved === 'string' ? resolved : undefined
    } catch (error) {
      if (error instanceof Unresolved) return undefined
      throw error
    }
  }

  /**
   * As {@link StackResources.resolveValue}, but a value it cannot know throws an error that says why (which
   * intrinsic, which resource, which attribute), instead of giving `undefined`.
   *
   * @param value a property value
   * @param from the resource whose properties hold `value` (see {@link StackResources.resolveValue})
   * @param what what the value is, for the message: `environment variable TABLE of function Orders`
   * @throws {StakeoutError} the value cannot be known on this target
   * @example
   * stack.requireValue(env.Variables.QUEUE_URL, fn, 'environment variable QUEUE_URL of MyStack/Worker')
   * // StakeoutError: Cannot resolve environment variable QUEUE_URL of MyStack/Worker: { Ref: Queue4A7E3555 } names
   * //   MyStack/Queue (AWS::SQS::Queue), which has no physical id on this target
   */
  requireValue(value: unknown, from: StackResource | undefined, what: string): string {
    const stackName = this.#stackOf(from, this.requireValue)
    try {
      const resolved = this.#value(value, stackName, 0)
      if (typeof resolved === 'string') return resolved
      throw new Unresolved(`it is a list (${JSON.stringify(resolved)}), not a string`)
    } catch (error) {
      if (!(error instanceof Unresolved)) throw error
      throw atUserLine(new StakeoutError(`Cannot resolve ${what}: ${error.message}`), this.requireValue)
    }
  }

  /**
   * The resource a template expression points at: `{ Ref: logicalId }` or `{ 'Fn::GetAtt': [logicalId, attribute] }`,
   * following a nested stack's parameters to the resource its parent passes. `undefined` for anything else.
   *
   * @param value a property value, e.g. an environment variable
   * @param from the resource whose properties hold `value` (see {@link StackResources.resolveValue})
   * @example
   * const table = stack.resolveReference(env.Variables.TABLE_NAME, fn)   // the AWS::DynamoDB::Table resource
   */
  resolveReference(value: unknown, from?: StackResource): StackResource | undefined {
    return this.#reference(value, this.#stackOf(from, this.resolveReference), 0)
  }

  #rootStacks(): StackDescription[] {
    return this.stacks.filter((stack) => stack.parent === undefined)
  }

  #stackOf(from: StackResource | undefined, callee: Function): string {
    if (from === undefined) return this.stackName
    if (!isRecord(from) || typeof from.stackName !== 'string') {
      throw atUserLine(new ArgumentError(callee.name, 'from', 'a StackResource (from resolve)', from), callee)
    }
    return from.stackName
  }

  #reference(value: unknown, stackName: string, depth: number): StackResource | undefined {
    const logicalId = referencedLogicalId(value)
    if (logicalId === undefined || depth > 20) return undefined
    const resource = this.#byStack.get(stackName)?.get(logicalId)
    if (resource !== undefined) return resource
    const passed = this.#parameterValue(stackName, logicalId)
    return passed === undefined ? undefined : this.#reference(passed.value, passed.stackName, depth + 1)
  }

  /** The value of an expression: a string, or a list (`Fn::Split`, a list in `Fn::Select`); throws {@link Unresolved}. */
  #value(value: unknown, stackName: string, depth: number): string | string[] {
    if (typeof value === 'string') return value
    if (typeof value === 'number' || typeof value === 'boolean') return String(value)
    if (depth > 20) throw new Unresolved('the expression nests deeper than 20 levels')
    if (Array.isArray(value)) return value.map((item) => this.#text(item, stackName, depth + 1))
    if (!isRecord(value)) throw new Unresolved(`${describeValue(value)} is not a template value`)
    const keys = Object.keys(value)
    if (keys.length !== 1) throw new Unresolved(`${show(value)} is not one intrinsic function`)
    const ref = value.Ref
    if (typeof ref === 'string') return this.#ref(ref, stackName, depth)
    const getAtt = getAttOf(value)
    if (getAtt !== undefined) return this.#attribute(getAtt.logicalId, getAtt.attribute, stackName, depth)
    const join = value['Fn::Join']
    if (join !== undefined) {
      if (!Array.isArray(join) || typeof join[0] !== 'string' || join.length !== 2) {
        throw new Unresolved(`${show(value)} is not Fn::Join [delimiter, [values]]`)
      }
      return this.#list(join[1], stackName, depth + 1).join(join[0])
    }
    const sub = value['Fn::Sub']
    if (sub !== undefined) {
      if (typeof sub !== 'string' && !(Array.isArray(sub) && typeof sub[0] === 'string' && isRecord(sub[1] ?? {}))) {
        throw new Unresolved(`${show(value)} is not Fn::Sub 'text' or Fn::Sub ['text', { variables }]`)
      }
      return this.#substitute(sub, stackName, depth)
    }
    const select = value['Fn::Select']
    if (select !== undefined) {
      if (!Array.isArray(select) || select.length !== 2)
        throw new Unresolved(`${show(value)} is not Fn::Select [index, list]`)
      const index = Number(this.#text(select[0], stackName, depth + 1))
      const list = this.#list(select[1], stackName, depth + 1)
      const chosen = Number.isInteger(index) ? list[index] : undefined
      if (chosen === undefined)
        throw new Unresolved(`Fn::Select index ${select[0]} is outside the list ${JSON.stringify(list)}`)
      return chosen
    }
    const split = value['Fn::Split']
    if (split !== undefined) {
      if (!Array.isArray(split) || typeof split[0] !== 'string' || split.length !== 2) {
        throw new Unresolved(`${show(value)} is not Fn::Split [delimiter, text]`)
      }
      return this.#text(split[1], stackName, depth + 1).split(split[0])
    }
    const name = keys[0] ?? ''
    const why =
      name.startsWith('Fn::') || name === 'Condition'
        ? `${name} is not evaluated here`
        : 'it is not an intrinsic function'
    throw new Unresolved(`${show(value)}: ${why}`)
  }

  #text(value: unknown, stackName: string, depth: number): string {
    const resolved = this.#value(value, stackName, depth)
    if (typeof resolved !== 'string') throw new Unresolved(`${show(value)} is a list where a string is expected`)
    return resolved
  }

  #list(value: unknown, stackName: string, depth: number): string[] {
    const resolved = this.#value(value, stackName, depth)
    if (typeof resolved === 'string') throw new Unresolved(`${show(value)} is a string where a list is expected`)
    return resolved
  }

  #ref(name: string, stackName: string, depth: number): string {
    const stack = this.#stackByName.get(stackName)
    const region = stack?.region ?? this.region
    const known = (value: string | undefined, why: string): string => {
      if (value === undefined) throw new Unresolved(`{ Ref: ${name} }: ${why}`)
      return value
    }
    switch (name) {
      case 'AWS::Region':
        return known(region, 'the stack names no region')
      case 'AWS::AccountId':
        return known(stack?.account, 'the stack names no account')
      case 'AWS::Partition':
        return known(region === undefined ? undefined : partitionOf(region), 'the stack names no region')
      case 'AWS::URLSuffix':
        return known(
          region === undefined ? undefined : region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com',
          'the stack names no region',
        )
      case 'AWS::StackName':
        return known(stack?.deployedName ? stackName : undefined, 'a nested stack gets its name when deployed')
    }
    if (name.startsWith('AWS::')) throw new Unresolved(`{ Ref: ${name} } is not known on this target`)
    const resource = this.#byStack.get(stackName)?.get(name)
    if (resource !== undefined) {
      if (resource.physicalId !== undefined) return resource.physicalId
      throw new Unresolved(
        `{ Ref: ${name} } names ${label(resource)} (${resource.type}), which has no physical id on this target`,
      )
    }
    const passed = this.#parameterValue(stackName, name)
    if (passed === undefined) throw new Unresolved(this.#unpassedParameter(name, stackName))
    return this.#text(passed.value, passed.stackName, depth + 1)
  }

  #attribute(logicalId: string, attribute: string, stackName: string, depth: number): string {
    const resource = this.#reference({ Ref: logicalId }, stackName, depth)
    const call = `{ Fn::GetAtt: [${logicalId}, ${attribute}] }`
    if (resource === undefined) throw new Unresolved(`${call} names no resource of ${stackName}`)
    const known = resource.attributes?.[attribute]
    if (known !== undefined) return known
    if (attribute === 'Arn' && resource.physicalId !== undefined && isArn(resource.physicalId))
      return resource.physicalId
    const has = Object.keys(resource.attributes ?? {})
    const which =
      has.length > 0 ? `this target knows its ${has.join(', ')}` : 'this target knows none of its attributes'
    throw new Unresolved(`${call}: ${label(resource)} (${resource.type}) has no ${attribute} here (${which})`)
  }

  #substitute(sub: string | unknown[], stackName: string, depth: number): string {
    const [text, variables] = typeof sub === 'string' ? [sub, {}] : [sub[0] as string, isRecord(sub[1]) ? sub[1] : {}]
    return text.replace(/\$\{(!?)([^}]+)\}/g, (_, literal: string, name: string) => {
      if (literal === '!') return `\${${name}}`
      if (name in variables) return this.#text(variables[name], stackName, depth + 1)
      if (name.includes('.') && !name.startsWith('AWS::')) {
        const dot = name.indexOf('.')
        return this.#attribute(name.slice(0, dot), name.slice(dot + 1), stackName, depth + 1)
      }
      return this.#ref(name, stackName, depth + 1)
    })
  }

  /** Why a `Ref` to a template parameter nobody passes has no value here: what it names, in the user's words. */
  #unpassedParameter(name: string, stackName: string): string {
    const parameter = this.#stackByName.get(stackName)?.templateParameters?.[name]
    if (!isRecord(parameter) || typeof parameter.Type !== 'string') {
      return `{ Ref: ${name} } names no resource or parameter of ${stackName}`
    }
    const type = parameter.Type
    // CDK's StringParameter.valueForStringParameter (and cdk bootstrap's version) read SSM through such a parameter.
    if (type.startsWith('AWS::SSM::Parameter::Value<') && typeof parameter.Default === 'string') {
      return `{ Ref: ${name} } is the SSM parameter ${parameter.Default} (a template parameter of type ${type}), which this target does not read`
    }
    const given = parameter.Default === undefined ? 'no default' : `default ${JSON.stringify(parameter.Default)}`
    return `{ Ref: ${name} } is a template parameter of ${stackName} (type ${type}, ${given}) whose deployed value this target does not know`
  }

  /** A nested stack's parameter: the expression its parent's `AWS::CloudFormation::Stack` passes for it. */
  #parameterValue(stackName: string, parameter: string): { value: unknown; stackName: string } | undefined {
    const parent = this.#stackByName.get(stackName)?.parent
    if (parent === undefined) return undefined
    const stackResource = this.#byStack.get(parent.stackName)?.get(parent.logicalId)
    const parameters = stackResource?.properties?.Parameters
    if (!isRecord(parameters) || !(parameter in parameters)) return undefined
    return { value: parameters[parameter], stackName: parent.stackName }
  }

  #where(): string {
    const roots = this.#rootStacks().map((stack) => stack.stackName)
    const nested = this.stacks.length - roots.length
    const stacks = roots.length === 1 ? `stack ${roots[0]}` : `stacks ${roots.join(', ')}`
    const counted = `${this.resources.length} resource${this.resources.length === 1 ? '' : 's'}`
    return `${stacks} (${counted}${nested > 0 ? `, with ${nested} nested stack${nested === 1 ? '' : 's'}` : ''})`
  }

  #ambiguous(ref: string, matches: StackResource[], types: readonly string[] | undefined): AmbiguousResourceError {
    const distinctTypes = new Set(matches.map((resource) => resource.type))
    const hint =
      distinctTypes.size > 1 && types === undefined
        ? 'Name one by its construct path, or narrow with { type }.'
        : 'Name one by its construct path (or logical id).'
    const message = [
      `${JSON.stringify(ref)} matches ${matches.length} resources${types === undefined ? '' : ` of type ${typeLabel(types)}`} in ${this.#where()}. ${hint}`,
      ...listCandidates(matches),
    ].join('\n')
    return new AmbiguousResourceError(message, ref, matches)
  }

  #unknown(ref: string, pool: readonly StackResource[], types: readonly string[] | undefined): UnknownResourceError {
    const lines = [`No ${typeLabel(types)} matches ${JSON.stringify(ref)} in ${this.#where()}.`]
    if (types !== undefined) {
      const otherTypes = matching(ref.trim(), this.resources)
      if (otherTypes.length > 0) {
        lines.push(
          `${JSON.stringify(ref)} names ${otherTypes.length === 1 ? 'a resource' : 'resources'} of another type:`,
        )
        lines.push(...listCandidates(otherTypes))
      }
    }
    const searched = pool.length > 0 ? pool : this.resources
    const closest = [...searched]
      .map((resource) => ({ resource, distance: distanceTo(ref, resource) }))
      .sort((a, b) => a.distance - b.distance || label(a.resource).localeCompare(label(b.resource)))
      .map(({ resource }) => resource)
    if (closest.length > 0) {
      lines.push(pool.length > 0 ? 'Closest candidates:' : `There is no ${typeLabel(types)} at all. Closest resources:`)
      lines.push(...listCandidates(closest))
    }
    lines.push(
      'A ref is a construct id (MakeExternalCalls), a construct path (MyStack/Api/MakeExternalCalls), a logical id, or a physical name / ARN.',
    )
    return new UnknownResourceError(lines.join('\n'), ref, closest.slice(0, LISTED_CANDIDATES))
  }
}

function referencedLogicalId(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined
  if (typeof value.Ref === 'string') return value.Ref
  return getAttOf(value)?.logicalId
}

function getAttOf(value: Record<string, unknown>): { logicalId: string; attribute: string } | undefined {
  const getAtt = value['Fn::GetAtt']
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && typeof getAtt[1] === 'string') {
    return { logicalId: getAtt[0], attribute: getAtt[1] }
  }
  if (typeof getAtt === 'string' && getAtt.includes('.')) {
    const dot = getAtt.indexOf('.')
    return { logicalId: getAtt.slice(0, dot), attribute: getAtt.slice(dot + 1) }
  }
  return undefined
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  return 'aws'
}

function typesOf(options: ResolveOptions, callee: Function): readonly string[] | undefined {
  const name = callee.name
  if (!isRecord(options))
    throw atUserLine(new ArgumentError(name, 'options', 'an object like { type }', options), callee)
  const type = options.type
  if (type === undefined) return undefined
  const types = typeof type === 'string' ? [type] : type
  if (!Array.isArray(types) || types.length === 0 || types.some((each) => typeof each !== 'string' || each === '')) {
    const expectation = 'a CloudFormation type like AWS::Lambda::Function, or a non-empty array of them'
    throw atUserLine(new ArgumentError(name, name === 'ofType' ? 'type' : 'options.type', expectation, type), callee)
  }
  return types
}

/** Why a template value cannot be known on this target: caught by resolveValue, turned into a message by requireValue. */
class Unresolved extends Error {}

/** An expression as a reader of the template would write it, for messages: `{ Fn::If: [IsProd, a, b] }`. */
function show(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`
  if (isRecord(value))
    return `{ ${Object.entries(value)
      .map(([key, inner]) => `${key}: ${show(inner)}`)
      .join(', ')} }`
  return typeof value === 'string' ? value : String(value)
}
