import { readProcess, type ProcessInfo } from './internal/process-table.js';

export type { ProcessInfo };

/**
 * Process `pid`'s line of the process table (`/proc/<pid>/stat`: parent, group, state, start
 * time in clock ticks since boot, command name), read as the process table is read here;
 * `undefined` when it is gone or there is no `/proc` (tell the two apart with `kill(pid, 0)`).
 */
export function processInfoOf(pid: number): ProcessInfo | undefined {
  return readProcess(pid);
}

/**
 * The parent of process `pid`, read from `/proc/<pid>/stat` as the process table is read here;
 * `undefined` when it is gone, has none (the kernel's own), or there is no `/proc`.
 */
export function parentProcessOf(pid: number): number | undefined {
  const ppid = readProcess(pid)?.ppid;
  return ppid !== undefined && ppid > 0 ? ppid : undefined;
}
