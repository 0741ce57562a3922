import { describe, it, expect } from '@jest/globals';
import { EventEmitter } from 'eventemitter3';
import { SPMTaskEval } from '@spm/exceptions';
import type { ManagerEvents } from './manager-events.js';
import { StatusReport } from './status-report.js';
import { recordTrace } from './trace-recorder.js';

describe('recordTrace', () => {
  it('draws one bar per attempt from start to report, on a row per spoke grouped by server', () => {
    const events = new EventEmitter<ManagerEvents>();
    const recording = recordTrace(events);
    const at = Date.now();
    events.emit('started', { taskId: 0, attempt: 1, spokeId: 'local:1', at });
    events.emit('started', { taskId: 1, attempt: 1, spokeId: 'local:2', at });
    events.emit('report', new StatusReport({ taskId: 0, attempt: 1, spokeId: 'local:1', host: 'hub', record: {}, ok: true, value: 1 }));
    events.emit('report', new StatusReport({ taskId: 1, attempt: 1, spokeId: 'local:2', host: 'hub~v2', record: {}, ok: false, error: new SPMTaskEval('boom') }));
    events.emit('timeout', { taskId: 2, attempt: 1, spokeId: 'local:1', at });
    const { traceEvents } = recording.stop();
    const bars = traceEvents.filter((e) => e.ph === 'X');
    expect(bars.map((b) => [b.name, b.cat])).toEqual([
      ['task 0', 'ok'],
      ['task 1', 'SPM_TASK_EVAL'],
    ]);
    expect(bars[0]?.pid).not.toBe(bars[1]?.pid); // two servers
    expect(traceEvents.filter((e) => e.ph === 'M').map((e) => e.args?.['name'])).toEqual(['hub', 'local:1', 'hub~v2', 'local:2']);
    expect(traceEvents.filter((e) => e.ph === 'i').map((e) => e.name)).toEqual(['timeout']);
    events.emit('started', { taskId: 9, attempt: 1, spokeId: 'local:1', at });
    expect(recording.stop().traceEvents).toHaveLength(traceEvents.length); // stopped: nothing more recorded
  });
});
