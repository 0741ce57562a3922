// A run journal: every dispatch, attempt, kill and report of a task manager's invocations,
// stamped with the hub's clock, so a checker can prove the promises of docs/RELIABILITY.md
// from what happened rather than from what the manager says about itself.

/** A task id as managers report it. */
export type JournalTaskId = string | number;

/** A task attempt on a spoke (closure events `dispatch`, `started`, `retry`, `timeout`, `stale`, `stale-message`). */
export interface AttemptLike {
  readonly taskId: JournalTaskId;
  readonly attempt: number;
  readonly spokeId: string;
  /** Hub time (`Date.now()`) the event happened. */
  readonly at: number;
}

/** A final status report (closure event `report`). */
export interface ReportLike {
  readonly taskId: JournalTaskId;
  readonly attempt: number;
  readonly spokeId?: string | undefined;
  readonly ok: boolean;
  readonly error?: { readonly code?: string } | undefined;
}

/** What the journal needs of a spoke (the tracker's `SpokeInfo`). */
export interface SpokeLike {
  readonly id: string;
  readonly incarnation: number;
  readonly pid?: number | undefined;
}

/** One line of the journal. `at` is hub time in ms (`Date.now()`). */
export type JournalEntry =
  | { readonly kind: 'dispatch' | 'started' | 'timeout' | 'stale'; readonly taskId: JournalTaskId; readonly attempt: number; readonly spokeId: string; readonly at: number }
  | { readonly kind: 'retry'; readonly taskId: JournalTaskId; readonly attempt: number; readonly spokeId: string; readonly at: number; readonly reason: string }
  | { readonly kind: 'stale-message'; readonly taskId: JournalTaskId; readonly attempt: number; readonly spokeId: string; readonly at: number }
  | { readonly kind: 'report'; readonly taskId: JournalTaskId; readonly attempt: number; readonly spokeId: string | undefined; readonly ok: boolean; readonly code: string | undefined; readonly at: number }
  | { readonly kind: 'kill'; readonly spokeId: string; readonly incarnation: number; readonly pid: number; readonly signal: string; readonly window: string; readonly at: number }
  | { readonly kind: 'spoke-lost'; readonly spokeId: string; readonly incarnation: number; readonly reason: string; readonly at: number }
  | { readonly kind: 'spoke-ready'; readonly spokeId: string; readonly incarnation: number; readonly pid: number | undefined; readonly at: number }
  | { readonly kind: 'concluded'; readonly at: number; readonly error: string | undefined };

/** The closure events the journal records (a subset of `@spm/closure-core`'s `ManagerEvents`). */
export interface JournalClosureEvents {
  dispatch: [event: AttemptLike];
  started: [event: AttemptLike];
  retry: [event: AttemptLike & { readonly reason: string }];
  timeout: [event: AttemptLike];
  stale: [event: AttemptLike];
  'stale-message': [event: AttemptLike];
  report: [report: ReportLike];
  concluded: [summary: unknown, error: Error | undefined];
}

/** The tracker events the journal records (a subset of `@spm/tracker`'s `TrackerEvents`). */
export interface JournalTrackerEvents {
  'spoke-lost': [spoke: SpokeLike, reason: { readonly reason: string }];
  'spoke-ready': [spoke: SpokeLike];
}

/** Something with typed `on`/`off` (an eventemitter3 emitter such as a closure or the tracker). */
export interface JournalEmitter<E extends { [K in keyof E]: unknown[] }> {
  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): unknown;
  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): unknown;
}

/**
 * Records a run: attach it to a closure (`watchClosure`) and to the tracker (`watchTracker`),
 * and note every fault injected (`kill`). Read `entries`, or give them to `checkJournal`.
 * Closure `spoke-lost`/`spoke-ready` are not recorded: the tracker's carry the incarnation.
 */
export class RunJournal {
  readonly #entries: JournalEntry[] = [];
  readonly #detach: (() => void)[] = [];

