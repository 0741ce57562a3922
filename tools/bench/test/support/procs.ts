// /proc and cgroup look-ups for the benchmarks' kill specs (a process's descendants and whether it
// runs: @spm/testing's liveDescendants and isAlive).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '@spm/testing';

/** Live (non-zombie) `sleep` processes given the argument `arg` (a spec's jobs, found by an argument of their own). */
export function sleepsWith(arg: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
      if (argv[0] === 'sleep' && argv[1] === arg && isAlive(pid)) out.push(pid);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** The cgroups the benchmarks made for runs of process `pid` (`spm-bench-<pid>-<n>`), where they may be. */
export function benchCgroups(pid: number): string[] {
  const out: string[] = [];
  for (const root of ['/sys/fs/cgroup/unified', '/sys/fs/cgroup', '/sys/fs/cgroup/cpuacct']) {
    try {
      out.push(...readdirSync(root).filter((d) => d.startsWith(`spm-bench-${pid}-`)).map((d) => join(root, d)));
    } catch {
      // no such hierarchy
    }
  }
  return out;
}

/** Polls `test` every 50 ms until it holds; false past `ms`. */
export async function until(test: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 50))) if (test()) return true;
  return test();
}
