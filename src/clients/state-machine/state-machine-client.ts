import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  type SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn'
import { ArgumentError, atUserLine, StakeoutError } from '../../errors.js'
import { callApi } from './api-call.js'
import { readClientOptions, type StateMachineClientOptions } from './client-options.js'
import { readHistory, readLogGroup } from './execution-log.js'
import {
  type ExecutionLog,
  isExecution,
  STATE_MACHINE,
  STATE_MACHINE_EXECUTION,
  type StartExecutionOptions,
  type StateMachine,
  type StateMachineDescription,
  type StateMachineExecution,
} from './handles.js'
import { LOGGING_FIX, readLogging } from './logging.js'
import { decodeOutput, nameOfExecution, startInput, startOptions } from './start-options.js'

/**
 * Starts and reads the executions of one Step Functions state machine, deployed or local. Usable from any runner or
 * script; in Vitest or Jest, `useStateMachine()` builds one for a machine of the target stack.
 *
 * Express machines keep no history in Step Functions: `logs()` reads their CloudWatch log group, so they must log at
 * level ALL with execution data (see `requireExecutionLogs`). Standard machines' `logs()` reads GetExecutionHistory.
 *
 * @example
 * const statement = new StateMachineClient({ stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Statement' })
 * const run = await statement.start({ accountId: 'acc-1' }, { wait: true })
 * if (run.status === 'FAILED') console.log(run.error, run.cause)
 * const { events } = await statement.logs(run)
 * statement.destroy()
 */
export class StateMachineClient implements StateMachine {
  readonly [STATE_MACHINE] = true as const
  readonly stateMachineArn: string
  readonly #sfn: SFNClient
  readonly #logs: CloudWatchLogsClient
  readonly #ownsSfn: boolean
  readonly #ownsLogs: boolean
  /** The type never changes: described once (again after a failed attempt). */
  #type: Promise<StateMachineDescription['type']> | undefined

  /**
   * @param options the machine and how to reach it (see {@link StateMachineClientOptions})
   * @throws {ArgumentError} an option is missing or malformed (named in the message)
   */
  constructor(options: StateMachineClientOptions) {
    const config = readClientOptions(options, StateMachineClient)
    this.stateMachineArn = config.stateMachineArn
    this.#ownsSfn = config.ownsSfn
    this.#ownsLogs = config.ownsLogs
    this.#sfn = config.sfn
    this.#logs = config.logs
  }

  /** `state machine Statement`. */
  get description(): string {
    return `state machine ${this.stateMachineArn.split(':')[6] ?? this.stateMachineArn}`
  }

