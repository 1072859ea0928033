import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { EventBridgeClient } from '@aws-sdk/client-eventbridge'
import { SQSClient } from '@aws-sdk/client-sqs'
import { LOCAL_CREDENTIALS, type StackResource, type StackResources } from '../../../target/index.js'
import { partition } from '../../app/names.js'
import type { Gap } from '../../app/plan.js'
import type { LocalService, LocalServiceContext, StartedService } from '../../app/services.js'
import { AwsServiceError, startJsonService } from '../json-protocol.js'
import { checkDefinition, readDefinition } from './definition.js'
import type { LoggingConfiguration } from './history.js'
import { type LocalExecution, LocalStateMachine, type MachineServices } from './machines.js'
import { stepFunctionsOperations } from './operations.js'
import { functionNameOf, TaskError } from './tasks.js'

/**
 * The CloudFormation type the local Step Functions service brings up.
 *
 * @example
 * app.resources.ofType(STATE_MACHINE).map((machine) => machine.physicalId) // the machines' ARNs
 */
export const STATE_MACHINE = 'AWS::StepFunctions::StateMachine'
const FUNCTION = 'AWS::Lambda::Function'

/** StateMachine properties read locally; any other is listed as not applied. */
const READ_PROPERTIES = new Set([
  'DefinitionString',
  'Definition',
  'DefinitionSubstitutions',
  'DefinitionS3Location',
  'StateMachineName',
  'StateMachineType',
  'RoleArn',
  'LoggingConfiguration',
  'Tags',
])

/**
 * The local Step Functions: every `AWS::StepFunctions::StateMachine` of the stack, run with aws-local-stepfunctions
 * (JSONPath), served on an AWS JSON 1.0 endpoint (`AWSStepFunctions`) that functions reach through
 * `AWS_ENDPOINT_URL_SFN` and tests through `clientSettings('sfn')`. Lambda tasks invoke the app's local functions;
 * DynamoDB tasks go to DynamoDB Local, EventBridge and SQS tasks to the local endpoints, nested executions run in
 * process. Each execution's events go to the machine's log group (its LoggingConfiguration level honoured) in
 * the format of Step Functions' logs. What the interpreter cannot run is refused at start-up (a gap naming the
 * machine, the states and why), and StartExecution of such a machine fails with the same message.
 *
 * @example
 * const app = await startLocal({ app: 'npx tsx bin/app.ts' })
 * const sfn = new SFNClient({ ...app.resources.clientSettings('sfn') })
 * const run = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn, input: JSON.stringify({ accountId: 'acc-1' }) }))
 */
