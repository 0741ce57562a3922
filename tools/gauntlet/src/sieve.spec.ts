import { describe, it, expect } from '@jest/globals';
import { countPrimes } from '@spm/prime-count';
import { primesBelow } from './sieve.js';
import { seededRandom } from './seeded-random.js';

describe('primesBelow', () => {
  it('knows π(n) at the known points', () => {
    expect([0, 2, 3, 10, 100, 1000, 1_000_000].map(primesBelow)).toEqual([0, 0, 1, 4, 25, 168, 78_498]);
  });

  it('agrees with the trial division the chaos runs distribute', () => {
    expect(primesBelow(200_000)).toBe(countPrimes(0, 200_000));
  });
});

describe('seededRandom', () => {
  it('repeats its sequence for a seed, differs between seeds, and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const first = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(first);
    expect(seededRandom(43)()).not.toBe(first[0]);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(first).size).toBeGreaterThan(990);
  });
});
