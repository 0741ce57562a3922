import { EventEmitter } from 'eventemitter3';
import { SPMError, SPMInvariantError, describeValue } from '@spm/exceptions';
import { declareClosure, findClosure, moduleKey, type ClosureRef } from '@spm/sequence';
import { userCallSite } from './internal/call-site.js';
import type { EvaluationContext, SpokeClosure } from '@spm/spoke';
import { isTaskSchema, parse, withSpmComponent, type TaskSchema } from '@spm/typedef';
import type { ManagerEvents, ManageSummary } from './manager-events.js';
import { ManagerRun } from './manager-run.js';
import { resolveManageOptions, type ManageOptions } from './manage-options.js';
import { type StatusReport } from './status-report.js';
import { prepareTask } from './task-record.js';
import { ListSource, type TaskInput, type TaskSource, type TaskSourceHooks } from './task-source.js';

/** What a closure family declares (`list.define(...)`, `dag.define(...)`, …). */
export interface ClosureSpec<T, R> {
  /** The family, for messages: `list`, `dag`, … */
  readonly family: string;
  /** Unique within the module. */
  readonly signature: string;
  /** The module that declares the closure: pass `import.meta.url`. Spokes import it to find the closure. */
  readonly module: string;
  /**
   * The task schema: typedef text (seed Fig. 11/16) or a schema from `@spm/typedef`. The standard
   * `spm` component is added. Without one, tasks are plain data used as they are.
   */
  readonly typedef?: string | TaskSchema;
  /** Modules every spoke imports before the closure's module (seed `spm.meta.modulePreload`). */
  readonly preload?: readonly string[];
  /** Evaluates one task on a spoke, online; returns its plain-data result. */
  readonly evaluate: (task: T, context: EvaluationContext) => R | Promise<R>;
  /**
   * Lets a spoke begin evaluating its next task before the current one concludes. For an
   * `evaluate` that mostly waits on work the closure orders itself — e.g. it queues a command in
   * a `@spm/coprocess` `CoprocessLane` and awaits it — so the next command is queued before the
   * current one ends.
   *
   * Only the evaluations overlap. Each spoke still reports its tasks in the order they reached
   * it, and they go online one at a time: a task goes online, and sends `started`, when every
   * task ahead of it on that spoke has concluded, so its `spm.meta.timeout` counts from then. A
   * spoke holds at most `policy.prefetch + 1` tasks, so that bounds the overlap (`prefetch: 0`
   * means none). As with prefetch, a spoke that crashes loses every task it holds.
   * @default false
   */
  readonly pipelined?: boolean;
}

/** `manage()` options plus the tasks. */
export interface ManageCall<T, R> extends ManageOptions<R> {
  /** The tasks: an array, an iterable or an async iterable (pulled lazily, with back-pressure). */
  readonly tasks: TaskInput<T>;
}

/**
 * A parallel closure (a task manager), declared once per module while offline. On the hub,
 * `manage()` runs a collection of tasks over a lease; on a spoke, the same object evaluates
 * them (`evaluateOnSpoke`). Emits {@link ManagerEvents} for every invocation.
 */
export class Closure<T = unknown, R = unknown> extends EventEmitter<ManagerEvents> implements SpokeClosure {
  /** Where it was declared: what tasks carry to spokes. */
  readonly ref: ClosureRef;
  /** Its family. */
  readonly family: string;
  /** Its task schema (with the SPM component), if it has one. */
  readonly schema: TaskSchema | undefined;
  /** True when a spoke may begin a task's evaluation before the one ahead concludes (see {@link ClosureSpec.pipelined}). */
  readonly pipelined: boolean;
  readonly #spec: ClosureSpec<T, R>;
  /** Where the user's code declared it (see userCallSite), for a duplicate's message. */
  readonly #site: string | undefined;

  /** @internal The user's call site that declared `closure`, if it is a Closure of this copy of the package. */
  static siteOf(closure: unknown): string | undefined {
    return closure instanceof Closure ? closure.#site : undefined;
  }

