import { readFileSync } from 'node:fs';
import { SPMError, describeValue } from '@spm/exceptions';
import { readProcess, type ProcessInfo } from './internal/process-table.js';

export type { ProcessInfo };

/**
 * Process `pid`'s line of the process table (`/proc/<pid>/stat`: parent, group, state, start
 * time in clock ticks since boot, command name), read as the process table is read here;
 * `undefined` when it is gone or there is no `/proc` (tell the two apart with `kill(pid, 0)`).
 */
export function processInfoOf(pid: number): ProcessInfo | undefined {
  return readProcess(checkedPid(pid));
}

/**
 * The parent of process `pid`, read from `/proc/<pid>/stat` as the process table is read here;
 * `undefined` when it is gone, has none (the kernel's own), or there is no `/proc`.
 */
export function parentProcessOf(pid: number): number | undefined {
  const ppid = readProcess(checkedPid(pid))?.ppid;
  return ppid !== undefined && ppid > 0 ? ppid : undefined;
}

/**
 * Process `pid`'s command line (`/proc/<pid>/cmdline`: its program as it was called, then its
 * arguments); `undefined` when it cannot be read (gone, not ours to read, no `/proc`). A kernel
 * thread's is empty.
 */
export function processArgvOf(pid: number): string[] | undefined {
  const path = `/proc/${checkedPid(pid)}/cmdline`;
  try {
    const text = readFileSync(path, 'utf8');
    return text === '' ? [] : text.replace(/\0$/, '').split('\0');
  } catch {
    return undefined;
  }
}

/** `pid` if it is a process id (an integer ≥ 1); else `SPMError` (`'self'` read this process's own line). */
function checkedPid(pid: number): number {
  if (!Number.isSafeInteger(pid) || pid < 1) throw new SPMError(`Expected a process id (an integer ≥ 1), got ${describeValue(pid)}`);
  return pid;
}
