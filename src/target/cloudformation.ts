import {
  CloudFormationClient,
  GetTemplateCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation'
import { ArgumentError, StakeoutError } from '../errors.js'
import { nameInArn, parseArn } from './arn.js'
import { type StackDescription, type StackResource, StackResources } from './stack-resources.js'
import {
  CDK_METADATA_TYPE,
  type CloudFormationTemplate,
  cdkPathOf,
  NESTED_STACK_TYPE,
  parseTemplate,
  templateResources,
} from './template.js'

/** How {@link loadDeployedStack} reaches CloudFormation. */
export interface DeployedStackOptions {
  /**
   * The client to use (a test can hand in one mocked with aws-sdk-client-mock).
   * @default a CloudFormationClient from the standard AWS SDK v3 chain (`AWS_REGION`, `AWS_PROFILE`, `AWS_ENDPOINT_URL`)
   */
  client?: CloudFormationClient
  /**
   * The region of the client created when none is given.
   * @default the SDK's (`AWS_REGION`)
   */
  region?: string
}

/** A stack still to read: how to describe it, and the name or ARN to ask CloudFormation for. */
interface StackToRead {
  stack: StackDescription
  stackId: string
}

/** Which stack a call reads, for the call and for its error message. */
interface StackCall {
  stackId: string
  stackName: string
  region: string | undefined
}

/** How many nested stacks are read at once: enough to be quick, few enough not to be throttled. */
const NESTED_STACKS_AT_ONCE = 4

/**
 * Reads a deployed stack and its nested stacks from CloudFormation: every resource (`ListStackResources`, all
 * pages) with its physical id, and from the original template (`GetTemplate`) its construct path
 * (`aws:cdk:path`), `Properties` and `Metadata`. A nested stack's resources are read from the nested stack
 * itself, under its own stack name.
 *
 * @param stackName the stack's name or ARN
 * @param options `client` to reuse or mock one, `region` for the one created otherwise
 * @throws {StakeoutError} the stack does not exist, or CloudFormation could not be read (the SDK's error is the `cause`)
 * @example
 * const stack = await loadDeployedStack('MyStack')
 * stack.resolve('MakeExternalCalls').physicalId   // 'MyStack-ApiMakeExternalCallsE839E5B8-a1b2c3'
 */
export async function loadDeployedStack(
  stackName: string,
  options: DeployedStackOptions = {},
): Promise<StackResources> {
  if (typeof stackName !== 'string' || stackName.trim() === '') {
    throw new ArgumentError('loadDeployedStack', 'stackName', 'the name (or ARN) of a deployed stack', stackName)
  }
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError('loadDeployedStack', 'options', 'an object like { client }', options)
  }
  const client =
    options.client ?? new CloudFormationClient(options.region === undefined ? {} : { region: options.region })
  try {
    return await readStacks(stackName, client, options.region ?? (await regionOf(client)))
  } finally {
    // A client of our own is done with: its kept-alive socket would hold the process (a script, a Jest worker) open.
    if (options.client === undefined) client.destroy()
  }
}

