import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn'
import { ArgumentError, atUserLine, describeValue, failArgument, StakeoutError } from '../../errors.js'
import type { ClientSettings } from '../../target/index.js'
import { sdkClientConfig } from '../sdk-config.js'
import { type ExecutionStatus, historyToEvents } from './execution-events.js'
import {
  type CloudWatchLogEvent,
  type ExpressLogEvent,
  parseExpressLogEvents,
  type SkippedLogMessage,
} from './log-events.js'
import { LOGGING_FIX, readLogging, type StateMachineLogging } from './logging.js'

/**
 * The brand of a state machine: a {@link StateMachineClient} or what `useStateMachine()` returns. It is what
 * `toHaveLoggedExecution` accepts as a machine (and what its typings check).
 */
export const STATE_MACHINE: unique symbol = Symbol.for('stakeout.stateMachine') as never
/** The brand of an execution handle ({@link StateMachineExecution}). */
export const STATE_MACHINE_EXECUTION: unique symbol = Symbol.for('stakeout.stateMachineExecution') as never

/** A state machine, as `toHaveLoggedExecution` reads it. */
export interface StateMachine {
  readonly [STATE_MACHINE]: true
  readonly stateMachineArn: string
  /** Names it in failure messages: `state machine MonthlyStatement`. */
  readonly description: string
  /** DescribeStateMachine: its type and logging. */
  describe(options?: { signal?: AbortSignal }): Promise<StateMachineDescription>
}

/** Options of {@link StateMachineClient}: the machine, and how to reach Step Functions and CloudWatch Logs. */
export interface StateMachineClientOptions extends ClientSettings {
  /** The machine's ARN (`arn:aws:states:<region>:<account>:stateMachine:<name>`). Its region is the default region. */
  readonly stateMachineArn: string
  /**
   * The CloudWatch Logs endpoint, when it is not the SDK's own (a local target serves Step Functions and Logs on
   * two endpoints: `clientSettings('logs').endpoint`). Region and credentials are those given for Step Functions.
   * @default the SDK's chain (`AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`, or AWS)
   */
  readonly logsEndpoint?: string
  /** A Step Functions client to use; not with `region`, `endpoint` or `credentials`. @default a new client from those */
  readonly sfn?: SFNClient
  /** A CloudWatch Logs client to use; not with `logsEndpoint`. @default a new client from the settings above */
  readonly cloudWatchLogs?: CloudWatchLogsClient
  /**
   * Keep the SDK from putting StartSyncExecution's `sync-` host prefix before the endpoint's host (a local target's
   * `clientSettings('sfn')` sets it). @default true with an `endpoint`, else false
   */
  readonly disableHostPrefix?: boolean
}

/** Options of one {@link StateMachineClient.start}. */
export interface StartExecutionOptions {
  /**
   * Wait for the end: StartSyncExecution (Express machines only), which answers when the run ended, with its
   * `status`, `output`, `error` and `cause`. A failed run resolves too: read `status`.
   * @default false (StartExecution: resolves once the run started)
   */
  readonly wait?: boolean
  /** The execution's name (1 to 80 characters, no whitespace, brackets, wildcards or `"#%\^|~`$&,;:/`). @default a UUID */
  readonly name?: string
  /** Aborts the request (the execution itself runs on). */
  readonly signal?: AbortSignal
}

/** An execution that {@link StateMachineClient.start} started: what the API answered, and its logs on demand. */
export interface StateMachineExecution {
  readonly [STATE_MACHINE_EXECUTION]: true
  readonly executionArn: string
  readonly stateMachineArn: string
  /** The execution's name (the name given, or the UUID Step Functions chose). */
  readonly name: string
  readonly startDate: Date
  /** Names it in failure messages: `execution run-1 of MonthlyStatement`. */
  readonly description: string
  /** How it ended: set when started with `wait: true` (StartSyncExecution answers 200 for a failed run too). */
  readonly status?: Exclude<ExecutionStatus, 'ABORTED'>
  /** The decoded output of a succeeded run (its JSON text when it does not parse), when waited. */
  readonly output?: unknown
  /** The error and cause of a failed or timed-out run, when waited. */
  readonly error?: string
  readonly cause?: string
  readonly stopDate?: Date
  /** The execution's events, from the machine's logs (Express) or its history (Standard). See {@link StateMachineClient.logs}. */
  logs(options?: { signal?: AbortSignal }): Promise<ExecutionLog>
}

