import type { Arns } from '../../app/names.js'
import { AwsServiceError, type Operation } from '../json-protocol.js'
import { apiHistoryEvent } from './history.js'
import type { LocalExecution, LocalStateMachine } from './machines.js'

/**
 * What the Step Functions operations work on.
 *
 * @example
 * stepFunctionsOperations({ machines, start: (arn, input, text, name) => machines.get(arn)!.start(input, text, name), where })
 */
export interface StepFunctionsState {
  /** The machines, by ARN. */
  readonly machines: ReadonlyMap<string, LocalStateMachine>
  /** Starts an execution (tracked for stop). */
  start(arn: string, input: unknown, inputText: string, name: string | undefined): LocalExecution
  readonly where: Arns
}

/** StartExecution's `input` limit: 256 KiB of UTF-8 (API reference, "input"). */
const INPUT_LIMIT = 256 * 1024

/**
 * The operations of the local Step Functions endpoint, as the Step Functions API reference gives their inputs,
 * outputs and errors: StartExecution, StartSyncExecution (Express only), DescribeStateMachine, ListStateMachines,
 * and for Standard machines DescribeExecution, GetExecutionHistory, ListExecutions and StopExecution (an Express
 * execution is refused as AWS refuses it: Express machines keep no history).
 *
 * @example
 * const service = await startJsonService({ service: 'Step Functions', targetPrefix: 'AWSStepFunctions', jsonVersion: '1.0', operations: stepFunctionsOperations(state) })
 */
