import { writeFileSync } from 'node:fs';
import type { EventEmitter } from 'eventemitter3';
import type { ManagerEvents } from './manager-events.js';
import { formatMetaStatus, type MetaStatus } from './meta-status.js';
import type { StatusReport } from './status-report.js';

/** What the recorder listens to: a closure (its typed events). */
export type TraceSource = Pick<EventEmitter<ManagerEvents>, 'on' | 'off'>;

/** One Chrome Trace Event (the JSON Object Format read by Perfetto and chrome://tracing). */
export interface TraceEvent {
  readonly name: string;
  /** `X` complete (with `dur`), `i` instant, `M` metadata. */
  readonly ph: 'X' | 'i' | 'M';
  /** Microseconds. */
  readonly ts: number;
  readonly dur?: number;
  readonly pid: number;
  readonly tid: number;
  readonly cat?: string;
  /** Instant scope: `t` thread, `p` process, `g` global. */
  readonly s?: 't' | 'p' | 'g';
  readonly args?: Readonly<Record<string, unknown>>;
}

/** Work a spoke measured inside a task (e.g. a command from spawn to exit), drawn inside the task's span. */
export interface TraceInner {
  readonly name: string;
  /** ms since the epoch. */
  readonly startMs: number;
  readonly durationMs: number;
  readonly args?: Readonly<Record<string, unknown>>;
}

/** How a finished attempt is drawn: its span's name and details, and optionally inner spans. */
export interface TraceSpan {
  readonly name: string;
  readonly args?: Readonly<Record<string, unknown>>;
  /** The work itself as the spoke measured it (e.g. the command from spawn to exit; a batch's commands one by one), drawn inside. */
  readonly inner?: TraceInner | readonly TraceInner[];
}

const us = (ms: number): number => Math.round(ms * 1000);

/** The span of a report when the caller does not name it: `task <id>`, with its outcome. */
function defaultSpan(report: StatusReport): TraceSpan {
  return { name: `task ${String(report.taskId)}`, args: report.ok ? {} : { error: report.error?.message ?? 'failed' } };
}

/**
 * Records a timeline of a closure's invocations from its events: one span per task attempt on
 * its spoke's track (from `started` to its report, or to the loss of its spoke), grouped by
 * server, plus instants for timeouts, retries, lost spokes and the hub's MetaStatus changes.
 * `toJSON()` is a Chrome Trace Event file.
 */
export class ChromeTrace {
  readonly #events: TraceEvent[] = [];
  readonly #started = new Map<string, { at: number; spokeId: string }>();
  readonly #hosts = new Map<string, number>();
  readonly #spokes = new Map<string, { tid: number; pid: number }>();
  readonly #spokeHost = new Map<string, string>();

  /** `hubName` labels the hub's own track (pid 0). */
  constructor(readonly hubName = 'hub') {}