/** DescribeStateMachine, read. */
export interface StateMachineDescription {
  readonly stateMachineArn: string
  readonly name: string
  readonly type: 'STANDARD' | 'EXPRESS'
  readonly logging: StateMachineLogging
  /** The Amazon States Language definition (JSON text). */
  readonly definition?: string
  readonly roleArn?: string
}

/** What {@link StateMachineClient.logs} returns: one execution's events, in id order. */
export interface ExecutionLog {
  readonly executionArn: string
  /** Where the events came from: the machine's CloudWatch log group (Express), or GetExecutionHistory (Standard). */
  readonly source: 'cloudwatch-logs' | 'execution-history'
  /** The log group read (source `cloudwatch-logs`). */
  readonly logGroupName?: string
  /** The machine's logging when it was read (source `cloudwatch-logs`): why a run may be missing from its logs. */
  readonly logging?: StateMachineLogging
  /** The events, in id order: numbers for ids and timestamps, input and output decoded. */
  readonly events: ExpressLogEvent[]
  /** Log messages of the execution that are not history events, with why. */
  readonly skipped: SkippedLogMessage[]
  /** AWS truncated a payload of some event (over 248 KB of escaped text): that payload's text is a prefix, not JSON. */
  readonly truncated: boolean
  /** How many API pages were read. */
  readonly pages: number
}

