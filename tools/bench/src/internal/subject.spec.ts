import { describe, it, expect } from '@jest/globals';
import { subjectName, subjectSetting } from './subject.js';

describe('subjectName', () => {
  it('names the rows as docs/benchmarks.md’s tables do', () => {
    expect(subjectName({ type: 'spm', spokeKind: 'tcp', spokes: 2, prefetch: 8 })).toBe('spm list (tcp)');
    expect(subjectName({ type: 'peer', peer: { library: 'piscina', workers: 2, concurrentTasksPerWorker: 4 } })).toBe('piscina');
    expect(subjectName({ type: 'peer', peer: { library: 'tinypool', workers: 2 } })).toBe('tinypool (threads)');
    expect(subjectName({ type: 'peer', peer: { library: 'tinypool', workers: 2, runtime: 'process' } })).toBe('tinypool (child processes)');
    expect(subjectName({ type: 'peer', peer: { library: 'workerpool', workers: 2 } })).toBe('workerpool (threads)');
    expect(subjectName({ type: 'peer', peer: { library: 'workerpool', workers: 2, runtime: 'process' } })).toBe('workerpool (child processes)');
  });

  it('and the swept setting beside it', () => {
    expect(subjectSetting({ type: 'spm', spokeKind: 'thread', spokes: 2, prefetch: 8 })).toBe('prefetch 8');
    expect(subjectSetting({ type: 'peer', peer: { library: 'piscina', workers: 2, concurrentTasksPerWorker: 4 } })).toBe('concurrentTasksPerWorker 4');
  });
});
