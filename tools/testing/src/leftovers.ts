// What a test left running: live descendants of this process that were not there before.
import { readFileSync } from 'node:fs';
import { ancestors, isAlive, liveDescendants, taggedProcesses } from './proc.js';

/** The environment variable that tags a Jest run (set by `jest-run-tag.cjs`, inherited by every process a test starts). */
export const TEST_RUN_TAG = 'SPM_TEST_RUN';

/** A process a test left behind. */
export interface Leftover {
  readonly pid: number;
  /** Its command line (`/proc/<pid>/cmdline`), or `?` if it is unreadable (it just exited). */
  readonly command: string;
}

/** The command line of `pid`, arguments joined by spaces; `?` when it cannot be read. */
/**
 * True for the runtime's own helpers — a thread's fork server (`spm-fork-server-…`) or watchdog
 * (`sh … spm-coprocess-watchdog`), which serve coprocesses and quit 2 s after the last one, and a
 * process's untracked-programs watchdog (`sh … spm-untracked-watchdog`, @spm/spoke), which quits
 * with its last spoke; never a task's leftover.
 */
export function isCoprocessHelper(pid: number): boolean {
  const line = commandLine(pid);
  return line.includes('spm-coprocess-watchdog') || line.includes('spm-untracked-watchdog') || /(^|\/)spm-fork-server-[0-9a-f]+ /.test(line);
}

/**
 * This process's untracked-programs watchdogs (`sh … spm-untracked-watchdog`, @spm/spoke): a hub
 * keeps one while it has thread or process spokes — part of the hub, as a spoke is, not a task's
 * leftover; it quits with the last spoke.
 */
export function hubWatchdogs(): number[] {
  return liveDescendants().filter((pid) => commandLine(pid).includes('spm-untracked-watchdog'));
}

export function commandLine(pid: number): string {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const words = text.split('\0').filter((w) => w !== '');
    return words.length > 0 ? words.join(' ') : '?';
  } catch {
    return '?';
  }
}

/**
 * The live processes this test run started: descendants of this process, and — when the run is
 * tagged (`SPM_TEST_RUN`) — every process carrying the tag, re-parented orphans included. Jest's
 * own processes (this one, its ancestors, its workers) are not counted.
 */
export function testProcesses(): number[] {
  const pids = new Set(liveDescendants());
  const tag = process.env[TEST_RUN_TAG];
  if (tag !== undefined && tag !== '') {
    const jest = new Set([process.pid, ...ancestors()]);
    for (const pid of taggedProcesses(TEST_RUN_TAG, tag)) {
      if (!jest.has(pid) && !commandLine(pid).includes('jest-worker')) pids.add(pid);
    }
  }
  return [...pids].sort((a, b) => a - b);
}

/** Live processes of this test run ({@link testProcesses}) that are not in `baseline`, with their command lines. */
export function leftoverProcesses(baseline: readonly number[]): Leftover[] {
  const known = new Set(baseline);
  return testProcesses()
    .filter((pid) => !known.has(pid))
    .map((pid) => ({ pid, command: commandLine(pid) }));
}

/**
 * Waits up to `ms` for every live descendant not in `baseline` to be gone (something that was
 * just killed needs a moment to exit); resolves with those still alive at the bound, `[]` if none.
 */
export async function awaitNoLeftovers(baseline: readonly number[], ms = 5000): Promise<Leftover[]> {
  const until = Date.now() + ms;
  for (;;) {
    const left = leftoverProcesses(baseline);
    if (left.length === 0 || Date.now() >= until) return left;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * SIGKILLs `leftovers` (and their process groups when they lead one), so a failed check does
 * not leave them to the next test file; resolves once they are gone or after `ms`.
 */
export async function killLeftovers(leftovers: readonly Leftover[], ms = 2000): Promise<void> {
  for (const { pid } of leftovers) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // not a group leader, or already gone
      }
    }
  }
  const until = Date.now() + ms;
  while (leftovers.some((l) => isAlive(l.pid)) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** One line per leftover: `pid 1234: node spoke.js`. */
export function formatLeftovers(leftovers: readonly Leftover[]): string {
  return leftovers.map((l) => `pid ${l.pid}: ${l.command}`).join('\n');
}