  /** @internal Use {@link defineClosure}. */
  constructor(spec: ClosureSpec<T, R>) {
    super();
    if (typeof spec !== 'object' || spec === null) throw new SPMError(`Expected a closure definition (an object), got ${describeValue(spec)}`);
    if (typeof spec.evaluate !== 'function') throw new SPMError(`Expected \`evaluate\` of closure \`${String(spec.signature)}\` to be a function, got ${describeValue(spec.evaluate)}`);
    if (typeof spec.module !== 'string' || spec.module === '') throw new SPMError(`Expected \`module\` of closure \`${String(spec.signature)}\` to be its module's URL (import.meta.url), got ${describeValue(spec.module)}`);
    if (spec.preload !== undefined && (!Array.isArray(spec.preload) || !spec.preload.every((m) => typeof m === 'string'))) {
      throw new SPMError(`Expected \`preload\` of closure \`${String(spec.signature)}\` to be an array of module URLs or paths, got ${describeValue(spec.preload)}`);
    }
    const relative = spec.preload?.find((m) => /^\.\.?(\/|$)/.test(m));
    if (relative !== undefined) {
      // A spoke resolves it from its own package, not from the closure's module: every task failed to load.
      throw new SPMError(
        `Expected \`preload\` of closure \`${String(spec.signature)}\` to name modules by URL, absolute path or package name, got the relative path \`${relative}\` (write new URL('${relative}', import.meta.url).href)`,
      );
    }
    if (spec.typedef !== undefined && typeof spec.typedef !== 'string' && !isTaskSchema(spec.typedef)) {
      throw new SPMError(`Expected \`typedef\` of closure \`${String(spec.signature)}\` to be typedef text or a schema from @spm/typedef (parse(), t.task()), got ${describeValue(spec.typedef)}`);
    }
    if (spec.pipelined !== undefined && typeof spec.pipelined !== 'boolean') {
      throw new SPMError(`Expected \`pipelined\` of closure \`${String(spec.signature)}\` to be a boolean, got ${describeValue(spec.pipelined)}`);
    }
    this.#spec = spec;
    this.family = spec.family;
    this.pipelined = spec.pipelined ?? false;
    this.schema = spec.typedef === undefined ? undefined : withSpmComponent(typeof spec.typedef === 'string' ? parse(spec.typedef) : spec.typedef);
    // Offline only, unique signature (seed Fig. 2): throws SPMInvariantError otherwise.
    const site = userCallSite();
    try {
      this.ref = declareClosure(spec.module, spec.signature, this);
    } catch (error) {
      throw duplicateAt(error, spec, site) ?? error;
    }
    this.#site = site;
  }

  /** The closure's signature. */
  get signature(): string {
    return this.ref.signature;
  }

  /** @internal The spoke side (seed Fig. 2, D): evaluate one task record. */
  evaluateOnSpoke(record: unknown, context: EvaluationContext): unknown {
    return this.#spec.evaluate(record as T, context);
  }

