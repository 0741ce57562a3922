import type { EventEmitter } from 'eventemitter3';
import {
  fromWire,
  SPMError,
  toWire,
  SPMExecutionTimeout,
  SPMHubCallbackError,
  SPMInvariantError,
  SPMManagerBusy,
  SPMManagerError,
  SPMTaskDropped,
  type SPMTaskError,
  SPMTaskEval,
  SPMTaskLoad,
  SPMTaskTimeout,
  type TaskId,
  messageOfThrown,
} from '@spm/exceptions';
import { currentSequence, runInSequence, type SequenceMachine } from '@spm/sequence';
import { unsendableReturnDetail } from '@spm/spoke';
import type { Lease, SpokeInfo } from '@spm/tracker';
import { PROTOCOL_VERSION, type Message, type MessageOf, type WireValue } from '@spm/transport';
import { formatMs } from './duration.js';
import { emitEach } from './internal/emit-each.js';
import type { ManagerEvents, ManageSummary } from './manager-events.js';
import type { ResolvedManageOptions } from './manage-options.js';
import type { MetaStatus } from './meta-status.js';
import { StatusReport } from './status-report.js';
import { fillRecord, prepareTask, type PreparedTask } from './task-record.js';
import type { TaskSource, TaskSourceHooks } from './task-source.js';
import type { TaskSchema } from '@spm/typedef';

/** What the engine needs of the closure it runs. */
export interface RunTarget {
  readonly module: string;
  readonly signature: string;
  readonly preload: readonly string[];
  readonly schema: TaskSchema | undefined;
  readonly events: EventEmitter<ManagerEvents>;
  /** A spoke may evaluate several of its tasks at once (ClosureSpec.pipelined). */
  readonly pipelined?: boolean;
}

interface Entry {
  readonly task: PreparedTask;
  /** The attempt number of the latest dispatch (0 before the first). */
  attempt: number;
  /** Re-dispatches charged to spoke losses. */
  losses: number;
  settled: boolean;
  /**
   * Lost with its spoke beside other tasks evaluating there (a pipelined closure): any of them
   * may have killed it, so none is charged, and each runs alone from then on — a loss it
   * causes alone is charged to it.
   */
  isolated?: boolean;
  /**
   * The last spoke lost while it was evaluating there (it was dispatched again): said if it is
   * then dropped for want of a spoke, so the loss is not hidden behind "no spoke is left".
   */
  lostOn?: { readonly spokeId: string; readonly reason: string };
  /**
   * Its `relaunchPre` was carried out: the spoke reserved for it was killed, but being a joined
   * one (relaunched by whoever started it, not by the hub) it went `lost` instead of coming back
   * at once. The task then takes the next spoke that is ready, without killing it too.
   */
  preRelaunched?: boolean;
}

interface Running {
  readonly entry: Entry;
  readonly attempt: number;
  readonly spokeId: string;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Its spoke said it began (`started`). */
  began?: boolean;
}

interface SpokeSlot {
  readonly id: string;
  host: string;
  ready: boolean;
  /** Attempts sent to it and not yet reported, in order (the first is evaluating or next). */
  readonly inflight: Running[];
  /** How many of `inflight` must run alone (relaunchPre/relaunchPost): the spoke takes no more. */
  exclusive: number;
  /**
   * True once a full `task` named this closure on the spoke's current channel: later tasks go
   * as `next-task` (attempt and record only). Reset where a spoke becomes ready (#onReady), the
   * only way back after it was not: a new incarnation's channel knows no closure.
   */
  named: boolean;
  /** An entry waiting for this spoke's relaunch (relaunchPre). */
  reserved: Entry | undefined;
}

const v = PROTOCOL_VERSION;
let runs = 0;

/** An abort's reason, for messages. */
function abortReason(reason: unknown): string {
  return reason === undefined ? 'no reason given' : messageOfThrown(reason);
}

/**
 * After `timeoutExecution` or an abort, how long a hub callback still running (an `onStatus`
 * or `onMessage` that does not return) may hold the conclusion before it is abandoned.
 */
const CALLBACK_GRACE_MS = 1000;

/**
 * A spoke that joined over TCP (a `join` provisioner's). Whoever started it relaunches it, not
 * the hub: lost, it may rejoin under its id, and the cloud that admitted it admits new ones.
 */
const joined = (spoke: SpokeInfo | undefined): boolean => spoke?.kind === 'tcp';

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';

/**
 * One invocation of a task manager (a parallel sequence point, seed Fig. 2): lease, go online,
 * dispatch, collect one report per task, conclude. When `run()` settles — resolved or
 * rejected — no spoke evaluates one of its tasks (spokes still busy were killed), no callback
 * will fire, and the lease is released.
 */
export class ManagerRun<R> {
  readonly #target: RunTarget;
  readonly #options: ResolvedManageOptions<R>;
  readonly #id = `manage-${++runs}`;
  readonly #source: TaskSource;
  readonly #spokes = new Map<string, SpokeSlot>();
  /**
   * The running attempt of each task, by task id (a `Map` keeps `1` and `'1'` apart). A task has
   * at most one running attempt: an attempt is forgotten before its task is dispatched again.
   */
  readonly #running = new Map<TaskId, Running>();
  readonly #retry: Entry[] = [];
  #lease: Lease | undefined;
  #sourceDone = false;
  #deliveries: Promise<void> = Promise.resolve();
  #pendingDeliveries = 0;
  /** Reports whose delivery is in the promise chain (queued, or an async onStatus running). */
  #chained = 0;
  /** While a report is delivered synchronously: the reports raised meanwhile, delivered after it. */
  #deliveringNow: StatusReport<R>[] | undefined;
  /**
   * While a spoke's message (or a dispatch round) is handled: the reports it settled, delivered
   * once it is done — after the freed slots were refilled, as when every delivery was a
   * microtask later (a DAG's newly ready task waits for its dependency's delivery).
   */
  #held: StatusReport<R>[] | undefined;
  /**
   * While held reports are delivered: the queue being delivered. A hold that ends meanwhile (a
   * delivery freed room, the pump pulled more tasks, some of them dropped at once) appends its
   * reports here instead of delivering them from inside this delivery: a failed task with
   * thousands of dependents used to nest one delivery and one pump per dependent, and overflowed
   * the stack (the hub died with a RangeError).
   */
  #flushing: StatusReport<R>[] | undefined;
  #fatal: Error | undefined;
  /**
   * Set while an abort waits for the running tasks to end by themselves (`abortGrace`): their
   * spokes were told to cancel, nothing new goes out, and the abort goes on when the last one
   * has reported or the timer fires.
   */
  #cancelling: { readonly reason: unknown; readonly timer: ReturnType<typeof setTimeout> } | undefined;
  #concluding = false;
  #callbacksOpen = true;
  #executionTimer: ReturnType<typeof setTimeout> | undefined;
  /** The grace a deadline gives hub callbacks still running (see #deadline). */
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #finish: (() => void) | undefined;
  #started = 0;
  #counts = { reports: 0, ok: 0, failed: 0, retries: 0, duplicates: 0, staleMessages: 0, spokes: 0 };
  #pendingMessages = 0;
  /** Kills in progress (relaunches started by timeouts, relaunchPre/Post). */
  readonly #relaunching = new Set<Promise<void>>();
  /** A record read from the source was refused: the task and its error (see #onRefused). */
  #refused: { readonly taskId: TaskId; readonly error: Error } | undefined;
  /** Set once the conclusion has stopped the spokes: no report is taken after. */
  #stopped = false;
  /** Promises of asynchronous hub callbacks outside the report queue, until they settle (see #watch). */
  readonly #callbacks = new Set<Promise<void>>();
  /** True when a hung hub callback was abandoned at a deadline (see #deadline). */
  #abandonedCallbacks = false;
  /**
   * A deadline's error (timeoutExecution, abort), which says the unfinished tasks were reported
   * dropped; made again, saying they were not, when a hung callback was abandoned.
   */
  #deadlineError: { readonly error: Error; readonly remake: (tail: string) => Error } | undefined;
  readonly #unsettled = new Set<Entry>();
  /** The hub's sequence machine, online while this invocation runs. */
  #hub: SequenceMachine | undefined;
  /**
   * Set while no spoke of the lease is up but one may still come (a lost joined spoke may
   * rejoin, a new one may join): when it fires first, the unfinished tasks are dropped.
   */
  #starving: ReturnType<typeof setTimeout> | undefined;
  /** While the lease is being waited for: ends that wait (see #execute). */
  #waitEnd: AbortController | undefined;

