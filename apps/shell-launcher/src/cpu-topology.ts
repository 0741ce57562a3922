// `--number-of-sockets`, `--number-of-cores`, `--number-of-threads`: this machine's CPUs, counted
// as GNU parallel counts them on Linux.
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';

/** How many CPU sockets, physical cores and hardware threads this process may use. */
export interface CpuTopology {
  readonly sockets: number;
  readonly cores: number;
  readonly threads: number;
}

/** Where the counts are read from (the machine's own by default; a test's copy otherwise). */
export interface CpuSources {
  /** The kernel's CPU directory: `cpuN/topology/physical_package_id`, `…/thread_siblings`. */
  readonly sysCpu?: string;
  /** `/proc/cpuinfo`, read when the directory above cannot be. */
  readonly cpuinfo?: string;
  /** Threads this process may run on (its affinity: `taskset`): every count is at most this. */
  readonly active?: number;
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** From the kernel's topology: threads `cpu0`, `cpu1`, … up to the first missing; distinct packages; distinct sibling sets. */
function fromSys(dir: string): CpuTopology | undefined {
  const packages = new Set<string>();
  const siblings = new Set<string>();
  let threads = 0;
  for (;;) {
    const pkg = read(`${dir}/cpu${threads}/topology/physical_package_id`);
    const sibling = read(`${dir}/cpu${threads}/topology/thread_siblings`);
    if (pkg === undefined || sibling === undefined) break;
    packages.add(pkg.trim());
    siblings.add(sibling.trim());
    threads += 1;
  }
  return threads === 0 ? undefined : { sockets: packages.size, cores: siblings.size, threads };
}

/** From `/proc/cpuinfo`: `processor` lines, distinct `physical id`s, distinct (`physical id`, `core id`) pairs. */
function fromCpuinfo(text: string): CpuTopology | undefined {
  const sockets = new Set<string>();
  const cores = new Set<string>();
  let threads = 0;
  let physical = '';
  for (const line of text.split('\n')) {
    const [key, value = ''] = line.split(':').map((part) => part.trim());
    if (key === 'physical id') sockets.add((physical = value));
    else if (key === 'core id') cores.add(`${physical}:${value}`);
    else if (key === 'processor' && /^\d/.test(value)) threads += 1;
  }
  return threads === 0 ? undefined : { sockets: Math.max(sockets.size, 1), cores: cores.size || threads, threads };
}

/**
 * This machine's CPUs as GNU parallel 20221122 counts them on Linux — the kernel's topology, else
 * `/proc/cpuinfo`, else Node's count of CPUs for all three — each at most the threads this process
 * may run on (its affinity, as `taskset` limits it).
 */
export function cpuTopology(sources: CpuSources = {}): CpuTopology {
  const nodeCount = (): CpuTopology => {
    const n = Math.max(cpus().length, 1);
    return { sockets: n, cores: n, threads: n };
  };
  // Each source gives counts of at least 1.
  const all = fromSys(sources.sysCpu ?? '/sys/devices/system/cpu') ?? fromCpuinfo(read(sources.cpuinfo ?? '/proc/cpuinfo') ?? '') ?? nodeCount();
  const active = sources.active ?? availableParallelism();
  return { sockets: Math.min(all.sockets, active), cores: Math.min(all.cores, active), threads: Math.min(all.threads, active) };
}
