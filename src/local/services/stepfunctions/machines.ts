import { randomBytes, randomUUID } from 'node:crypto'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions'
import type { LocalLogs } from '../../app/services.js'
import { AwsServiceError } from '../json-protocol.js'
import { type AslDefinition, type AslState, describeRefusals, type Refusal, taskIntegration } from './definition.js'
import { type HistoryEvent, isLogged, type LoggingConfiguration, logMessage } from './history.js'
import { HistoryRecorder, type InterpreterEvent } from './recorder.js'
import { runTask, type TaskServices } from './tasks.js'

/** Express executions end after five minutes at most (developer guide, "Standard vs Express"). */
const EXPRESS_LIMIT_SECONDS = 300
/**
 * A Task without TimeoutSeconds has none in Step Functions (99999999 s); the interpreter would apply 60 s. The
 * largest delay a Node.js timer takes (2^31-1 ms, about 24.8 days) stands for "none".
 */
const NO_TASK_TIMEOUT_SECONDS = 2_147_483

/**
 * What a machine is, as DescribeStateMachine describes it.
 *
 * @example
 * const { type, logging }: MachineDescription = machine.description
 */
export interface MachineDescription {
  readonly name: string
  readonly arn: string
  readonly type: 'STANDARD' | 'EXPRESS'
  readonly definitionText: string
  readonly roleArn: string
  readonly logging: LoggingConfiguration
  readonly creationDate: number
}

/**
 * An execution's status, as DescribeExecution names it.
 *
 * @example
 * const done: ExecutionStatus[] = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']
 */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED'

/**
 * One execution of a local machine.
 *
 * @example
 * const execution: LocalExecution = machine.start({ accountId: 'acc-1' }, '{"accountId":"acc-1"}')
 * await execution.done
 * console.log(execution.status, execution.history.length)
 */
export interface LocalExecution {
  readonly arn: string
  readonly name: string
  readonly machine: LocalStateMachine
  readonly input: unknown
  readonly inputText: string
  readonly startDate: number
  status: ExecutionStatus
  stopDate?: number
  output?: unknown
  error?: string
  cause?: string
  readonly history: HistoryEvent[]
  /** Resolves when it has ended and its events are logged. */
  readonly done: Promise<void>
  /** Stops it (StopExecution): its tasks are aborted, ExecutionAborted is recorded. */
  stop(error?: string, cause?: string): void
}

/**
 * What a machine needs from the service around it.
 *
 * @example
 * new LocalStateMachine(description, definition, [], services satisfies MachineServices)
 */
export interface MachineServices extends Omit<TaskServices, 'startExecution'> {
  readonly account: string
  readonly partition: string
  readonly logs: LocalLogs | undefined
  /** Starts an execution of another machine of the app (`states:startExecution`). */
  startExecution(stateMachineArn: string, input: unknown, name: string | undefined): LocalExecution
  /** One line about something lost (a log group that is not there). */
  readonly warn: (line: string) => void
}

/**
 * A state machine of the app, run with aws-local-stepfunctions: its executions, their histories, and their logs
 * written to its log group as Step Functions writes them.
 *
 * @example
 * const machine = new LocalStateMachine(description, definition, [], services)
 * const execution = machine.start({ accountId: 'acc-1' })
 * await execution.done
 */
export class LocalStateMachine {
  readonly executions = new Map<string, LocalExecution>()
  readonly #interpreter: StateMachine | undefined
  readonly #definition: AslDefinition | undefined
  readonly #refusal: string | undefined
  readonly #services: MachineServices