export function stepFunctionsOperations(state: StepFunctionsState): Record<string, Operation> {
  const machineOf = (input: Record<string, unknown>): LocalStateMachine => {
    const arn = requiredString(input, 'stateMachineArn')
    if (!/^arn:[\w-]+:states:[^:]+:\d{12}:stateMachine:[^:]+$/.test(arn)) {
      throw new AwsServiceError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`)
    }
    const machine = state.machines.get(arn)
    if (machine === undefined)
      throw new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`)
    return machine
  }
  const standardExecutionOf = (input: Record<string, unknown>): LocalExecution => {
    const arn = requiredString(input, 'executionArn')
    const parts = /^arn:[\w-]+:states:[^:]+:\d{12}:(execution|express):([^:]+):([^:]+)(:[^:]+)?$/.exec(arn)
    if (parts === null)
      throw new AwsServiceError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`)
    if (parts[1] === 'express') {
      // Express executions keep no history: Step Functions answers these calls so.
      throw new AwsServiceError('InvalidArn', "Invalid Arn: 'Resource type not valid in this context: express'")
    }
    for (const machine of state.machines.values()) {
      const execution = machine.executions.get(arn)
      if (execution !== undefined) return execution
    }
    throw new AwsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`)
  }
  const started = (input: Record<string, unknown>, machine: LocalStateMachine): LocalExecution => {
    const inputText = optionalString(input, 'input') ?? '{}'
    if (Buffer.byteLength(inputText) > INPUT_LIMIT) {
      throw new AwsServiceError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: 'input is over ${INPUT_LIMIT} bytes'`,
      )
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(inputText)
    } catch (error) {
      throw new AwsServiceError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: '${(error as Error).message}'`,
      )
    }
    const name = optionalString(input, 'name')
    if (name !== undefined && !validName(name)) throw new AwsServiceError('InvalidName', `Invalid Name: '${name}'`)
    if (name !== undefined && machine.description.type === 'STANDARD') {
      const existing = [...machine.executions.values()].find((execution) => execution.name === name)
      if (existing !== undefined) {
        // StartExecution is idempotent for a Standard machine: the same name and input while it runs.
        if (existing.status === 'RUNNING' && existing.inputText === inputText) return existing
        throw new AwsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.arn}'`)
      }
    }
    return state.start(machine.description.arn, parsed, inputText, name)
  }

  return {
    StartExecution(input) {
      const machine = machineOf(input)
      const execution = started(input, machine)
      return { executionArn: execution.arn, startDate: seconds(execution.startDate) }
    },
    async StartSyncExecution(input) {
      const machine = machineOf(input)
      if (machine.description.type !== 'EXPRESS') {
        throw new AwsServiceError(
          'StateMachineTypeNotSupported',
          'This operation is not supported by this type of state machine',
        )
      }
      const execution = started(input, machine)
      await execution.done
      const stopDate = execution.stopDate ?? Date.now()
      return {
        executionArn: execution.arn,
        stateMachineArn: machine.description.arn,
        name: execution.name,
        startDate: seconds(execution.startDate),
        stopDate: seconds(stopDate),
        status: execution.status,
        ...executionData(execution),
        billingDetails: {
          billedMemoryUsedInMB: 64,
          billedDurationInMilliseconds: Math.max(100, Math.ceil((stopDate - execution.startDate) / 100) * 100),
        },
      }
    },
    DescribeStateMachine(input) {
      const { description } = machineOf(input)
      return {
        stateMachineArn: description.arn,
        name: description.name,
        status: 'ACTIVE',
        definition: description.definitionText,
        roleArn: description.roleArn,
        type: description.type,
        creationDate: seconds(description.creationDate),
        loggingConfiguration: {
          level: description.logging.level,
          includeExecutionData: description.logging.includeExecutionData,
          ...(description.logging.destinations.length === 0
            ? {}
            : {
                destinations: description.logging.destinations.map((logGroupArn) => ({
                  cloudWatchLogsLogGroup: { logGroupArn },
                })),
              }),
        },
        tracingConfiguration: { enabled: false },
      }
    },
    ListStateMachines() {
      return {
        stateMachines: [...state.machines.values()].map(({ description }) => ({
          stateMachineArn: description.arn,
          name: description.name,
          type: description.type,
          creationDate: seconds(description.creationDate),
        })),
      }
    },
    DescribeExecution(input) {
      const execution = standardExecutionOf(input)
      return {
        executionArn: execution.arn,
        stateMachineArn: execution.machine.description.arn,
        name: execution.name,
        status: execution.status,
        startDate: seconds(execution.startDate),
        ...(execution.stopDate === undefined ? {} : { stopDate: seconds(execution.stopDate) }),
        ...executionData(execution),
        redriveCount: 0,
        redriveStatus: 'NOT_REDRIVABLE',
      }
    },
    GetExecutionHistory(input) {
      const execution = standardExecutionOf(input)
      const maxResults = optionalNumber(input, 'maxResults') ?? 100
      if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > 1000) {
        throw new AwsServiceError(
          'ValidationException',
          `1 validation error detected: Value '${maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
        )
      }
      const reverse = input.reverseOrder === true
      const includeExecutionData = input.includeExecutionData !== false
      const ordered = reverse ? [...execution.history].reverse() : [...execution.history]
      const token = optionalString(input, 'nextToken')
      const from = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'))
      if (!Number.isInteger(from) || from < 0 || from > ordered.length) {
        throw new AwsServiceError('InvalidToken', `Invalid Token: '${token}'`)
      }
      const size = maxResults === 0 ? 100 : maxResults
      const page = ordered.slice(from, from + size)
      return {
        events: page.map((event) => apiHistoryEvent(event, includeExecutionData)),
        ...(from + size < ordered.length ? { nextToken: Buffer.from(String(from + size)).toString('base64url') } : {}),
      }
    },
    ListExecutions(input) {
      const machine = machineOf(input)
      if (machine.description.type === 'EXPRESS') {
        throw new AwsServiceError(
          'StateMachineTypeNotSupported',
          'This operation is not supported by this type of state machine',
        )
      }
      const statusFilter = optionalString(input, 'statusFilter')
      const executions = [...machine.executions.values()]
        .filter((execution) => statusFilter === undefined || execution.status === statusFilter)
        .sort((a, b) => b.startDate - a.startDate)
      const maxResults = optionalNumber(input, 'maxResults') || 100
      const token = optionalString(input, 'nextToken')
      const from = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'))
      const page = executions.slice(from, from + maxResults)
      return {
        executions: page.map((execution) => ({
          executionArn: execution.arn,
          stateMachineArn: machine.description.arn,
          name: execution.name,
          status: execution.status,
          startDate: seconds(execution.startDate),
          ...(execution.stopDate === undefined ? {} : { stopDate: seconds(execution.stopDate) }),
        })),
        ...(from + maxResults < executions.length
          ? { nextToken: Buffer.from(String(from + maxResults)).toString('base64url') }
          : {}),
      }
    },
    async StopExecution(input) {
      const execution = standardExecutionOf(input)
      execution.stop(optionalString(input, 'error'), optionalString(input, 'cause'))
      await execution.done
      return { stopDate: seconds(execution.stopDate ?? Date.now()) }
    },
  }
}

/** The input, output, error and cause of an execution, as DescribeExecution and StartSyncExecution give them. */
function executionData(execution: LocalExecution): Record<string, unknown> {
  return {
    input: execution.inputText,
    inputDetails: { included: true },
    ...(execution.status === 'SUCCEEDED'
      ? { output: JSON.stringify(execution.output ?? null), outputDetails: { included: true } }
      : {}),
    ...(execution.error === undefined ? {} : { error: execution.error }),
    ...(execution.cause === undefined ? {} : { cause: execution.cause }),
  }
}

/**
 * An execution name Step Functions accepts: 1 to 80 characters, none of whitespace, `< > { } [ ]`, `? *`,
 * `" # % \ ^ | ~ \` $ & , ; : /` or control characters (API reference, StartExecution `name`).
 */
function validName(name: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the rule refuses
  return name.length >= 1 && name.length <= 80 && !/[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/.test(name)
}

function seconds(epochMs: number): number {
  return epochMs / 1000
}

function requiredString(input: Record<string, unknown>, field: string): string {
  const value = input[field]
  if (typeof value !== 'string' || value === '') {
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null`,
    )
  }
  return value
}

function optionalString(input: Record<string, unknown>, field: string): string | undefined {
  const value = input[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw new AwsServiceError('ValidationException', `${field} must be a string`)
  return value
}

function optionalNumber(input: Record<string, unknown>, field: string): number | undefined {
  const value = input[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number') throw new AwsServiceError('ValidationException', `${field} must be a number`)
  return value
}
