import type { StackResource, StackResources } from '../../../target/index.js'

/**
 * An ASL definition, as parsed JSON (the interpreter's own type is stricter than what a template may hold).
 *
 * @example
 * const definition: AslDefinition = { StartAt: 'Hello', States: { Hello: { Type: 'Pass', End: true } } }
 */
export interface AslDefinition {
  readonly StartAt: string
  readonly States: Readonly<Record<string, AslState>>
  readonly TimeoutSeconds?: number
  readonly QueryLanguage?: string
  readonly [field: string]: unknown
}

/**
 * One state of a definition, loosely typed: the checks below read its fields.
 *
 * @example
 * const state: AslState = { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true }
 */
export interface AslState {
  readonly Type: string
  readonly Resource?: string
  readonly [field: string]: unknown
}

/**
 * What a machine's template gives: its definition, or why it cannot be read.
 *
 * @example
 * const source: DefinitionSource = readDefinition(machine, resources)
 * if ('refused' in source) console.warn(source.refused)
 */
export type DefinitionSource = { readonly definition: AslDefinition } | { readonly refused: string }

/**
 * The definition of an `AWS::StepFunctions::StateMachine`: `DefinitionString` (its intrinsics resolved with the
 * stack's local names), or `Definition` (an object), with `DefinitionSubstitutions` applied (`${key}` in the text,
 * each value resolved). `DefinitionS3Location` is refused: the local target does not read S3.
 *
 * @example
 * const source = readDefinition(machine, app.resources)
 * if ('refused' in source) console.warn(source.refused)
 */
export function readDefinition(resource: StackResource, resources: StackResources): DefinitionSource {
  const properties = resource.properties ?? {}
  if (properties.DefinitionS3Location !== undefined) {
    return { refused: 'its definition is in S3 (DefinitionS3Location), which the local target does not read' }
  }
  let text: string | undefined
  if (properties.DefinitionString !== undefined) {
    text = resources.resolveValue(properties.DefinitionString, resource)
    if (text === undefined) return { refused: 'its DefinitionString holds a value the local target cannot resolve' }
  } else if (properties.Definition !== undefined) {
    text = JSON.stringify(properties.Definition)
  } else {
    return { refused: 'it has no DefinitionString or Definition' }
  }
  const substitutions = properties.DefinitionSubstitutions
  if (substitutions !== undefined && substitutions !== null && typeof substitutions === 'object') {
    for (const [key, value] of Object.entries(substitutions)) {
      const resolved = resources.resolveValue(value, resource)
      if (resolved === undefined) return { refused: `its DefinitionSubstitutions ${key} cannot be resolved locally` }
      // As Step Functions substitutes: every ${key} in the text, the value as it is.
      text = text.split(`\${${key}}`).join(properties.Definition === undefined ? resolved : jsonInner(resolved))
    }
  }
  let definition: unknown
  try {
    definition = JSON.parse(text)
  } catch (error) {
    return { refused: `its definition is not JSON (${(error as Error).message})` }
  }
  if (!isRecord(definition) || typeof definition.StartAt !== 'string' || !isRecord(definition.States)) {
    return { refused: 'its definition has no StartAt and States' }
  }
  return { definition: definition as unknown as AslDefinition }
}

/** A value substituted inside a JSON string of a `Definition` object: escaped as the string's content. */
function jsonInner(value: string): string {
  return JSON.stringify(value).slice(1, -1)
}

/**
 * A part of a definition the local interpreter does not run: the states and why.
 *
 * @example
 * const refusal: Refusal = { states: ['Score'], reason: 'variables (Assign) are not run by the local interpreter' }
 */
export interface Refusal {
  readonly states: readonly string[]
  readonly reason: string
}

/**
 * How a Task's resource runs locally.
 *
 * @example
 * const integration: TaskIntegration = { kind: 'dynamodb', action: 'putItem' }
 */
export type TaskIntegration =
  | { readonly kind: 'lambda-arn'; readonly functionArn: string }
  | { readonly kind: 'lambda-invoke' }
  | { readonly kind: 'dynamodb'; readonly action: 'putItem' | 'getItem' | 'updateItem' | 'deleteItem' }
  | { readonly kind: 'events'; readonly action: 'putEvents' }
  | { readonly kind: 'sqs'; readonly action: 'sendMessage' }
  | { readonly kind: 'states'; readonly action: 'startExecution'; readonly pattern: 'request' | 'sync' | 'sync:2' }