  /**
   * Follows `closure`'s events; `describe` names the span of each report (`report.record` holds the
   * task). `spokeHost` tells a spoke's server (from the tracker). Returns a function that stops.
   */
  attach(
    closure: TraceSource,
    describe: (report: StatusReport) => TraceSpan = defaultSpan,
    spokeHost: (spokeId: string) => string | undefined = () => undefined,
  ): () => void {
    const key = (taskId: unknown, attempt: number): string => `${String(taskId)}#${attempt}`;
    const onStarted = (e: { taskId: unknown; attempt: number; spokeId: string; at: number }): void => {
      this.#started.set(key(e.taskId, e.attempt), { at: e.at, spokeId: e.spokeId });
      const host = spokeHost(e.spokeId);
      if (host !== undefined) this.#spokeHost.set(e.spokeId, host);
    };
    const onReport = (report: StatusReport): void => {
      const k = key(report.taskId, report.attempt);
      const start = this.#started.get(k);
      if (start === undefined) return; // dropped before it ran anywhere
      this.#started.delete(k);
      if (report.host !== undefined && !this.#spokeHost.has(start.spokeId)) this.#spokeHost.set(start.spokeId, report.host);
      const span = describe(report);
      const track = this.#track(start.spokeId);
      // The hub hears of the start a little after the spoke began: widen the span so that it
      // contains the work the spoke measured (a trace viewer nests spans by containment).
      const inner: readonly TraceInner[] = span.inner === undefined ? [] : Array.isArray(span.inner) ? span.inner : [span.inner as TraceInner];
      let begin = start.at;
      let end = Date.now();
      for (const work of inner) {
        begin = Math.min(begin, work.startMs);
        end = Math.max(end, work.startMs + work.durationMs);
      }
      this.#events.push({ name: span.name, cat: 'task', ph: 'X', ts: us(begin), dur: Math.max(1, us(end - begin)), ...track, args: { taskId: report.taskId, attempt: report.attempt, spoke: start.spokeId, ok: report.ok, ...span.args } });
      for (const work of inner) {
        this.#events.push({ name: work.name, cat: 'work', ph: 'X', ts: us(work.startMs), dur: Math.max(1, us(work.durationMs)), ...track, ...(work.args !== undefined ? { args: work.args } : {}) });
      }
    };
    const onLostAttempt = (what: string) => (e: { taskId: unknown; attempt: number; spokeId: string; at: number; reason?: string }) => {
      const k = key(e.taskId, e.attempt);
      const start = this.#started.get(k);
      const track = this.#track(e.spokeId);
      if (start !== undefined && what === 'retry') {
        this.#started.delete(k);
        this.#events.push({ name: `task ${String(e.taskId)} (spoke lost)`, cat: 'task', ph: 'X', ts: us(start.at), dur: Math.max(1, us(e.at - start.at)), ...track, args: { taskId: e.taskId, attempt: e.attempt, lost: true, reason: e.reason } });
      }
      this.#events.push({ name: what, cat: 'event', ph: 'i', s: 't', ts: us(e.at), ...track, args: { taskId: e.taskId, attempt: e.attempt, ...(e.reason !== undefined ? { reason: e.reason } : {}) } });
    };
    const onTimeout = onLostAttempt('timeout');
    const onRetry = onLostAttempt('retry');
    const onSpokeLost = (spokeId: string, reason: string): void => {
      this.#events.push({ name: 'spoke lost', cat: 'event', ph: 'i', s: 't', ts: us(Date.now()), ...this.#track(spokeId), args: { reason } });
    };
    const onMeta = (status: MetaStatus): void => this.instant(formatMetaStatus(status).replace(/^#: MetaStatus \(hub\): /, ''));
    closure.on('started', onStarted);
    closure.on('report', onReport);
    closure.on('timeout', onTimeout);
    closure.on('retry', onRetry);
    closure.on('spoke-lost', onSpokeLost);
    closure.on('meta-status', onMeta);
    return () => {
      closure.off('started', onStarted);
      closure.off('report', onReport);
      closure.off('timeout', onTimeout);
      closure.off('retry', onRetry);
      closure.off('spoke-lost', onSpokeLost);
      closure.off('meta-status', onMeta);
    };
  }

  /** An instant on the hub's track (a halt, an interrupt). */
  instant(name: string, args?: Readonly<Record<string, unknown>>, atMs = Date.now()): void {
    this.#events.push({ name, cat: 'hub', ph: 'i', s: 'g', ts: us(atMs), pid: 0, tid: 0, ...(args !== undefined ? { args } : {}) });
  }

  /** The events recorded so far. */
  get events(): readonly TraceEvent[] {
    return this.#events;
  }

  /** The trace file's content: metadata naming the hub, each server and each spoke, then the events in time order. */
  toJSON(): { traceEvents: TraceEvent[]; displayTimeUnit: 'ms' } {
    const meta: TraceEvent[] = [
      { name: 'process_name', ph: 'M', ts: 0, pid: 0, tid: 0, args: { name: this.hubName } },
      { name: 'process_sort_index', ph: 'M', ts: 0, pid: 0, tid: 0, args: { sort_index: 0 } },
    ];
    for (const [host, pid] of this.#hosts) {
      meta.push({ name: 'process_name', ph: 'M', ts: 0, pid, tid: 0, args: { name: `server ${host}` } });
      meta.push({ name: 'process_sort_index', ph: 'M', ts: 0, pid, tid: 0, args: { sort_index: pid } });
    }
    for (const [spokeId, { pid, tid }] of this.#spokes) {
      meta.push({ name: 'thread_name', ph: 'M', ts: 0, pid, tid, args: { name: `spoke ${spokeId}` } });
      meta.push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid, tid, args: { sort_index: tid } });
    }
    return { traceEvents: [...meta, ...[...this.#events].sort((a, b) => a.ts - b.ts)], displayTimeUnit: 'ms' };
  }

  /**
   * Writes the trace file: `file` is a path (the file is replaced), or a descriptor opened for
   * writing (written at its position and left open: a FIFO opened at the start of a run, once
   * its reader came — see `waitForFifoReaders`).
   */
  write(file: string | number): void {
    writeFileSync(file, `${JSON.stringify(this.toJSON())}\n`);
  }

  #track(spokeId: string): { pid: number; tid: number } {
    let track = this.#spokes.get(spokeId);
    if (track === undefined) {
      const host = this.#spokeHost.get(spokeId) ?? 'unknown';
      let pid = this.#hosts.get(host);
      if (pid === undefined) {
        pid = this.#hosts.size + 1;
        this.#hosts.set(host, pid);
      }
      track = { pid, tid: this.#spokes.size + 1 };
      this.#spokes.set(spokeId, track);
    }
    return track;
  }
}
