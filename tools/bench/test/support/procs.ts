// /proc and cgroup look-ups for the benchmarks' kill specs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Live (non-zombie) `sleep` processes given the argument `arg` (a spec's jobs, found by an argument of their own). */
export function sleepsWith(arg: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
      if (argv[0] !== 'sleep' || argv[1] !== arg) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z') out.push(pid);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** The live (non-zombie) descendants of `root`. */
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const ppid = Number(fields[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const stack = [root];
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      stack.push(child);
    }
  }
  return out;
}

/** True while `pid` runs (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
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
