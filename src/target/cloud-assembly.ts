import { readFile } from 'node:fs/promises'
import { join, resolve as resolvePath } from 'node:path'
import { ArgumentError, StakeoutError } from '../errors.js'
import { constructPath, type StackDescription, type StackResource, StackResources } from './stack-resources.js'
import {
  CDK_METADATA_TYPE,
  type CloudFormationTemplate,
  cdkPathOf,
  explicitName,
  isRecord,
  NESTED_STACK_TYPE,
  parseTemplate,
  templateResources,
} from './template.js'

/** Which stacks of a cloud assembly {@link loadCloudAssembly} reads. */
export interface CloudAssemblyOptions {
  /**
   * The stack to read (its stack name, artifact id or display name, e.g. `MyStack` or `Stage/MyStack`), with its
   * nested stacks.
   * @default every stack of the assembly
   */
  stackName?: string
}

/** A stack artifact of `manifest.json` (and of the nested assemblies a CDK `Stage` writes). */
interface StackArtifact {
  artifactId: string
  stackName: string
  displayName: string
  templateFile: string
  /** The folder of the (possibly nested) assembly that holds the artifact. */
  assemblyDir: string
  region?: string
  account?: string
  /** Construct path (no leading `/`) → metadata entries, inline or from `additionalMetadataFile`. */
  metadata: Map<string, MetadataEntry[]>
}

interface MetadataEntry {
  type: string
  data?: unknown
}

/**
 * Reads the resources of a synthesized cloud assembly (`cdk.out`): `manifest.json`, each stack's template, and the
 * templates of its nested stacks. Construct paths come from the templates' `aws:cdk:path` metadata (the CDK CLI
 * writes it) or else from the manifest's `aws:cdk:logicalId` entries (a plain `app.synth()` writes those). A
 * resource's `physicalId` is set only when the template names it explicitly (`FunctionName`, `TableName`,
 * `StateMachineName`... as a plain string).
 *
 * @param dir the assembly's folder, e.g. `cdk.out` or the `outdir` of `new App({ outdir })`
 * @param options `stackName` picks one stack; by default every stack is read
 * @throws {ArgumentError} `dir` holds no `manifest.json`
 * @throws {StakeoutError} no stack has that name (the message lists the stacks there are)
 * @example
 * const stack = await loadCloudAssembly('cdk.out', { stackName: 'MyStack' })
 * stack.resolve('MakeExternalCalls').properties?.Handler   // 'index.handler'
 */
export async function loadCloudAssembly(dir: string, options: CloudAssemblyOptions = {}): Promise<StackResources> {
  if (typeof dir !== 'string' || dir === '') {
    throw new ArgumentError('loadCloudAssembly', 'dir', 'the path of a synthesized cloud assembly (e.g. cdk.out)', dir)
  }
  if (
    !isRecord(options) ||
    (options.stackName !== undefined && (typeof options.stackName !== 'string' || options.stackName === ''))
  ) {
    const received = isRecord(options) ? options.stackName : options
    throw new ArgumentError('loadCloudAssembly', 'options.stackName', 'a non-empty string when given', received)
  }
  const root = resolvePath(dir)
  const manifest = await readJson(join(root, 'manifest.json')).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    throw new ArgumentError(
      'loadCloudAssembly',
      'dir',
      'a synthesized cloud assembly (a folder with manifest.json, like cdk.out)',
      dir,
    )
  })
  const artifacts = await stackArtifacts(manifest, root)
  const wanted = options.stackName
  const chosen =
    wanted === undefined
      ? artifacts
      : artifacts.filter((stack) => [stack.stackName, stack.artifactId, stack.displayName].includes(wanted))
  if (chosen.length === 0) {
    const known = artifacts.map((stack) => stack.displayName).join(', ')
    throw new StakeoutError(
      wanted === undefined
        ? `loadCloudAssembly: ${dir} holds no stack`
        : `loadCloudAssembly: no stack named ${JSON.stringify(wanted)} in ${dir}; it holds ${known || 'no stack'}`,
    )
  }
  const resources: StackResource[] = []
  const stacks: StackDescription[] = []
  for (const artifact of chosen) await readStack(artifact, resources, stacks)
  // Root stacks first, as StackResources expects, then each nested stack in the order found.
  stacks.sort((a, b) => Number(a.parent !== undefined) - Number(b.parent !== undefined))
  return new StackResources(resources, { source: 'cloud-assembly', stacks })
}

