/** The largest value of each `process.memoryUsage()` field seen while sampling, in bytes. */
export interface MemoryPeaks {
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** How many samples were taken. */
  readonly samples: number;
}

const FIELDS = ['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers'] as const;

/**
 * Samples this process's memory on an interval and keeps each field's peak. Sampling is a
 * timer on the same event loop as the work it watches: a loop blocked for longer than the
 * interval samples less often, so the peak is a lower bound of the true one (the final sample
 * at `stop()` and the heap's own growth policy keep it close).
 */
export class MemorySampler {
  readonly #peaks = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  #samples = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Starts sampling every `intervalMs` (one sample at once). */
  start(intervalMs: number): this {
    if (this.#timer !== undefined) throw new Error('MemorySampler is already sampling');
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new Error(`Expected \`intervalMs\` to be a positive number, got ${String(intervalMs)}`);
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
    return this;
  }

  /** Takes one sample now. */
  sample(): void {
    const usage = process.memoryUsage();
    for (const field of FIELDS) this.#peaks[field] = Math.max(this.#peaks[field], usage[field]);
    this.#samples += 1;
  }

  /** Takes a last sample, stops, and returns the peaks. */
  stop(): MemoryPeaks {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.sample();
    return { ...this.#peaks, samples: this.#samples };
  }
}

/** Bytes as MiB with one decimal, e.g. `73.4`. */
export function formatMiB(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
