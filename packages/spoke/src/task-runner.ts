import { setMaxListeners } from 'node:events';
import { killCoprocesses } from './internal/kill-coprocesses.js';
import { SPMError, SPMTaskEval, SPMTaskLoad, toWire } from '@spm/exceptions';
import { findClosure, requireClosure, runInSequence, SequenceMachine } from '@spm/sequence';
import { PROTOCOL_VERSION, type Channel, type Message, type NextTaskMessage, type ReplyMessage, type TaskMessage, type WireValue } from '@spm/transport';
import type { EvaluationContext } from './evaluation-context.js';
import { isSpokeThread } from './internal/spoke-thread.js';
import { whyUnsendable } from './internal/unsendable-value.js';
import { returnedUnsendable } from './returned-unsendable.js';
import { loadModule } from './module-loader.js';
import { isSpokeClosure, type SpokeClosure } from './spoke-closure.js';

/** Who the runner evaluates as. */
export interface TaskRunnerIdentity {
  /** The spoke's id in the tracker. */
  readonly spokeId: string;
  /** The spoke's server (host name). */
  readonly host: string;
}

/** Options of a {@link TaskRunner}. */
export interface TaskRunnerOptions {
  /**
   * The runner shares its thread with a hub (an `inproc` spoke): it lets the event loop turn
   * before each task, so that the hub hears its other spokes and fires its timers while this
   * spoke has tasks queued. Without it, a run of synchronous tasks on an inproc spoke was one
   * chain of microtasks (task, report, next task…) that held the thread to its end.
   */
  readonly sharesThread?: boolean;
  /**
   * The runner is an evaluator thread whose frames the spoke agent's thread relays to the hub
   * (process and TCP spokes): element 0 counts the `status` frames the agent has written out
   * (see {@link SpokeAgent}). After a task of 1 ms or more, with a next task queued, the runner
   * waits (at most {@link RELAY_WAIT_MS}) until its report is out before it begins the next: a
   * next task that kills the spoke process must not take the finished one's report with it.
   */
  readonly relayed?: Int32Array;
  /**
   * Set (element 0 not 0) by whoever stops this spoke from another thread (a local provisioner
   * stopping a thread spoke) before it closes the channel: read before each task begins, so that
   * none begins once the stop was asked. The close comes as a message, heard only when the event
   * loop turns — and a thread held in `execSync` whose program the stop ended returned into the
   * next queued task first: a task the hub had already reported dropped ran, twice at once with
   * its new attempt, and held the stop for as long as its program ran (until session 46).
   */
  readonly halt?: Int32Array;
}

/**
 * The longest an evaluator waits for the agent to write a finished task's report out: the agent
 * answers in microseconds, and a report of megabytes is in the kernel within milliseconds while
 * the hub reads; the bound is for an agent that cannot answer.
 */
const RELAY_WAIT_MS = 200;

/** Whether `promise` settles within `ms` (it must not reject); the timer is cleared either way. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * How long a stopping spoke gives its evaluations to end once their signal (`ctx.signal`) has
 * aborted: a coprocess started with that signal gets SIGTERM at once and SIGKILL after its grace
 * period (`killGraceMs`, 2 s by default), and a `trap … TERM` cleanup runs meanwhile. Past this
 * bound the spoke SIGKILLs the coprocesses still running (a longer grace is cut short) and stops
 * waiting for evaluations that ignore the signal. Provisioners wait a little longer than this
 * for a stopping spoke before they end it by force.
 */
export const STOP_GRACE_MS = 2500;

interface PendingRequest {
  resolve(value: WireValue): void;
  reject(error: Error): void;
}

/** A closure as a `task` named it: what the `next-task`s after it on the channel evaluate. */
interface Naming {
  readonly module: string;
  readonly signature: string;
  readonly preload: readonly string[];
  /** The closure, once loaded: later tasks of this naming load nothing. */
  closure: SpokeClosure | undefined;
}