const DYNAMODB_ACTIONS = new Set(['putItem', 'getItem', 'updateItem', 'deleteItem'])

/**
 * How a Task resource runs locally, or why it does not. The forms are Step Functions': a function ARN, and the
 * optimized integrations `arn:aws:states:::<service>:<action>[.<pattern>]`.
 *
 * @example
 * taskIntegration('arn:aws:states:::dynamodb:putItem') // { kind: 'dynamodb', action: 'putItem' }
 */
export function taskIntegration(resource: unknown): TaskIntegration | { readonly refused: string } {
  if (typeof resource !== 'string' || resource === '') return { refused: 'its Resource is not a string' }
  if (/^arn:[\w-]+:lambda:[^:]+:\d+:function:[^:]+(:[^:]+)?$/.test(resource)) {
    return { kind: 'lambda-arn', functionArn: resource }
  }
  if (/^arn:[\w-]+:states:::aws-sdk:/.test(resource)) {
    return { refused: `it uses the AWS SDK integration ${resource}, which the local target does not implement` }
  }
  const match = /^arn:[\w-]+:states:::([\w-]+):([\w-]+)(\.(.+))?$/.exec(resource)
  if (match === null) {
    if (/^arn:[\w-]+:states:[^:]+:\d+:activity:/.test(resource)) {
      return { refused: `it calls an activity (${resource}), which the local target has no workers for` }
    }
    return { refused: `its Resource ${resource} is not a Lambda function ARN nor an optimized integration` }
  }
  const [, service = '', action = '', , pattern] = match
  if (pattern === 'waitForTaskToken') {
    return { refused: `it waits for a task token (${resource}), which the local target does not implement` }
  }
  const plain = pattern === undefined
  if (service === 'lambda' && action === 'invoke' && plain) return { kind: 'lambda-invoke' }
  if (service === 'dynamodb' && DYNAMODB_ACTIONS.has(action) && plain) {
    return { kind: 'dynamodb', action: action as 'putItem' }
  }
  if (service === 'events' && action === 'putEvents' && plain) return { kind: 'events', action: 'putEvents' }
  if (service === 'sqs' && action === 'sendMessage' && plain) return { kind: 'sqs', action: 'sendMessage' }
  if (service === 'states' && action === 'startExecution' && (plain || pattern === 'sync' || pattern === 'sync:2')) {
    return { kind: 'states', action: 'startExecution', pattern: plain ? 'request' : (pattern as 'sync') }
  }
  return {
    refused:
      `it calls ${resource}, which the local target does not implement (it runs Lambda functions, ` +
      'dynamodb:putItem/getItem/updateItem/deleteItem, events:putEvents, sqs:sendMessage and ' +
      'states:startExecution[.sync|.sync:2])',
  }
}

/**
 * What the local target can run, for {@link checkDefinition}.
 *
 * @example
 * checkDefinition(definition, { type: 'EXPRESS', serves: (service) => context.endpoints[service] !== undefined })
 */
export interface LocalCapabilities {
  /** The machine's type: Express machines cannot use `.sync` (Step Functions refuses such a definition). */
  readonly type: 'STANDARD' | 'EXPRESS'
  /** Whether a service's endpoint is up locally (`events`, `sqs`). */
  readonly serves: (service: 'events' | 'sqs') => boolean
}

/**
 * Everything in a definition the local interpreter (aws-local-stepfunctions, JSONPath only) cannot run, grouped by
 * reason: JSONata (`QueryLanguage`), variables (`Assign`), JSONata-only fields (`Arguments`, `Output`), a
 * Distributed Map or its reader/writer/batcher, and Task resources the local target does not serve.
 *
 * @example
 * const refusals = checkDefinition(definition, { type: 'EXPRESS', serves: () => true })
 * // [{ states: ['Score'], reason: 'JSONata (QueryLanguage: JSONata) is not run by the local interpreter' }]
 */
