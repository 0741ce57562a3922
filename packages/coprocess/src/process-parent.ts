import { readProcess } from './internal/process-table.js';

/**
 * The parent of process `pid`, read from `/proc/<pid>/stat` as the process table is read here;
 * `undefined` when it is gone, has none (the kernel's own), or there is no `/proc`.
 */
export function parentProcessOf(pid: number): number | undefined {
  const ppid = readProcess(pid)?.ppid;
  return ppid !== undefined && ppid > 0 ? ppid : undefined;
}
