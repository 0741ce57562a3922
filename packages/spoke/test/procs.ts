// /proc helpers for the specs that check what real spokes leave running (Linux). The workspace's
// `@spm/testing` has the like, but @spm/spoke sits below it in the build (no project reference).
// Zombies count as gone: kill(pid, 0) succeeds on one although nothing of it runs any more.
import { readdirSync, readFileSync } from 'node:fs';

function stat(pid: number): { ppid: number; state: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '?', ppid: Number(rest[1]) };
  } catch {
    return undefined;
  }
}

function pids(): number[] {
  return readdirSync('/proc')
    .map(Number)
    .filter((pid) => Number.isInteger(pid));
}

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const state = stat(pid)?.state;
  return state !== undefined && state !== 'Z';
}

/** The command line of `pid`, arguments joined by spaces; `?` once it cannot be read. */
export function commandLine(pid: number): string {
  try {
    const words = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((w) => w !== '');
    return words.length > 0 ? words.join(' ') : '?';
  } catch {
    return '?';
  }
}

/** Live processes, anywhere, whose initial environment holds `name=value` (inherited, even by an orphan re-parented to init). */
export function taggedProcesses(name: string, value: string): number[] {
  const needle = Buffer.from(`${name}=${value}\0`);
  return pids().filter((pid) => {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`);
      return (environ.indexOf(needle) === 0 || environ.indexOf(Buffer.concat([Buffer.from([0]), needle])) >= 0) && isAlive(pid);
    } catch {
      return false;
    }
  });
}

/** Live descendants of `root`. */
export function liveDescendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of pids()) {
    const ppid = stat(pid)?.ppid;
    if (ppid !== undefined) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop() as number) ?? []) {
      stack.push(child);
      if (isAlive(child)) out.push(child);
    }
  }
  return out;
}

/** True for the coprocess runtime's own helpers (a fork server, a watchdog): never a task's program. */
export function isCoprocessHelper(pid: number): boolean {
  const line = commandLine(pid);
  return line.includes('spm-coprocess-watchdog') || /(^|\/)spm-fork-server-[0-9a-f]+ /.test(line);
}

/** Polls `predicate` every 10 ms until it holds; rejects after `ms` (a bound, not a timing assertion). */
export async function waitFor(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
