import { readFileSync } from 'node:fs';

/**
 * `--load`: the machine's load at this instant, as GNU parallel counts it — the tasks (processes
 * and threads) that are running or ready to (`R`) and those waiting in the kernel (`D`), less
 * the one counting (this thread: GNU parallel subtracts its `ps`). Not an average over minutes:
 * a command started a moment ago counts at once, so a run starts at most one command past the
 * limit. From `/proc/stat`'s `procs_running` and `procs_blocked` lines; undefined when they
 * cannot be read (not Linux).
 */
export function loadNow(readStat: () => string = () => readFileSync('/proc/stat', 'latin1')): number | undefined {
  return readingOf(readStat, loadOf);
}

/** What `parse` makes of the text `read` returns (a `/proc` file's); undefined when it cannot be read. */
export function readingOf<T>(read: () => string, parse: (text: string) => T | undefined): T | undefined {
  let text: string;
  try {
    text = read();
  } catch {
    return undefined;
  }
  return parse(text);
}

/** The load {@link loadNow} reads from the text of `/proc/stat`; undefined if it lacks either line. */
export function loadOf(procStat: string): number | undefined {
  const running = /^procs_running (\d+)$/m.exec(procStat)?.[1];
  const blocked = /^procs_blocked (\d+)$/m.exec(procStat)?.[1];
  if (running === undefined || blocked === undefined) return undefined;
  return Math.max(0, Number(running) + Number(blocked) - 1);
}
