import { describe, it, expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { isAlive, waitFor } from './proc.js';
import { RunJournal } from './run-journal.js';

describe('RunJournal', () => {
  it('records a closure’s attempt events with their hub time, reports with their error code, until detached', () => {
    const closure = new EventEmitter();
    const journal = new RunJournal().watchClosure(closure);
    closure.emit('dispatch', { taskId: 1, attempt: 1, spokeId: 'local:1', at: 10 });
    closure.emit('started', { taskId: 1, attempt: 1, spokeId: 'local:1', at: 11 });
    closure.emit('retry', { taskId: 1, attempt: 1, spokeId: 'local:1', at: 12, reason: 'channel closed' });
    closure.emit('report', { taskId: 1, attempt: 2, spokeId: 'local:2', ok: false, error: { code: 'SPM_TASK_EVAL' } });
    closure.emit('concluded', {}, undefined);
    journal.detach();
    closure.emit('dispatch', { taskId: 2, attempt: 1, spokeId: 'local:1', at: 20 });
    expect(journal.entries.map((e) => e.kind)).toEqual(['dispatch', 'started', 'retry', 'report', 'concluded']);
    expect(journal.entries[0]).toEqual({ kind: 'dispatch', taskId: 1, attempt: 1, spokeId: 'local:1', at: 10 });
    expect(journal.entries[3]).toMatchObject({ kind: 'report', taskId: 1, attempt: 2, ok: false, code: 'SPM_TASK_EVAL' });
    expect(closure.listenerCount('dispatch')).toBe(0);
  });

  it('records the tracker’s losses and readiness with incarnations', () => {
    const tracker = new EventEmitter();
    const journal = new RunJournal().watchTracker(tracker);
    tracker.emit('spoke-lost', { id: 'local:1', incarnation: 3, pid: 5 }, { reason: 'missed heartbeats' });
    tracker.emit('spoke-ready', { id: 'local:1', incarnation: 4, pid: 6 });
    expect(journal.entries).toEqual([
      expect.objectContaining({ kind: 'spoke-lost', spokeId: 'local:1', incarnation: 3, reason: 'missed heartbeats' }),
      expect.objectContaining({ kind: 'spoke-ready', spokeId: 'local:1', incarnation: 4, pid: 6 }),
    ]);
  });

  it('kills a spoke’s process and records the fault; a process already gone records nothing', async () => {
    const child = spawn('sleep', ['1000.5151'], { stdio: 'ignore' });
    const pid = child.pid as number;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const journal = new RunJournal();
    expect(journal.kill({ id: 'local:1', incarnation: 1, pid }, 'evaluating')).toBe(true);
    await exited;
    await waitFor(() => !isAlive(pid), 5000, 'the sleep gone');
    expect(journal.entries).toEqual([expect.objectContaining({ kind: 'kill', spokeId: 'local:1', incarnation: 1, pid, signal: 'SIGKILL', window: 'evaluating' })]);
    expect(journal.kill({ id: 'local:1', incarnation: 1, pid }, 'again')).toBe(false);
    expect(journal.entries).toHaveLength(1);
    expect(() => journal.kill({ id: 'inproc:1', incarnation: 1 }, 'x')).toThrow(/has no pid/);
  });
});
