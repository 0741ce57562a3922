import { describe, it, expect } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { StatusReport } from './status-report.js';
import { ChromeTrace, type TraceSource } from './chrome-trace.js';

describe('ChromeTrace', () => {
  it('draws one span per attempt on its spoke’s track, the measured work inside it, and instants', () => {
    const events = new EventEmitter();
    const trace = new ChromeTrace('hub');
    const t0 = Date.now();
    const stop = trace.attach(
      events as unknown as TraceSource,
      (report) => ({ name: `cmd ${String(report.taskId)}`, args: { seq: 1 }, inner: { name: 'sh -c', startMs: t0 - 2, durationMs: 3 } }),
      (spokeId) => (spokeId === 'local:1' ? 'vm' : 'vm~v2'),
    );
    events.emit('meta-status', { phase: 'eval', spokes: 2 });
    events.emit('started', { taskId: 0, attempt: 1, spokeId: 'local:1', at: t0 });
    events.emit('started', { taskId: 1, attempt: 1, spokeId: 'local:2', at: t0 });
    events.emit('report', new StatusReport({ taskId: 0, attempt: 1, spokeId: 'local:1', host: 'vm', record: {}, ok: true, value: 0 }));
    events.emit('retry', { taskId: 1, attempt: 1, spokeId: 'local:2', at: t0 + 5, reason: 'exit' });
    events.emit('report', new StatusReport({ taskId: 9, attempt: 0, record: {}, ok: true, value: 0 })); // never started: no span
    stop();
    events.emit('started', { taskId: 2, attempt: 1, spokeId: 'local:1', at: t0 }); // detached: ignored
    const json = JSON.parse(JSON.stringify(trace.toJSON())) as { traceEvents: { name: string; ph: string; ts: number; dur?: number; pid: number; tid: number; args?: Record<string, unknown> }[] };
    const spans = json.traceEvents.filter((e) => e.ph === 'X');
    expect(spans.map((e) => e.name)).toEqual(['cmd 0', 'sh -c', 'task 1 (spoke lost)']);
    const [outer, inner] = spans as [(typeof spans)[0], (typeof spans)[0]];
    // The outer span starts no later than the work and ends no earlier.
    expect(outer.ts).toBeLessThanOrEqual(inner.ts);
    expect(outer.ts + (outer.dur ?? 0)).toBeGreaterThanOrEqual(inner.ts + (inner.dur ?? 0));
    expect(outer.args).toMatchObject({ taskId: 0, attempt: 1, spoke: 'local:1', ok: true, seq: 1 });
    expect(json.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args?.['name'])).toEqual(['spoke local:1', 'spoke local:2']);
    expect(json.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => e.args?.['name'])).toEqual(['hub', 'server vm', 'server vm~v2']);
    expect(json.traceEvents.filter((e) => e.ph === 'i').map((e) => e.name)).toEqual(['Tasks - Eval', 'retry']);
    const nonMeta = json.traceEvents.filter((e) => e.ph !== 'M');
    expect(nonMeta.map((e) => e.ts)).toEqual([...nonMeta.map((e) => e.ts)].sort((a, b) => a - b));
  });
});

describe('ChromeTrace with its defaults', () => {
  it('names spans `task <id>` and places spokes on the servers their reports name', () => {
    const events = new EventEmitter();
    const trace = new ChromeTrace();
    trace.attach(events as unknown as TraceSource);
    const at = Date.now();
    events.emit('started', { taskId: 7, attempt: 1, spokeId: 'local:3', at });
    events.emit('report', new StatusReport({ taskId: 7, attempt: 1, spokeId: 'local:3', host: 'hub~v2', record: {}, ok: true, value: 1 }));
    const { traceEvents } = trace.toJSON();
    expect(traceEvents.filter((e) => e.ph === 'X').map((e) => e.name)).toEqual(['task 7']);
    expect(traceEvents.filter((e) => e.name === 'process_name').map((e) => e.args?.['name'])).toEqual(['hub', 'server hub~v2']);
  });
});

describe('ChromeTrace with several pieces of work in one task', () => {
  it('draws each inside the task’s span, with its own details, the span widened to hold them all', () => {
    const events = new EventEmitter();
    const trace = new ChromeTrace();
    const t0 = Date.now();
    trace.attach(events as unknown as TraceSource, () => ({
      name: '2 commands',
      inner: [
        { name: 'a', startMs: t0 - 5, durationMs: 2, args: { seq: 1 } },
        { name: 'b', startMs: t0 - 3, durationMs: 60_000, args: { seq: 2 } },
      ],
    }));
    events.emit('started', { taskId: 4, attempt: 1, spokeId: 'local:1', at: t0 });
    events.emit('report', new StatusReport({ taskId: 4, attempt: 1, spokeId: 'local:1', record: {}, ok: true, value: [] }));
    const spans = trace.toJSON().traceEvents.filter((e) => e.ph === 'X');
    expect(spans.map((e) => [e.name, e.cat, e.args?.['seq']])).toEqual([
      ['2 commands', 'task', undefined],
      ['a', 'work', 1],
      ['b', 'work', 2],
    ]);
    const [outer, a, b] = spans as [(typeof spans)[0], (typeof spans)[0], (typeof spans)[0]];
    expect(outer.ts).toBe(a.ts);
    expect(outer.ts + (outer.dur ?? 0)).toBe(b.ts + (b.dur ?? 0));
  });
});
