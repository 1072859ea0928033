/**
 * The parts of an ARN that resource resolution needs.
 * `arn:partition:service:region:account:resource`
 */
export interface ArnParts {
  partition: string
  service: string
  region: string
  account: string
  /** Everything after the account: `function:my-fn`, `table/Orders`, `stack/MyStack/uuid`. */
  resource: string
}

/** `true` for strings shaped like an ARN (`arn:` and at least six colon-separated fields). */
export function isArn(value: string): boolean {
  return parseArn(value) !== undefined
}

/** Splits an ARN into its fields, or `undefined` when `value` is not an ARN. */
export function parseArn(value: string): ArnParts | undefined {
  const fields = value.split(':')
  if (fields[0] !== 'arn' || fields.length < 6) return undefined
  const [, partition = '', service = '', region = '', account = ''] = fields
  const resource = fields.slice(5).join(':')
  if (partition === '' || service === '' || resource === '') return undefined
  return { partition, service, region, account, resource }
}

/**
 * The name a resource is known by inside its ARN, the one CloudFormation reports as the physical id
 * for most types: `arn:aws:lambda:…:function:my-fn:live` → `my-fn`, `arn:aws:dynamodb:…:table/Orders` → `Orders`,
 * `arn:aws:states:…:stateMachine:Statement` → `Statement`, `arn:aws:cloudformation:…:stack/MyStack/uuid` → `MyStack`.
 * `undefined` when `arn` is not an ARN.
 */
export function nameInArn(arn: string): string | undefined {
  const parts = parseArn(arn)
  if (parts === undefined) return undefined
  const { service, resource } = parts
  // Types whose resource part carries more than the name: a qualifier, a stack id, a `:*` suffix, a sub-resource.
  const shaped: Array<[string, RegExp]> = [
    ['lambda', /^function:([^:]+)/],
    ['states', /^(?:stateMachine|activity):([^:]+)/],
    ['cloudformation', /^stack\/([^/]+)/],
    ['logs', /^log-group:(.+?)(?::\*)?$/],
    ['dynamodb', /^table\/([^/]+)/],
    ['events', /^(?:rule|event-bus)\/(.+)$/],
  ]
  for (const [owner, pattern] of shaped) {
    if (service !== owner) continue
    const match = pattern.exec(resource)
    if (match?.[1] !== undefined) return match[1]
  }
  const segments = resource.split(/[:/]/)
  return segments[segments.length - 1]
}

/**
 * The service namespace of a CloudFormation type, spelled as in ARNs: `AWS::Lambda::Function` → `lambda`,
 * `AWS::StepFunctions::StateMachine` → `states`.
 */
export function arnServiceOfType(type: string): string {
  const namespace = (type.split('::')[1] ?? '').toLowerCase()
  const spelledDifferently: Record<string, string> = {
    stepfunctions: 'states',
    elasticloadbalancingv2: 'elasticloadbalancing',
    apigatewayv2: 'apigateway',
  }
  return spelledDifferently[namespace] ?? namespace
}
