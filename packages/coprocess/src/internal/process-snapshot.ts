import { cookiesOfEnviron } from './cookie.js';
import { readEnviron, readProcessTable, type ProcessInfo } from './process-table.js';

/**
 * How old (from its start) a scan of `/proc` may be for a tree's first look before it kills: a
 * scan shared by the trees killed together. Trees being killed at once (an interrupt of 600 running
 * commands) each scanned the whole table, and again every 20 ms: 600 scans of ~1,800 processes per
 * round, and the stop took 24 s. A scan of that many processes takes ~50 ms, and the trees take
 * their turns one after another: a burst of kills shares a scan per this much time. A process a
 * shared scan missed (forked since it began) is still in the tree's group, or is found by the next
 * look; and the pids it saw are not handed out again in so short a time (the kernel hands them
 * out in order).
 */
export const SHARE_MS = 50;

/** One scan of the process table, with what membership tests need, shared by the trees that look while it is recent. */
export interface ProcessSnapshot {
  /** `performance.now()` as the scan began: every process that existed then, and lives, is in it. */
  readonly startedAt: number;
  readonly table: readonly ProcessInfo[];
  readonly byPid: ReadonlyMap<number, ProcessInfo>;
  /** The live children of a pid (zombies included: filter by state where it matters). */
  childrenOf(pid: number): readonly ProcessInfo[];
  /** The cookies a process's environment carries (its `SPM_COPROCESS` list): see {@link cookiesKnown}. */
  cookiesOf(pid: number): readonly string[];
}

/**
 * The cookies read from processes' environments, kept across scans while the process is the
 * same and runs the same program (pid, start time and command name unchanged): an environment is
 * set by an `exec`, which renames the process. A kill of 1,000 commands read ~3,000 environments
 * per scan, over and over. A process between its fork and its `exec` (a fork server's child)
 * shows the server's environment and name; after the `exec`, its own — a new entry. A stale
 * entry can only hold a cookie the process no longer shows (an `env -i` exec that kept the
 * name), and that process was one of ours.
 */
const cookiesKnown = new Map<number, { readonly start: number; readonly name: string; readonly cookies: readonly string[] }>();

class Snapshot implements ProcessSnapshot {
  readonly byPid: ReadonlyMap<number, ProcessInfo>;
  #children: Map<number, ProcessInfo[]> | undefined;

  constructor(
    readonly startedAt: number,
    readonly table: readonly ProcessInfo[],
  ) {
    this.byPid = new Map(table.map((p) => [p.pid, p]));
  }

  childrenOf(pid: number): readonly ProcessInfo[] {
    if (this.#children === undefined) {
      this.#children = new Map();
      for (const p of this.table) {
        const siblings = this.#children.get(p.ppid);
        if (siblings === undefined) this.#children.set(p.ppid, [p]);
        else siblings.push(p);
      }
    }
    return this.#children.get(pid) ?? [];
  }

  cookiesOf(pid: number): readonly string[] {
    const p = this.byPid.get(pid);
    if (p === undefined) return [];
    const known = cookiesKnown.get(pid);
    if (known !== undefined && known.start === p.start && known.name === p.name) return known.cookies;
    const cookies = cookiesOfEnviron(readEnviron(pid));
    cookiesKnown.set(pid, { start: p.start, name: p.name, cookies });
    return cookies;
  }
}

let shared: Snapshot | undefined;
let scans = 0;

/** How many scans {@link processSnapshot} has made in this thread (for specs). */
export function scansMade(): number {
  return scans;
}

/**
 * The latest scan of `/proc` if it began at or after `notBefore` (`performance.now()`), else a new
 * one; `undefined` without `/proc`.
 *
 * Why a shared scan is right for killing trees: a tree's members only ever come from members
 * (forks) or from its leader's start. So a scan that began after the leader was known to exist
 * and found nothing of the tree stays right later — nothing can join an empty tree — and one
 * that found members alive only makes the caller look again. A caller waiting for signals to
 * take effect asks for a scan begun after it sent them.
 */
export function processSnapshot(notBefore: number): ProcessSnapshot | undefined {
  const now = performance.now();
  if (shared !== undefined && shared.startedAt >= notBefore) return shared;
  const table = readProcessTable();
  if (table === undefined) return undefined;
  scans += 1;
  shared = new Snapshot(now, table);
  // Forget the processes that are gone (or whose pid is another process's now).
  for (const [pid, known] of cookiesKnown) if (shared.byPid.get(pid)?.start !== known.start) cookiesKnown.delete(pid);
  return shared;
}
