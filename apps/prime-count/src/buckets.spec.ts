import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { bucketCost, bucketWeights, split, splitRange, splitRangeByCost, SPLIT_KINDS, type Bucket } from './buckets.js';

/** Every integer of [min, max) in exactly one bucket: consecutive, non-empty, from min to max. */
function expectExactCover(buckets: Bucket[], min: number, max: number, count: number): void {
  expect(buckets).toHaveLength(count);
  expect(buckets[0]?.nMin).toBe(min);
  expect(buckets[count - 1]?.nMax).toBe(max);
  // One check for all buckets (not one `expect` per bucket: there are up to 10,000).
  const gaps = buckets.filter((b, i) => i > 0 && b.nMin !== buckets[i - 1]?.nMax);
  expect(gaps).toEqual([]);
  const bad = buckets.filter((b) => !Number.isSafeInteger(b.nMin) || !Number.isSafeInteger(b.nMax) || b.nMax <= b.nMin);
  expect(bad).toEqual([]);
}

describe.each(SPLIT_KINDS)('buckets split by %s', (kind) => {
  it('cover small ranges exactly once, in order, the last ending at max', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 50 }), (min, width, n) => {
        const count = Math.min(n, width);
        expectExactCover(split(kind, min, min + width, count), min, min + width, count);
      }),
    );
  });

  it('cover large ranges exactly once, with as many buckets as integers at most', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 1, max: 10_000 }), (min, width, n) => {
        const count = Math.min(n, width);
        expectExactCover(split(kind, min, min + width, count), min, min + width, count);
      }),
      { numRuns: 200 },
    );
  });

  it('cover a range with exactly one integer per bucket', () => {
    for (const [min, width] of [[0, 1], [2, 7], [1000, 4096], [5, 5000]] as const) {
      const buckets = split(kind, min, min + width, width);
      expectExactCover(buckets, min, min + width, width);
      expect(buckets.every((b) => b.nMax - b.nMin === 1)).toBe(true);
    }
  });
});

describe('buckets of equal cost', () => {
  it('are wider where trial division is cheap: each narrower than the one before it on [2, 20,000,000)', () => {
    const widths = splitRangeByCost(2, 20_000_000, 100).map((b) => b.nMax - b.nMin);
    for (let i = 1; i < widths.length; i += 1) expect(widths[i]).toBeLessThan(widths[i - 1] ?? 0);
  });

  it('cost the same, but for the last quarter, whose costs taper off towards the end', () => {
    const buckets = splitRangeByCost(2, 20_000_000, 100);
    const costs = buckets.map((b) => bucketCost(b));
    const full = costs[0] ?? 0;
    // The first 75 within 1 % of each other (the cost integral's resolution)…
    for (const cost of costs.slice(0, 75)) expect(Math.abs(cost / full - 1)).toBeLessThan(0.01);
    // …then each cheaper than the one before, the last about 1/26 of a full one.
    for (let i = 75; i < 100; i += 1) expect(costs[i]).toBeLessThan(costs[i - 1] ?? 0);
    expect((costs[99] ?? 0) / full).toBeCloseTo(1 / 26, 2);
  });

  it('taper only when there are at least 4 buckets', () => {
    expect(bucketWeights(1)).toEqual([1]);
    expect(bucketWeights(3)).toEqual([1, 1, 1]);
    expect(bucketWeights(4)).toEqual([1, 1, 1, 0.5]);
    expect(bucketWeights(10)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 2 / 3, 1 / 3]);
  });

  it('are the seed’s equal-width buckets when asked for by width', () => {
    expect(split('width', 2, 502_347, 10)).toEqual(splitRange(2, 502_347, 10));
  });
});
