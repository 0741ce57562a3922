import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime/stime: 100 on every Linux Node supports (USER_HZ). */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  readonly ppid: number;
  /** utime + stime, in clock ticks. */
  readonly ticks: number;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined; // exited meanwhile
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

/**
 * CPU time (user + system, all threads) used so far by every live descendant of `root`, in µs,
 * from /proc (Linux). Spokes and pool workers that are processes are counted here; threads of
 * `root` itself are in its own `process.cpuUsage()`. The resolution is one clock tick (10 ms)
 * per process, and a descendant that exits between two readings is missed: measure runs long
 * enough, with the workers alive throughout. Returns 0 where there is no /proc.
 */
export function descendantCpuMicros(root: number = process.pid): number {
  const { children, ticks } = processTable();
  let total = 0;
  const stack = [...(children.get(root) ?? [])];
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    total += ticks.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return (total * 1_000_000) / TICKS_PER_SECOND;
}

/**
 * The pids of every live descendant of `root` (children first), from /proc; none where there is
 * no /proc. What a launcher started in process groups of their own (GNU parallel's jobs) is
 * found here even where no cgroup holds the run.
 */
export function descendantPids(root: number): number[] {
  const { children } = processTable();
  const out: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Every process's children and CPU ticks, from /proc (empty where there is none). */
function processTable(): { children: Map<number, number[]>; ticks: Map<number, number> } {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return { children, ticks };
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat === undefined) continue;
    ticks.set(pid, stat.ticks);
    const siblings = children.get(stat.ppid);
    if (siblings === undefined) children.set(stat.ppid, [pid]);
    else siblings.push(pid);
  }
  return { children, ticks };
}
