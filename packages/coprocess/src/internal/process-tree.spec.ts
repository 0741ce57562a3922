import { describe, it, expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readProcessTable } from './process-table.js';
import { ProcessTree } from './process-tree.js';

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('ProcessTree.signal', () => {
  it('signals each member once: a `setsid` escapee that leads its own group by its group only', async () => {
    const tag = `97.${String(process.pid).padStart(7, '0')}1`;
    // The leader (own group) and, in a new session, an escapee that leads a group of its own.
    const leader = spawn('/bin/sh', ['-c', `setsid sleep ${tag} & exec sleep ${tag}`], { detached: true, stdio: 'ignore' });
    const leaderPid = leader.pid as number;
    try {
      let escapee: number | undefined;
      for (let i = 0; i < 100 && escapee === undefined; i++) {
        await settle(20);
        escapee = readProcessTable()?.find((p) => p.ppid === leaderPid && p.pgrp === p.pid && p.pid !== leaderPid)?.pid;
      }
      expect(escapee).toBeDefined();
      const sent: Array<[number, string | number | undefined]> = [];
      const kill = process.kill;
      process.kill = ((pid: number, signal?: string | number) => {
        sent.push([pid, signal]);
        return kill.call(process, pid, signal);
      }) as typeof process.kill;
      try {
        new ProcessTree(leaderPid, 'no-such-cookie').signal('SIGCONT'); // harmless to both
      } finally {
        process.kill = kill;
      }
      const toEscapee = sent.filter(([pid, signal]) => signal === 'SIGCONT' && Math.abs(pid) === escapee);
      expect(toEscapee).toEqual([[-(escapee as number), 'SIGCONT']]);
      expect(sent.filter(([pid, signal]) => signal === 'SIGCONT' && Math.abs(pid) === leaderPid)).toEqual([[-leaderPid, 'SIGCONT']]);
    } finally {
      await new ProcessTree(leaderPid, 'no-such-cookie').terminate([{ signal: 'SIGKILL', waitMs: 0 }]);
    }
  });

  it('keeps a member it once signalled: an `env -i setsid` escapee that ignores SIGTERM gets its SIGKILL after the leader is gone', async () => {
    const tag = `97.${String(process.pid).padStart(7, '0')}2`;
    // The escapee leaves the group, drops the environment (no cookie) and ignores SIGTERM; once
    // the leader dies, it is no one's descendant: only having been found before ties it to the tree.
    const leader = spawn('/bin/sh', ['-c', `env -i setsid /bin/sh -c 'trap "" TERM; exec sleep ${tag}' & wait`], { detached: true, stdio: 'ignore' });
    const leaderPid = leader.pid as number;
    const escapee = async (): Promise<number | undefined> => {
      for (let i = 0; i < 100; i++) {
        const found = readProcessTable()?.find((p) => p.ppid === leaderPid && p.pgrp === p.pid && p.pid !== leaderPid && p.state !== 'Z');
        if (found !== undefined) return found.pid;
        await settle(20);
      }
      return undefined;
    };
    const pid = await escapee();
    try {
      expect(pid).toBeDefined();
      await settle(100); // its `exec sleep` done: it ignores SIGTERM now
      expect(await new ProcessTree(leaderPid, 'no-such-cookie').terminate([{ signal: 'SIGTERM', waitMs: 300 }])).toBe(true);
      expect(readProcessTable()?.some((p) => p.pid === pid && p.state !== 'Z')).toBe(false);
    } finally {
      if (pid !== undefined) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  });
});