const OPTION_KEYS: readonly string[] = [
  'stateMachineArn',
  'logsEndpoint',
  'sfn',
  'cloudWatchLogs',
  'region',
  'endpoint',
  'credentials',
  'disableHostPrefix',
]
const START_KEYS: readonly string[] = ['wait', 'name', 'signal']
/** `arn:aws:states:eu-west-1:123456789012:stateMachine:Name`, with an optional version or alias. */
const MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:\s]+(?::[^:\s]+)?$/
/** Execution names (StartExecution's `name`): 1 to 80 characters, none of these. */
const BAD_NAME_CHARACTER = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]/u
/** Log events before the start are not this execution's; a little earlier absorbs rounding of the start date. */
const START_SLACK_MS = 1000

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
    const fail = (argument: string, expectation: string, received: unknown): never =>
      failArgument(StateMachineClient, 'StateMachineClient', argument, expectation, received)
    if (options === null || typeof options !== 'object') fail('options', 'an object like { stateMachineArn }', options)
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.includes(key)) fail(`options.${key}`, `absent (one of ${OPTION_KEYS.join(', ')})`, key)
    }
    const { stateMachineArn, logsEndpoint, sfn, cloudWatchLogs, region, endpoint, credentials, disableHostPrefix } =
      options
    if (typeof stateMachineArn !== 'string' || !MACHINE_ARN.test(stateMachineArn)) {
      fail(
        'options.stateMachineArn',
        "a state machine ARN such as 'arn:aws:states:eu-west-1:123456789012:stateMachine:Statement'",
        stateMachineArn,
      )
    }
    for (const [key, value] of [
      ['endpoint', endpoint],
      ['logsEndpoint', logsEndpoint],
    ] as const) {
      if (value !== undefined && (typeof value !== 'string' || !URL.canParse(value))) {
        fail(`options.${key}`, 'a URL such as http://127.0.0.1:9001', value)
      }
    }
    if (region !== undefined && (typeof region !== 'string' || region.trim() === '')) {
      fail('options.region', 'a region such as eu-west-1', region)
    }
    if (
      credentials !== undefined &&
      (credentials === null ||
        typeof credentials !== 'object' ||
        typeof credentials.accessKeyId !== 'string' ||
        typeof credentials.secretAccessKey !== 'string')
    ) {
      fail('options.credentials', 'an object { accessKeyId, secretAccessKey, sessionToken? } of strings', credentials)
    }
    if (disableHostPrefix !== undefined && typeof disableHostPrefix !== 'boolean') {
      fail('options.disableHostPrefix', 'a boolean', disableHostPrefix)
    }
    if (sfn !== undefined && typeof (sfn as { send?: unknown }).send !== 'function') {
      fail('options.sfn', 'an SFNClient from @aws-sdk/client-sfn', sfn)
    }
    if (cloudWatchLogs !== undefined && typeof (cloudWatchLogs as { send?: unknown }).send !== 'function') {
      fail('options.cloudWatchLogs', 'a CloudWatchLogsClient from @aws-sdk/client-cloudwatch-logs', cloudWatchLogs)
    }
    if (sfn !== undefined && (endpoint !== undefined || region !== undefined || credentials !== undefined)) {
      fail('options.sfn', 'absent when endpoint, region or credentials are given (configure your client instead)', sfn)
    }
    if (cloudWatchLogs !== undefined && logsEndpoint !== undefined) {
      fail(
        'options.cloudWatchLogs',
        'absent when logsEndpoint is given (configure your client instead)',
        cloudWatchLogs,
      )
    }
    this.stateMachineArn = stateMachineArn
    // The ARN names the machine's region: the default, so a bare ARN reaches it.
    const settings = {
      region: region ?? stateMachineArn.split(':')[3] ?? '',
      ...(credentials === undefined ? {} : { credentials }),
    }
    this.#ownsSfn = sfn === undefined
    this.#ownsLogs = cloudWatchLogs === undefined
    this.#sfn =
      sfn ??
      new SFNClient({
        ...sdkClientConfig({ ...settings, ...(endpoint === undefined ? {} : { endpoint }) }),
        // StartSyncExecution prefixes the host with `sync-`: a local endpoint (127.0.0.1) has no such host.
        disableHostPrefix: disableHostPrefix ?? endpoint !== undefined,
      })
    this.#logs =
      cloudWatchLogs ??
      new CloudWatchLogsClient(
        sdkClientConfig({ ...settings, ...(logsEndpoint === undefined ? {} : { endpoint: logsEndpoint }) }),
      )
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
    const text = this.#input(input)
    const { wait, name, signal } = this.#startOptions(options)
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
      const output = out.output === undefined ? undefined : decode(out.output)
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
    return type === 'STANDARD' ? this.#history(executionArn, signal) : this.#logEvents(executionArn, startDate, signal)
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
    const messages: CloudWatchLogEvent[] = []
    let nextToken: string | undefined
    let pages = 0
    do {
      const page = await this.#send(
        'logs',
        () =>
          this.#logs.send(
            new FilterLogEventsCommand({
              logGroupName,
              filterPattern: `{ $.execution_arn = "${executionArn}" }`,
              ...(startDate === undefined ? {} : { startTime: startDate.getTime() - START_SLACK_MS }),
              ...(nextToken === undefined ? {} : { nextToken }),
            }),
            signal === undefined ? {} : { abortSignal: signal },
          ),
        'CloudWatch Logs',
      )
      pages += 1
      messages.push(...(page.events ?? []))
      // An empty page with a token is not the end (the API reference says so): only a missing token is.
      nextToken = page.nextToken
    } while (nextToken !== undefined && nextToken !== '')
    const parsed = parseExpressLogEvents(messages)
    const events = parsed.events.filter((event) => event.executionArn === executionArn)
    return {
      executionArn,
      source: 'cloudwatch-logs',
      logGroupName,
      logging,
      events,
      skipped: parsed.skipped,
      truncated: events.some(isTruncated),
      pages,
    }
  }

  async #history(executionArn: string, signal?: AbortSignal): Promise<ExecutionLog> {
    const history: HistoryEvent[] = []
    let nextToken: string | undefined
    let pages = 0
    do {
      const page = await this.#send('logs', () =>
        this.#sfn.send(
          new GetExecutionHistoryCommand({
            executionArn,
            includeExecutionData: true,
            ...(nextToken === undefined ? {} : { nextToken }),
          }),
          signal === undefined ? {} : { abortSignal: signal },
        ),
      )
      pages += 1
      history.push(...(page.events ?? []))
      nextToken = page.nextToken
    } while (nextToken !== undefined && nextToken !== '')
    const events = historyToEvents(executionArn, history)
    return {
      executionArn,
      source: 'execution-history',
      events,
      skipped: [],
      truncated: events.some(isTruncated),
      pages,
    }
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

  #input(input: unknown): string {
    if (input === undefined) return '{}'
    let json: string | undefined
    try {
      json = JSON.stringify(input)
    } catch (error) {
      throw atUserLine(
        new ArgumentError(`${this.#label()}.start`, 'input', `JSON (${(error as Error).message})`, input),
        this.start,
      )
    }
    if (json === undefined) {
      throw atUserLine(
        new ArgumentError(
          `${this.#label()}.start`,
          'input',
          'a JSON value: an object, array, string, number, boolean or null',
          input,
        ),
        this.start,
      )
    }
    return json
  }

  #startOptions(options: unknown): { wait: boolean; name?: string; signal?: AbortSignal } {
    const fail = (argument: string, expectation: string, received: unknown): never => {
      throw atUserLine(new ArgumentError(`${this.#label()}.start`, argument, expectation, received), this.start)
    }
    if (options === null || typeof options !== 'object') fail('options', 'an object like { wait, name }', options)
    const record = options as Record<string, unknown>
    for (const key of Object.keys(record)) {
      if (!START_KEYS.includes(key)) fail(`options.${key}`, `absent (one of ${START_KEYS.join(', ')})`, record[key])
    }
    const { wait, name, signal } = record
    if (wait !== undefined && typeof wait !== 'boolean') fail('options.wait', 'a boolean', wait)
    if (
      name !== undefined &&
      (typeof name !== 'string' || name.length < 1 || name.length > 80 || BAD_NAME_CHARACTER.test(name))
    ) {
      fail('options.name', '1 to 80 characters without whitespace, brackets, wildcards or "#%\\^|~`$&,;:/', name)
    }
    if (signal !== undefined && !(signal instanceof AbortSignal)) fail('options.signal', 'an AbortSignal', signal)
    return {
      wait: wait === true,
      ...(name === undefined ? {} : { name: name as string }),
      ...(signal === undefined ? {} : { signal: signal as AbortSignal }),
    }
  }

  /** Runs one API call; a refusal becomes a {@link StakeoutError} saying which call, of which machine, and why. */
  async #send<T>(method: string, call: () => Promise<T>, api = 'Step Functions'): Promise<T> {
    try {
      return await call()
    } catch (error) {
      if (!(error instanceof Error))
        throw new StakeoutError(`${this.#label()}.${method} failed: ${describeValue(error)}`)
      if (error.name === 'AbortError' || error instanceof StakeoutError) throw error
      const hint =
        error.name === 'StateMachineDoesNotExist'
          ? ' Check the ARN, and that the client reaches the region or endpoint the machine lives in.'
          : error.name === 'ResourceNotFoundException'
            ? ' The log group does not exist (yet): Step Functions creates no log group, the stack must.'
            : error.name === 'StateMachineTypeNotSupported'
              ? ' StartSyncExecution runs Express machines only.'
              : ''
      const code = (error as { code?: unknown }).code
      if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
        // No answer at all (ECONNREFUSED, ENOTFOUND): the endpoint is wrong or down, not the request.
        throw new StakeoutError(
          `${this.#label()}.${method}: could not reach the ${api} API (${code}: ${error.message}). Check the ` +
            'endpoint and region the client was given, or that the local app is up.',
          { cause: error },
        )
      }
      throw new StakeoutError(
        `${this.#label()}.${method}: the ${api} API answered ${error.name}: ${error.message}.${hint}`,
        { cause: error },
      )
    }
  }

  #label(): string {
    return `StateMachineClient(${this.stateMachineArn.split(':')[6] ?? this.stateMachineArn})`
  }
}

