import { describe, it, expect } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parentProcessOf, processArgvOf, processInfoOf } from './process-parent.js';

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

  it('refuses what is not a process id (`self` read this process’s own line)', () => {
    for (const pid of ['self', 0, -1, 1.5, NaN]) {
      expect(() => processInfoOf(pid as number)).toThrow(/^Expected a process id \(an integer ≥ 1\), got /);
      expect(() => parentProcessOf(pid as number)).toThrow(/^Expected a process id/);
      expect(() => processArgvOf(pid as number)).toThrow(/^Expected a process id/);
    }
  });

  it('reads a process’s command line: its program as called, then its arguments', () => {
    expect(processArgvOf(process.pid)).toEqual(readFileSync('/proc/self/cmdline', 'utf8').split('\0').slice(0, -1));
    // An empty last argument is kept; a space stays inside its argument.
    // A group of its own, killed whole: killing the shell alone left its `sleep 5` to the
    // leftover check, which it outlived now and then under load (a CI run met it).
    const child = spawn('/bin/sh', ['-c', 'sleep 5; :', 'name0', 'a b', ''], { stdio: 'ignore', detached: true });
    try {
      expect(processArgvOf(child.pid ?? 0)).toEqual(['/bin/sh', '-c', 'sleep 5; :', 'name0', 'a b', '']);
    } finally {
      process.kill(-(child.pid ?? 0), 'SIGKILL');
    }
    expect(processArgvOf(2 ** 22 + 7)).toBeUndefined();
  });
});
