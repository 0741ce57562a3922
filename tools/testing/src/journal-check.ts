// The checker of a run journal: the promises of docs/RELIABILITY.md, computed from what
// happened. Counts, never judgements: specs assert on them, figures tables print them.
import type { JournalEntry, JournalTaskId } from './run-journal.js';

/** p50, p99 and max of a list of durations (ms), nearest-rank; all `undefined` for none. */
export interface Percentiles {
  readonly count: number;
  readonly p50: number | undefined;
  readonly p99: number | undefined;
  readonly max: number | undefined;
}

/** What a journal shows. */
export interface JournalVerdict {
  /** Distinct tasks: those expected, or else every task seen in the journal. */
  readonly tasks: number;
  /** Final reports delivered. */
  readonly reports: number;
  /** Tasks without a final report (lost). */
  readonly lost: readonly JournalTaskId[];
  /** Tasks with more than one final report. */
  readonly duplicateReports: readonly JournalTaskId[];
  /** Final reports of tasks that were not expected. */
  readonly unexpectedReports: readonly JournalTaskId[];
  /** Reports per task, by how many reports (`{ 1: 1000 }` is the promise kept for 1,000 tasks). */
  readonly reportsPerTask: Readonly<Record<number, number>>;
  /** Executions started (`started` events): each time a spoke went online with a task. */
  readonly executions: number;
  /** Executions beyond the first of their task: the price of at-least-once, counted. */
  readonly duplicateExecutions: number;
  /** Tasks executed more than once. */
  readonly reexecutedTasks: readonly JournalTaskId[];
  /** Late reports of abandoned attempts, discarded by the manager (`stale`). */
  readonly lateReports: number;
  /** Re-dispatches after a spoke loss (`retry`). */
  readonly retries: number;
  /** Faults injected (`kill` entries). */
  readonly kills: number;
  /** Kills followed by the tracker's `spoke-lost` of that incarnation. */
  readonly detected: number;
  /** Kills followed by a `spoke-ready` of a later incarnation of that spoke. */
  readonly recovered: number;
  /** Kill → the tracker's `spoke-lost`, ms. */
  readonly detectionMs: readonly number[];
  /** Kill → the next incarnation's `spoke-ready`, ms. */
  readonly recoveryMs: readonly number[];
  readonly detection: Percentiles;
  readonly recovery: Percentiles;
}

/** Nearest-rank percentiles of `values`. */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number | undefined => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
  return { count: sorted.length, p50: rank(50), p99: rank(99), max: sorted[sorted.length - 1] };
}

const keyOf = (taskId: JournalTaskId): string => `${typeof taskId}:${String(taskId)}`;

/**
 * Computes the verdict of a journal. `expectedTasks` (the ids the source held) makes a task that
 * was never even dispatched count as lost.
 */
export function checkJournal(entries: readonly JournalEntry[], expectedTasks?: Iterable<JournalTaskId>): JournalVerdict {
  const ids = new Map<string, JournalTaskId>();
  const expected = expectedTasks === undefined ? undefined : new Set([...expectedTasks].map((id) => (ids.set(keyOf(id), id), keyOf(id))));
  const reports = new Map<string, number>();
  const started = new Map<string, number>();
  let reportCount = 0;
  let lateReports = 0;
  let retries = 0;
  for (const e of entries) {
    if (!('taskId' in e)) continue;
    const key = keyOf(e.taskId);
    if (expected === undefined) ids.set(key, e.taskId);
    if (e.kind === 'report') {
      reportCount += 1;
      reports.set(key, (reports.get(key) ?? 0) + 1);
      ids.set(key, ids.get(key) ?? e.taskId);
    } else if (e.kind === 'started') started.set(key, (started.get(key) ?? 0) + 1);
    else if (e.kind === 'stale') lateReports += 1;
    else if (e.kind === 'retry') retries += 1;
  }
  const all = expected ?? new Set(ids.keys());
  const idOf = (key: string): JournalTaskId => ids.get(key) as JournalTaskId;
  const reportsPerTask: Record<number, number> = {};
  for (const key of all) {
    const n = reports.get(key) ?? 0;
    reportsPerTask[n] = (reportsPerTask[n] ?? 0) + 1;
  }
  let executions = 0;
  let duplicateExecutions = 0;
  const reexecuted: JournalTaskId[] = [];
  for (const [key, n] of started) {
    executions += n;
    if (n > 1) {
      duplicateExecutions += n - 1;
      reexecuted.push(idOf(key));
    }
  }
  const { detectionMs, recoveryMs, kills } = faultTimes(entries);
  return {
    tasks: all.size,
    reports: reportCount,
    lost: [...all].filter((key) => (reports.get(key) ?? 0) === 0).map(idOf),
    duplicateReports: [...reports].filter(([, n]) => n > 1).map(([key]) => idOf(key)),
    unexpectedReports: expected === undefined ? [] : [...reports.keys()].filter((key) => !expected.has(key)).map(idOf),
    reportsPerTask,
    executions,
    duplicateExecutions,
    reexecutedTasks: reexecuted,
    lateReports,
    retries,
    kills,
    detected: detectionMs.length,
    recovered: recoveryMs.length,
    detectionMs,
    recoveryMs,
    detection: percentiles(detectionMs),
    recovery: percentiles(recoveryMs),
  };
}

/** For every kill: the first loss of that incarnation after it, and the first later incarnation ready. */
function faultTimes(entries: readonly JournalEntry[]): { detectionMs: number[]; recoveryMs: number[]; kills: number } {
  const detectionMs: number[] = [];
  const recoveryMs: number[] = [];
  let kills = 0;
  entries.forEach((kill, i) => {
    if (kill.kind !== 'kill') return;
    kills += 1;
    const after = entries.slice(i + 1);
    const lost = after.find((e) => e.kind === 'spoke-lost' && e.spokeId === kill.spokeId && e.incarnation === kill.incarnation);
    if (lost !== undefined) detectionMs.push(lost.at - kill.at);
    const ready = after.find((e) => e.kind === 'spoke-ready' && e.spokeId === kill.spokeId && e.incarnation > kill.incarnation);
    if (ready !== undefined) recoveryMs.push(ready.at - kill.at);
  });
  return { detectionMs, recoveryMs, kills };
}
