import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
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
