import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { splitRange } from './buckets.js';
import { countPrimes, isPrime } from './primes.js';

/** The number of primes p with min ≤ p < max, by a sieve. */
export function sieveCount(min: number, max: number): number {
  const composite = new Uint8Array(Math.max(max, 2));
  let count = 0;
  for (let i = 2; i < max; i += 1) {
    if (composite[i]) continue;
    if (i >= min) count += 1;
    for (let j = i * i; j < max; j += i) composite[j] = 1;
  }
  return count;
}

describe('the serial module', () => {
  it('knows the small cases (2 is prime, 0 and 1 are not)', () => {
    expect([0, 1, 2, 3, 4, 5, 9, 25, 49, 97].map(isPrime)).toEqual([false, false, true, true, false, true, false, false, false, true]);
  });

  it('counts exactly the primes of [min, max), as a sieve does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 }), (a, b) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        expect(countPrimes(min, max)).toBe(sieveCount(min, max));
      }),
      { numRuns: 200 },
    );
  });
});

describe('buckets', () => {
  it('cover the range exactly once, in order, the last ending at max', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 50 }), (min, width, n) => {
        const count = Math.min(n, width);
        const buckets = splitRange(min, min + width, count);
        expect(buckets).toHaveLength(count);
        expect(buckets[0]?.nMin).toBe(min);
        expect(buckets[count - 1]?.nMax).toBe(min + width);
        for (let i = 1; i < count; i += 1) expect(buckets[i]?.nMin).toBe(buckets[i - 1]?.nMax);
        expect(buckets.every((b) => b.nMax > b.nMin)).toBe(true);
      }),
    );
  });
});