async function readStack(
  artifact: StackArtifact,
  resources: StackResource[],
  stacks: StackDescription[],
): Promise<void> {
  const templateFiles = new Map<string, string>() // construct path of a stack or nested stack → its template file
  const logicalIds: Array<[string, string]> = [] // construct path → logical id
  for (const [path, entries] of artifact.metadata) {
    for (const entry of entries) {
      if (entry.type === 'aws:cdk:templateFile' && typeof entry.data === 'string') templateFiles.set(path, entry.data)
      if (entry.type === 'aws:cdk:logicalId' && typeof entry.data === 'string') logicalIds.push([path, entry.data])
    }
  }
  const rootPath = [...templateFiles].find(([, file]) => file === artifact.templateFile)?.[0] ?? artifact.displayName
  const ownerPaths = [rootPath, ...[...templateFiles.keys()].filter((path) => path !== rootPath)]
  // The manifest lists every construct of the stack and of its nested stacks together: a path belongs to the deepest stack above it.
  const pathsByStack = new Map<string, Map<string, string>>()
  for (const [path, logicalId] of logicalIds) {
    const owner = ownerPaths
      .filter((stackPath) => path.startsWith(`${stackPath}/`))
      .sort((a, b) => b.length - a.length)[0]
    if (owner === undefined) continue
    const byLogicalId = pathsByStack.get(owner) ?? new Map<string, string>()
    pathsByStack.set(owner, byLogicalId.set(logicalId, path))
  }

  const visit = async (templateFile: string, stack: StackDescription, constructPathOfStack: string): Promise<void> => {
    stacks.push(stack)
    const template = await readTemplate(join(artifact.assemblyDir, templateFile))
    if (isRecord(template?.Outputs)) stack.templateOutputs = template.Outputs
    if (isRecord(template?.Parameters)) stack.templateParameters = template.Parameters
    const paths = pathsByStack.get(constructPathOfStack)
    const nested: Array<() => Promise<void>> = []
    for (const [logicalId, entry] of templateResources(template)) {
      if (entry.Type === CDK_METADATA_TYPE) continue
      const path = cdkPathOf(entry) ?? paths?.get(logicalId)
      const resource: StackResource = { stackName: stack.stackName, logicalId, type: entry.Type }
      const physicalId = explicitName(entry.Type, entry.Properties)
      if (physicalId !== undefined) resource.physicalId = physicalId
      if (path !== undefined) resource.path = path
      if (entry.Properties !== undefined) resource.properties = entry.Properties
      if (entry.Metadata !== undefined) resource.metadata = entry.Metadata
      resources.push(resource)
      if (entry.Type !== NESTED_STACK_TYPE) continue
      // CDK writes a nested stack's resource at `X.NestedStack/X.NestedStackResource`: constructPath reads it as `X`.
      const nestedPath = path === undefined ? undefined : constructPath({ path })
      const assetPath = entry.Metadata?.['aws:asset:path']
      const nestedTemplate =
        typeof assetPath === 'string' ? assetPath : nestedPath === undefined ? undefined : templateFiles.get(nestedPath)
      if (nestedTemplate === undefined) continue
      const nestedName = nestedPath ?? `${stack.stackName}/${logicalId}`
      const description: StackDescription = { stackName: nestedName, parent: { stackName: stack.stackName, logicalId } }
      if (stack.region !== undefined) description.region = stack.region
      if (stack.account !== undefined) description.account = stack.account
      nested.push(() => visit(nestedTemplate, description, nestedName))
    }
    for (const next of nested) await next()
  }

  const root: StackDescription = { stackName: artifact.stackName, deployedName: true }
  if (artifact.region !== undefined) root.region = artifact.region
  if (artifact.account !== undefined) root.account = artifact.account
  await visit(artifact.templateFile, root, rootPath)
}

async function stackArtifacts(manifest: unknown, assemblyDir: string): Promise<StackArtifact[]> {
  const artifacts = isRecord(manifest) && isRecord(manifest.artifacts) ? manifest.artifacts : {}
  const stacks: StackArtifact[] = []
  const nestedAssemblies: string[] = []
  for (const [artifactId, artifact] of Object.entries(artifacts)) {
    if (!isRecord(artifact) || !isRecord(artifact.properties)) continue
    const properties = artifact.properties
    // A CDK Stage writes its stacks to a nested assembly of their own: read after the app's own stacks.
    if (artifact.type === 'cdk:cloud-assembly' && typeof properties.directoryName === 'string') {
      nestedAssemblies.push(join(assemblyDir, properties.directoryName))
      continue
    }
    if (artifact.type !== 'aws:cloudformation:stack' || typeof properties.templateFile !== 'string') continue
    const metadata = new Map<string, MetadataEntry[]>()
    const addMetadata = (entries: unknown) => {
      if (!isRecord(entries)) return
      for (const [path, list] of Object.entries(entries)) {
        if (!Array.isArray(list)) continue
        const key = path.replace(/^\/+/, '')
        metadata.set(key, [...(metadata.get(key) ?? []), ...list.filter(isMetadataEntry)])
      }
    }
    addMetadata(artifact.metadata)
    if (typeof artifact.additionalMetadataFile === 'string') {
      addMetadata(await readJson(join(assemblyDir, artifact.additionalMetadataFile)))
    }
    const stack: StackArtifact = {
      artifactId,
      stackName: typeof properties.stackName === 'string' ? properties.stackName : artifactId,
      displayName: typeof artifact.displayName === 'string' ? artifact.displayName : artifactId,
      templateFile: properties.templateFile,
      assemblyDir,
      metadata,
    }
    const environment = /^aws:\/\/([^/]+)\/(.+)$/.exec(
      typeof artifact.environment === 'string' ? artifact.environment : '',
    )
    if (environment?.[1] !== undefined && environment[1] !== 'unknown-account') stack.account = environment[1]
    if (environment?.[2] !== undefined && environment[2] !== 'unknown-region') stack.region = environment[2]
    stacks.push(stack)
  }
  for (const nestedDir of nestedAssemblies) {
    stacks.push(...(await stackArtifacts(await readJson(join(nestedDir, 'manifest.json')), nestedDir)))
  }
  return stacks
}

function isMetadataEntry(entry: unknown): entry is MetadataEntry {
  return isRecord(entry) && typeof entry.type === 'string'
}

async function readTemplate(file: string): Promise<CloudFormationTemplate | undefined> {
  const template = parseTemplate(await readFile(file, 'utf8'))
  if (template === undefined)
    throw new StakeoutError(`loadCloudAssembly: ${file} is not a JSON CloudFormation template`)
  return template
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8')
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new StakeoutError(`loadCloudAssembly: ${file} is not valid JSON (${(error as Error).message})`, {
      cause: error,
    })
  }
}
