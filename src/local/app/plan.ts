import { constructPath, type StackDescription, type StackResource, StackResources } from '../../target/index.js'
import { isRecord } from '../../target/template.js'
import { type AssetIndex, NotLocalCodeError } from './assets.js'
import { type LocalFunctionSpec, NODE_RUNTIMES } from './functions.js'
import { type Arns, functionArn, generatedName, layerVersionArn, tableArn } from './names.js'
import type { LocalService } from './services.js'
import { tableGaps } from './tables.js'

export const TABLE = 'AWS::DynamoDB::Table'
/** A `TableV2`: brought up as its one replica in the stack's region. */
export const GLOBAL_TABLE = 'AWS::DynamoDB::GlobalTable'
/** The table types, both created on DynamoDB Local. */
export const TABLES: readonly string[] = [TABLE, GLOBAL_TABLE]
export const FUNCTION = 'AWS::Lambda::Function'
export const LAYER = 'AWS::Lambda::LayerVersion'
const NESTED_STACK = 'AWS::CloudFormation::Stack'
/** Types a local app has no use for and nothing to enforce with: listed apart in the warning. */
const NOT_ENFORCED = ['AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::Lambda::Permission']

/** Function properties that change nothing a local invocation can observe: read, then left out on purpose. */
const FUNCTION_WITHOUT_LOCAL_EFFECT = new Set([
  'Role',
  'Architectures',
  'TracingConfig',
  'VpcConfig',
  'Tags',
  'KmsKeyArn',
  'LoggingConfig',
  'EphemeralStorage',
  'SnapStart',
  'RuntimeManagementConfig',
  'Description',
  'FunctionName',
  'PackageType',
  'CodeSigningConfigArn',
])
const FUNCTION_TRANSLATED = new Set([
  'Code',
  'Handler',
  'Runtime',
  'Environment',
  'Timeout',
  'MemorySize',
  'Layers',
  'ReservedConcurrentExecutions',
])

/** A line of the start-up warning: what is not brought up (or not wholly), and why. */
export interface Gap {
  readonly resource?: StackResource
  readonly what: string
  readonly why: string
  /** IAM and permissions: nothing to enforce them with locally. Listed on one line of their own. */
  readonly notEnforced?: boolean
}

/**
 * The resources of the chosen stack with their local names and attributes (source `local`): physical ids as
 * CloudFormation would make them, `Arn`, `StreamArn` and the other attributes the local services give.
 */
export function localResources(
  assembly: StackResources,
  where: Arns,
  connection: StackResources['local'],
  streams: ReadonlyMap<StackResource, string | undefined>,
  services: readonly LocalService[] = [],
): StackResources {
  const resources = assembly.resources.map((resource): StackResource => {
    const local: StackResource = { ...resource }
    const service = services.find((each) => each.types.includes(resource.type))
    const name = resource.physicalId ?? localName(resource, service !== undefined)
    if (name === undefined) return local
    local.physicalId = name
    if (service !== undefined) {
      const identity = service.identity?.(resource, name, where, assembly)
      if (identity !== undefined) {
        local.physicalId = identity.physicalId
        if (identity.attributes !== undefined) local.attributes = { ...identity.attributes }
      }
    } else if (TABLES.includes(resource.type)) {
      local.attributes = { Arn: tableArn(where, name) }
      const streamArn = streams.get(resource)
      if (streamArn !== undefined) local.attributes.StreamArn = streamArn
    } else if (resource.type === FUNCTION) {
      local.attributes = { Arn: functionArn(where, name) }
    } else if (resource.type === LAYER) {
      // A layer version's Ref is its ARN; the name alone is LayerName.
      local.physicalId = layerVersionArn(where, name)
      local.attributes = { LayerVersionArn: local.physicalId }
    }
    return local
  })
  const stacks = assembly.stacks.map(
    (stack): StackDescription => ({ ...stack, region: where.region, account: where.account }),
  )
  return connection === undefined
    ? new StackResources(resources, { source: 'cloud-assembly', stacks })
    : new StackResources(resources, { source: 'local', stacks, local: connection })
}

const names = new WeakMap<StackResource, string>()

/**
 * The name a table, function, layer or a local service's resource gets locally when its template names none (the
 * same for the whole start).
 */
function localName(resource: StackResource, ofService: boolean): string | undefined {
  if (!ofService && ![...TABLES, FUNCTION, LAYER].includes(resource.type)) return undefined
  let name = names.get(resource)
  if (name === undefined) {
    const explicit = resource.type === LAYER ? resource.properties?.LayerName : undefined
    name =
      typeof explicit === 'string' && explicit !== ''
        ? explicit
        : generatedName(resource.type, resource.stackName, resource.logicalId)
    names.set(resource, name)
  }
  return name
}