  constructor(
    readonly description: MachineDescription,
    definition: AslDefinition | undefined,
    refusals: readonly Refusal[],
    services: MachineServices,
    refusedBecause?: string,
  ) {
    this.#services = services
    if (refusedBecause !== undefined) {
      this.#refusal = `state machine ${description.name} is not run locally: ${refusedBecause}`
    } else if (refusals.length > 0) {
      this.#refusal = describeRefusals(description.name, refusals)
    } else if (definition !== undefined) {
      this.#definition = runnable(definition, description.type)
      try {
        this.#interpreter = new StateMachine(this.#definition as unknown as StateMachineDefinition)
      } catch (error) {
        this.#refusal = `state machine ${description.name} is not run locally: the local interpreter refuses its definition (${(error as Error).message.replace(/\s+/g, ' ').trim()})`
      }
    }
  }

  /** Why it does not run locally (the start-up gap, and what StartExecution answers), if it does not. */
  get refusal(): string | undefined {
    return this.#refusal
  }

  /**
   * Starts an execution.
   *
   * @throws {AwsServiceError} InvalidDefinition: the machine is one the local target refuses to run
   */
  start(input: unknown, inputText: string, name: string = randomUUID()): LocalExecution {
    const interpreter = this.#interpreter
    const definition = this.#definition
    if (interpreter === undefined || definition === undefined) {
      throw new AwsServiceError(
        'InvalidDefinition',
        this.#refusal ?? `state machine ${this.description.name} cannot run`,
      )
    }
    const { description } = this
    const where = `${this.#services.region}:${this.#services.account}`
    const arn =
      description.type === 'EXPRESS'
        ? `arn:${this.#services.partition}:states:${where}:express:${description.name}:${name}:${randomUUID()}`
        : `arn:${this.#services.partition}:states:${where}:execution:${description.name}:${name}`
    const startDate = Date.now()
    const write = this.#logWriter(arn, startDate)
    const recorder = new HistoryRecorder(write, (map, raw) => mapItemsLength(definition, map, raw), description.roleArn)
    const aborted = new AbortController()
    const tasks = taskHandlers(
      definition,
      recorder,
      {
        ...this.#services,
        startExecution: (machineArn, nestedInput, nestedName) => {
          const nested = this.#services.startExecution(machineArn, nestedInput, nestedName)
          return {
            executionArn: nested.arn,
            startDate: nested.startDate,
            done: nested.done.then(() => ({
              status: nested.status,
              input: nested.input,
              name: nested.name,
              stateMachineArn: nested.machine.description.arn,
              stopDate: nested.stopDate ?? Date.now(),
              ...(nested.output === undefined ? {} : { output: nested.output }),
              ...(nested.error === undefined ? {} : { error: nested.error }),
              ...(nested.cause === undefined ? {} : { cause: nested.cause }),
            })),
          }
        },
      },
      aborted.signal,
    )
    const run = interpreter.run(input as never, {
      overrides: { taskResourceLocalHandlers: tasks },
      noThrowOnAbort: true,
      context: {
        Execution: { Id: arn, Name: name, RoleArn: description.roleArn, RedriveCount: 0 },
        StateMachine: { Id: description.arn, Name: description.name },
      },
    })
    let stopReason: { error?: string; cause?: string } | undefined
    const execution: LocalExecution = {
      arn,
      name,
      machine: this,
      input,
      inputText,
      startDate,
      status: 'RUNNING',
      history: recorder.events,
      done: Promise.resolve(),
      stop: (error, cause) => {
        if (execution.status !== 'RUNNING' || stopReason !== undefined) return
        stopReason = { ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) }
        recorder.abortDetails = stopReason
        aborted.abort()
        run.abort()
      },
    }
    const consumed = (async () => {
      for await (const event of run.eventLogs) recorder.take(event as InterpreterEvent)
    })()
    ;(execution as { done: Promise<void> }).done = (async () => {
      let outcome: { status: ExecutionStatus; output?: unknown; error?: string; cause?: string }
      try {
        const output = await run.result
        outcome = stopReason !== undefined ? { status: 'ABORTED', ...stopReason } : { status: 'SUCCEEDED', output }
      } catch (error) {
        const failed = recorder.events.findLast((event) => event.type === 'ExecutionFailed')
        outcome =
          (error as Error).name === 'ExecutionTimeoutError'
            ? { status: 'TIMED_OUT', error: 'States.Timeout' }
            : {
                status: 'FAILED',
                ...(failed?.details.error === undefined ? {} : { error: failed.details.error }),
                ...(failed?.details.cause === undefined ? {} : { cause: failed.details.cause }),
              }
      }
      await consumed
      aborted.abort()
      if (outcome.status === 'FAILED' && outcome.error === undefined) {
        const failed = recorder.events.findLast((event) => event.type === 'ExecutionFailed')
        if (failed?.details.error !== undefined) outcome.error = failed.details.error
        if (failed?.details.cause !== undefined) outcome.cause = failed.details.cause
      }
      Object.assign(execution, outcome, { stopDate: Date.now() })
    })()
    this.executions.set(arn, execution)
    return execution
  }

  /** Writes each logged event to the machine's log group (one stream per execution), at its level. */
  #logWriter(executionArn: string, startDate: number): (event: HistoryEvent) => void {
    const { logging, name } = this.description
    const destination = logging.destinations[0]
    if (logging.level === 'OFF' || destination === undefined) return () => {}
    const logs = this.#services.logs
    if (logs === undefined || !logs.has(destination)) {
      this.#services.warn(
        `Step Functions: state machine ${name} logs to ${destination}, which is not a log group of this app: its execution logs are not kept`,
      )
      return () => {}
    }
    const stream = `states/${name}/${streamDate(startDate)}/${randomBytes(4).toString('hex')}`
    return (event) => {
      if (!isLogged(logging.level, event.type)) return
      logs.put(destination, stream, [
        { timestamp: event.timestamp, message: logMessage(event, executionArn, logging.includeExecutionData) },
      ])
    }
  }
}

