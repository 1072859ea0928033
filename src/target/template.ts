/** The parts of a CloudFormation template that resource discovery reads. */
export interface CloudFormationTemplate {
  Resources?: Record<string, TemplateResource>
  Parameters?: Record<string, unknown>
  Outputs?: Record<string, unknown>
}

/** One entry of a template's `Resources`. */
export interface TemplateResource {
  Type: string
  Properties?: Record<string, unknown>
  Metadata?: Record<string, unknown>
}

/** CDK's bookkeeping resource: never something a test means, so discovery leaves it out. */
export const CDK_METADATA_TYPE = 'AWS::CDK::Metadata'

/** The resource type of a nested stack. */
export const NESTED_STACK_TYPE = 'AWS::CloudFormation::Stack'

/**
 * The property that names a resource explicitly, for the types a stakeout test reaches. When a synthesized
 * template sets it to a plain string, that string is the resource's physical name before any deployment.
 */
export const EXPLICIT_NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::Events::EventBus': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::Kinesis::Stream': 'Name',
  'AWS::Pipes::Pipe': 'Name',
  'AWS::Scheduler::Schedule': 'Name',
}

/** The explicit physical name in `properties`, when the type has one and it is a plain string. */
export function explicitName(type: string, properties: Record<string, unknown> | undefined): string | undefined {
  const property = EXPLICIT_NAME_PROPERTY[type]
  const name = property === undefined ? undefined : properties?.[property]
  return typeof name === 'string' && name !== '' ? name : undefined
}

/**
 * Parses a template body. CDK emits JSON; a YAML template (hand-written stacks) yields `undefined`, and
 * its resources are then known by logical and physical id only.
 */
export function parseTemplate(body: string | undefined): CloudFormationTemplate | undefined {
  if (body === undefined || !body.trimStart().startsWith('{')) return undefined
  try {
    const parsed: unknown = JSON.parse(body)
    return isRecord(parsed) ? (parsed as CloudFormationTemplate) : undefined
  } catch {
    return undefined
  }
}

/** The template's resources by logical id, skipping malformed entries. */
export function templateResources(template: CloudFormationTemplate | undefined): Map<string, TemplateResource> {
  const resources = new Map<string, TemplateResource>()
  for (const [logicalId, resource] of Object.entries(template?.Resources ?? {})) {
    if (isRecord(resource) && typeof resource.Type === 'string') resources.set(logicalId, resource)
  }
  return resources
}

/** `Metadata['aws:cdk:path']`, the construct path CDK records when path metadata is on (the CDK CLI's default). */
export function cdkPathOf(resource: TemplateResource | undefined): string | undefined {
  const path = resource?.Metadata?.['aws:cdk:path']
  return typeof path === 'string' && path !== '' ? path : undefined
}

/** A plain object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