  /** Everything recorded so far, in order. */
  get entries(): readonly JournalEntry[] {
    return this.#entries;
  }

  /** Records `entry` (for events the journal is not attached to). */
  record(entry: JournalEntry): void {
    this.#entries.push(entry);
  }

  /** Records a closure's attempts, reports and conclusions until `detach()`. */
  watchClosure(closure: JournalEmitter<JournalClosureEvents>): this {
    const attempt =
      (kind: 'dispatch' | 'started' | 'timeout' | 'stale' | 'stale-message') =>
      (e: AttemptLike): void =>
        this.record({ kind, taskId: e.taskId, attempt: e.attempt, spokeId: e.spokeId, at: e.at });
    const listeners = {
      dispatch: attempt('dispatch'),
      started: attempt('started'),
      timeout: attempt('timeout'),
      stale: attempt('stale'),
      'stale-message': attempt('stale-message'),
      retry: (e: AttemptLike & { readonly reason: string }): void => this.record({ kind: 'retry', taskId: e.taskId, attempt: e.attempt, spokeId: e.spokeId, at: e.at, reason: e.reason }),
      report: (r: ReportLike): void =>
        this.record({ kind: 'report', taskId: r.taskId, attempt: r.attempt, spokeId: r.spokeId, ok: r.ok, code: r.error?.code, at: Date.now() }),
      concluded: (_summary: unknown, error: Error | undefined): void => this.record({ kind: 'concluded', at: Date.now(), error: error?.message }),
    };
    closure.on('dispatch', listeners.dispatch);
    closure.on('started', listeners.started);
    closure.on('timeout', listeners.timeout);
    closure.on('stale', listeners.stale);
    closure.on('stale-message', listeners['stale-message']);
    closure.on('retry', listeners.retry);
    closure.on('report', listeners.report);
    closure.on('concluded', listeners.concluded);
    this.#detach.push(() => {
      closure.off('dispatch', listeners.dispatch);
      closure.off('started', listeners.started);
      closure.off('timeout', listeners.timeout);
      closure.off('stale', listeners.stale);
      closure.off('stale-message', listeners['stale-message']);
      closure.off('retry', listeners.retry);
      closure.off('report', listeners.report);
      closure.off('concluded', listeners.concluded);
    });
    return this;
  }

  /** Records the tracker's losses and readiness (with incarnations) until `detach()`. */
  watchTracker(tracker: JournalEmitter<JournalTrackerEvents>): this {
    const lost = (spoke: SpokeLike, reason: { readonly reason: string }): void =>
      this.record({ kind: 'spoke-lost', spokeId: spoke.id, incarnation: spoke.incarnation, reason: reason.reason, at: Date.now() });
    const ready = (spoke: SpokeLike): void => this.record({ kind: 'spoke-ready', spokeId: spoke.id, incarnation: spoke.incarnation, pid: spoke.pid, at: Date.now() });
    tracker.on('spoke-lost', lost);
    tracker.on('spoke-ready', ready);
    this.#detach.push(() => {
      tracker.off('spoke-lost', lost);
      tracker.off('spoke-ready', ready);
    });
    return this;
  }

  /**
   * Sends `signal` to a spoke's process and records it as a fault injected in `window` (a free
   * label: `evaluating`, `before-receive`…). Returns false (and records nothing) if the process
   * was already gone.
   */
  kill(spoke: SpokeLike, window: string, signal: NodeJS.Signals = 'SIGKILL'): boolean {
    const pid = spoke.pid;
    if (pid === undefined) throw new Error(`Spoke ${spoke.id} has no pid: only process and TCP spokes can be killed`);
    const at = Date.now();
    try {
      process.kill(pid, signal);
    } catch {
      return false;
    }
    this.record({ kind: 'kill', spokeId: spoke.id, incarnation: spoke.incarnation, pid, signal, window, at });
    return true;
  }

  /** Stops recording. */
  detach(): void {
    for (const off of this.#detach.splice(0)) off();
  }
}