/** What is not brought up at all: every resource of a type the local target does not run. */
export function unsupportedResources(resources: StackResources, services: readonly LocalService[] = []): Gap[] {
  const handled = new Set([...TABLES, FUNCTION, LAYER, NESTED_STACK, ...services.flatMap((service) => service.types)])
  return resources.resources.flatMap((resource): Gap[] => {
    if (handled.has(resource.type)) {
      if (!TABLES.includes(resource.type)) return []
      return tableGaps(resource, resources.stacks[0]?.region).map((property) => ({
        resource,
        what: property,
        why: 'this table property is not applied locally',
      }))
    }
    const notEnforced = NOT_ENFORCED.includes(resource.type)
    return [{ resource, what: '', why: notEnforced ? 'not enforced locally' : 'not brought up locally', notEnforced }]
  })
}

/** The function's runtime, or why it does not run locally. */
export function functionRuntime(
  resource: StackResource,
): { runtime: LocalFunctionSpec['runtime'] } | { refused: string } {
  const properties = resource.properties ?? {}
  if (properties.PackageType === 'Image') {
    return {
      refused:
        'it is a container image function, which the local target does not run (only Node.js functions from code assets)',
    }
  }
  const runtime = properties.Runtime
  if (typeof runtime === 'string' && (NODE_RUNTIMES as readonly string[]).includes(runtime)) {
    return { runtime: runtime as LocalFunctionSpec['runtime'] }
  }
  return {
    refused: `it runs ${typeof runtime === 'string' ? runtime : JSON.stringify(runtime)}, which the local target does not run: only Node.js functions (${NODE_RUNTIMES.join(', ')}) run locally`,
  }
}

/** Function properties the local environment leaves out although they could matter (a DLQ, EFS, concurrency). */
export function functionGaps(resource: StackResource): Gap[] {
  return Object.keys(resource.properties ?? {})
    .filter((key) => !FUNCTION_WITHOUT_LOCAL_EFFECT.has(key) && !FUNCTION_TRANSLATED.has(key))
    .map((property) => ({ resource, what: property, why: 'this function property is not applied locally' }))
}

/** A function's code: its asset directory and its layers' (each laid out as the layer's zip extracts under /opt). */
export interface FunctionCode {
  readonly codeDir: string
  readonly layers: readonly string[]
}

/**
 * The code directories of a function and of its layers, checked to exist, before anything is started.
 *
 * @throws {StakeoutError} its code or a layer is not a local asset (or is missing), or a layer is not of this stack
 */
export async function functionCode(
  resource: StackResource,
  resources: StackResources,
  assets: AssetIndex,
  scratchDir: string,
): Promise<FunctionCode> {
  const label = constructPath(resource) ?? resource.logicalId
  const codeDir = await assets.codeDirectory(resource, 'Code', scratchDir)
  const layers: string[] = []
  const layerRefs = Array.isArray(resource.properties?.Layers) ? resource.properties.Layers : []
  for (const [index, ref] of layerRefs.entries()) {
    const layer = resources.resolveReference(ref, resource)
    if (layer === undefined || layer.type !== LAYER) {
      const arn = resources.resolveValue(ref, resource) ?? JSON.stringify(ref)
      throw new NotLocalCodeError(
        `function ${label}`,
        `its layer ${arn} (Layers[${index}]) is not a layer of this stack, so it cannot be mounted locally`,
      )
    }
    layers.push(await assets.codeDirectory(layer, 'Content'))
  }
  return { codeDir, layers }
}

/**
 * Everything needed to start the function's environments: code and layer directories, handler, resolved
 * environment (with the variables that point its AWS SDK at the local services), timeout and memory.
 *
 * @returns the spec, or why the function cannot run here (a variable that names what the local target lacks)
 */