  /**
   * Starts an execution. Without `wait` it resolves once the run started (StartExecution); with `wait: true`
   * (Express machines) it resolves when the run ended (StartSyncExecution), with `status`, `output` (decoded),
   * `error` and `cause`: a failed run resolves too. It rejects when the API refuses the request.
   *
   * @param input the execution's input, as JSON; none starts it with `{}`
   * @example
   * const run = await statement.start({ accountId: 'acc-1' }, { wait: true })
   * expect(run.status).toBe('SUCCEEDED')
   * expect(run.output).toEqual({ balance: 120 })
   */
  async start(input?: unknown, options: StartExecutionOptions = {}): Promise<StateMachineExecution> {
    const text = startInput(this.#label(), input, this.start)
    const { wait, name, signal } = startOptions(this.#label(), options, this.start)
    const request = { stateMachineArn: this.stateMachineArn, input: text, ...(name === undefined ? {} : { name }) }
    const abort = signal === undefined ? {} : { abortSignal: signal }
    if (wait) {
      const type = await this.#machineType(signal)
      if (type === 'STANDARD') {
        throw atUserLine(
          new StakeoutError(
            `${this.#label()}.start(input, { wait: true }): ${this.description} is a STANDARD machine, and ` +
              'StartSyncExecution runs Express machines only. Start it without wait and assert on the run with ' +
              'await expect(execution).toHaveLoggedExecution({ status, timeout }).',
          ),
          this.start,
        )
      }
      const out = await this.#send('start', () => this.#sfn.send(new StartSyncExecutionCommand(request), abort))
      const output = out.output === undefined ? undefined : decodeOutput(out.output)
      return this.#execution({
        executionArn: out.executionArn ?? '',
        name: out.name ?? nameOfExecution(out.executionArn ?? ''),
        startDate: out.startDate ?? new Date(),
        ...(out.status === undefined ? {} : { status: out.status }),
        ...(out.output === undefined ? {} : { output }),
        ...(out.error === undefined ? {} : { error: out.error }),
        ...(out.cause === undefined ? {} : { cause: out.cause }),
        ...(out.stopDate === undefined ? {} : { stopDate: out.stopDate }),
      })
    }
    const out = await this.#send('start', () => this.#sfn.send(new StartExecutionCommand(request), abort))
    const executionArn = out.executionArn ?? ''
    return this.#execution({
      executionArn,
      name: nameOfExecution(executionArn),
      startDate: out.startDate ?? new Date(),
    })
  }

  /**
   * DescribeStateMachine, read: the machine's type and logging (level, execution data, log group).
   *
   * @example
   * const { type, logging } = await statement.describe()
   * expect(logging).toMatchObject({ level: 'ALL', includeExecutionData: true })
   */
  async describe(options: { signal?: AbortSignal } = {}): Promise<StateMachineDescription> {
    const out = await this.#send('describe', () =>
      this.#sfn.send(
        new DescribeStateMachineCommand({ stateMachineArn: this.stateMachineArn }),
        options.signal === undefined ? {} : { abortSignal: options.signal },
      ),
    )
    const type = out.type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD'
    this.#type ??= Promise.resolve(type)
    return {
      stateMachineArn: out.stateMachineArn ?? this.stateMachineArn,
      name: out.name ?? this.stateMachineArn.split(':')[6] ?? '',
      type,
      logging: readLogging(out),
      ...(out.definition === undefined ? {} : { definition: out.definition }),
      ...(out.roleArn === undefined ? {} : { roleArn: out.roleArn }),
    }
  }

  /**
   * The events of one execution, in id order, every page read. For an Express machine: FilterLogEvents on the
   * machine's log group (from its logging configuration), `{ $.execution_arn = "<arn>" }`, from the execution's
   * start; `id`, `previous_event_id` and `event_timestamp` as numbers, `details.input` / `details.output` decoded,
   * `truncated` set where AWS cut a payload. For a Standard machine: GetExecutionHistory, in the same shape.
   * Events not delivered yet are not there: poll (as `toHaveLoggedExecution` does) until the terminal one is.
   *
   * @param execution what {@link start} returned, or an execution ARN (then the whole log group is searched)
   * @throws {StakeoutError} an Express machine that logs nowhere (no destination, or level OFF), saying how to fix it
   * @example
   * const { events, truncated } = await statement.logs(run)
   * expect(events.map((event) => event.type)).toContain('TaskStateEntered')
   */
  async logs(execution: StateMachineExecution | string, options: { signal?: AbortSignal } = {}): Promise<ExecutionLog> {
    const { executionArn, startDate } = this.#executionRef(execution)
    const signal = options?.signal
    const type = await this.#machineType(signal)
    return type === 'STANDARD'
      ? readHistory(this.#sfn, this.#send, executionArn, signal)
      : this.#logEvents(executionArn, startDate, signal)
  }

  /**
   * Stops a Standard execution that is still running (StopExecution); resolves `false` when it had ended already.
   * An Express execution cannot be stopped through the API: that rejects, saying so.
   *
   * @example
   * await statement.stop(run, { error: 'Test.Ended', cause: 'the test ended' })
   */
  async stop(
    execution: StateMachineExecution | string,
    options: { error?: string; cause?: string; signal?: AbortSignal } = {},
  ): Promise<boolean> {
    const { executionArn } = this.#executionRef(execution)
    const abort = options.signal === undefined ? {} : { abortSignal: options.signal }
    if ((await this.#machineType(options.signal)) === 'EXPRESS') {
      throw atUserLine(
        new StakeoutError(
          `${this.#label()}.stop: ${executionArn} is an Express execution, and StopExecution stops Standard ` +
            'executions only: it ends by itself within the machine\u2019s timeout (5 minutes at most).',
        ),
        this.stop,
      )
    }
    const described = await this.#send('stop', () =>
      this.#sfn.send(new DescribeExecutionCommand({ executionArn }), abort),
    )
    if (described.status !== 'RUNNING') return false
    await this.#send('stop', () =>
      this.#sfn.send(
        new StopExecutionCommand({
          executionArn,
          ...(options.error === undefined ? {} : { error: options.error }),
          ...(options.cause === undefined ? {} : { cause: options.cause }),
        }),
        abort,
      ),
    )
    return true
  }

  /**
   * Closes the connections of the clients this client made (clients given as options are yours to close).
   *
   * @example
   * afterAll(() => statement.destroy())
   */
  destroy(): void {
    if (this.#ownsSfn) this.#sfn.destroy()
    if (this.#ownsLogs) this.#logs.destroy()
  }

  async #logEvents(executionArn: string, startDate: Date | undefined, signal?: AbortSignal): Promise<ExecutionLog> {
    const { logging } = await this.describe(signal === undefined ? {} : { signal })
    const logGroupName = logging.logGroupName
    if (logGroupName === undefined || logging.level === 'OFF') {
      const why = logGroupName === undefined ? 'has no log destination' : 'logs at level OFF'
      throw atUserLine(
        new StakeoutError(
          `${this.#label()}.logs: ${this.description} ${why}, so its Express executions are recorded nowhere ` +
            `(Express workflows keep no execution history in Step Functions). Fix: ${LOGGING_FIX}.`,
        ),
        this.logs,
      )
    }
    return readLogGroup(this.#logs, this.#send, { logGroupName, logging, executionArn, startDate, signal })
  }

  #machineType(signal: AbortSignal | undefined): Promise<StateMachineDescription['type']> {
    const type = this.#type ?? this.describe(signal === undefined ? {} : { signal }).then((described) => described.type)
    this.#type = type
    type.catch(() => {
      if (this.#type === type) this.#type = undefined
    })
    return type
  }

  #execution(fields: {
    executionArn: string
    name: string
    startDate: Date
    status?: string
    output?: unknown
    error?: string
    cause?: string
    stopDate?: Date
  }): StateMachineExecution {
    const { status, ...rest } = fields
    const machine = this.stateMachineArn.split(':')[6] ?? this.stateMachineArn
    const execution: StateMachineExecution = Object.freeze({
      [STATE_MACHINE_EXECUTION]: true as const,
      stateMachineArn: this.stateMachineArn,
      description: `execution ${fields.name} of ${machine}`,
      ...rest,
      ...(status === 'SUCCEEDED' || status === 'FAILED' || status === 'TIMED_OUT' ? { status } : {}),
      logs: (options?: { signal?: AbortSignal }) => this.logs(execution, options),
    })
    return execution
  }

  #executionRef(execution: unknown): { executionArn: string; startDate?: Date } {
    if (typeof execution === 'string' && /^arn:aws[a-z-]*:states:[^:]+:\d{12}:(?:express|execution):/.test(execution)) {
      return { executionArn: execution }
    }
    if (isExecution(execution)) return { executionArn: execution.executionArn, startDate: execution.startDate }
    throw atUserLine(
      new ArgumentError(
        `${this.#label()}.logs`,
        'execution',
        'what start() returned, or an execution ARN (arn:aws:states:…:express:… or …:execution:…)',
        execution,
      ),
      this.logs,
    )
  }

  /** Runs one API call; a refusal becomes a {@link StakeoutError} saying which call, of which machine, and why. */
  #send = <T>(method: string, call: () => Promise<T>, api?: string): Promise<T> =>
    callApi(this.#label(), method, call, api)

  #label(): string {
    return `StateMachineClient(${this.stateMachineArn.split(':')[6] ?? this.stateMachineArn})`
  }
}
