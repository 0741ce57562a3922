// /proc helpers for leftover-process checks (Linux): zombies count as gone, because kill(pid, 0)
// succeeds on a zombie although nothing of it runs any more.
import { readdirSync, readFileSync } from 'node:fs';

function stat(pid: number): { ppid: number; pgrp: number; state: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '?', ppid: Number(rest[1]), pgrp: Number(rest[2]) };
  } catch {
    return undefined;
  }
}

/** Every process `/proc` lists now, with its state, parent and group (one gone while read is left out). */
function processTable(): { pid: number; ppid: number; pgrp: number; state: string }[] {
  const table: { pid: number; ppid: number; pgrp: number; state: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (s !== undefined) table.push({ pid, ...s });
  }
  return table;
}

/** Live (non-zombie) descendants of `root`. */
export function liveDescendants(root = process.pid): number[] {
  const children = new Map<number, number[]>();
  for (const { pid, ppid } of processTable()) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop() as number) ?? []) {
      stack.push(child);
      if (stat(child)?.state !== 'Z') out.push(child);
    }
  }
  return out;
}

/**
 * Live (non-zombie) processes, anywhere, whose initial environment holds `name=value`: they
 * inherited it from whoever set it, even after being re-parented. Only processes this user may
 * read are seen.
 */
export function taggedProcesses(name: string, value: string): number[] {
  const needle = Buffer.from(`${name}=${value}\0`);
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`);
      if ((environ.indexOf(needle) === 0 || environ.indexOf(Buffer.concat([Buffer.from([0]), needle])) >= 0) && isAlive(pid)) out.push(pid);
    } catch {
      // gone, or another user's
    }
  }
  return out;
}

/** `pid`'s parent, its parent's parent, … up to pid 1. */
export function ancestors(pid = process.pid): number[] {
  const out: number[] = [];
  for (let p = stat(pid)?.ppid; p !== undefined && p > 0; p = stat(p)?.ppid) {
    out.push(p);
    if (p === 1) break;
  }
  return out;
}

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const state = processState(pid);
  return state !== undefined && state !== 'Z';
}

/** `pid`'s state letter in /proc (`R`, `S`, `T` stopped, `Z` zombie…), or undefined once it is gone. */
export function processState(pid: number): string | undefined {
  return stat(pid)?.state;
}

/**
 * True when process group `pgid` has live members and all of them are stopped (SIGSTOP): in state
 * `T`, or in `D` with a stopped child — a shell that `vfork`ed a command (dash does) waits for the
 * child's exec uninterruptibly, and a child stopped before its exec holds it there until a
 * SIGCONT. (Seen under load: a group stopped in that window never shows its leader in `T`.)
 */
export function groupStopped(pgid: number): boolean {
  const members = processTable().filter((p) => p.pgrp === pgid && p.state !== 'Z');
  return members.length > 0 && members.every((p) => p.state === 'T' || (p.state === 'D' && members.some((c) => c.ppid === p.pid && c.state === 'T')));
}

/** Polls `predicate` every 10 ms until it holds; rejects after `ms` (a bound, not a timing assertion). */
export async function waitFor(predicate: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
