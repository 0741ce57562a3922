// What a test left running: live descendants of this process that were not there before.
import { readFileSync } from 'node:fs';
import { isAlive, liveDescendants } from './proc.js';

/** A process a test left behind. */
export interface Leftover {
  readonly pid: number;
  /** Its command line (`/proc/<pid>/cmdline`), or `?` if it is unreadable (it just exited). */
  readonly command: string;
}

/** The command line of `pid`, arguments joined by spaces; `?` when it cannot be read. */
export function commandLine(pid: number): string {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const words = text.split('\0').filter((w) => w !== '');
    return words.length > 0 ? words.join(' ') : '?';
  } catch {
    return '?';
  }
}

/** Live (non-zombie) descendants of this process that are not in `baseline`, with their command lines. */
export function leftoverProcesses(baseline: readonly number[]): Leftover[] {
  const known = new Set(baseline);
  return liveDescendants()
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
