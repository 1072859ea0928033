import type { EventDetails, HistoryEvent } from './history.js'

/**
 * The part of an aws-local-stepfunctions event log entry the recorder reads (its `EventLog` union, loosely).
 *
 * @example
 * for await (const event of run.eventLogs) recorder.take(event as InterpreterEvent)
 */
export interface InterpreterEvent {
  readonly type: string
  readonly timestamp: number
  readonly input?: unknown
  readonly output?: unknown
  readonly Error?: string
  readonly Cause?: unknown
  readonly index?: number
  readonly state?: { readonly name: string; readonly type: string; readonly input?: unknown; readonly output?: unknown }
  readonly parentState?: { readonly name: string; readonly type: string; readonly input?: unknown }
}

interface Thread {
  /** The id of its last event: the `previousEventId` of its next. */
  last: number
  /** A Task state of this thread whose resource is about to be called (entered or retried, not yet claimed). */
  awaitingTask?: string
  /** A state whose error a Catch caught: the interpreter then reports it exited, Step Functions records no exit. */
  caught?: string
}

/**
 * Turns aws-local-stepfunctions' event log into Step Functions' history events, numbering them and linking each to
 * the one before it in its thread (the execution, or one Map iteration), and takes the task events the task
 * handlers record at the right place.
 *
 * The mapping: ExecutionStarted/Succeeded/Failed/Aborted and ExecutionTimeout → Execution*, StateEntered /
 * StateExited → `<Type>StateEntered` / `<Type>StateExited` (a Fail state has no exit), MapIterationStarted /
 * Succeeded / Failed as they are, with `MapStateStarted` (its `length` when the items path is a plain one) and
 * `MapStateSucceeded` / `MapStateFailed` around them, `ParallelStateStarted` / `ParallelStateSucceeded` /
 * `ParallelStateFailed` once per Parallel state; a Task's StateFailed of `States.Timeout` → LambdaFunctionTimedOut or
 * TaskTimedOut. The task handlers record LambdaFunctionScheduled/Started/Succeeded/Failed and TaskScheduled/Started/
 * Submitted/Succeeded/Failed themselves.
 *
 * Not produced, because the interpreter does not give them: the `*Aborted` events of states and Map iterations
 * (an aborted execution logs ExecutionAborted only), LambdaFunctionScheduleFailed / StartFailed, TaskStartFailed /
 * TaskSubmitFailed, WaitStateAborted, and MapIterationAborted for the iterations a failed Map stops.
 *
 * @example
 * const recorder = new HistoryRecorder((event) => console.log(event.type), () => undefined, roleArn)
 * for await (const event of run.eventLogs) recorder.take(event as InterpreterEvent)
 */
export class HistoryRecorder {
  readonly events: HistoryEvent[] = []
  readonly #threads = new Map<string, Thread>()
  readonly #mapLength = new Map<string, number | undefined>()
  readonly #parallelStarted = new Set<string>()
  readonly #emit: (event: HistoryEvent) => void
  readonly #mapItemsLength: (mapState: string, input: unknown) => number | undefined
  readonly #roleArn: string
  #timedOutTasks = new Set<string>()

  /**
   * @param emit called with each event as it is recorded (the log writer)
   * @param mapItemsLength the number of items a Map state iterates over for its raw input, when it can be known
   */
  constructor(
    emit: (event: HistoryEvent) => void,
    mapItemsLength: (mapState: string, input: unknown) => number | undefined,
    roleArn: string,
  ) {
    this.#emit = emit
    this.#mapItemsLength = mapItemsLength
    this.#roleArn = roleArn
    this.#threads.set(ROOT, { last: 0 })
  }

  /** The error and cause StopExecution gave, for the ExecutionAborted event. */
  abortDetails: EventDetails = {}

