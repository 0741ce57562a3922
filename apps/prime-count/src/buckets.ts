/** A half-open range [nMin, nMax). */
export interface Bucket {
  readonly nMin: number;
  readonly nMax: number;
}

/** How a range is split into buckets: of equal width (the seed's), or of (nearly) equal cost. */
export type SplitKind = 'cost' | 'width';

/** The split kinds, for option parsing. */
export const SPLIT_KINDS: readonly SplitKind[] = ['cost', 'width'];

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

/**
 * The relative cost of testing the integers near x by trial division: a prime costs about √x/2
 * divisions and one integer in ln x is prime (composites mostly stop at a small factor), plus
 * a constant per integer for the loop itself. Measured against `countPrimes` on [2, 2·10⁷) in
 * 20 equal-width buckets, it predicts each bucket's share of the time within a few per cent.
 */
function costDensity(x: number): number {
  const y = Math.max(x, 8);
  return Math.sqrt(y) / Math.log(y) + 8;
}

/** The cost model's estimate of counting the primes of `bucket` (arbitrary units; for tests and tools). */
export function bucketCost(bucket: Bucket, steps = 1024): number {
  const width = bucket.nMax - bucket.nMin;
  let cost = 0;
  for (let k = 0; k < steps; k += 1) cost += costDensity(bucket.nMin + ((k + 0.5) * width) / steps) * (width / steps);
  return cost;
}

/**
 * Steps of the numerical integral of the cost density (the boundaries' resolution; linear
 * within a step). It runs once, cold, on the hub's critical path: 4096 steps took 3.0 ms there,
 * 1024 take 0.9 ms, and the equal-cost buckets stay within 1 % of each other (specs).
 */
const STEPS = 1024;

/**
 * The share of the total cost each of `count` buckets gets: equal, except that the last quarter
 * of the buckets taper off linearly (the last one costs 1/(T+1) of a full one, T the number that
 * taper). With buckets dealt on demand, the spokes end about one bucket apart; buckets that
 * shrink towards the end shrink that tail, at the price of a few more, cheaper tasks.
 */
export function bucketWeights(count: number): number[] {
  const taper = Math.floor(count / 4);
  return Array.from({ length: count }, (_, i) => {
    const j = i - (count - taper); // 0 for the first tapering bucket
    return j < 0 ? 1 : (taper - j) / (taper + 1);
  });
}

/**
 * Splits [min, max) into `count` consecutive buckets by cost for `countPrimes`: trial division
 * costs more per integer as the integers grow, so equal-width buckets end with the dearest ones
 * and leave one spoke working alone at the end. The boundaries come from a numerical integral
 * of {@link costDensity}: the buckets cost the same, except the last quarter, whose costs
 * taper off ({@link bucketWeights}). As in {@link splitRange}, every integer of the range is in
 * exactly one bucket, in order, and no bucket is empty (`count` ≤ `max - min`).
 */
export function splitRangeByCost(min: number, max: number, count: number): Bucket[] {
  const width = max - min;
  if (count <= 1 || width <= count) return splitRange(min, max, count);
  // Cumulative cost at STEPS + 1 evenly spaced points (midpoint rule per step).
  const steps = Math.min(STEPS, width);
  const at = (k: number): number => min + (k * width) / steps;
  const cumulative = new Float64Array(steps + 1);
  for (let k = 0; k < steps; k += 1) cumulative[k + 1] = (cumulative[k] ?? 0) + costDensity((at(k) + at(k + 1)) / 2) * (at(k + 1) - at(k));
  const total = cumulative[steps] ?? 0;
  // Boundary i: where the cumulative cost reaches the weights' share of the first i buckets
  // (linear within a step).
  const weights = bucketWeights(count);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const bounds: number[] = [min];
  let k = 0;
  let share = 0;
  for (let i = 1; i < count; i += 1) {
    share += weights[i - 1] ?? 0;
    const target = (share * total) / weightSum;
    while (k < steps - 1 && (cumulative[k + 1] ?? 0) < target) k += 1;
    const lo = cumulative[k] ?? 0;
    const hi = cumulative[k + 1] ?? lo;
    const x = at(k) + (hi > lo ? (target - lo) / (hi - lo) : 0) * (at(k + 1) - at(k));
    bounds.push(Math.round(x));
  }
  bounds.push(max);
  // Rounding may leave a bucket empty on a narrow range: keep every boundary strictly
  // increasing and leave room for the buckets after it.
  for (let i = 1; i < count; i += 1) bounds[i] = Math.min(Math.max(bounds[i] ?? 0, (bounds[i - 1] ?? min) + 1), max - (count - i));
  return Array.from({ length: count }, (_, i) => ({ nMin: bounds[i] ?? min, nMax: bounds[i + 1] ?? max }));
}

/** Splits [min, max) into `count` buckets the way `kind` says (see {@link splitRangeByCost}, {@link splitRange}). */
export function split(kind: SplitKind, min: number, max: number, count: number): Bucket[] {
  return kind === 'cost' ? splitRangeByCost(min, max, count) : splitRange(min, max, count);
}
