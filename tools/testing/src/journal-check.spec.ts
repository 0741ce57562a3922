import { describe, it, expect } from '@jest/globals';
import { checkJournal, percentiles } from './journal-check.js';
import type { JournalEntry } from './run-journal.js';

const attempt = (kind: 'dispatch' | 'started' | 'stale', taskId: number, n: number, spokeId: string, at: number): JournalEntry => ({ kind, taskId, attempt: n, spokeId, at });
const report = (taskId: number, n: number, at: number, ok = true): JournalEntry => ({ kind: 'report', taskId, attempt: n, spokeId: 's1', ok, code: ok ? undefined : 'SPM_TASK_DROPPED', at });

describe('percentiles', () => {
  it('are nearest-rank: p50 of 1..100 is 50, p99 is 99', () => {
    expect(percentiles(Array.from({ length: 100 }, (_, i) => 100 - i))).toEqual({ count: 100, p50: 50, p99: 99, max: 100 });
  });

  it('of one value are that value, of none are undefined', () => {
    expect(percentiles([7])).toEqual({ count: 1, p50: 7, p99: 7, max: 7 });
    expect(percentiles([])).toEqual({ count: 0, p50: undefined, p99: undefined, max: undefined });
  });
});

describe('checkJournal', () => {
  it('keeps the promise for a clean run: one report per task, one execution each', () => {
    const entries = [0, 1, 2].flatMap((t) => [attempt('dispatch', t, 1, 's1', t), attempt('started', t, 1, 's1', t), report(t, 1, t + 1)]);
    const v = checkJournal(entries, [0, 1, 2]);
    expect(v).toMatchObject({ tasks: 3, reports: 3, lost: [], duplicateReports: [], reportsPerTask: { 1: 3 }, executions: 3, duplicateExecutions: 0, kills: 0 });
  });

  it('counts a task never reported (even never dispatched) as lost, and a second report as a duplicate', () => {
    const entries = [attempt('dispatch', 0, 1, 's1', 0), report(0, 1, 1), report(0, 1, 2), attempt('dispatch', 1, 1, 's1', 3)];
    const v = checkJournal(entries, [0, 1, 2]);
    expect(v.lost).toEqual([1, 2]);
    expect(v.duplicateReports).toEqual([0]);
    expect(v.reportsPerTask).toEqual({ 0: 2, 2: 1 });
  });

  it('tells apart task ids 1 and "1", and reports of tasks that were not expected', () => {
    const v = checkJournal([report(1, 1, 0), { kind: 'report', taskId: '1', attempt: 1, spokeId: 's1', ok: true, code: undefined, at: 0 }], [1]);
    expect(v.lost).toEqual([]);
    expect(v.unexpectedReports).toEqual(['1']);
  });

  it('counts executions beyond the first as duplicate executions, and late reports', () => {
    const entries: JournalEntry[] = [
      attempt('started', 5, 1, 's1', 0),
      { kind: 'retry', taskId: 5, attempt: 1, spokeId: 's1', at: 1, reason: 'lost' },
      attempt('started', 5, 2, 's2', 2),
      attempt('stale', 5, 1, 's1', 3),
      report(5, 2, 4),
    ];
    expect(checkJournal(entries)).toMatchObject({ tasks: 1, executions: 2, duplicateExecutions: 1, reexecutedTasks: [5], lateReports: 1, retries: 1, lost: [] });
  });

  it('times each kill to the loss of that incarnation and to the next incarnation ready', () => {
    const entries: JournalEntry[] = [
      { kind: 'spoke-ready', spokeId: 's1', incarnation: 1, pid: 10, at: 0 },
      { kind: 'kill', spokeId: 's1', incarnation: 1, pid: 10, signal: 'SIGKILL', window: 'evaluating', at: 100 },
      { kind: 'spoke-lost', spokeId: 's2', incarnation: 1, reason: 'other', at: 101 },
      { kind: 'spoke-lost', spokeId: 's1', incarnation: 1, reason: 'channel closed', at: 104 },
      { kind: 'spoke-ready', spokeId: 's1', incarnation: 2, pid: 11, at: 260 },
      { kind: 'kill', spokeId: 's1', incarnation: 2, pid: 11, signal: 'SIGKILL', window: 'evaluating', at: 300 },
      { kind: 'spoke-lost', spokeId: 's1', incarnation: 2, reason: 'channel closed', at: 310 },
    ];
    const v = checkJournal(entries);
    expect(v).toMatchObject({ kills: 2, detected: 2, recovered: 1, detectionMs: [4, 10], recoveryMs: [160] });
    expect(v.detection).toEqual({ count: 2, p50: 4, p99: 10, max: 10 });
  });
});