  /** Takes one event of the interpreter's log. */
  take(event: InterpreterEvent): void {
    const thread = event.index === undefined || event.type.startsWith('MapIteration') ? ROOT : `${event.index}`
    switch (event.type) {
      case 'ExecutionStarted':
        this.#add(ROOT, 'ExecutionStarted', event.timestamp, { input: event.input, roleArn: this.#roleArn })
        // Step Functions links the first state's entry to 0, not to ExecutionStarted (as its histories show).
        this.#thread(ROOT).last = 0
        return
      case 'ExecutionSucceeded':
        this.#add(ROOT, 'ExecutionSucceeded', event.timestamp, { output: event.output })
        return
      case 'ExecutionFailed':
        this.#add(ROOT, 'ExecutionFailed', event.timestamp, errorDetails(event))
        return
      case 'ExecutionAborted':
        this.#add(ROOT, 'ExecutionAborted', event.timestamp, this.abortDetails)
        return
      case 'ExecutionTimeout':
        this.#add(ROOT, 'ExecutionTimedOut', event.timestamp, {
          error: 'States.Timeout',
          cause: 'The execution timed out (the definition’s TimeoutSeconds passed).',
        })
        return
      case 'MapIterationStarted': {
        const map = event.parentState?.name ?? ''
        this.#mapStarted(map, event.timestamp)
        // Each iteration starts from the Map state's MapStateStarted, in a thread of its own.
        this.#threads.set(`${event.index}`, { last: this.#thread(ROOT).last })
        this.#add(`${event.index}`, 'MapIterationStarted', event.timestamp, { name: map, index: event.index ?? 0 })
        return
      }
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const iteration = this.#thread(`${event.index}`)
        this.#add(`${event.index}`, event.type, event.timestamp, {
          name: event.parentState?.name ?? '',
          index: event.index ?? 0,
        })
        this.#thread(ROOT).last = iteration.last
        return
      }
      case 'ParallelBranchStarted': {
        const parallel = event.parentState?.name ?? ''
        if (!this.#parallelStarted.has(parallel)) {
          this.#parallelStarted.add(parallel)
          this.#add(ROOT, 'ParallelStateStarted', event.timestamp, {})
        }
        return
      }
      case 'ParallelBranchSucceeded':
      case 'ParallelBranchFailed':
        return
      case 'StateEntered':
        this.#entered(thread, event)
        return
      case 'StateExited':
        this.#exited(thread, event)
        return
      case 'StateFailed':
        this.#failed(thread, event)
        return
      case 'StateRetried':
        if (event.state?.type === 'Task') this.#thread(thread).awaitingTask = event.state.name
        return
      case 'StateCaught':
        // Step Functions records no event for the catch, nor the state's exit: the next state's entry follows.
        if (event.state !== undefined) this.#thread(thread).caught = event.state.name
        return
      default:
        return
    }
  }

  /**
   * Claims the thread of a Task state whose resource is being called (entered or retried and not yet claimed), so
   * its task events are recorded there. Call it once the interpreter's events before the call were taken.
   */
  claimTask(state: string): TaskThread {
    let key = ROOT
    for (const [each, thread] of this.#threads) {
      if (thread.awaitingTask === state) {
        key = each
        break
      }
    }
    const thread = this.#thread(key)
    delete thread.awaitingTask
    const attempt = `${key}\n${state}\n${this.events.length}`
    return {
      record: (type, details) => {
        // A task the interpreter timed out may still answer: what it says then is not history.
        if (this.#timedOutTasks.has(attempt)) return
        this.#add(key, type, Date.now(), details)
      },
      attempt,
    }
  }

  /** Marks a claimed attempt as timed out by the interpreter (its later events are dropped). */
  timedOut(task: TaskThread): void {
    this.#timedOutTasks.add(task.attempt)
  }

  #entered(thread: string, event: InterpreterEvent): void {
    const state = event.state
    if (state === undefined) return
    this.#add(thread, `${state.type}StateEntered`, event.timestamp, { name: state.name, input: state.input })
    if (state.type === 'Task') this.#thread(thread).awaitingTask = state.name
    if (state.type === 'Map') this.#mapLength.set(state.name, this.#mapItemsLength(state.name, state.input))
    if (state.type === 'Parallel') this.#parallelStarted.delete(state.name)
  }

  #exited(thread: string, event: InterpreterEvent): void {
    const state = event.state
    if (state === undefined || state.type === 'Fail') return
    const caught = this.#thread(thread)
    if (caught.caught === state.name) {
      delete caught.caught
      return
    }
    if (state.type === 'Map') {
      this.#mapStarted(state.name, event.timestamp)
      this.#add(thread, 'MapStateSucceeded', event.timestamp, {})
    }
    if (state.type === 'Parallel') this.#add(thread, 'ParallelStateSucceeded', event.timestamp, {})
    this.#add(thread, `${state.type}StateExited`, event.timestamp, { name: state.name, output: state.output })
  }

  #failed(thread: string, event: InterpreterEvent): void {
    const state = event.state
    if (state === undefined) return
    if (state.type === 'Map') {
      this.#mapStarted(state.name, event.timestamp)
      this.#add(thread, 'MapStateFailed', event.timestamp, {})
    } else if (state.type === 'Parallel') {
      this.#add(thread, 'ParallelStateFailed', event.timestamp, {})
    } else if (state.type === 'Task' && event.Error === 'States.Timeout') {
      this.#onTaskTimeout?.(thread, state.name, event)
    }
  }

  /** Set by the execution: records the timeout event of the task a thread was running (its kind decides the type). */
  #onTaskTimeout?: (thread: string, state: string, event: InterpreterEvent) => void

  /** How a Task's timeout is recorded: `LambdaFunctionTimedOut` or `TaskTimedOut` with its resource. */
  onTaskTimeout(handler: (state: string) => { type: string; details: EventDetails } | undefined): void {
    this.#onTaskTimeout = (thread, state, event) => {
      const recorded = handler(state)
      if (recorded === undefined) return
      this.#add(thread, recorded.type, event.timestamp, {
        ...recorded.details,
        error: 'States.Timeout',
        cause: typeof event.Cause === 'string' ? event.Cause : 'Task timed out.',
      })
    }
  }

  /** MapStateStarted once per entry of a Map state, before its first iteration (or its end, with no items). */
  #mapStarted(map: string, timestamp: number): void {
    if (!this.#mapLength.has(map)) return
    const length = this.#mapLength.get(map)
    this.#mapLength.delete(map)
    this.#add(ROOT, 'MapStateStarted', timestamp, length === undefined ? {} : { length })
  }

  #thread(key: string): Thread {
    let thread = this.#threads.get(key)
    if (thread === undefined) {
      thread = { last: this.#threads.get(ROOT)?.last ?? 0 }
      this.#threads.set(key, thread)
    }
    return thread
  }

  #add(threadKey: string, type: string, timestamp: number, details: EventDetails): number {
    const thread = this.#thread(threadKey)
    const event: HistoryEvent = {
      id: this.events.length + 1,
      previousEventId: thread.last,
      type,
      timestamp,
      details,
    }
    this.events.push(event)
    thread.last = event.id
    this.#emit(event)
    return event.id
  }
}

/**
 * A Task attempt's place in the history: where its resource's events go.
 *
 * @example
 * const task: TaskThread = recorder.claimTask('Score')
 * task.record('LambdaFunctionStarted', {})
 */
export interface TaskThread {
  record(type: string, details: EventDetails): void
  readonly attempt: string
}

const ROOT = 'execution'

function errorDetails(event: InterpreterEvent): EventDetails {
  const cause =
    typeof event.Cause === 'string' ? event.Cause : event.Cause === undefined ? undefined : String(event.Cause)
  return {
    ...(event.Error === undefined || event.Error === 'FailStateError' ? {} : { error: event.Error }),
    ...(cause === undefined || cause === 'Execution failed because of a Fail state' ? {} : { cause }),
  }
}