/** `YYYY-MM-DD-HH-mm` in UTC, as the streams of logged Express executions are named. */
function streamDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 16).replace('T', '-').replace(':', '-')
}

/**
 * The definition as the interpreter runs it: Tasks without a timeout get "none" (it would apply 60 s), and an
 * Express machine gets its five-minute limit unless it sets a shorter one.
 */
function runnable(definition: AslDefinition, type: 'STANDARD' | 'EXPRESS'): AslDefinition {
  const copy = structuredClone(definition) as { TimeoutSeconds?: number; States: Record<string, AslState> }
  if (type === 'EXPRESS' && (copy.TimeoutSeconds === undefined || copy.TimeoutSeconds > EXPRESS_LIMIT_SECONDS)) {
    copy.TimeoutSeconds = EXPRESS_LIMIT_SECONDS
  }
  for (const state of allStates(copy.States).values()) {
    if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
      ;(state as { TimeoutSeconds?: number }).TimeoutSeconds = NO_TASK_TIMEOUT_SECONDS
    }
  }
  return copy as unknown as AslDefinition
}

/**
 * Every state of a definition by name, those inside Map and Parallel states too (names are unique machine-wide).
 *
 * @example
 * allStates(definition.States).get('Double')?.Type // 'Task', though it sits inside a Map
 */
export function allStates(states: Readonly<Record<string, AslState>>): Map<string, AslState> {
  const found = new Map<string, AslState>()
  const visit = (each: Readonly<Record<string, AslState>>) => {
    for (const [name, state] of Object.entries(each)) {
      found.set(name, state)
      const processor = (state.ItemProcessor ?? state.Iterator) as { States?: Record<string, AslState> } | undefined
      if (processor?.States !== undefined) visit(processor.States)
      if (Array.isArray(state.Branches)) {
        for (const branch of state.Branches as { States?: Record<string, AslState> }[]) {
          if (branch?.States !== undefined) visit(branch.States)
        }
      }
    }
  }
  visit(states)
  return found
}

