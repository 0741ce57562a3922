import { describe, it, expect } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { processSnapshot, scansMade } from './process-snapshot.js';
import { readProcess, readProcessTable } from './process-table.js';
import { ProcessTree } from './process-tree.js';

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const alive = (pid: number): boolean => {
  const p = readProcess(pid);
  return p !== undefined && p.state !== 'Z';
};

/** A `sleep` leading a group of its own, with an argument no other process has. */
function leader(tag: string): ChildProcess {
  const child = spawn('sleep', [tag], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

describe('processSnapshot', () => {
  it('lets trees killed together share their scans of /proc', async () => {
    const children = Array.from({ length: 40 }, (_, i) => leader(`96.${String(process.pid).padStart(7, '0')}${String(i).padStart(2, '0')}`));
    const pids = children.map((child) => child.pid as number);
    try {
      for (let i = 0; i < 100 && !pids.every(alive); i++) await settle(10);
      expect(pids.every(alive)).toBe(true);
      const trees = pids.map((pid) => new ProcessTree(pid, `no-such-cookie.${pid}`));
      const before = scansMade();
      const done = await Promise.all(trees.map((tree) => tree.terminate([{ signal: 'SIGTERM', waitMs: 2000 }])));
      const scans = scansMade() - before;
      expect(done.every(Boolean)).toBe(true);
      expect(pids.filter(alive)).toEqual([]);
      // Each tree looking on its own took 3 scans or more (one to look, one to signal, one per
      // 20 ms until its leader was gone): 120 and up. Shared: the burst's look, and the looks
      // after each wait.
      expect(scans).toBeLessThan(20);
    } finally {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  });

  it('does not answer for a tree from a scan begun before its leader was known', async () => {
    const early = processSnapshot(performance.now());
    expect(early).toBeDefined();
    const child = leader(`96.${String(process.pid).padStart(7, '0')}99`);
    const pid = child.pid as number;
    try {
      for (let i = 0; i < 100 && !alive(pid); i++) await settle(10);
      // The scan above is the latest, and asked for as recent enough: it would say the tree is
      // empty, the leader was not there yet.
      expect(early?.byPid.has(pid)).toBe(false);
      const tree = new ProcessTree(pid, 'no-such-cookie');
      expect(tree.isEmpty(early?.startedAt)).toBe(false);
      expect(await tree.terminate([{ signal: 'SIGTERM', waitMs: 2000 }])).toBe(true);
      expect(alive(pid)).toBe(false);
    } finally {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });

  it('reads a process environment again once it has exec-ed another program', async () => {
    const cookie = `96${String(process.pid).padStart(7, '0')}.7`;
    // First `sh` without the cookie, then (same pid) `sleep` with it: a fork server's child
    // between its fork and its exec looks like this.
    const child = spawn('/bin/sh', ['-c', `sleep 0.4; exec env SPM_COPROCESS=${cookie} sleep 96.${process.pid}`], { detached: true, stdio: 'ignore' });
    const pid = child.pid as number;
    try {
      for (let i = 0; i < 100 && !alive(pid); i++) await settle(10);
      const byCookie = new ProcessTree(-1, cookie, true);
      expect(byCookie.members()?.map((p) => p.pid) ?? []).not.toContain(pid);
      let found = false;
      for (let i = 0; i < 200 && !found; i++) {
        await settle(20);
        found = (byCookie.members(performance.now()) ?? []).some((p) => p.pid === pid);
      }
      expect(found).toBe(true);
      expect(readProcessTable()?.find((p) => p.pid === pid)?.name).toBe('sleep');
    } finally {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
});
