/**
 * The median `--timeout N%` takes its share of: GNU parallel's *remedian* (Rousseeuw and Bassett,
 * "The remedian: a robust averaging method for large data sets", JASA 85, 1990) of the runtimes of
 * the jobs that succeeded, in the same three levels of {@link REMEDIAN_BASE} as GNU parallel keeps:
 * the median of the last 999 values; the median of those medians, one per block of 999 values, for
 * the last 999 blocks; and so on once more. Up to 999 values it is the plain median of them all;
 * past that, of the last 999, near enough the median of everything, in fixed memory.
 *
 * As GNU parallel's: a median of an even count is the lower of the two middle values. Unlike it,
 * values are compared as numbers (GNU parallel sorts runtimes as strings: there `10.2` < `9.8`).
 * Each level is kept sorted as values come, so adding one costs a few binary searches and moves of
 * at most 999 numbers, not a sort.
 */
export class Remedian {
  /** Each level's values by their slot (value `i` of a level goes to slot `i mod 999`). */
  readonly #slots: number[][] = [[], [], []];
  /** The same values, kept sorted. */
  readonly #sorted: number[][] = [[], [], []];
  #count = 0;

  /** How many values were added. */
  get count(): number {
    return this.#count;
  }

  /** The remedian of the values added so far; `undefined` before the first. */
  get median(): number | undefined {
    return this.#count === 0 ? undefined : lowerMedian(this.#sorted[2] as number[]);
  }

  /** Adds a value (a finite number). */
  add(value: number): void {
    const i = this.#count++;
    this.#put(0, i % REMEDIAN_BASE, value);
    this.#put(1, Math.floor(i / REMEDIAN_BASE) % REMEDIAN_BASE, lowerMedian(this.#sorted[0] as number[]));
    this.#put(2, Math.floor(i / REMEDIAN_BASE / REMEDIAN_BASE) % REMEDIAN_BASE, lowerMedian(this.#sorted[1] as number[]));
  }

  #put(level: number, slot: number, value: number): void {
    const slots = this.#slots[level] as number[];
    const sorted = this.#sorted[level] as number[];
    const old = slots[slot];
    if (old !== undefined) sorted.splice(firstAtLeast(sorted, old), 1);
    slots[slot] = value;
    sorted.splice(firstAtLeast(sorted, value), 0, value);
  }
}

/** Values per level of a {@link Remedian} (GNU parallel's). */
export const REMEDIAN_BASE = 999;

/** The lower median of sorted, non-empty `values`: at index ⌊(n − 1) / 2⌋. */
function lowerMedian(values: readonly number[]): number {
  return values[(values.length - 1) >> 1] as number;
}

/** The index of the first value ≥ `value` in sorted `values` (their length if none). */
function firstAtLeast(values: readonly number[], value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((values[mid] as number) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
