import { readFileSync, readdirSync } from 'node:fs';

let counter = 0;

/**
 * A unique `sleep` duration to mark a test's processes: `1000.<pid, 7 digits><n, 4 digits>`
 * seconds. It appears in `/proc/<pid>/cmdline`, so leftovers are found reliably. Fixed width,
 * so no mark is a prefix of another's — not even of a concurrent spec file's, whose pid may
 * have a different number of digits (pids wrap around quickly on a busy machine).
 */
export function marker(): string {
  counter += 1;
  return `1000.${String(process.pid).padStart(7, '0')}${String(counter).padStart(4, '0')}`;
}

/** Live (non-zombie) `sleep <mark…>` processes. */
export function processesMarked(mark: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const [program, first] = readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0');
      if (program === undefined || !/(^|\/)sleep$/.test(program) || first?.startsWith(mark) !== true) continue;
      const state = stateOf(Number(name));
      if (state !== undefined && state !== 'Z') found.push(Number(name));
    } catch {
      // Gone between readdir and read.
    }
  }
  return found;
}

/** The state letter of /proc/PID/stat (`T`: stopped, `Z`: zombie), or undefined once it is gone. */
export function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** Polls until `check()` is true or `ms` pass; returns the last value of `check()`. */
export async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() >= deadline) return check();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Test clean-up: SIGKILL whatever still carries one of `marks`, so a failed test leaks nothing. */
export function killMarked(marks: readonly string[]): void {
  for (const mark of marks) {
    for (const pid of processesMarked(mark)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}