export function functionSpec(
  resource: StackResource,
  runtime: LocalFunctionSpec['runtime'],
  code: FunctionCode,
  resources: StackResources,
  sdkEnvironment: Readonly<Record<string, string>>,
): LocalFunctionSpec | { refused: string } {
  const label = constructPath(resource) ?? resource.logicalId
  const properties = resource.properties ?? {}
  const environment: Record<string, string> = {}
  let functionName: string
  let handler: string
  try {
    functionName = resources.requireValue({ Ref: resource.logicalId }, resource, `the name of function ${label}`)
    handler = resources.requireValue(properties.Handler, resource, `the Handler of function ${label}`)
    const variables = isRecord(properties.Environment) ? properties.Environment.Variables : undefined
    for (const [name, value] of Object.entries(isRecord(variables) ? variables : {})) {
      if (isRecord(value) && value.Ref === 'AWS::NoValue') continue
      environment[name] = resources.requireValue(value, resource, `environment variable ${name} of function ${label}`)
    }
  } catch (error) {
    return { refused: (error as Error).message }
  }
  const refusedByLambda = ': Lambda refuses to create it, so the deploy would fail'
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(functionName)) {
    return {
      refused: `its FunctionName ${JSON.stringify(functionName)} is not a name Lambda accepts (1 to 64 letters, digits, - or _)${refusedByLambda}`,
    }
  }
  // The pattern the Lambda API reference gives for an Environment.Variables key.
  const badVariable = Object.keys(environment).find((name) => !/^[a-zA-Z][a-zA-Z0-9_]+$/.test(name))
  if (badVariable !== undefined) {
    return {
      refused: `its environment variable ${JSON.stringify(badVariable)} is not a name Lambda accepts (a letter, then letters, digits or _)${refusedByLambda}`,
    }
  }
  const size = environmentSize(environment)
  if (size > ENVIRONMENT_LIMIT_BYTES) {
    return {
      refused:
        `its environment variables take ${size.toLocaleString('en-US')} bytes (names and values), over the 4 KB ` +
        `(${ENVIRONMENT_LIMIT_BYTES.toLocaleString('en-US')} bytes) Lambda allows a function${refusedByLambda}`,
    }
  }
  Object.assign(environment, sdkEnvironment)
  const timeout = Number(properties.Timeout ?? 3)
  const memory = Number(properties.MemorySize ?? 128)
  const reserved = Number(properties.ReservedConcurrentExecutions)
  return {
    ...(Number.isInteger(reserved) && reserved >= 0 ? { reservedConcurrency: reserved } : {}),
    label,
    functionName,
    runtime,
    handler,
    ...code,
    environment,
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : 3000,
    memoryMb: Number.isInteger(memory) && memory >= 128 ? memory : 128,
  }
}

/** Lambda's quota on a function's environment variables, all of them together ("Lambda quotas": 4 KB). */
const ENVIRONMENT_LIMIT_BYTES = 4096

/**
 * The size Lambda holds against its 4 KB: the quota says "in aggregate" without the formula; names and values in
 * UTF-8 bytes is the reading its error on a variable of exactly 4 KB bears out (inferred, not documented).
 */
function environmentSize(environment: Readonly<Record<string, string>>): number {
  return Object.entries(environment).reduce(
    (total, [name, value]) => total + Buffer.byteLength(name) + Buffer.byteLength(value),
    0,
  )
}

/** The stack's outputs, resolved; an output that cannot be resolved is a gap (with the reason), not a guess. */
export function resolveOutputs(
  resources: StackResources,
  stack: StackDescription,
  gaps: Gap[],
): Record<string, string> {
  const outputs: Record<string, string> = {}
  for (const [name, output] of Object.entries(stack.templateOutputs ?? {})) {
    if (!isRecord(output)) continue
    try {
      outputs[name] = resources.requireValue(output.Value, undefined, `output ${name} of ${stack.stackName}`)
    } catch (error) {
      gaps.push({ what: `output ${name}`, why: (error as Error).message })
    }
  }
  return outputs
}

/** The one start-up warning: every gap, one line each, IAM and permissions on one line of their own. */
export function describeGaps(stackName: string, gaps: readonly Gap[]): string | undefined {
  if (gaps.length === 0) return undefined
  const listed = gaps.filter((gap) => !gap.notEnforced)
  const notEnforced = gaps.filter((gap) => gap.notEnforced)
  const rows = listed.map((gap) => {
    const resource = gap.resource
    const where =
      resource === undefined ? '' : `${resource.type} ${resource.logicalId} ${constructPath(resource) ?? ''}`
    return `  ${[where, gap.what].filter(Boolean).join(' ')}: ${gap.why}`
  })
  if (notEnforced.length > 0) {
    const counts = new Map<string, number>()
    for (const gap of notEnforced) counts.set(gap.resource?.type ?? '', (counts.get(gap.resource?.type ?? '') ?? 0) + 1)
    const kinds = [...counts].map(([type, count]) => `${count} ${type}`).join(', ')
    rows.push(`  ${kinds}: not enforced locally (every function may call every local service)`)
  }
  return [`startLocal: ${stackName} runs locally without these:`, ...rows].join('\n')
}