/** A task attempt waiting in the runner's queue, with the closure naming it refers to. */
interface QueuedTask {
  readonly taskId: string | number;
  readonly attempt: number;
  readonly record: WireValue;
  readonly reportStart: boolean;
  /** Undefined for a `next-task` that arrived before any `task` named a closure. */
  readonly naming: Naming | undefined;
  /** The runner's count of `cancel`s when the task arrived: one that came since finds it not begun. */
  readonly cancels: number;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** A task of a pipelined closure whose evaluation has begun. */
interface Begun {
  readonly task: QueuedTask;
  readonly key: string;
  /** Set when the evaluation settled; held until every task ahead of it has concluded. */
  outcome: Outcome | undefined;
}

const v = PROTOCOL_VERSION;

/** A task that took this long has its report written at once, before any next task can start (see #pump). */
const FLUSH_AFTER_MS = 1;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';

function attemptKey(taskId: string | number, attempt: number): string {
  return `${typeof taskId}:${String(taskId)}#${attempt}`;
}

/**
 * The seed's spoke cycle over one channel (Fig. 2, C and D): receive a task while offline,
 * preload the modules it names (they may declare closures), go online, evaluate, report, go
 * offline. Tasks are evaluated one at a time, in arrival order (a spoke is one core); the hub
 * may queue several so the next starts without a round trip. Load and evaluation errors
 * become status reports; nothing a task does ends the runner.
 *
 * A pipelined closure's tasks (`SpokeClosure.pipelined`) begin evaluating as they arrive, while
 * the ones ahead are still evaluating; yet they go online, send `started` and report one at a
 * time, in arrival order: the sequence machine follows the oldest task not yet concluded.
 */
export class TaskRunner {
  readonly #channel: Channel;
  readonly #identity: TaskRunnerIdentity;
  readonly #machine: SequenceMachine;
  /** Aborted by {@link stop}, or by a `cancel` (then replaced: tasks after it get a fresh one). */
  #abort = new AbortController();
  /** `cancel`s received, and the last one's reason. */
  #cancels = 0;
  #cancelReason = '';
  /** After {@link stop}: resolves when the coprocesses this spoke may kill (see #mine), running at the stop, have ended. */
  #ending: Promise<unknown> | undefined;
  #queue: QueuedTask[] = [];
  /** The closure the last `task` on this channel named. */
  #naming: Naming | undefined;
  #head = 0;
  #running = false;
  #stopped = false;
  /** The loop evaluating queued tasks, while it runs. */
  #pumping: Promise<void> | undefined;
  #requestSeq = 0;
  /** The attempts whose evaluation has begun and not concluded: only they may talk to the hub. */
  readonly #evaluating = new Set<string>();
  /** When each task that asked for `started` went online (`performance.now()`), by attempt key. */
  readonly #onlineAt = new Map<string, number>();
  /** Pipelined tasks whose evaluation has begun, in arrival order; the first is online. */
  readonly #begun: Begun[] = [];
  /** Resolved when `#begun` empties, for whoever waits for that. */
  #drained: { readonly promise: Promise<void>; readonly resolve: () => void } | undefined;
  readonly #pending = new Map<string, Map<number, PendingRequest>>();

  readonly #sharesThread: boolean;
  readonly #relayed: Int32Array | undefined;
  readonly #halt: Int32Array | undefined;
  /** `status` messages sent so far (compared with {@link TaskRunnerOptions.relayed}). */
  #statusSent = 0;

