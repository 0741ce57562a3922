import { describe, it, expect } from '@jest/globals';
import { parseStat, readProcess, readProcessTable, watchProcessState, HAS_PROC } from './process-table.js';

// Field 22 (starttime) is the 20th field after the name.
const tail = (state: string, ppid: number, pgrp: number, start: number): string =>
  `${state} ${ppid} ${pgrp} 7 0 -1 4194304 10 0 0 0 1 2 0 0 20 0 1 0 ${start} 1000 200 18446744073709551615`;

describe('parseStat', () => {
  it('reads pid, ppid, process group, state and start time', () => {
    expect(parseStat(`123 (sleep) ${tail('S', 100, 123, 4567)}`)).toEqual({ pid: 123, ppid: 100, pgrp: 123, state: 'S', start: 4567, name: 'sleep' });
  });

  it('reads past a command name with spaces and parentheses', () => {
    expect(parseStat(`42 (a) b (c)) ${tail('Z', 1, 40, 99)}`)).toEqual({ pid: 42, ppid: 1, pgrp: 40, state: 'Z', start: 99, name: 'a) b (c)' });
  });

  it('refuses a malformed line', () => {
    expect(parseStat('garbage')).toBeUndefined();
    expect(parseStat('12 (x) S')).toBeUndefined();
  });
});

describe('the live process table', () => {
  it('finds this process with its parent', () => {
    expect(HAS_PROC).toBe(true);
    const self = readProcess(process.pid);
    expect(self).toMatchObject({ pid: process.pid, ppid: process.ppid });
    expect(readProcessTable()?.some((p) => p.pid === process.pid)).toBe(true);
  });
});

describe('watchProcessState', () => {
  it('follows one process through running, zombie and reaped, from one open file', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const watch = watchProcessState(child.pid as number);
    expect(watch).toBeDefined();
    expect(['R', 'S']).toContain(watch?.state());
    child.kill('SIGKILL');
    // Killed: a zombie until Node reaps it (the signal lands a moment after kill()), then gone.
    const seen = new Set<string | undefined>();
    while (!seen.has(undefined)) {
      seen.add(watch?.state());
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect([...seen].every((state) => state === 'R' || state === 'S' || state === 'Z' || state === undefined)).toBe(true);
    await exited;
    expect(watch?.state()).toBeUndefined();
    watch?.close();
    watch?.close();
    expect(watch?.state()).toBeUndefined();
  });

  it('is undefined for a process that does not exist', () => {
    expect(watchProcessState(2 ** 22 + 12345)).toBeUndefined();
  });
});