/**
 * One handler per Task state (the interpreter's `taskResourceLocalHandlers`): it waits for the interpreter's events
 * before the call to be recorded, claims its place in the history, and runs the resource.
 */
function taskHandlers(
  definition: AslDefinition,
  recorder: HistoryRecorder,
  services: TaskServices,
  signal: AbortSignal,
): Record<string, (input: unknown) => Promise<never>> {
  const handlers: Record<string, (input: unknown) => Promise<never>> = {}
  const kinds = new Map<string, { type: string; resource: string; resourceType?: string }>()
  for (const [name, state] of allStates(definition.States)) {
    if (state.Type !== 'Task') continue
    const integration = taskIntegration(state.Resource)
    if ('refused' in integration) continue
    kinds.set(
      name,
      integration.kind === 'lambda-arn'
        ? { type: 'LambdaFunctionTimedOut', resource: integration.functionArn }
        : {
            type: 'TaskTimedOut',
            resourceType: resourceTypeOf(state.Resource ?? ''),
            resource: resourceOf(state.Resource ?? ''),
          },
    )
    handlers[name] = async (input) => {
      // The interpreter's events (this state's entry, a retry) are dispatched before this call and taken a few
      // promise turns later: one event-loop turn later they all are, so this task's events follow them.
      await nextTurn()
      const task = recorder.claimTask(name)
      pending.set(name, task)
      try {
        return (await runTask(integration, input, services, task.record, signal)) as never
      } finally {
        if (pending.get(name) === task) pending.delete(name)
      }
    }
  }
  const pending = new Map<string, ReturnType<HistoryRecorder['claimTask']>>()
  recorder.onTaskTimeout((state) => {
    const kind = kinds.get(state)
    const task = pending.get(state)
    if (task !== undefined) recorder.timedOut(task)
    if (kind === undefined) return undefined
    return {
      type: kind.type,
      details:
        kind.type === 'LambdaFunctionTimedOut'
          ? {}
          : { resourceType: kind.resourceType ?? '', resource: kind.resource },
    }
  })
  return handlers
}

function resourceTypeOf(resource: string): string {
  return /^arn:[\w-]+:states:::([\w-]+):/.exec(resource)?.[1] ?? 'lambda'
}

function resourceOf(resource: string): string {
  return /^arn:[\w-]+:states:::[\w-]+:(.+)$/.exec(resource)?.[1] ?? 'invoke'
}

/**
 * How many items a Map state iterates over for its raw input: its InputPath, then its ItemsPath, when both are
 * plain paths (`$`, `$.a.b`, `$.a[0]`, `$['a']`); `undefined` otherwise (MapStateStarted then has no `length`).
 */
function mapItemsLength(definition: AslDefinition, map: string, raw: unknown): number | undefined {
  const state = allStates(definition.States).get(map)
  if (state === undefined) return undefined
  const input = plainPath(typeof state.InputPath === 'string' ? state.InputPath : '$', raw)
  if (input.found === false) return undefined
  const items = plainPath(typeof state.ItemsPath === 'string' ? state.ItemsPath : '$', input.value)
  return items.found && Array.isArray(items.value) ? items.value.length : undefined
}

function plainPath(path: string, value: unknown): { found: true; value: unknown } | { found: false } {
  if (!path.startsWith('$') || path.startsWith('$$')) return { found: false }
  let current = value
  const step = /^(?:\.([A-Za-z_][\w-]*)|\[(\d+)\]|\['([^']*)'\])/
  let rest = path.slice(1)
  while (rest !== '') {
    const match = step.exec(rest)
    if (match === null) return { found: false }
    const key = match[1] ?? match[3]
    if (key !== undefined) {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return { found: false }
      current = (current as Record<string, unknown>)[key]
    } else {
      if (!Array.isArray(current)) return { found: false }
      current = current[Number(match[2])]
    }
    rest = rest.slice(match[0].length)
  }
  return { found: true, value: current }
}