  constructor(channel: Channel, identity: TaskRunnerIdentity, options: TaskRunnerOptions = {}) {
    this.#sharesThread = options.sharesThread === true;
    this.#relayed = options.relayed;
    this.#halt = options.halt;
    // Every evaluation of this spoke sees this signal (ctx.signal) and may listen to it: a
    // pipelined spoke holding prefetch + 1 ≥ 11 tasks would trip Node's listener-leak warning.
    setMaxListeners(0, this.#abort.signal);
    this.#channel = channel;
    this.#identity = identity;
    this.#machine = new SequenceMachine('spoke', { name: identity.spokeId });
    channel.on('message', (message) => this.#onMessage(message));
    channel.on('close', () => this.stop());
  }

  /** The spoke's sequence machine (offline between tasks, online while one evaluates). */
  get sequence(): SequenceMachine {
    return this.#machine;
  }

  /**
   * After {@link stop}: resolves when the evaluations in progress (if any; several for a
   * pipelined closure) have settled — their coprocesses ended through the aborted signal: SIGTERM,
   * then SIGKILL after the grace period — or after `timeoutMs`, whichever comes first. Past the
   * bound, the coprocesses of this spoke still running get SIGKILL (awaited, at most 1 s more):
   * every one of its thread's, or, when it shares the thread with a hub, those started with its
   * signal. A synchronous or signal-ignoring evaluation may outlive it.
   */
  async settled(timeoutMs: number = STOP_GRACE_MS): Promise<void> {
    const pumping = this.#pumping;
    if (pumping === undefined && this.#ending === undefined) return;
    // The coprocesses too, not only the evaluations: one that an evaluation started and did not
    // wait for (it returned, or threw on the aborted signal) is in its grace still — and was
    // SIGKILLed here with no grace at all.
    const ended = await within(Promise.all([pumping?.catch(() => undefined), this.#allConcluded(), this.#ending]), timeoutMs);
    if (ended || !this.#stopped) return;
    await within(killCoprocesses('SIGKILL', this.#mine()).catch(() => 0), 1000);
  }

  /**
   * Stops taking tasks and aborts the running evaluations' signal (idempotent): their coprocesses
   * get SIGTERM now and SIGKILL after their grace period, which {@link settled} waits for.
   */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#queue = [];
    this.#head = 0;
    this.#abort.abort(new SPMError(`Spoke ${this.#identity.spokeId} is stopping`));
    // The signal's abort gave SIGTERM to the coprocesses started with it; those an evaluation
    // started without it get the same (SIGTERM, SIGKILL after their grace), when this thread
    // is the spoke's own. Either way, the kill's promise says when they are all gone (a run
    // already terminating is not signalled again).
    this.#ending = killCoprocesses('SIGTERM', this.#mine()).catch(() => 0);
    for (const requests of this.#pending.values()) {
      for (const pending of requests.values()) pending.reject(new SPMError(`Spoke ${this.#identity.spokeId} stopped before the hub replied`));
    }
    this.#pending.clear();
  }

  /**
   * The coprocesses this spoke may kill: every one of its thread's, unless it shares the thread
   * (an inproc spoke: then those started with its signal only, the others being the hub's or
   * other spokes').
   */
  #mine(): { startedWith?: AbortSignal } {
    return this.#sharesThread ? { startedWith: this.#abort.signal } : {};
  }

  #onMessage(message: Message): void {
    switch (message.type) {
      case 'task':
      case 'next-task':
        if (this.#stopped) return;
        this.#queue.push(this.#queued(message));
        if (!this.#running) this.#pumping = this.#pump();
        return;
      case 'reply':
        this.#onReply(message);
        return;
      case 'shutdown':
        this.stop();
        this.#channel.close();
        return;
      case 'cancel':
        this.#cancel(message.reason);
        return;
      default:
        return; // hello/welcome/heartbeat belong to the agent
    }
  }

  #queued(message: TaskMessage | NextTaskMessage): QueuedTask {
    if (message.type === 'task') {
      this.#naming = { module: message.module, signature: message.signature, preload: message.preload, closure: undefined };
    }
    return { taskId: message.taskId, attempt: message.attempt, record: message.record, reportStart: message.reportStart !== false, naming: this.#naming, cancels: this.#cancels };
  }

  /**
   * A `cancel` from the hub: every evaluation begun so far sees its signal abort (a coprocess
   * started with it is killed, a lane's waiting programs never start) and reports as it ends;
   * queued tasks not begun report `cancelled` now. The spoke stays: later tasks get a fresh signal.
   */
  #cancel(reason: string): void {
    if (this.#stopped) return;
    this.#cancels += 1;
    this.#cancelReason = reason;
    const waiting = this.#queue.slice(this.#head);
    this.#queue = [];
    this.#head = 0;
    const cancelled = this.#abort;
    this.#abort = new AbortController();
    setMaxListeners(0, this.#abort.signal);
    cancelled.abort(new SPMError(`Spoke ${this.#identity.spokeId}: ${reason}`));
    // On the spoke's own thread every coprocess is an evaluation's of this spoke: those started
    // without the signal are stopped too (SIGTERM, SIGKILL after their grace), as stop() does.
    if (!this.#sharesThread) void killCoprocesses('SIGTERM', {}).catch(() => 0);
    for (const task of waiting) if (task !== undefined) this.#sendCancelled(task);
  }

  #sendCancelled(task: QueuedTask): void {
    const error = new SPMError(`Task ${String(task.taskId)} was cancelled before it began on spoke ${this.#identity.spokeId}: ${this.#cancelReason}`);
    this.#send({ type: 'status', v, taskId: task.taskId, attempt: task.attempt, ok: false, phase: 'cancelled', error: toWire(error) });
  }

  #onReply(message: ReplyMessage): void {
    const requests = this.#pending.get(attemptKey(message.taskId, message.attempt));
    const pending = requests?.get(message.requestId);
    if (requests === undefined || pending === undefined) return; // stale: its attempt is over
    requests.delete(message.requestId);
    if (message.ok) pending.resolve(message.body);
    else pending.reject(new SPMError(`The hub failed request ${message.requestId}: ${message.error.message}`, { remote: { name: message.error.name, message: message.error.message } }));
  }

  /** Whether this runner has stopped — by {@link stop}, or now, if another thread asked it to ({@link TaskRunnerOptions.halt}). */
  #halted(): boolean {
    if (!this.#stopped && this.#halt !== undefined && Atomics.load(this.#halt, 0) !== 0) this.stop();
    return this.#stopped;
  }

  // Evaluates the queue in order. A task whose closure is loaded and whose evaluation returns a
  // value (not a promise) runs to its report without an `await`: a queue of small synchronous
  // tasks costs no promise per task. A pipelined task is only awaited until its evaluation has
  // begun, so the next one may begin behind it.
  async #pump(): Promise<void> {
    this.#running = true;
    try {
      while (this.#head < this.#queue.length && !this.#halted()) {
        if (this.#sharesThread) {
          // One turn of the event loop per task: a fixed point, so the serial mode's order of
          // events stays a function of the program (a turn taken by time would not).
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (this.#stopped || this.#head >= this.#queue.length) break;
        }
        const task = this.#queue[this.#head];
        this.#queue[this.#head++] = undefined as unknown as QueuedTask; // let it be collected
        if (task === undefined) continue;
        // Behind pipelined evaluations only a loaded pipelined task may begin. Anything else waits
        // until they have all concluded: a non-pipelined task (one at a time again), a load (a
        // module's top level declares closures, which is legal only offline), a load failure
        // (its report must come after theirs).
        if (this.#begun.length > 0 && task.naming?.closure?.pipelined !== true) {
          await this.#allConcluded();
          if (this.#stopped) break;
        }
        // Taken from the queue before a `cancel` that came while it waited: it never begins.
        if (task.cancels !== this.#cancels) {
          this.#sendCancelled(task);
          continue;
        }
        const began = performance.now();
        const running = this.#run(task);
        if (running !== undefined) await running;
        // Past a short task the batch goes out now; short tasks keep batching their reports.
        // A report left in the channel's batch would wait for the next task to end (a whole
        // bucket, for a CPU-bound task): the hub would learn late and send the next task late,
        // and a spoke killed by the next task would take the finished one's report with it.
        // That holds with an empty queue too: a task that arrived while this one held the
        // thread is taken in the event loop's poll phase, and one that asks for no `started`
        // begins there, before the check phase that writes the batch.
        if (performance.now() - began >= FLUSH_AFTER_MS) {
          this.#channel.flush?.();
          const next = this.#head < this.#queue.length && !this.#stopped;
          if (next && this.#relayed !== undefined) this.#awaitRelay(this.#relayed);
          else if (next && this.#channel.written !== undefined) {
            // Inline on a byte stream (a process spoke evaluating in its main thread): a report
            // the kernel did not take at once waits in this process until the socket drains.
            const channel = this.#channel;
            let bound: ReturnType<typeof setTimeout> | undefined;
            await new Promise<void>((resolve) => {
              bound = setTimeout(resolve, RELAY_WAIT_MS); // a hub that does not read does not hold the spoke
              channel.written?.(resolve);
            });
            clearTimeout(bound);
          }
        }
      }
      this.#queue = [];
      this.#head = 0;
    } finally {
      this.#running = false;
    }
  }

  #send(message: Message): boolean {
    if (this.#channel.closed) return false;
    this.#channel.send(message);
    if (message.type === 'status') this.#statusSent += 1;
    return true;
  }

  /**
   * Blocks this (evaluator) thread until the agent has written every report sent so far, or
   * {@link RELAY_WAIT_MS} have passed: the agent's thread is idle and answers in microseconds.
   */
  #awaitRelay(relayed: Int32Array): void {
    const target = this.#statusSent;
    const deadline = performance.now() + RELAY_WAIT_MS;
    for (;;) {
      const seen = Atomics.load(relayed, 0);
      const left = deadline - performance.now();
      if (seen >= target || left <= 0) return;
      Atomics.wait(relayed, 0, seen, left);
    }
  }

  async #load(naming: Naming): Promise<SpokeClosure> {
    for (const module of naming.preload) await loadModule(module);
    // In the hub's thread (an inproc spoke) a closure already declared needs no import: the
    // program loaded its module — possibly its entry, still evaluating (its top level awaits
    // manage()), which an import would wait for without end. In a spoke's thread the import is
    // what loads the module, and its failure (even after the closure was declared) is the task's.
    if (isSpokeThread() || findClosure(naming.module, naming.signature) === undefined) await loadModule(naming.module);
    const found = requireClosure<unknown>(naming.module, naming.signature);
    if (!isSpokeClosure(found)) {
      throw new SPMTaskLoad(`Closure \`${naming.signature}\` of module \`${naming.module}\` cannot evaluate tasks on a spoke (it has no \`evaluateOnSpoke\`)`);
    }
    naming.closure = found;
    return found;
  }

  /** Runs one task to its report; returns a promise only if some of it had to wait. */
  #run(task: QueuedTask): Promise<void> | undefined {
    // Offline: preload (seed Fig. 2, C). A failure here is the task's SPMTaskLoad.
    const naming = task.naming;
    if (naming === undefined) {
      this.#sendLoadFailure(task, new SPMTaskLoad(`Task ${String(task.taskId)} came as a \`next-task\`, but no \`task\` named its closure on this channel before it`));
      return undefined;
    }
    if (naming.closure !== undefined) return this.#start(task, naming.closure);
    return this.#load(naming).then(
      (closure) => this.#start(task, closure),
      (error: unknown) => this.#sendLoadFailure(task, error),
    );
  }

  #start(task: QueuedTask, closure: SpokeClosure): Promise<void> | undefined {
    return closure.pipelined === true ? this.#begin(task, closure) : this.#evaluate(task, closure);
  }

  #sendLoadFailure(task: QueuedTask, error: unknown): void {
    this.#send({ type: 'status', v, taskId: task.taskId, attempt: task.attempt, ok: false, phase: 'load', error: toWire(error) });
  }

  /** Evaluates a task alone: online, evaluate, conclude. */
  #evaluate(task: QueuedTask, closure: SpokeClosure): Promise<void> | undefined {
    if (this.#halted()) return undefined;
    const key = attemptKey(task.taskId, task.attempt);
    const context = this.#context(task, key);
    const conclude = (outcome: Outcome): void => this.#conclude(task, key, outcome);
    // Online (seed Fig. 2, D): the evaluation, then offline just after it concludes.
    this.#goOnline(task, key);
    this.#evaluating.add(key);
    if (task.reportStart) {
      // Let the channel's batch (flushed on the next check phase) carry `started` out before a
      // synchronous evaluation holds this thread: the hub times the task from it.
      return new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#runEvaluation(task, closure, context, conclude));
    }
    return this.#runEvaluation(task, closure, context, conclude);
  }

  /**
   * Begins a pipelined task's evaluation. With nothing ahead of it, the task goes online first,
   * as {@link #evaluate} does (the returned promise is the turn that carries `started` out).
   * Behind others, it begins at once and goes online when the task ahead of it concludes.
   */
  #begin(task: QueuedTask, closure: SpokeClosure): Promise<void> | undefined {
    if (this.#halted()) return undefined;
    const key = attemptKey(task.taskId, task.attempt);
    const context = this.#context(task, key);
    const begun: Begun = { task, key, outcome: undefined };
    const settle = (outcome: Outcome): void => this.#settle(begun, outcome);
    const alone = this.#begun.push(begun) === 1;
    if (alone) this.#goOnline(task, key);
    this.#evaluating.add(key);
    if (alone && task.reportStart) return new Promise<void>((resolve) => setImmediate(resolve)).then(() => void this.#runEvaluation(task, closure, context, settle));
    void this.#runEvaluation(task, closure, context, settle);
    return undefined;
  }

  /**
   * The task goes online, and its `started` (if asked for) goes out: the hub times the task from
   * it. Such a task's time online is measured here too and sent with its status (`ms`): the hub's
   * timer starts only when it reads `started`, and a hub busy at that moment reads `started` and
   * the status together — the task's real time is what its timeout is held to.
   */
  #goOnline(task: QueuedTask, key: string): void {
    this.#machine.apply({ type: 'evaluate', id: key });
    if (task.reportStart) {
      this.#onlineAt.set(key, performance.now());
      this.#send({ type: 'started', v, taskId: task.taskId, attempt: task.attempt });
    }
  }

  /** Runs the evaluation in the spoke's sequence and hands its outcome to `done`; returns a promise only if it had to wait. */
  #runEvaluation(task: QueuedTask, closure: SpokeClosure, context: EvaluationContext, done: (outcome: Outcome) => void): Promise<void> | undefined {
    // Stopped meanwhile (a turn of the event loop let `started` out): the evaluation never begins.
    if (this.#halted()) {
      done({ ok: false, error: new SPMError(`Spoke ${this.#identity.spokeId} stopped before task ${String(task.taskId)} began`) });
      return undefined;
    }
    let value: unknown;
    try {
      value = runInSequence(this.#machine, () => closure.evaluateOnSpoke(task.record, context));
    } catch (error) {
      done({ ok: false, error });
      return undefined;
    }
    if (!isThenable(value)) {
      done({ ok: true, value });
      return undefined;
    }
    return Promise.resolve(value).then(
      (resolved) => done({ ok: true, value: resolved }),
      (error: unknown) => done({ ok: false, error }),
    );
  }

  /**
   * A pipelined evaluation settled. Its outcome waits until every task ahead of it has
   * concluded; then each head that has an outcome concludes in turn, and the next goes online.
   */
  #settle(begun: Begun, outcome: Outcome): void {
    begun.outcome = outcome;
    const fifo = this.#begun;
    let head = fifo[0];
    while (head !== undefined && head.outcome !== undefined) {
      fifo.shift();
      this.#conclude(head.task, head.key, head.outcome);
      head = fifo[0];
      if (head !== undefined) this.#goOnline(head.task, head.key);
    }
    if (fifo.length === 0 && this.#drained !== undefined) {
      this.#drained.resolve();
      this.#drained = undefined;
    }
  }

  /** Resolves when every pipelined evaluation that has begun has concluded. */
  #allConcluded(): Promise<void> {
    if (this.#begun.length === 0) return Promise.resolve();
    if (this.#drained === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#drained = { promise, resolve };
    }
    return this.#drained.promise;
  }

  /** Offline again, then the report. */
  #conclude(task: QueuedTask, key: string, outcome: Outcome): void {
    const { taskId, attempt } = task;
    this.#evaluating.delete(key);
    this.#machine.apply({ type: 'evaluated', id: key });
    const requests = this.#pending.get(key);
    this.#pending.delete(key);
    for (const pending of requests?.values() ?? []) pending.reject(new SPMError(`Task ${String(taskId)} concluded before the hub replied`));
    const online = this.#onlineAt.get(key);
    this.#onlineAt.delete(key);
    const ms = online === undefined ? undefined : performance.now() - online;
    const message: Message = outcome.ok
      ? { type: 'status', v, taskId, attempt, ok: true, value: outcome.value === undefined ? null : (outcome.value as WireValue), ...(ms !== undefined ? { ms } : {}) }
      : { type: 'status', v, taskId, attempt, ok: false, phase: 'eval', error: toWire(outcome.error), ...(ms !== undefined ? { ms } : {}) };
    try {
      this.#send(message);
    } catch (error) {
      // The value could not cross the wire (a function, a class instance, too large…).
      // Said by what the value holds (`value.x`); the channel it was to cross is an internal one.
      // An SPMTaskEval, so that the hub says the task returned it (it said the task threw).
      const detail = whyUnsendable(error, outcome.ok ? outcome.value : undefined);
      const reason = new SPMTaskEval(`${returnedUnsendable(taskId)}${detail}`, { cause: error, taskId, attempt });
      this.#send({ type: 'status', v, taskId, attempt, ok: false, phase: 'eval', error: toWire(reason) });
    }
  }

  #context(task: QueuedTask, key: string): EvaluationContext {
    const { taskId, attempt } = task;
    return {
      taskId,
      attempt,
      spokeId: this.#identity.spokeId,
      host: this.#identity.host,
      signal: this.#abort.signal,
      hub: {
        request: (body) =>
          new Promise<WireValue>((resolve, reject) => {
            if (!this.#evaluating.has(key) || this.#stopped) {
              reject(new SPMError(`Task ${String(taskId)} may talk to the hub only while it evaluates`));
              return;
            }
            const requestId = ++this.#requestSeq;
            let requests = this.#pending.get(key);
            if (requests === undefined) {
              requests = new Map();
              this.#pending.set(key, requests);
            }
            requests.set(requestId, { resolve, reject });
            if (!this.#send({ type: 'request', v, taskId, attempt, requestId, body })) {
              requests.delete(requestId);
              reject(new SPMError(`Task ${String(taskId)} cannot reach the hub: the channel is closed`));
            }
          }),
        notify: (body) => {
          if (!this.#evaluating.has(key) || this.#stopped) throw new SPMError(`Task ${String(taskId)} may talk to the hub only while it evaluates`);
          this.#send({ type: 'notify', v, taskId, attempt, body });
        },
      },
    };
  }
}
