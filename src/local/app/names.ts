import { randomInt } from 'node:crypto'

/** How long a generated name of each type may be: the service's own limit on the name. */
const NAME_LIMITS: Readonly<Record<string, number>> = {
  'AWS::Lambda::Function': 64,
  'AWS::Lambda::LayerVersion': 140,
  'AWS::DynamoDB::Table': 255,
  'AWS::DynamoDB::GlobalTable': 255,
  'AWS::SQS::Queue': 80,
  'AWS::Events::EventBus': 256,
  'AWS::Events::Rule': 64,
  'AWS::StepFunctions::StateMachine': 80,
  'AWS::Logs::LogGroup': 512,
}

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
const MIXED_ALNUM = `${UPPER_ALNUM}abcdefghijklmnopqrstuvwxyz`

/**
 * The name CloudFormation gives a resource whose template names none: `<stack name>-<logical id>-<12 random
 * characters>`. The CloudFormation User Guide ("Name type") gives the shape and its rules: letters, digits and
 * hyphens, never two hyphens in a row nor one at the end. The suffix is upper-case letters and digits for tables
 * (`MyStack-Orders1A2B3C4D-1QW2E3R4T5Y6`), mixed case for functions (`MyStack-Checkout5E6F7A8B-aB3dE5fG7hJ9`), as
 * deployed stacks show. When the whole would pass the service's limit (64 for a function name), the logical id is
 * shortened first, beside the whole stack name, as names of deployed stacks show
 * (`...-PipelineBuildSynthCdkBuildProje-...`); a stack name longer than half the room leaves each part half. The docs
 * do not spell the rule out: the local names only need CloudFormation's shape and limits, never its exact letters.
 *
 * @param random the suffix's source (a test hands a fixed one)
 */
export function generatedName(
  type: string,
  stackName: string,
  logicalId: string,
  random: (alphabet: string, length: number) => string = randomText,
): string {
  const suffix = random(type === 'AWS::Lambda::Function' ? MIXED_ALNUM : UPPER_ALNUM, 12)
  const limit = NAME_LIMITS[type] ?? 255
  const room = limit - suffix.length - 2
  let stack = clean(stackName)
  let logical = clean(logicalId)
  if (stack.length + logical.length > room) {
    logical = logical.slice(0, Math.max(room - stack.length, Math.min(logical.length, Math.floor(room / 2))))
    stack = stack.slice(0, room - logical.length)
  }
  return [stack, logical, suffix]
    .map((part) => part.replace(/-+$/, ''))
    .filter(Boolean)
    .join('-')
}

function clean(part: string): string {
  return part.replace(/[^A-Za-z0-9-]/g, '').replace(/-{2,}/g, '-')
}

function randomText(alphabet: string, length: number): string {
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('')
}

/** The ARNs and attributes of the local resources, in the region and account of the local target. */
export interface Arns {
  readonly region: string
  readonly account: string
}

/** `arn:aws:dynamodb:<region>:<account>:table/<name>`. */
export function tableArn(where: Arns, name: string): string {
  return `arn:${partition(where.region)}:dynamodb:${where.region}:${where.account}:table/${name}`
}

/** `arn:aws:lambda:<region>:<account>:function:<name>`. */
export function functionArn(where: Arns, name: string): string {
  return `arn:${partition(where.region)}:lambda:${where.region}:${where.account}:function:${name}`
}

/** `arn:aws:lambda:<region>:<account>:layer:<name>:<version>` (a layer's `Ref`). */
export function layerVersionArn(where: Arns, name: string, version = 1): string {
  return `arn:${partition(where.region)}:lambda:${where.region}:${where.account}:layer:${name}:${version}`
}

/** The ARN partition of a region: `aws`, `aws-cn`, `aws-us-gov`. */
export function partition(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  return 'aws'
}
