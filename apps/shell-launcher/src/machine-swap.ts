import { readFileSync } from 'node:fs';
import { readingOf } from './machine-load.js';

/**
 * The environment variable naming a file read in place of `/proc/vmstat` (same format): for tests
 * and diagnostics of `--noswap`, which cannot make a machine swap at will.
 */
export const VMSTAT_VARIABLE = 'SPM_SHELL_VMSTAT';

/** The pages swapped in and out since boot (`/proc/vmstat`'s `pswpin`, `pswpout`). */
export interface SwapCounts {
  readonly in: number;
  readonly out: number;
}

/** The swap counters now; undefined when they cannot be read (not Linux). */
export function swapCountsNow(readVmstat: () => string = () => readFileSync(process.env[VMSTAT_VARIABLE] ?? '/proc/vmstat', 'latin1')): SwapCounts | undefined {
  return readingOf(readVmstat, swapCountsOf);
}

/** The counters {@link swapCountsNow} reads from the text of `/proc/vmstat`; undefined if it lacks either line. */
export function swapCountsOf(vmstat: string): SwapCounts | undefined {
  const pagesIn = /^pswpin (\d+)$/m.exec(vmstat)?.[1];
  const pagesOut = /^pswpout (\d+)$/m.exec(vmstat)?.[1];
  if (pagesIn === undefined || pagesOut === undefined) return undefined;
  return { in: Number(pagesIn), out: Number(pagesOut) };
}

/** How long apart two readings of the counters are, at least, for a verdict (GNU parallel's `vmstat 1 2`: one second). */
export const SWAP_SAMPLE_MS = 1000;

/**
 * `--noswap`: whether the machine is swapping, as GNU parallel judges it — pages were both swapped
 * in and swapped out (vmstat's `si` and `so` both above 0) between two readings of the counters
 * at least {@link SWAP_SAMPLE_MS} apart. Asked often (before each start while the gate is shut),
 * it reads the counters again only once that long has passed, and keeps its last verdict
 * meanwhile; until the first sample is over, the machine is not swapping (GNU parallel's first
 * answer too, while it measures).
 */
export class SwapWatch {
  readonly #read: () => SwapCounts | undefined;
  #last: { readonly counts: SwapCounts; readonly at: number } | undefined;
  #swapping = false;

  constructor(read: () => SwapCounts | undefined = () => swapCountsNow(), now = performance.now()) {
    this.#read = read;
    const counts = read();
    this.#last = counts === undefined ? undefined : { counts, at: now };
  }

  /** True while pages were both swapped in and out over the last sample. */
  swapping(now = performance.now()): boolean {
    if (this.#last !== undefined && now - this.#last.at < SWAP_SAMPLE_MS) return this.#swapping;
    const counts = this.#read();
    if (counts === undefined) return this.#swapping;
    if (this.#last !== undefined) this.#swapping = counts.in > this.#last.counts.in && counts.out > this.#last.counts.out;
    this.#last = { counts, at: now };
    return this.#swapping;
  }
}
