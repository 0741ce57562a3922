import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';

/**
 * How many `/proc/<pid>/stat` files are read between two turns of the event loop. The reads are
 * synchronous (`/proc` is in memory: one costs ~20 µs, far less than a round trip through the
 * thread pool), but a whole scan of a busy machine is not short — 27,000 processes took ~0.6 s,
 * during which the hub read no message of any spoke. A slice of this many takes a few ms.
 */
export const READS_PER_SLICE = 100;

/** Counts reads of /proc and lets the event loop turn after every {@link READS_PER_SLICE} of them. */
class Slices {
  #reads = 0;

  /** Call before each read: resolves at once, or on the next turn of the event loop at a slice's end. */
  next(): Promise<void> | undefined {
    this.#reads += 1;
    return this.#reads % READS_PER_SLICE === 0 ? new Promise((resolve) => setImmediate(resolve)) : undefined;
  }
}

/** The parent pid of `pid` from /proc (Linux), or undefined if it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every live descendant of `root` (children, grandchildren, …), from a scan of /proc. Catches
 * what a process-group kill misses: descendants that moved to a group or session of their own
 * (a coprocess is a group leader; a grandchild may call `setsid`) while their parent lives.
 * The scan lets the event loop turn (see {@link READS_PER_SLICE}), so processes fork and exit
 * while it runs: stop `root`'s group first ({@link stopLeaders}) so that neither it nor its
 * group can exit (re-parenting its children out of reach) or fork meanwhile.
 * Returns [] where /proc does not exist.
 */
export async function descendantsOf(root: number): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const slices = new Slices();
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    await slices.next();
    const ppid = parentOf(pid);
    if (ppid === undefined) continue;
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      stack.push(child);
    }
  }
  return out;
}

/** True while `pid` exists and is not a zombie (a zombie runs nothing any more). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Resolves once none of `pids` is running (SIGKILL is asynchronous: a killed process may take
 * a few milliseconds to be gone), or after `timeoutMs` with the ones still running. Each look
 * reads /proc only up to the first one still running (all must go; thousands of descendants were
 * all read every 5 ms), and the reads let the event loop turn as {@link descendantsOf}'s do.
 */
export async function waitGone(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const until = Date.now() + timeoutMs;
  const slices = new Slices();
  let first = 0;
  for (;;) {
    while (first < pids.length) {
      await slices.next();
      if (isRunning(pids[first] as number)) break;
      first += 1;
    }
    if (first === pids.length || Date.now() >= until) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const running: number[] = [];
  for (const pid of pids.slice(first)) {
    await slices.next();
    if (isRunning(pid)) running.push(pid);
  }
  return running;
}

/** Sends `signal` to each of `pids` and the process group it may lead. Never throws. */
function signalLeaders(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, signal);
      } catch {
        // already gone, or not a group leader
      }
    }
  }
}

/** SIGKILLs each of `pids` and the process group it may lead. Never throws. */
export function killLeaders(pids: readonly number[]): void {
  signalLeaders(pids, 'SIGKILL');
}

/**
 * SIGSTOPs each of `pids` and the process group it may lead: a stopped process neither forks nor
 * exits until it is continued — or SIGKILLed, which ends a stopped process too. Never throws.
 */
export function stopLeaders(pids: readonly number[]): void {
  signalLeaders(pids, 'SIGSTOP');
}