export function checkDefinition(definition: AslDefinition, capabilities: LocalCapabilities): Refusal[] {
  const byReason = new Map<string, string[]>()
  const refuse = (state: string, reason: string) => {
    const states = byReason.get(reason) ?? []
    if (!states.includes(state)) states.push(state)
    byReason.set(reason, states)
  }
  const jsonata = 'JSONata (QueryLanguage: JSONata) is not run by the local interpreter, which runs JSONPath'
  const visit = (states: Readonly<Record<string, AslState>>, inherited: string | undefined) => {
    for (const [name, state] of Object.entries(states)) {
      if (!isRecord(state)) continue
      // A state's QueryLanguage overrides the machine's; a JSONata state's Arguments and Output are JSONata.
      const language = typeof state.QueryLanguage === 'string' ? state.QueryLanguage : inherited
      if (language === 'JSONata') refuse(name, jsonata)
      else {
        for (const field of ['Arguments', 'Output'] as const) {
          if (state[field] !== undefined) refuse(name, `${field} is a JSONata field, not run by the local interpreter`)
        }
      }
      if (state.Assign !== undefined) refuse(name, 'variables (Assign) are not run by the local interpreter')
      if (state.Credentials !== undefined) refuse(name, 'cross-account Credentials are not applied locally')
      if (state.Type === 'Map') {
        const processor = (state.ItemProcessor ?? state.Iterator) as { ProcessorConfig?: { Mode?: string } } | undefined
        if (processor?.ProcessorConfig?.Mode === 'DISTRIBUTED') {
          refuse(name, 'a Distributed Map (ProcessorConfig.Mode DISTRIBUTED) is not run by the local interpreter')
        }
        for (const field of [
          'ItemReader',
          'ItemBatcher',
          'ResultWriter',
          'ToleratedFailurePercentage',
          'ToleratedFailureCount',
          'Label',
        ]) {
          if (state[field] !== undefined)
            refuse(name, `${field} (a Distributed Map field) is not run by the local interpreter`)
        }
        const inner = (processor as { States?: Record<string, AslState> } | undefined)?.States
        if (inner !== undefined && isRecord(inner)) visit(inner as Record<string, AslState>, language)
      }
      if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
        for (const branch of state.Branches as { States?: Record<string, AslState> }[]) {
          if (isRecord(branch?.States)) visit(branch.States as Record<string, AslState>, language)
        }
      }
      if (state.Type === 'Task') {
        const integration = taskIntegration(state.Resource)
        if ('refused' in integration) refuse(name, integration.refused)
        else if (integration.kind === 'events' && !capabilities.serves('events')) {
          refuse(name, 'it calls events:putEvents, and this local app serves no EventBridge endpoint')
        } else if (integration.kind === 'sqs' && !capabilities.serves('sqs')) {
          refuse(name, 'it calls sqs:sendMessage, and this local app serves no SQS endpoint')
        } else if (
          integration.kind === 'states' &&
          integration.pattern !== 'request' &&
          capabilities.type === 'EXPRESS'
        ) {
          refuse(
            name,
            `an Express machine cannot run a .${integration.pattern} integration (Step Functions refuses it)`,
          )
        }
        if (state.HeartbeatSeconds !== undefined || state.HeartbeatSecondsPath !== undefined) {
          refuse(name, 'HeartbeatSeconds applies to callbacks and activities, which the local target does not run')
        }
      }
    }
  }
  visit(definition.States, typeof definition.QueryLanguage === 'string' ? definition.QueryLanguage : undefined)
  return [...byReason].map(([reason, states]) => ({ states, reason }))
}

/**
 * One line naming the machine, the states and the reasons, for the gap and for StartExecution's error.
 *
 * @example
 * describeRefusals('Scoring', [{ states: ['Score'], reason: 'JSONata ...' }])
 * // 'state machine Scoring is not run locally: Score: JSONata ...'
 */
export function describeRefusals(machine: string, refusals: readonly Refusal[]): string {
  return (
    `state machine ${machine} is not run locally: ` +
    refusals.map((refusal) => `${refusal.states.join(', ')}: ${refusal.reason}`).join('; ')
  )
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
