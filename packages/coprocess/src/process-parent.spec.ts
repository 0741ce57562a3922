import { describe, it, expect } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parentProcessOf, processInfoOf } from './process-parent.js';

describe('parentProcessOf', () => {
  it('is the parent of a live process, and undefined for one that is not there', () => {
    expect(parentProcessOf(process.pid)).toBe(process.ppid);
    expect(parentProcessOf(2 ** 22 + 7)).toBeUndefined();
  });

  it("reads a process's own line: its parent, group, state, start and name", () => {
    const me = processInfoOf(process.pid);
    expect(me).toMatchObject({ pid: process.pid, ppid: process.ppid, state: 'R' });
    expect(me?.name).toBe(readFileSync('/proc/self/comm', 'latin1').trim());
    // A process started later has a later (or equal) start time; a gone one has no line.
    const child = spawnSync('sh', ['-c', 'cat /proc/$$/stat'], { encoding: 'utf8' });
    const childStart = Number(child.stdout.slice(child.stdout.lastIndexOf(')') + 2).split(' ')[19]);
    expect(childStart).toBeGreaterThanOrEqual(me?.start ?? Infinity);
    expect(processInfoOf(2 ** 22 + 7)).toBeUndefined();
  });
});
