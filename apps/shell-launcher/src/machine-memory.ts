import { readFileSync } from 'node:fs';
import { readingOf } from './machine-load.js';

/**
 * The environment variable naming a file read in place of `/proc/meminfo` (same format): for
 * tests and diagnostics of `--memfree`, which cannot make a machine short of memory at will.
 */
export const MEMINFO_VARIABLE = 'SPM_SHELL_MEMINFO';

/**
 * `--memfree`: the machine's free memory now, in bytes, as GNU parallel counts it — `MemFree`,
 * `Buffers`, `Cached` and `SwapCached` of `/proc/meminfo` (page cache counts as free: the kernel
 * gives it back under pressure). Undefined when it cannot be read (not Linux).
 */
export function freeMemoryNow(readMeminfo: () => string = () => readFileSync(process.env[MEMINFO_VARIABLE] ?? '/proc/meminfo', 'latin1')): number | undefined {
  return readingOf(readMeminfo, freeMemoryOf);
}

/** The free memory {@link freeMemoryNow} reads from the text of `/proc/meminfo`; undefined if it has no `MemFree` line. */
export function freeMemoryOf(meminfo: string): number | undefined {
  let kib = 0;
  let memFree = false;
  for (const [, name, amount] of meminfo.matchAll(/^(MemFree|Buffers|Cached|SwapCached):\s+(\d+) kB$/gm)) {
    kib += Number(amount);
    memFree ||= name === 'MemFree';
  }
  return memFree ? kib * 1024 : undefined;
}