export const stepFunctionsService: LocalService = {
  name: 'Step Functions',
  types: [STATE_MACHINE],
  identity(_resource, name, where) {
    const arn = `arn:${partition(where.region)}:states:${where.region}:${where.account}:stateMachine:${name}`
    return { physicalId: arn, attributes: { Arn: arn, Name: name } }
  },
  async start(context): Promise<StartedService> {
    const { resources, where } = context
    const gaps: Gap[] = []
    const clients: { destroy(): void }[] = []
    const lazy = <T extends { destroy(): void }>(make: () => T): (() => T) => {
      let client: T | undefined
      return () => {
        if (client === undefined) {
          client = make()
          clients.push(client)
        }
        return client
      }
    }
    const settings = (endpoint: string | undefined) => ({
      region: where.region,
      // A copy: the SDK marks the credentials object it is given (LOCAL_CREDENTIALS is frozen).
      credentials: { ...LOCAL_CREDENTIALS },
      ...(endpoint === undefined ? {} : { endpoint }),
    })
    const machines = new Map<string, LocalStateMachine>()
    const running = new Set<LocalExecution>()
    const functions = new Map(
      resources.ofType(FUNCTION).flatMap((fn) => (fn.physicalId === undefined ? [] : [[fn.physicalId, fn] as const])),
    )
    const services: MachineServices = {
      region: where.region,
      account: where.account,
      partition: partition(where.region),
      logs: context.apis.logs,
      warn: context.log,
      functionOf(reference) {
        const fn = functions.get(functionNameOf(reference))
        return fn === undefined ? undefined : { logicalId: fn.logicalId, arn: fn.attributes?.Arn ?? reference }
      },
      invoke: (logicalId, event, signal) => context.invoke(logicalId, event, { signal }),
      dynamodb: lazy(() => new DynamoDBClient(settings(context.dynamodbEndpoint))),
      events: lazy(() => new EventBridgeClient(settings(context.endpoints.events))),
      sqs: lazy(() => new SQSClient(settings(context.endpoints.sqs))),
      startExecution(stateMachineArn, input, name) {
        if (!machines.has(stateMachineArn)) {
          throw new TaskError(
            'StepFunctions.StateMachineDoesNotExistException',
            `State Machine Does Not Exist: '${stateMachineArn}'`,
          )
        }
        try {
          return startTracked(stateMachineArn, input, JSON.stringify(input), name)
        } catch (error) {
          if (error instanceof AwsServiceError)
            throw new TaskError(`StepFunctions.${error.code}Exception`, error.message)
          throw error
        }
      },
    }
    const startTracked = (arn: string, input: unknown, inputText: string, name: string | undefined) => {
      const machine = machines.get(arn)
      if (machine === undefined)
        throw new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`)
      const execution = machine.start(input, inputText, name)
      running.add(execution)
      void execution.done.finally(() => running.delete(execution))
      return execution
    }

    for (const resource of resources.ofType(STATE_MACHINE)) {
      const description = describeMachine(resource, resources, context)
      const source = readDefinition(resource, resources)
      const refusals =
        'refused' in source
          ? []
          : checkDefinition(source.definition, {
              type: description.type,
              serves: (service) => context.endpoints[service] !== undefined,
            })
      const machine = new LocalStateMachine(
        description,
        'refused' in source ? undefined : source.definition,
        refusals,
        services,
        'refused' in source ? source.refused : undefined,
      )
      machines.set(description.arn, machine)
      if (machine.refusal !== undefined) gaps.push({ resource, what: '', why: machine.refusal })
      for (const property of Object.keys(resource.properties ?? {})) {
        if (!READ_PROPERTIES.has(property)) {
          gaps.push({ resource, what: property, why: 'this state machine property is not applied locally' })
        }
      }
      const destination = description.logging.destinations[0]
      if (
        description.logging.level !== 'OFF' &&
        destination !== undefined &&
        context.apis.logs?.has(destination) !== true
      ) {
        gaps.push({
          resource,
          what: 'LoggingConfiguration',
          why: `its log group ${destination} is not one of this app: its execution logs are not kept locally`,
        })
      }
    }

    const service = await startJsonService({
      service: 'Step Functions',
      targetPrefix: 'AWSStepFunctions',
      jsonVersion: '1.0',
      operations: stepFunctionsOperations({ machines, start: startTracked, where }),
    })
    return {
      endpoints: { sfn: service.endpoint },
      gaps,
      async stop() {
        // The runs first: a StartSyncExecution in flight waits for its run, and the endpoint waits for it.
        const stopping = [...running]
        for (const execution of stopping) execution.stop('States.Aborted', 'The local app stopped.')
        await Promise.allSettled(stopping.map((execution) => execution.done))
        await service.stop()
        for (const client of clients.splice(0)) client.destroy()
      },
    }
  },
}

/** What DescribeStateMachine says of a machine, from its template. */
function describeMachine(resource: StackResource, resources: StackResources, context: LocalServiceContext) {
  const properties = resource.properties ?? {}
  const arn = resource.physicalId ?? resource.logicalId
  const name = resource.attributes?.Name ?? arn.split(':').at(-1) ?? resource.logicalId
  const type = resources.resolveValue(properties.StateMachineType, resource) === 'EXPRESS' ? 'EXPRESS' : 'STANDARD'
  const roleArn =
    resources.resolveValue(properties.RoleArn, resource) ??
    `arn:${partition(context.where.region)}:iam::${context.where.account}:role/${resources.resolveReference(properties.RoleArn, resource)?.logicalId ?? 'StateMachineRole'}`
  const source = readDefinition(resource, resources)
  return {
    name,
    arn,
    type,
    roleArn,
    definitionText: 'refused' in source ? '' : JSON.stringify(source.definition),
    logging: loggingOf(resource, resources),
    creationDate: Date.now(),
  } as const
}

function loggingOf(resource: StackResource, resources: StackResources): LoggingConfiguration {
  const configuration = resource.properties?.LoggingConfiguration as
    | {
        Level?: unknown
        IncludeExecutionData?: unknown
        Destinations?: { CloudWatchLogsLogGroup?: { LogGroupArn?: unknown } }[]
      }
    | undefined
  if (configuration === undefined) return { level: 'OFF', includeExecutionData: false, destinations: [] }
  const level = resources.resolveValue(configuration.Level, resource)
  const include = resources.resolveValue(configuration.IncludeExecutionData, resource)
  return {
    level: level === 'ALL' || level === 'ERROR' || level === 'FATAL' ? level : 'OFF',
    includeExecutionData: include === 'true',
    destinations: (configuration.Destinations ?? []).flatMap((destination) => {
      const arn = resources.resolveValue(destination?.CloudWatchLogsLogGroup?.LogGroupArn, resource)
      return arn === undefined ? [] : [arn]
    }),
  }
}