/**
 * True when `value` is a state machine: a {@link StateMachineClient} or what `useStateMachine()` returns.
 *
 * @example
 * if (isStateMachine(received)) await received.describe()
 */
export function isStateMachine(value: unknown): value is StateMachine {
  return (
    value !== null &&
    typeof value === 'object' &&
    (value as Record<symbol, unknown>)[STATE_MACHINE] === true &&
    typeof (value as { describe?: unknown }).describe === 'function'
  )
}

/**
 * True when `value` is an execution handle, as {@link StateMachineClient.start} returns it.
 *
 * @example
 * if (isExecution(received)) await received.logs()
 */
export function isExecution(value: unknown): value is StateMachineExecution {
  return (
    value !== null &&
    typeof value === 'object' &&
    (value as Record<symbol, unknown>)[STATE_MACHINE_EXECUTION] === true &&
    typeof (value as { logs?: unknown }).logs === 'function' &&
    typeof (value as { executionArn?: unknown }).executionArn === 'string'
  )
}

function isTruncated(event: ExpressLogEvent): boolean {
  return event.details.input?.truncated === true || event.details.output?.truncated === true
}

/** An output's JSON text, decoded; kept as text when it does not parse. */
function decode(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** The name in `arn:aws:states:<region>:<account>:execution:<machine>:<name>` (`express:<machine>:<name>:<id>`). */
function nameOfExecution(executionArn: string): string {
  return executionArn.split(':')[7] ?? executionArn
}