async function readStacks(
  stackName: string,
  client: CloudFormationClient,
  region: string | undefined,
): Promise<StackResources> {
  const resources: StackResource[] = []
  const stacks: StackDescription[] = []

  const readStack = async ({ stack, stackId }: StackToRead): Promise<StackToRead[]> => {
    const where = { stackId, stackName: stack.stackName, region: stack.region }
    const [summaries, template] = await Promise.all([listResources(client, where), readTemplate(client, where)])
    const entries = templateResources(template)
    const nested: StackToRead[] = []
    for (const summary of summaries) {
      const logicalId = summary.LogicalResourceId
      const type = summary.ResourceType
      if (logicalId === undefined || type === undefined || type === CDK_METADATA_TYPE) continue
      const entry = entries.get(logicalId)
      const resource: StackResource = { stackName: stack.stackName, logicalId, type }
      if (summary.PhysicalResourceId) resource.physicalId = summary.PhysicalResourceId
      const path = cdkPathOf(entry)
      if (path !== undefined) resource.path = path
      if (entry?.Properties !== undefined) resource.properties = entry.Properties
      if (entry?.Metadata !== undefined) resource.metadata = entry.Metadata
      resources.push(resource)
      // A nested stack's physical id is its ARN: arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>.
      if (type === NESTED_STACK_TYPE && resource.physicalId !== undefined) {
        const arn = parseArn(resource.physicalId)
        const child: StackDescription = {
          stackName: nameInArn(resource.physicalId) ?? resource.physicalId,
          parent: { stackName: stack.stackName, logicalId },
          deployedName: true,
        }
        const childRegion = arn?.region || stack.region
        if (childRegion !== undefined) child.region = childRegion
        const account = arn?.account || stack.account
        if (account !== undefined) child.account = account
        nested.push({ stack: child, stackId: resource.physicalId })
      }
    }
    return nested
  }

  // Named by ARN (arn:…:stack/<name>/<uuid>), the stack is still known by its name in resources and messages.
  const root: StackDescription = { stackName: nameInArn(stackName) ?? stackName, deployedName: true }
  if (region !== undefined) root.region = region
  let level: StackToRead[] = [{ stack: root, stackId: stackName }]
  // Breadth first, so the resources keep stack order: the root's first, then each level of nested stacks.
  while (level.length > 0) {
    stacks.push(...level.map(({ stack }) => stack))
    level = (await mapLimited(level, NESTED_STACKS_AT_ONCE, readStack)).flat()
  }
  // Nested stacks named by ARN also tell the account, which ListStackResources does not.
  const account = stacks.find((stack) => stack.account !== undefined)?.account
  if (account !== undefined) root.account ??= account
  return new StackResources(resources, { source: 'cloudformation', stacks })
}

async function listResources(client: CloudFormationClient, call: StackCall): Promise<StackResourceSummary[]> {
  const summaries: StackResourceSummary[] = []
  let nextToken: string | undefined
  do {
    const input =
      nextToken === undefined ? { StackName: call.stackId } : { StackName: call.stackId, NextToken: nextToken }
    const page = await client.send(new ListStackResourcesCommand(input)).catch((error: unknown) => {
      throw cloudFormationError(error, 'ListStackResources', call)
    })
    summaries.push(...(page?.StackResourceSummaries ?? []))
    nextToken = page?.NextToken || undefined
  } while (nextToken !== undefined)
  return summaries
}

async function readTemplate(
  client: CloudFormationClient,
  call: StackCall,
): Promise<CloudFormationTemplate | undefined> {
  // Original, not Processed: CDK's path metadata is in the template as deployed, before any transform.
  const output = await client
    .send(new GetTemplateCommand({ StackName: call.stackId, TemplateStage: 'Original' }))
    .catch((error: unknown) => {
      throw cloudFormationError(error, 'GetTemplate', call)
    })
  return parseTemplate(output?.TemplateBody)
}

function cloudFormationError(error: unknown, operation: string, { stackName, region: stackRegion }: StackCall) {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  const region = stackRegion === undefined ? '' : ` in ${stackRegion}`
  if (/does not exist/i.test(message)) {
    return new StakeoutError(
      `Stack ${JSON.stringify(stackName)} was not found${region}: is STAKEOUT_STACK (or AWS_REGION) right? CloudFormation said ${message}`,
      { cause: error },
    )
  }
  return new StakeoutError(`Could not read stack ${JSON.stringify(stackName)}: ${operation} failed with ${message}`, {
    cause: error,
  })
}

async function regionOf(client: CloudFormationClient): Promise<string | undefined> {
  try {
    const region = client.config.region
    return typeof region === 'function' ? await region() : region
  } catch {
    return undefined
  }
}

async function mapLimited<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await map(items[index]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
