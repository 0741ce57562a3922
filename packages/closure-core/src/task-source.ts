import { SPMHubCallbackError, messageOfThrown, type SPMTaskDropped, type TaskId } from '@spm/exceptions';

/** A task a source hands the manager: dispatch it, or (with `drop`) report it dropped unrun. */
export interface SourceTask {
  /** The task's id within the invocation. */
  readonly taskId: TaskId;
  /** The user's task (a partial record, completed by the closure's typedef). */
  readonly input: unknown;
  /** Report the task with this error instead of running it (e.g. a DAG task whose dependency failed). */
  readonly drop?: SPMTaskDropped;
}

/**
 * Where a manager's tasks come from, in the order it should dispatch them. The core pulls only
 * when a spoke has room, so a source over a generator streams with back-pressure. A closure
 * family with its own order (a DAG) supplies its own source.
 */
export interface TaskSource {
  /** The next task; `'wait'` when none is ready now (the source calls the `available` hook later); `'done'` when there are no more. */
  next(): SourceTask | 'wait' | 'done';
  /** Called once per task when its final report is delivered (`ok` false for any parallel exception). */
  settled(taskId: TaskId, ok: boolean): void;
  /** Stops the source (the manager concluded); an iterator is closed (`return()`). */
  close(): void;
  /**
   * The tasks not yet handed out, when the manager must drop every unfinished task
   * (`timeoutExecution`, no spoke left) and the source can list them cheaply — an array can; an
   * iterator that may never end cannot (return `undefined`: its unread tasks get no report).
   */
  drain?(): SourceTask[] | undefined;
}

/** Hooks a source calls. */
export interface TaskSourceHooks {
  /** A task became ready after `next()` said `'wait'`. */
  available(): void;
  /** Producing tasks failed (the user's iterator threw): the manager fails with it. */
  failed(error: unknown): void;
}

/** What `manage({ tasks })` accepts: an array, an iterable, or an async iterable. */
export type TaskInput<T> = readonly T[] | Iterable<T> | AsyncIterable<T>;

/**
 * The list family's source (the seed's Partition/List pattern): tasks in submission order, ids
 * 0, 1, 2, …; an iterable is pulled lazily, one task at a time, only when the manager asks.
 */
export class ListSource implements TaskSource {
  readonly #hooks: TaskSourceHooks;
  readonly #finite: boolean;
  #sync: Iterator<unknown> | undefined;
  #async: AsyncIterator<unknown> | undefined;
  #buffered: { value: unknown } | undefined;
  #pending = false;
  #done = false;
  #next = 0;

  constructor(tasks: TaskInput<unknown>, hooks: TaskSourceHooks) {
    this.#hooks = hooks;
    this.#finite = Array.isArray(tasks);
    try {
      if (tasks !== null && typeof tasks === 'object' && Symbol.asyncIterator in tasks) {
        this.#async = (tasks as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      } else {
        this.#sync = (tasks as Iterable<unknown>)[Symbol.iterator]();
      }
    } catch (error) {
      // The user's [Symbol.iterator]() (or its getter) threw: refused before anything runs, said
      // as when its next() throws, and as a DAG says it. It used to escape as the raw error.
      throw new SPMHubCallbackError(`The tasks iterable threw: ${messageOfThrown(error)}`, { cause: error });
    }
  }

  next(): SourceTask | 'wait' | 'done' {
    if (this.#done) return 'done';
    if (this.#sync !== undefined) {
      let step: IteratorResult<unknown>;
      try {
        step = this.#sync.next();
      } catch (error) {
        this.#done = true;
        this.#hooks.failed(error);
        return 'done';
      }
      if (step.done) {
        this.#done = true;
        return 'done';
      }
      return { taskId: this.#next++, input: step.value };
    }
    if (this.#buffered !== undefined) {
      const { value } = this.#buffered;
      this.#buffered = undefined;
      this.#pull();
      return { taskId: this.#next++, input: value };
    }
    this.#pull();
    return 'wait';
  }

  settled(): void {
    // a list does not care
  }

  drain(): SourceTask[] | undefined {
    if (!this.#finite) return undefined;
    const rest: SourceTask[] = [];
    for (let next = this.next(); next !== 'done' && next !== 'wait'; next = this.next()) rest.push(next);
    return rest;
  }

  close(): void {
    if (this.#done) return;
    this.#done = true;
    try {
      void this.#sync?.return?.();
      void this.#async?.return?.()?.catch(() => undefined);
    } catch {
      // the user's return() threw; we are concluding anyway
    }
  }

  // One pull at a time, and one task ahead at most: a million-task generator is never drained.
  #pull(): void {
    const iterator = this.#async;
    if (iterator === undefined || this.#pending || this.#done || this.#buffered !== undefined) return;
    this.#pending = true;
    let step: Promise<IteratorResult<unknown>>;
    try {
      step = Promise.resolve(iterator.next());
    } catch (error) {
      this.#pending = false;
      this.#done = true;
      this.#hooks.failed(error);
      return;
    }
    step.then(
      (result) => {
        this.#pending = false;
        if (this.#done) return;
        if (result.done) this.#done = true;
        else this.#buffered = { value: result.value };
        this.#hooks.available();
      },
      (error: unknown) => {
        this.#pending = false;
        this.#done = true;
        this.#hooks.failed(error);
      },
    );
  }
}