  /**
   * Runs `tasks` over spokes of `pool` and delivers one status report per task to `onStatus`;
   * resolves with a summary when every task has concluded. A sequence point: when it settles,
   * nothing of it runs any more. Rejects with `SPMWaitForSpokesTimeout`, `SPMExecutionTimeout`,
   * `SPMHubCallbackError`, `SPMManagerBusy`, or an option/record error before anything runs.
   */
  manage(call: ManageCall<T, R>): Promise<ManageSummary> {
    let tasks: TaskInput<T>;
    try {
      tasks = this.#tasksOf(call);
      // An array is checked whole before anything runs: a bad record at index 5 must not let
      // tasks 0–4 run first. (An iterable can only be checked as it is read.)
      // Every index, holes included (forEach skipped them: a hole was read later, as a record of defaults).
      if (Array.isArray(tasks)) for (let i = 0, list = tasks as readonly unknown[]; i < list.length; i++) prepareTask(this.schema, i, list[i]);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.run(call, (hooks) => new ListSource(tasks, hooks));
  }

  /**
   * The reports as an async iterator, for `for await` instead of a callback. Breaking out of the
   * loop concludes the invocation (running tasks are killed). Pulling slowly slows dispatch.
   */
  reports(call: Omit<ManageCall<T, R>, 'onStatus'>): AsyncIterableIterator<StatusReport<R>> {
    // The iterator is the status callback: one given too was silently never called.
    if (typeof call === 'object' && call !== null && (call as { onStatus?: unknown }).onStatus !== undefined) {
      throw new SPMError(`Expected no \`onStatus\` with reports() of \`${this.ref.signature}\` (its iterator gives the reports; use manage() for a callback), got one`);
    }
    return reportIterator<R>((onStatus, stop) => this.manage({ ...call, onStatus, signal: call.signal === undefined ? stop : AbortSignal.any([call.signal, stop]) }));
  }

  /**
   * For closure families: runs an invocation with a family's own task source (a DAG's order,
   * …). Validates options before anything runs.
   */
  protected run(options: ManageOptions<R>, source: (hooks: TaskSourceHooks) => TaskSource): Promise<ManageSummary> {
    let run: ManagerRun<R>;
    try {
      const resolved = resolveManageOptions(options);
      run = new ManagerRun<R>({ module: this.ref.module, signature: this.ref.signature, preload: this.#spec.preload ?? [], schema: this.schema, events: this, pipelined: this.pipelined }, resolved, source);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return run.run();
  }

  #tasksOf(call: ManageCall<T, R>): TaskInput<T> {
    const tasks = call?.tasks;
    if (tasks === null || typeof tasks !== 'object' || !(Symbol.iterator in tasks || Symbol.asyncIterator in tasks)) {
      throw new SPMError(`Expected \`tasks\` to be an array, an iterable or an async iterable, got ${describeValue(tasks)}`);
    }
    return tasks;
  }
}

/**
 * The sequence registry's refusal of a duplicate signature, with the two declarations named at
 * the user's call sites (the registry names the caller's frames, which are this package's and
 * the family's); `undefined` for any other error, or when the first declaration's site is unknown.
 */
function duplicateAt(error: unknown, spec: { readonly module: string; readonly signature: string }, again: string | undefined): SPMInvariantError | undefined {
  if (!(error instanceof SPMInvariantError) || again === undefined) return undefined;
  let first: string | undefined;
  try {
    first = Closure.siteOf(findClosure(spec.module, spec.signature));
  } catch {
    return undefined;
  }
  if (first === undefined) return undefined;
  return new SPMInvariantError(
    `Closure signature \`${spec.signature}\` is declared twice in module \`${moduleKey(spec.module)}\`: first at ${first}, again at ${again}. A signature must be unique within its module`,
    { ...(error.role !== undefined ? { role: error.role } : {}), ...(error.from !== undefined ? { from: error.from } : {}), ...(error.to !== undefined ? { to: error.to } : {}) },
  );
}

/**
 * Turns a callback-driven invocation into an async iterator with a small bounded buffer. Calls of
 * `next()` may overlap (`Promise.all([it.next(), it.next()])`, or two loops over one iterator):
 * each waits in a queue and gets the next report in order, or the end.
 */
function reportIterator<R>(start: (onStatus: (report: StatusReport<R>) => Promise<void>, stop: AbortSignal) => Promise<ManageSummary>): AsyncIterableIterator<StatusReport<R>> {
  const buffer: StatusReport<R>[] = [];
  // Aborted when the consumer leaves the loop: the invocation concludes now (running tasks
  // killed, the rest dropped), not when its next report happens to arrive.
  const stopper = new AbortController();
  // Every pending next(), oldest first. There was one `wake` slot: a second pending next()
  // overwrote the first's, which never settled, and its report's delivery (held for back-pressure)
  // never returned, so the invocation never concluded and the hub stayed busy for ever.
  const waiters: { readonly resolve: (result: IteratorResult<StatusReport<R>>) => void; readonly reject: (error: unknown) => void }[] = [];
  // Deliveries held until their report is taken.
  let rooms: (() => void)[] = [];
  let finished = false;
  let failure: unknown;
  let failureDelivered = false;
  let stopped = false;
  let started: Promise<void> | undefined;
  const freeRooms = (): void => {
    const held = rooms;
    rooms = [];
    for (const room of held) room();
  };
  /** Settles waiters, in order, with buffered reports, then (once finished) the failure once, then the end. */
  const pump = (): void => {
    while (waiters.length > 0) {
      const report = buffer.shift();
      if (report !== undefined) {
        waiters.shift()?.resolve({ value: report, done: false });
        freeRooms();
        continue;
      }
      if (!finished) return;
      const waiter = waiters.shift();
      // As an async generator: the failure is thrown once, later calls say done.
      if (failure !== undefined && !stopped && !failureDelivered) {
        failureDelivered = true;
        waiter?.reject(failure);
      } else {
        waiter?.resolve({ value: undefined, done: true });
      }
    }
  };
  const begin = (): void => {
    if (started) return;
    let invocation: Promise<ManageSummary>;
    try {
      invocation = start(async (report) => {
        if (stopped) return;
        buffer.push(report);
        pump();
        // Back-pressure: hold the manager's delivery until the consumer has taken it.
        while (!stopped && buffer.includes(report)) await new Promise<void>((resolve) => rooms.push(resolve));
      }, stopper.signal);
    } catch (error) {
      invocation = Promise.reject(error as Error);
    }
    started = invocation.then(
      () => {
        finished = true;
        pump();
      },
      (error: unknown) => {
        finished = true;
        failure = error;
        pump();
      },
    );
  };
  const iterator: AsyncIterableIterator<StatusReport<R>> = {
    [Symbol.asyncIterator]: () => iterator,
    next(): Promise<IteratorResult<StatusReport<R>>> {
      // Closed before it began: nothing to run.
      if (stopped && !started) return Promise.resolve({ value: undefined, done: true });
      begin();
      return new Promise<IteratorResult<StatusReport<R>>>((resolve, reject) => {
        waiters.push({ resolve, reject });
        pump();
      });
    },
    async return(): Promise<IteratorResult<StatusReport<R>>> {
      stopped = true;
      stopper.abort(new SPMError('The report iterator was closed by its consumer'));
      // The consumer left: what it has not taken is not delivered (pending next() calls say done).
      buffer.length = 0;
      freeRooms();
      if (started) await started.catch(() => undefined);
      pump();
      return { value: undefined, done: true };
    },
  };
  return iterator;
}

/**
 * Declares a closure of a family, offline (a module's top level), under a signature unique in
 * its module. This is how a closure family is built on the core: `list.define` and `dag.define`
 * call it, and a library author's family does the same.
 */
export function defineClosure<T, R>(spec: ClosureSpec<T, R>): Closure<T, R> {
  return new Closure<T, R>(spec);
}
