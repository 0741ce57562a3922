/** A half-open range [nMin, nMax). */
export interface Bucket {
  readonly nMin: number;
  readonly nMax: number;
}

/**
 * Splits [min, max) into `count` consecutive buckets of (nearly) equal width (seed Fig. 16:
 * `nMin += max / nBuckets`, the last bucket ending at max). Every integer of the range is in
 * exactly one bucket.
 */
export function splitRange(min: number, max: number, count: number): Bucket[] {
  const width = max - min;
  return Array.from({ length: count }, (_, i) => ({
    nMin: min + Math.floor((i * width) / count),
    nMax: i === count - 1 ? max : min + Math.floor(((i + 1) * width) / count),
  }));
}