  constructor(target: RunTarget, options: ResolvedManageOptions<R>, source: (hooks: TaskSourceHooks) => TaskSource) {
    this.#target = target;
    this.#options = options;
    this.#source = source({
      available: () => this.#pump(),
      failed: (error) => this.#fail(new SPMHubCallbackError(`The tasks iterable threw: ${messageOfThrown(error)}`, { cause: error })),
    });
  }

  /** Runs the invocation to its conclusion. */
  async run(): Promise<ManageSummary> {
    const hub = currentSequence();
    if (hub.role !== 'hub') {
      throw new SPMInvariantError(`A task manager is invoked on the hub only; \`${this.#target.signature}\` was invoked on a spoke`, { role: hub.role, from: hub.state, to: 'manage' });
    }
    if (hub.state === 'online') {
      // The busy one by its closure's signature (the event's cause), not only its internal id.
      const busy = hub.since?.cause !== undefined ? `\`${hub.since.cause}\` (invocation \`${hub.since.id}\`)` : `invocation \`${hub.since?.id ?? '?'}\``;
      throw new SPMManagerBusy(`Another manager is online in this hub, ${busy}: \`${this.#target.signature}\` must wait until it concludes (one manager at a time)`);
    }
    this.#started = Date.now();
    this.#hub = hub;
    hub.apply({ type: 'manage', id: this.#id, cause: this.#target.signature });
    let error: Error | undefined;
    try {
      await this.#execute();
    } catch (caught) {
      error = caught as Error;
    } finally {
      hub.apply({ type: 'conclude', id: this.#id });
    }
    const summary = this.#summary();
    try {
      // Concluded: nothing more to fail. A listener's rejection is caught, not left unhandled (it ended the process).
      emitEach(this.#target.events, 'concluded', [summary, error], (result) => {
        if (isThenable(result)) Promise.resolve(result).catch(() => undefined);
      });
    } catch {
      // concluded: nothing more to fail
    }
    if (error !== undefined) throw error;
    return summary;
  }

  async #execute(): Promise<void> {
    const o = this.#options;
    // The wait for spokes ends early on an abort, at the deadline, or when a callback failed
    // (a rejected onMetaStatus): the lease comes as it stands and the invocation ends as it would
    // once running — every task dropped, the usual error. Until session 47 each waited out the
    // whole timeoutWaitForSpokes (30 s of a Ctrl-C doing nothing), then said only that.
    const waitEnd = new AbortController();
    this.#waitEnd = waitEnd;
    const endWait = (): void => waitEnd.abort();
    o.signal?.addEventListener('abort', endWait, { once: true });
    if (o.signal?.aborted === true) endWait();
    const deadline = o.timeoutExecutionMs === Infinity ? undefined : setTimeout(endWait, Math.max(0, o.timeoutExecutionMs - (Date.now() - this.#started)));
    this.#meta({ phase: 'waiting-for-spokes', timeoutMs: o.timeoutWaitForSpokesMs });
    let lease: Lease;
    try {
      lease = await o.pool.tracker.lease({
        pool: o.pool,
        owner: this.#target.signature,
        nSpokesMin: o.nSpokesMin,
        nSpokesMax: o.nSpokesMax,
        timeoutWaitForSpokesMs: o.timeoutWaitForSpokesMs,
        signal: waitEnd.signal,
      });
    } catch (error) {
      // A `waiting-for-spokes` callback that failed meanwhile failed first.
      throw this.#fatal ?? error;
    } finally {
      clearTimeout(deadline);
      o.signal?.removeEventListener('abort', endWait);
      this.#waitEnd = undefined;
    }
    this.#lease = lease;
    try {
      const done = new Promise<void>((resolve) => (this.#finish = resolve));
      lease.on('message', (spokeId, message) => this.#onMessage(spokeId, message));
      lease.on('ready', (spoke) => this.#onReady(spoke));
      lease.on('lost', (spoke, reason) => this.#onLost(spoke.id, reason.reason));
      lease.on('failed', (spoke, error) => this.#onLost(spoke.id, error.message));
      for (const spoke of lease.spokes()) this.#spokes.set(spoke.id, { id: spoke.id, host: spoke.host, ready: spoke.state === 'leased', inflight: [], exclusive: 0, named: false, reserved: undefined });
      this.#counts.spokes = lease.spokeIds.length;
      this.#emit('lease', lease.spokeIds);
      // (Not when the wait was ended early: the invocation ends without evaluating.)
      if (!waitEnd.signal.aborted) this.#meta({ phase: 'eval', spokes: lease.spokeIds.length });
      if (o.timeoutExecutionMs !== Infinity) {
        const left = o.timeoutExecutionMs - (Date.now() - this.#started);
        // Already past it (`timeoutExecution: 0`, or a lease that took longer): timed out before
        // anything is dispatched, as an aborted signal is — a timer of 0 let fast inproc tasks
        // finish first now and then, and the same call resolved or rejected by chance.
        if (left <= 0) this.#onExecutionTimeout();
        else this.#executionTimer = setTimeout(() => this.#onExecutionTimeout(), left);
      }
      const signal = o.signal;
      const onAbort = (): void => this.#onAbort(signal?.reason);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.#pump();
        await done;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    } finally {
      await this.#conclude(lease);
    }
    if (this.#fatal !== undefined) {
      const deadline = this.#deadlineError;
      // A hung callback abandoned at the deadline: the drops were made, but no report reached it.
      if (this.#abandonedCallbacks && deadline?.error === this.#fatal) {
        throw deadline.remake(`every unfinished task was dropped (SPMTaskDropped), but no report was delivered: a hub callback was still running ${formatMs(CALLBACK_GRACE_MS)} ms after the deadline and was abandoned (nothing more is called)`);
      }
      throw this.#fatal;
    }
  }

  // ─── Dispatch ──────────────────────────────────────────────────────────────────────────────

  #pump(): void {
    this.#holding(() => this.#pumpNow());
  }

  /** Runs `fn`, then delivers the reports it settled (re-entrant: an outer hold delivers). */
  #holding(fn: () => void): void {
    if (this.#held !== undefined) {
      fn();
      return;
    }
    const held: StatusReport<R>[] = [];
    this.#held = held;
    try {
      fn();
    } finally {
      this.#held = undefined;
      this.#flush(held);
    }
  }

  /** Delivers held reports in order; from inside a delivery, queues them behind it (see `#flushing`). */
  #flush(held: StatusReport<R>[]): void {
    if (this.#flushing !== undefined) {
      for (const report of held) this.#flushing.push(report);
      return;
    }
    this.#flushing = held;
    try {
      // The queue grows while it is delivered.
      for (let i = 0; i < held.length; i++) this.#perform(held[i] as StatusReport<R>);
    } finally {
      this.#flushing = undefined;
    }
  }

  #pumpNow(): void {
    // After a fatal error nothing new goes out: the invocation only waits for its deliveries.
    if (this.#concluding || this.#fatal !== undefined) {
      this.#checkDone();
      return;
    }
    // Cancelling (an abort's grace): nothing new goes out; the last running task's report ends it.
    if (this.#cancelling !== undefined) {
      if (this.#running.size === 0) this.#abortNow(this.#cancelling.reason);
      return;
    }
    for (;;) {
      const spoke = this.#freeSpoke();
      if (spoke === undefined) break;
      const entry = this.#nextEntry(spoke);
      if (entry === undefined) break;
      if (entry.task.relaunchPre && spoke.inflight.length === 0 && entry.attempt === 0 && entry.preRelaunched !== true) {
        // Seed `spm.core.relaunchPre`: a fresh spoke for this task. It waits for the spoke.
        spoke.reserved = entry;
        this.#relaunch(spoke);
        continue;
      }
      this.#dispatch(spoke, entry);
    }
    this.#checkDone();
  }

  /** The ready spoke with the most room (ties: id order), or undefined. */
  #freeSpoke(): SpokeSlot | undefined {
    const limit = this.#options.policy.prefetch + 1;
    let best: SpokeSlot | undefined;
    for (const spoke of this.#spokes.values()) {
      if (!spoke.ready || spoke.reserved !== undefined) continue;
      if (spoke.exclusive > 0 || spoke.inflight.length >= limit) continue;
      if (best === undefined || spoke.inflight.length < best.inflight.length) best = spoke;
    }
    return best;
  }

  #nextEntry(spoke: SpokeSlot): Entry | undefined {
    // Tasks that must go alone go only to an empty spoke; keep them for one.
    const retry = this.#retry[0];
    if (retry !== undefined) {
      if (this.#exclusive(retry) && spoke.inflight.length > 0) return undefined;
      return this.#retry.shift();
    }
    // A loop, not a call per dropped task: thousands of drops in a row must not deepen the stack.
    for (;;) {
      if (this.#sourceDone) return undefined;
      // Back-pressure: while reports wait for a slow onStatus (or iterator consumer), pull no more.
      if (this.#pendingDeliveries > this.#deliveryLimit()) return undefined;
      const next = this.#source.next();
      if (next === 'done') {
        this.#sourceDone = true;
        return undefined;
      }
      if (next === 'wait') return undefined;
      let task: PreparedTask;
      try {
        task = prepareTask(this.#target.schema, next.taskId, next.input);
      } catch (error) {
        this.#onRefused(next.taskId, error as Error);
        return undefined;
      }
      const entry: Entry = { task, attempt: 0, losses: 0, settled: false };
      this.#unsettled.add(entry);
      if (next.drop !== undefined) {
        this.#report(entry, undefined, { error: next.drop });
        continue;
      }
      if (this.#exclusive(entry) && spoke.inflight.length > 0) {
        this.#retry.push(entry); // it waits at the head for an empty spoke
        return undefined;
      }
      return entry;
    }
  }

  #deliveryLimit(): number {
    return Math.max(16, 2 * this.#spokes.size * (this.#options.policy.prefetch + 1));
  }

  #exclusive(entry: Entry): boolean {
    return entry.task.relaunchPre || entry.task.relaunchPost || entry.isolated === true;
  }

  #dispatch(spoke: SpokeSlot, entry: Entry): void {
    entry.attempt += 1;
    const running: Running = { entry, attempt: entry.attempt, spokeId: spoke.id, timer: undefined };
    const record = fillRecord(entry.task.record, { host: spoke.host, spokeId: spoke.id }) as WireValue;
    // `started` costs a message per task: ask for it only to time the task or for listeners.
    const reportStart = entry.task.timeoutMs !== undefined || this.#target.events.listenerCount('started') > 0;
    const taskId = entry.task.taskId;
    try {
      // The closure is named once per spoke channel; then only the attempt and record travel.
      this.#lease?.send(
        spoke.id,
        spoke.named
          ? { type: 'next-task', v, taskId, attempt: entry.attempt, record, reportStart }
          : { type: 'task', v, taskId, attempt: entry.attempt, module: this.#target.module, signature: this.#target.signature, preload: this.#target.preload, record, reportStart },
      );
      spoke.named = true;
    } catch (error) {
      if (this.#lease?.reachable(spoke.id) === true) {
        // The spoke is there: the message could not be sent (a record that is not wire data —
        // a BigInt, a Date, a cycle — or larger than a frame). Only this task fails; it used to
        // be taken for a vanished spoke, requeued forever, and manage() never settled.
        entry.attempt -= 1;
        const reason = messageOfThrown(error);
        this.#report(entry, spoke, { error: new SPMTaskDropped(`Task ${String(taskId)} was dropped: its record cannot be sent to a spoke (${reason})`, { taskId, spokeId: spoke.id, host: spoke.host, cause: error }) });
        return;
      }
      // The spoke went away between `ready` and now: the task waits for another.
      entry.attempt -= 1;
      spoke.ready = false;
      this.#retry.unshift(entry);
      return;
    }
    spoke.inflight.push(running);
    if (this.#exclusive(entry)) spoke.exclusive += 1;
    this.#running.set(entry.task.taskId, running);
    if (this.#target.events.listenerCount('dispatch') > 0) this.#emit('dispatch', { taskId, attempt: entry.attempt, spokeId: spoke.id, at: Date.now() });
  }

  // ─── Messages ──────────────────────────────────────────────────────────────────────────────

  #onMessage(spokeId: string, message: Message): void {
    // Stopping after a refused record, reports are still taken (see #onRefused).
    if (this.#concluding && this.#fatal !== undefined && !(message.type === 'status' && this.#refused !== undefined && !this.#stopped)) return;
    switch (message.type) {
      case 'started':
        this.#onStarted(spokeId, message);
        return;
      case 'status':
        this.#onStatus(spokeId, message);
        return;
      case 'request':
      case 'notify':
        this.#onSpokeMessage(spokeId, message);
        return;
      default:
        return;
    }
  }

  /**
   * A task's message to the hub (fine grain, seed Fig. 4): handled by `onMessage`, one hub
   * callback at a time (in the same order as reports). Stale messages are filtered at the hub
   * (seed Fig. 7): a message from an attempt that is no longer running is discarded, and so is a
   * reply whose attempt was dropped (timed out, spoke lost or relaunched) while the hub was
   * preparing it — it never reaches a later attempt of that task or any other task.
   */
  #onSpokeMessage(spokeId: string, message: MessageOf<'request'> | MessageOf<'notify'>): void {
    const running = this.#attempt(message);
    const event = { taskId: message.taskId, attempt: message.attempt, spokeId, at: Date.now() };
    if (running === undefined || running.spokeId !== spokeId) {
      this.#counts.staleMessages += 1;
      this.#emit('stale-message', { ...event, kind: message.type });
      return;
    }
    const spoke = this.#spokes.get(spokeId);
    const from = { ...event, host: spoke?.host ?? '' };
    this.#pendingMessages += 1;
    this.#deliveries = this.#deliveries.then(async () => {
      try {
        if (!this.#callbacksOpen) return;
        const handler = this.#options.onMessage;
        if (message.type === 'notify') {
          await this.#asHub(() => handler?.(message.body, { ...from, kind: 'notify' }));
          return;
        }
        if (handler === undefined) {
          this.#reply(running, message, { ok: false, error: toWire(new SPMError(`\`${this.#target.signature}\` takes no messages from its tasks (no onMessage)`)) });
          return;
        }
        const body = (await this.#asHub(() => handler(message.body, { ...from, kind: 'request' }))) as WireValue;
        try {
          this.#reply(running, message, { ok: true, body: body === undefined ? null : body });
        } catch (error) {
          // It returned, but what it returned cannot cross the wire (a Map, a class instance, a cycle, too large…).
          this.#fail(new SPMHubCallbackError(`The message handler of \`${this.#target.signature}\` returned a reply to task ${String(message.taskId)} that cannot be sent: ${messageOfThrown(error)}`, { cause: error }));
        }
      } catch (error) {
        this.#fail(new SPMHubCallbackError(`The message handler of \`${this.#target.signature}\` threw on a message of task ${String(message.taskId)}: ${messageOfThrown(error)}`, { cause: error }));
      } finally {
        this.#pendingMessages -= 1;
        this.#checkDone();
      }
    });
  }

  #reply(running: Running, request: MessageOf<'request'>, outcome: { ok: true; body: WireValue } | { ok: false; error: ReturnType<typeof toWire> }): void {
    const { taskId, attempt, requestId } = request;
    if (this.#attempt(request) !== running || running.entry.settled || !this.#callbacksOpen) {
      // The attempt was dropped while the hub prepared the reply: filter it here, at the hub.
      this.#counts.staleMessages += 1;
      this.#emit('stale-message', { taskId, attempt, spokeId: running.spokeId, at: Date.now(), kind: 'reply' });
      return;
    }
    try {
      this.#lease?.send(running.spokeId, { type: 'reply', v, taskId, attempt, requestId, ...outcome } as Message);
    } catch (error) {
      if (this.#spokes.get(running.spokeId)?.ready === false) return; // the spoke just went away
      throw error; // the reply could not be encoded: the handler returned something that cannot cross the wire
    }
  }

  /** The running attempt a spoke's message names, if it is still running. */
  #attempt(message: { readonly taskId: TaskId; readonly attempt: number }): Running | undefined {
    const running = this.#running.get(message.taskId);
    return running !== undefined && running.attempt === message.attempt ? running : undefined;
  }

  #onStarted(spokeId: string, message: MessageOf<'started'>): void {
    const running = this.#attempt(message);
    if (running === undefined || running.spokeId !== spokeId) return;
    running.began = true;
    this.#emit('started', { taskId: message.taskId, attempt: message.attempt, spokeId, at: Date.now() });
    const timeoutMs = running.entry.task.timeoutMs;
    if (timeoutMs !== undefined) running.timer = setTimeout(() => this.#onTaskTimeout(running), timeoutMs);
  }

  #onStatus(spokeId: string, message: MessageOf<'status'>): void {
    this.#holding(() => this.#onStatusNow(spokeId, message));
  }

  #onStatusNow(spokeId: string, message: MessageOf<'status'>): void {
    const running = this.#attempt(message);
    if (running === undefined || running.spokeId !== spokeId) {
      // An attempt we gave up on (timed out, spoke declared lost) reported after all.
      this.#counts.duplicates += 1;
      this.#emit('stale', { taskId: message.taskId, attempt: message.attempt, spokeId, at: Date.now() });
      return;
    }
    this.#forget(running);
    const spoke = this.#spokes.get(spokeId);
    const timeoutMs = running.entry.task.timeoutMs;
    if (timeoutMs !== undefined && message.ms !== undefined && message.ms > timeoutMs && (message.ok || message.phase === 'eval')) {
      // It ran past its timeout on the spoke's clock, but the hub read its `started` late (its
      // thread was busy) and its status with it: its timer never fired. A timeout all the same;
      // its result is not taken. The spoke is idle again: nothing to kill.
      this.#emit('timeout', { taskId: message.taskId, attempt: message.attempt, spokeId, at: Date.now() });
      this.#report(running.entry, spoke, {
        error: new SPMTaskTimeout(`Task ${String(message.taskId)} timed out: it ran ${formatMs(message.ms)} ms on spoke ${spokeId}, past its timeout of ${formatMs(timeoutMs)} ms (the hub read its start late; its result is not taken)`, {
          taskId: message.taskId,
          attempt: message.attempt,
          spokeId,
          ...(spoke ? { host: spoke.host } : {}),
        }),
      });
    } else if (message.ok) {
      this.#report(running.entry, spoke, { value: message.value as R });
    } else if (message.phase === 'cancelled') {
      // Found not begun by a `cancel` (an abort's grace): dropped, as the abort drops the rest.
      const why = this.#cancelling !== undefined ? abortReason(this.#cancelling.reason) : fromWire(message.error).message;
      this.#report(running.entry, spoke, {
        error: new SPMTaskDropped(`Task ${String(message.taskId)} was dropped: the invocation was aborted (${why}) before it began on spoke ${spokeId}`, {
          taskId: message.taskId,
          attempt: message.attempt,
          spokeId,
          ...(spoke ? { host: spoke.host } : {}),
        }),
      });
    } else {
      const context = { taskId: message.taskId, attempt: message.attempt, spokeId, ...(spoke ? { host: spoke.host } : {}) };
      const remote = fromWire(message.error);
      const cls = message.phase === 'load' ? SPMTaskLoad : SPMTaskEval;
      const what = message.phase === 'load' ? 'could not be loaded' : 'threw';
      // A value the task returned that cannot cross the wire: said so (it read "threw … SPMTaskEval").
      const unsendable = message.phase === 'eval' && remote.name === 'SPMTaskEval' ? unsendableReturnDetail(message.taskId, remote.message) : undefined;
      const text =
        unsendable !== undefined
          ? `Task ${String(message.taskId)} returned a value on spoke ${spokeId} that cannot be sent to the hub: ${unsendable}`
          : `Task ${String(message.taskId)} ${what} on spoke ${spokeId}: ${remote.remote?.name ?? remote.name}: ${remote.message}`;
      const error = new cls(text, {
        ...context,
        cause: remote,
        remote: remote.remote ?? { name: remote.name, message: remote.message, ...(remote.stack !== undefined ? { stack: remote.stack } : {}) },
      });
      this.#report(running.entry, spoke, { error });
    }
    if (spoke !== undefined && running.entry.task.relaunchPost) this.#relaunch(spoke);
    this.#pump();
  }

  // ─── Spokes coming and going ──────────────────────────────────────────────────────────────

  #onReady(info: SpokeInfo): void {
    let spoke = this.#spokes.get(info.id);
    if (spoke === undefined) {
      spoke = { id: info.id, host: info.host, ready: true, inflight: [], exclusive: 0, named: false, reserved: undefined };
      this.#spokes.set(info.id, spoke);
    }
    spoke.host = info.host;
    spoke.ready = true;
    spoke.named = false; // a new incarnation (or a first one): its channel knows no closure
    this.#emit('spoke-ready', info.id);
    if (this.#starving !== undefined) {
      // A spoke came back (or joined) while every other was down: the run goes on.
      clearTimeout(this.#starving);
      this.#starving = undefined;
      this.#meta({ phase: 'eval', spokes: [...this.#spokes.values()].filter((s) => s.ready).length });
    }
    const reserved = spoke.reserved;
    if (reserved !== undefined) {
      spoke.reserved = undefined;
      if (!reserved.settled) this.#dispatch(spoke, reserved);
    }
    this.#pump();
  }

  #onLost(spokeId: string, reason: string): void {
    this.#holding(() => this.#onLostNow(spokeId, reason));
  }

  #onLostNow(spokeId: string, reason: string): void {
    const spoke = this.#spokes.get(spokeId);
    if (spoke === undefined) return;
    spoke.ready = false;
    this.#emit('spoke-lost', spokeId, reason);
    // A pipelined closure's spoke evaluates every task it holds: when it dies holding several,
    // the loss cannot be charged to one of them (charging the first dropped innocent tasks and
    // spared the culprit). Each runs again alone, uncharged; a loss it then causes is its own.
    const ambiguous = this.#target.pipelined === true && spoke.inflight.length > 1;
    this.#abandon(spoke, (running, first) => {
      const entry = running.entry;
      if (ambiguous) {
        entry.isolated = true;
        entry.lostOn = { spokeId, reason };
        this.#emit('retry', { taskId: entry.task.taskId, attempt: running.attempt, spokeId, at: Date.now(), reason });
        return 'requeue';
      }
      // The first attempt is charged even if its `started` never arrived: a task that kills its
      // spoke at once must still meet the retry budget, not loop forever.
      if (!first) return 'requeue';
      if (entry.losses < this.#options.policy.retriesOnSpokeLoss) {
        entry.losses += 1;
        entry.lostOn = { spokeId, reason };
        this.#counts.retries += 1;
        this.#emit('retry', { taskId: entry.task.taskId, attempt: running.attempt, spokeId, at: Date.now(), reason });
        return 'requeue';
      }
      return new SPMTaskDropped(
        `Task ${String(entry.task.taskId)} was dropped: spoke ${spokeId} was lost while evaluating it (${reason}), after ${entry.losses} retr${entry.losses === 1 ? 'y' : 'ies'} (policy ${this.#options.policy.name})`,
        { taskId: entry.task.taskId, attempt: running.attempt, spokeId, host: spoke.host },
      );
    });
    if (spoke.reserved !== undefined && !this.#spokeUp(spokeId)) {
      const snapshot = this.#options.pool.tracker.snapshot(spokeId);
      // A joined spoke killed for it stays lost until whoever started it restarts it: its kill
      // was the relaunch. Killing the next spoke too would kill every joined spoke in turn.
      if (joined(snapshot) && snapshot?.state === 'lost') spoke.reserved.preRelaunched = true;
      this.#retry.unshift(spoke.reserved);
      spoke.reserved = undefined;
    }
    // Give the tracker a turn to start relaunching before deciding the lease is empty.
    setImmediate(() => this.#checkStarved());
    this.#pump();
  }

  /**
   * Takes every attempt off `spoke`; `decide` says for each whether to dispatch it again
   * elsewhere or report it with an error. The first attempt is the one that was evaluating.
   */
  #abandon(spoke: SpokeSlot, decide: (running: Running, first: boolean) => 'requeue' | SPMTaskError): void {
    const abandoned = spoke.inflight.splice(0);
    spoke.exclusive = 0;
    const requeue: Entry[] = [];
    abandoned.forEach((running, i) => {
      this.#forget(running);
      const outcome = decide(running, i === 0);
      if (outcome === 'requeue') requeue.push(running.entry);
      else this.#report(running.entry, spoke, { error: outcome, attempt: running.attempt });
    });
    this.#retry.unshift(...requeue);
  }

  #forget(running: Running): void {
    if (running.timer !== undefined) clearTimeout(running.timer);
    running.timer = undefined;
    if (this.#running.get(running.entry.task.taskId) === running) this.#running.delete(running.entry.task.taskId);
    const spoke = this.#spokes.get(running.spokeId);
    if (spoke === undefined) return;
    // A spoke reports in the order it was sent tasks: the attempt is nearly always the first.
    const inflight = spoke.inflight;
    const i = inflight[0] === running ? 0 : inflight.indexOf(running);
    if (i < 0) return;
    if (i === 0) inflight.shift();
    else inflight.splice(i, 1);
    if (this.#exclusive(running.entry)) spoke.exclusive -= 1;
  }

  /** Whether a spoke is up or on its way back by the hub's doing (starting, leased, idle). */
  #spokeUp(spokeId: string): boolean {
    const state = this.#options.pool.tracker.snapshot(spokeId)?.state;
    return state === 'starting' || state === 'leased' || state === 'idle';
  }

  /**
   * Whether a spoke may still come though none of the lease is up: a lost joined spoke may
   * rejoin under its id (the tracker keeps it listed `lost` for that), and a cloud that admitted
   * spokes over TCP (`join`) admits new ones, which join the lease. Local spokes come back only
   * through the tracker's relaunch (`starting`): lost or failed, they are gone for good.
   */
  #spokeMayCome(): boolean {
    const tracker = this.#options.pool.tracker;
    if (tracker.closed) return false;
    // A joined spoke the lease holds stays listed (lost) while it is held; any other listed one
    // (lost, stopped, idle elsewhere) says the cloud admits spokes from outside too.
    return [...this.#spokes.keys()].some((id) => joined(tracker.snapshot(id))) || tracker.spokes().some(joined);
  }

  /**
   * If no spoke of the lease is up, every unfinished task is dropped: at once when none can come
   * back (local spokes lost or failed for good, the cloud closed), else once
   * `timeoutWaitForSpokes` has passed without one (a joined spoke may rejoin, a new one join).
   */
  #checkStarved(): void {
    if (this.#concluding) return;
    if ([...this.#spokes.keys()].some((id) => this.#spokeUp(id))) return;
    const ids = (): string => [...this.#spokes.keys()].join(', ');
    // (An invocation already failing waits for nothing.)
    if (this.#fatal === undefined && this.#spokeMayCome()) {
      if (this.#starving !== undefined) return; // already waiting: the first loss set the bound
      const ms = this.#options.timeoutWaitForSpokesMs;
      this.#meta({ phase: 'waiting-for-spokes', timeoutMs: ms });
      const timer = setTimeout(() => {
        this.#holding(() => {
          if (this.#starving !== timer) return;
          this.#starving = undefined;
          if (this.#concluding || this.#fatal !== undefined) return;
          const within = `within ${formatMs(ms)} ms (timeoutWaitForSpokes)`;
          this.#starve(
            new SPMManagerError(`Every spoke of the lease (${ids()}) was lost and none came back ${within}, though joined spokes may rejoin and new ones join: unfinished tasks are dropped`),
            `no spoke came back ${within}`,
          );
        });
      }, ms);
      this.#starving = timer;
      return;
    }
    // Closing the cloud under a manager ends its spokes too; say which it was.
    if (this.#options.pool.tracker.closed) {
      this.#starve(new SPMManagerError(`The tracker (the cloud) was closed while \`${this.#target.signature}\` ran: its spokes (${ids()}) are gone and unfinished tasks are dropped`), undefined);
      return;
    }
    this.#starve(new SPMManagerError(`Every spoke of the lease (${ids()}) was lost or failed and none is coming back: unfinished tasks are dropped`), 'no spoke is left');
  }

  /**
   * Drops every unfinished task for want of a spoke, and fails the invocation with `error`.
   * `why` completes "… to run it" (`undefined`: the tracker was closed, the cause of every drop).
   * A task lost with a spoke while evaluating it says that first, with the spoke: it used to read
   * only "no spoke is left to run it", with no spoke.
   */
  #starve(error: SPMManagerError, why: string | undefined): void {
    if (why === undefined) {
      this.#dropAll((entry) => new SPMTaskDropped(`Task ${String(entry.task.taskId)} was dropped: the tracker was closed`, { taskId: entry.task.taskId, attempt: entry.attempt }));
    } else {
      const lostOn = (entry: Entry): SpokeSlot | undefined => (entry.lostOn === undefined ? undefined : this.#spokes.get(entry.lostOn.spokeId));
      this.#dropAll((entry) => {
        const taskId = entry.task.taskId;
        const lost = entry.lostOn;
        if (lost === undefined) return new SPMTaskDropped(`Task ${String(taskId)} was dropped: ${why} to run it`, { taskId, attempt: entry.attempt });
        const host = lostOn(entry)?.host;
        return new SPMTaskDropped(`Task ${String(taskId)} was dropped: spoke ${lost.spokeId} was lost while evaluating it (${lost.reason}), and ${why} to run it again`, {
          taskId,
          attempt: entry.attempt,
          spokeId: lost.spokeId,
          ...(host !== undefined ? { host } : {}),
        });
      }, lostOn);
    }
    this.#fail(error);
  }

  #relaunch(spoke: SpokeSlot): void {
    spoke.ready = false;
    const lease = this.#lease;
    if (lease === undefined) return;
    // The conclusion waits for these kills: a timed-out task's spoke (and its coprocess tree)
    // must be gone before manage() settles, even if no attempt is left on it.
    const killing = lease.relaunch(spoke.id).catch(() => this.#onLost(spoke.id, 'its relaunch failed'));
    this.#relaunching.add(killing);
    void killing.finally(() => this.#relaunching.delete(killing));
  }

  // ─── Timeouts ──────────────────────────────────────────────────────────────────────────────

  #onTaskTimeout(running: Running): void {
    this.#holding(() => this.#onTaskTimeoutNow(running));
  }

  #onTaskTimeoutNow(running: Running): void {
    running.timer = undefined;
    if (this.#concluding) return;
    const spoke = this.#spokes.get(running.spokeId);
    if (spoke === undefined || !spoke.inflight.includes(running)) return;
    const entry = running.entry;
    this.#emit('timeout', { taskId: entry.task.taskId, attempt: running.attempt, spokeId: spoke.id, at: Date.now() });
    this.#abandon(spoke, (r) =>
      r === running
        ? new SPMTaskTimeout(`Task ${String(entry.task.taskId)} timed out after ${formatMs(entry.task.timeoutMs ?? 0)} ms on spoke ${spoke.id}; the spoke was killed (and relaunched, where the hub starts its spokes)`, {
            taskId: entry.task.taskId,
            attempt: running.attempt,
            spokeId: spoke.id,
            host: spoke.host,
          })
        : 'requeue',
    );
    // Kill what it ran (the whole spoke, coprocesses included) and start a fresh one.
    this.#relaunch(spoke);
    this.#pump();
  }

  #onExecutionTimeout(): void {
    if (this.#concluding) return;
    const ms = this.#options.timeoutExecutionMs;
    this.#dropAll(
      (entry) =>
        new SPMTaskDropped(`Task ${String(entry.task.taskId)} was dropped: the invocation passed its timeoutExecution of ${ms} ms`, {
          taskId: entry.task.taskId,
          attempt: entry.attempt,
        }),
    );
    this.#deadline();
    const remake = (tail: string): Error => new SPMExecutionTimeout(`\`${this.#target.signature}\` ran past its timeoutExecution of ${ms} ms: running tasks were killed and ${tail}`);
    this.#deadlineError = { error: remake('every unfinished task was reported SPMTaskDropped'), remake };
    this.#fail(this.#deadlineError.error);
  }

  #onAbort(reason: unknown): void {
    if (this.#concluding || this.#cancelling !== undefined) return;
    const graceMs = this.#options.abortGraceMs;
    if (graceMs > 0 && this.#running.size > 0 && this.#fatal === undefined && this.#lease !== undefined) {
      // The gentle abort: the running tasks' spokes cancel their evaluations, whose reports are
      // taken as usual until the last one is in or the grace has passed.
      this.#cancelling = { reason, timer: setTimeout(() => this.#holding(() => this.#abortNow(reason)), graceMs) };
      const cancel: Message = { type: 'cancel', v, reason: `the invocation was aborted (${abortReason(reason)})` };
      for (const spoke of this.#spokes.values()) {
        if (spoke.inflight.length === 0) continue;
        try {
          this.#lease.send(spoke.id, cancel);
        } catch {
          // Unreachable: the spoke is going or gone, and its loss (noticed) settles its tasks.
        }
      }
      this.#meta({ phase: 'cancelling', running: this.#running.size, graceMs });
      return;
    }
    this.#abortNow(reason);
  }

  /** The abort proper: every unfinished task is dropped, the invocation fails (its running tasks are killed as it concludes). */
  #abortNow(reason: unknown): void {
    if (this.#concluding) return;
    if (this.#cancelling !== undefined) clearTimeout(this.#cancelling.timer);
    const why = abortReason(reason);
    // A task on a spoke says which (and that it ran, when its spoke said it began: a task with a
    // timeout): one running, or held behind a busy evaluation whose spoke could not answer an
    // `abortGrace`'s cancel, read only "the invocation was aborted", unlike one the cancel found
    // not begun ("… before it began on spoke …").
    const runningOn = (entry: Entry): Running | undefined => {
      const running = this.#running.get(entry.task.taskId);
      return running?.entry === entry ? running : undefined;
    };
    this.#dropAll(
      (entry) => {
        const running = runningOn(entry);
        const where = running === undefined ? '' : running.began === true ? ` while it ran on spoke ${running.spokeId}` : ` while it was on spoke ${running.spokeId}`;
        const host = running === undefined ? undefined : this.#spokes.get(running.spokeId)?.host;
        return new SPMTaskDropped(`Task ${String(entry.task.taskId)} was dropped: the invocation was aborted (${why})${where}`, {
          taskId: entry.task.taskId,
          attempt: entry.attempt,
          ...(running !== undefined ? { spokeId: running.spokeId } : {}),
          ...(host !== undefined ? { host } : {}),
        });
      },
      (entry) => {
        const running = runningOn(entry);
        return running === undefined ? undefined : this.#spokes.get(running.spokeId);
      },
    );
    this.#deadline();
    const remake = (tail: string): Error => new SPMManagerError(`\`${this.#target.signature}\` was aborted (${why}): running tasks were killed and ${tail}`, { cause: reason });
    this.#deadlineError = { error: remake('every unfinished task was reported SPMTaskDropped'), remake };
    this.#fail(this.#deadlineError.error);
  }

  /**
   * A record read from an iterable failed its check (an array, and a DAG, are checked whole
   * before anything runs). The invocation stops: nothing more is read or dispatched, and it
   * fails with the record's error. This task is reported `SPMTaskDropped` at once; the tasks
   * already dispatched keep the reports that reach the hub until their spokes are stopped
   * (busy ones are killed, as at any failed conclusion), and the rest are then reported
   * `SPMTaskDropped` (see #conclude), each with the record's error as `cause`. They used to get
   * no report at all, though some had run.
   */
  #onRefused(taskId: TaskId, error: Error): void {
    const refused: Entry = { task: { taskId, record: {}, timeoutMs: undefined, relaunchPre: false, relaunchPost: false }, attempt: 0, losses: 0, settled: false };
    this.#unsettled.add(refused);
    this.#report(refused, undefined, { error: new SPMTaskDropped(`Task ${String(taskId)} was dropped: its record was refused (${messageOfThrown(error)})`, { taskId, attempt: 0, cause: error }) });
    this.#refused = { taskId, error };
    this.#fail(error);
  }

  /**
   * Reports every task that has not concluded (running, queued, waiting, and — when the source
   * can list them — not yet read) with `error`.
   */
  #dropAll(error: (entry: Entry) => SPMTaskError, spokeOf?: (entry: Entry) => SpokeSlot | undefined): void {
    for (const next of this.#sourceDone ? [] : (this.#source.drain?.() ?? [])) {
      let task: PreparedTask;
      try {
        task = prepareTask(this.#target.schema, next.taskId, next.input);
      } catch {
        task = { taskId: next.taskId, record: {}, timeoutMs: undefined, relaunchPre: false, relaunchPost: false };
      }
      this.#unsettled.add({ task, attempt: 0, losses: 0, settled: false });
    }
    this.#sourceDone = true;
    for (const entry of [...this.#unsettled]) this.#report(entry, spokeOf?.(entry), { error: error(entry) });
    this.#retry.length = 0;
  }

  // ─── Reports ───────────────────────────────────────────────────────────────────────────────

  #report(entry: Entry, spoke: SpokeSlot | undefined, outcome: { value: R } | { error: SPMTaskError; attempt?: number }): void {
    if (entry.settled) return; // exactly one report per task
    entry.settled = true;
    this.#unsettled.delete(entry);
    const taskId = entry.task.taskId;
    const attempt = 'attempt' in outcome && outcome.attempt !== undefined ? outcome.attempt : entry.attempt;
    const spokeId = spoke?.id;
    const host = spoke?.host;
    // One report per task: built without intermediate objects, and the record is copied only
    // when it has an `spm` struct for the runtime to fill.
    const record = entry.task.record;
    const spm = record['spm'];
    const fill = typeof spm === 'object' && spm !== null;
    const core = fill ? { host: host ?? '', spokeId: spokeId ?? '' } : undefined;
    const report =
      'value' in outcome
        ? new StatusReport<R>({ taskId, attempt, spokeId, host, ok: true, value: outcome.value, record: core ? fillRecord(record, core, { returnValue: outcome.value }) : record })
        : new StatusReport<R>({ taskId, attempt, spokeId, host, ok: false, error: outcome.error, record: core ? fillRecord(record, core, { exception: outcome.error.message }) : record });
    this.#counts.reports += 1;
    if (report.ok) this.#counts.ok += 1;
    else this.#counts.failed += 1;
    try {
      this.#source.settled(entry.task.taskId, report.ok);
    } catch (error) {
      this.#fail(error as Error);
    }
    this.#deliver(report);
  }

  // Reports reach the user one at a time, in order; an async onStatus is awaited before the next.
  // When no delivery is pending, a report is delivered at once, synchronously: an `onStatus`
  // that returns a non-promise then costs no promise-chain link (measured: that link was most of
  // the hub's per-report cost). One that returns a promise, and every report that arrives while
  // a delivery is pending (also those raised from inside a callback), go through the chain.
  #deliver(report: StatusReport<R>): void {
    if (!this.#callbacksOpen) return;
    this.#pendingDeliveries += 1;
    const later = this.#deliveringNow ?? this.#held;
    if (later !== undefined) {
      later.push(report); // raised inside a callback, or held until the message is handled
      return;
    }
    this.#perform(report);
  }

  /** Delivers a report counted in `#pendingDeliveries`: at once when nothing is ahead of it. */
  #perform(report: StatusReport<R>): void {
    if (this.#chained > 0 || this.#pendingMessages > 0) {
      this.#enqueue(report);
      return;
    }
    if (!this.#callbacksOpen) {
      this.#delivered();
      return;
    }
    const raised: StatusReport<R>[] = [];
    this.#deliveringNow = raised;
    let result: unknown;
    let threw = false;
    try {
      result = this.#callStatus(report);
    } catch (error) {
      threw = true;
      this.#statusThrew(report, error);
    } finally {
      this.#deliveringNow = undefined;
    }
    const async = !threw && isThenable(result);
    if (async) {
      this.#chained += 1;
      this.#deliveries = Promise.resolve(result).then(
        () => {
          this.#chained -= 1;
          this.#delivered();
        },
        (error: unknown) => {
          this.#chained -= 1;
          this.#statusThrew(report, error);
          this.#delivered();
        },
      );
    }
    for (const next of raised) this.#perform(next);
    if (!async) this.#delivered();
  }

  /** Queues a report's delivery behind every delivery and message handler already queued. */
  #enqueue(report: StatusReport<R>): void {
    this.#chained += 1;
    this.#deliveries = this.#deliveries.then(async () => {
      try {
        if (!this.#callbacksOpen) return;
        await this.#callStatus(report);
      } catch (error) {
        this.#statusThrew(report, error);
      } finally {
        this.#chained -= 1;
        this.#delivered();
      }
    });
  }

  #callStatus(report: StatusReport<R>): unknown {
    return this.#asHub(() => {
      // A listener, not the status callback: said so (it was blamed on the callback).
      const blame = (error: unknown): SPMHubCallbackError =>
        new SPMHubCallbackError(`A \`report\` listener of \`${this.#target.signature}\` threw on task ${String(report.taskId)}: ${messageOfThrown(error)}`, { cause: error });
      try {
        emitEach(this.#target.events, 'report', [report], (result) => this.#watch(result, blame));
      } catch (error) {
        this.#fail(blame(error));
        return undefined;
      }
      return this.#options.onStatus?.(report);
    });
  }

  #statusThrew(report: StatusReport<R>, error: unknown): void {
    this.#fail(new SPMHubCallbackError(`The status callback of \`${this.#target.signature}\` threw on task ${String(report.taskId)}: ${messageOfThrown(error)}`, { cause: error }));
  }

  /** One delivery concluded (or was skipped): maybe resume pulling tasks, maybe conclude. */
  #delivered(): void {
    this.#pendingDeliveries -= 1;
    if (this.#pendingDeliveries === this.#deliveryLimit()) this.#pump();
    this.#checkDone();
  }

  #emit<K extends keyof ManagerEvents>(event: K, ...args: ManagerEvents[K]): void {
    if (!this.#callbacksOpen) return;
    const blame = (error: unknown): SPMHubCallbackError =>
      new SPMHubCallbackError(`A \`${String(event)}\` listener of \`${this.#target.signature}\` threw: ${messageOfThrown(error)}`, { cause: error });
    try {
      this.#asHub(() => emitEach(this.#target.events, event, args, (result) => this.#watch(result, blame)));
    } catch (error) {
      this.#fail(blame(error));
    }
  }

  #meta(status: MetaStatus): void {
    this.#emit('meta-status', status);
    if (!this.#callbacksOpen) return;
    const blame = (error: unknown): SPMHubCallbackError =>
      new SPMHubCallbackError(`The meta-status callback of \`${this.#target.signature}\` threw: ${messageOfThrown(error)}`, { cause: error });
    try {
      this.#watch(
        this.#asHub(() => this.#options.onMetaStatus?.(status)),
        blame,
      );
    } catch (error) {
      this.#fail(blame(error));
    }
  }

  /**
   * Follows what a hub callback outside the report queue (`onMetaStatus`, an event listener)
   * returned: a promise that rejects fails the invocation as a throw does, and the conclusion
   * waits for it. Such a promise used to be dropped: its rejection went unhandled and ended the
   * hub's process (exit 1, manage() never settled).
   */
  #watch(result: unknown, blame: (error: unknown) => SPMHubCallbackError): void {
    if (!isThenable(result)) return;
    const settled = Promise.resolve(result).then(
      () => undefined,
      (error: unknown) => this.#fail(blame(error)),
    );
    this.#callbacks.add(settled);
    void settled.then(() => {
      this.#callbacks.delete(settled);
      this.#checkDone();
    });
  }

  /**
   * Runs a hub callback in the hub's sequence (online). Needed in serial mode: a message from an
   * inproc spoke is delivered in the async context it was sent from — the spoke's evaluation —
   * and the user's hub code must not see itself as that spoke.
   */
  #asHub<T>(fn: () => T): T {
    return this.#hub === undefined ? fn() : runInSequence(this.#hub, fn);
  }

  // ─── Conclusion ────────────────────────────────────────────────────────────────────────────

  #checkDone(): void {
    if (this.#finish === undefined) return;
    if (this.#callbacks.size > 0) return;
    const idle = this.#sourceDone && this.#unsettled.size === 0 && this.#pendingDeliveries === 0;
    if (idle || (this.#fatal !== undefined && this.#pendingDeliveries === 0 && this.#pendingMessages === 0)) {
      const finish = this.#finish;
      this.#finish = undefined;
      finish();
    }
  }

  /**
   * A deadline passed (timeoutExecution, abort): the invocation must conclude even if a hub
   * callback never returns. After a grace it stops waiting for callbacks still running; none
   * is called again.
   */
  #deadline(): void {
    if (this.#graceTimer !== undefined) return;
    // Not unref'd: while a callback hangs, this timer may be all that keeps the process alive
    // (inproc spokes hold no handle), and an unref'd one let Node exit — status 0, manage() never
    // settled. Cleared when the invocation concludes sooner.
    this.#graceTimer = setTimeout(() => {
      if (this.#finish === undefined) return;
      this.#callbacksOpen = false;
      this.#abandonedCallbacks = true;
      const finish = this.#finish;
      this.#finish = undefined;
      finish();
    }, CALLBACK_GRACE_MS);
  }

  /** First fatal error wins; the invocation concludes as soon as deliveries allow. */
  #fail(error: Error): void {
    if (this.#fatal !== undefined) return;
    this.#fatal = error;
    // Still waiting for spokes: no more (see #execute).
    this.#waitEnd?.abort();
    if (error instanceof SPMHubCallbackError) this.#callbacksOpen = false; // no further callback fires
    this.#checkDone();
  }

  async #conclude(lease: Lease): Promise<void> {
    this.#concluding = true;
    if (this.#executionTimer !== undefined) clearTimeout(this.#executionTimer);
    if (this.#graceTimer !== undefined) clearTimeout(this.#graceTimer);
    if (this.#cancelling !== undefined) clearTimeout(this.#cancelling.timer);
    if (this.#starving !== undefined) clearTimeout(this.#starving);
    this.#starving = undefined;
    for (const running of this.#running.values()) if (running.timer !== undefined) clearTimeout(running.timer);
    this.#source.close();
    // Sequence point: nothing of this invocation may still run. A hub-callback error
    // terminates every spoke of the lease (seed: forcible termination); otherwise only spokes
    // still holding attempts (after a timeout or a failure) are killed.
    const stop = async (): Promise<void> => {
      const hubCallback = this.#fatal instanceof SPMHubCallbackError;
      const busy = [...this.#spokes.values()].filter((s) => s.inflight.length > 0).map((s) => s.id);
      const doomed = hubCallback ? [...lease.spokeIds] : busy;
      if (hubCallback && !this.#options.policy.relaunchOnHubCallbackError) {
        await Promise.all(doomed.map((id) => lease.kill(id).catch(() => undefined)));
      } else {
        await Promise.all(doomed.map((id) => lease.relaunch(id).catch(() => undefined)));
      }
    };
    try {
      await stop();
      this.#stopped = true;
      const refused = this.#refused;
      if (refused !== undefined) {
        // Whatever did not report while its spoke was stopped never will.
        const at = String(refused.taskId);
        this.#dropAll(
          (entry) =>
            new SPMTaskDropped(`Task ${String(entry.task.taskId)} was dropped: the invocation stopped at task ${at}, whose record was refused`, {
              taskId: entry.task.taskId,
              attempt: entry.attempt,
              cause: refused.error,
            }),
        );
      }
      await Promise.all(this.#relaunching);
      if (!this.#abandonedCallbacks) {
        await this.#deliveries;
        await this.#settleCallbacks();
      }
      if (this.#fatal === undefined) {
        this.#meta({ phase: 'eval-done' });
        await this.#settleCallbacks();
        // An asynchronous `eval-done` callback that rejected: a hub-callback error as any other.
        if (this.#fatal !== undefined) await stop();
      }
    } finally {
      this.#callbacksOpen = false;
      this.#running.clear();
      await lease.release();
    }
  }

  /** Waits for the asynchronous hub callbacks still running (see #watch), those they start included. */
  async #settleCallbacks(): Promise<void> {
    while (this.#callbacks.size > 0) await Promise.all(this.#callbacks);
  }

  #summary(): ManageSummary {
    return { ...this.#counts, wallMs: Date.now() - this.#started };
  }
}

