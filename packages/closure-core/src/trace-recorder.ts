import type { EventEmitter } from 'eventemitter3';
import type { TaskId } from '@spm/exceptions';
import type { AttemptEvent, ManagerEvents } from './manager-events.js';
import type { StatusReport } from './status-report.js';

/** One event of the Chrome Trace Event format (what Perfetto and chrome://tracing open). */
export interface TraceEvent {
  readonly name: string;
  readonly cat: string;
  readonly ph: 'X' | 'i' | 'M';
  /** Microseconds since the recording started. */
  readonly ts: number;
  readonly dur?: number;
  readonly pid: number;
  readonly tid: number;
  readonly s?: 't' | 'p' | 'g';
  readonly args?: Readonly<Record<string, string | number | boolean | null>>;
}

/** A recording in progress: `stop()` ends it and returns the trace document. */
export interface TraceRecording {
  /** Stops listening and returns `{ traceEvents, displayTimeUnit }`. */
  stop(): { readonly traceEvents: readonly TraceEvent[]; readonly displayTimeUnit: 'ms' };
}

/**
 * Records every task attempt of a closure's invocations as a Chrome trace: one row per spoke
 * (grouped by server), a bar from when the spoke started the attempt to its report, instants
 * for timeouts, retries and lost spokes. Attach before `manage()`; times are the hub's clock.
 */
export function recordTrace(events: EventEmitter<ManagerEvents>): TraceRecording {
  const t0 = Date.now();
  const us = (at: number): number => (at - t0) * 1000;
  const out: TraceEvent[] = [];
  const servers = new Map<string, number>();
  const spokes = new Map<string, { pid: number; tid: number }>();
  const started = new Map<string, AttemptEvent>();
  const key = (taskId: TaskId, attempt: number): string => `${String(taskId)}#${attempt}`;
  const row = (spokeId: string, host = 'hub'): { pid: number; tid: number } => {
    let where = spokes.get(spokeId);
    if (where === undefined) {
      let pid = servers.get(host);
      if (pid === undefined) {
        pid = servers.size + 1;
        servers.set(host, pid);
        out.push({ name: 'process_name', cat: '__metadata', ph: 'M', ts: 0, pid, tid: 0, args: { name: host } });
      }
      where = { pid, tid: spokes.size + 1 };
      spokes.set(spokeId, where);
      out.push({ name: 'thread_name', cat: '__metadata', ph: 'M', ts: 0, pid, tid: where.tid, args: { name: spokeId } });
    }
    return where;
  };
  const instant = (name: string, event: AttemptEvent, args: Record<string, string | number>): void => {
    out.push({ name, cat: 'spm', ph: 'i', s: 't', ts: us(event.at), ...row(event.spokeId), args: { task: String(event.taskId), attempt: event.attempt, ...args } });
  };
  const onStarted = (event: AttemptEvent): void => void started.set(key(event.taskId, event.attempt), event);
  const onReport = (report: StatusReport): void => {
    const begin = started.get(key(report.taskId, report.attempt));
    if (begin === undefined || report.spokeId === undefined) return;
    started.delete(key(report.taskId, report.attempt));
    const where = row(report.spokeId, report.host);
    const end = Date.now();
    out.push({
      name: `task ${String(report.taskId)}`,
      cat: report.ok ? 'ok' : (report.error?.code ?? 'failed'),
      ph: 'X',
      ts: us(begin.at),
      dur: Math.max(1, us(end) - us(begin.at)),
      ...where,
      args: { attempt: report.attempt, ok: report.ok, ...(report.error ? { error: report.error.message } : {}) },
    });
  };
  const onTimeout = (event: AttemptEvent): void => instant('timeout', event, {});
  const onRetry = (event: AttemptEvent & { readonly reason: string }): void => instant('retry', event, { reason: event.reason });
  events.on('started', onStarted);
  events.on('report', onReport);
  events.on('timeout', onTimeout);
  events.on('retry', onRetry);
  return {
    stop() {
      events.off('started', onStarted);
      events.off('report', onReport);
      events.off('timeout', onTimeout);
      events.off('retry', onRetry);
      return { traceEvents: [...out], displayTimeUnit: 'ms' };
    },
  };
}
