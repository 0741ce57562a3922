import { describe, it, expect } from '@jest/globals';
import { SWAP_SAMPLE_MS, SwapWatch, swapCountsNow, swapCountsOf, type SwapCounts } from './machine-swap.js';

describe('swapCountsOf (/proc/vmstat)', () => {
  it('reads pswpin and pswpout; undefined without either', () => {
    expect(swapCountsOf('nr_free_pages 5\npswpin 12\npswpout 34\npgfault 9\n')).toEqual({ in: 12, out: 34 });
    expect(swapCountsOf('pswpin 12\n')).toBeUndefined();
    expect(swapCountsOf('')).toBeUndefined();
  });

  it('reads this machine’s counters (Linux), and nothing from a file that is not there', () => {
    expect(swapCountsNow()).toEqual({ in: expect.any(Number), out: expect.any(Number) });
    expect(
      swapCountsNow(() => {
        throw new Error('ENOENT');
      }),
    ).toBeUndefined();
  });
});

describe('SwapWatch (--noswap)', () => {
  /** A watch over the readings `counts` gives in turn (the last one again after). */
  const watchOf = (counts: readonly (SwapCounts | undefined)[]): SwapWatch => {
    let i = 0;
    return new SwapWatch(() => counts[Math.min(i++, counts.length - 1)], 0);
  };

  it('says swapping only when pages went both in and out over a sample of at least SWAP_SAMPLE_MS', () => {
    const watch = watchOf([
      { in: 0, out: 0 },
      { in: 5, out: 0 }, // in only: not swapping
      { in: 6, out: 3 }, // both: swapping
      { in: 6, out: 9 }, // out only
    ]);
    expect(watch.swapping(SWAP_SAMPLE_MS)).toBe(false);
    expect(watch.swapping(2 * SWAP_SAMPLE_MS)).toBe(true);
    // Within the sample: the last verdict, the counters not read again.
    expect(watch.swapping(2 * SWAP_SAMPLE_MS + 1)).toBe(true);
    expect(watch.swapping(3 * SWAP_SAMPLE_MS)).toBe(false);
  });

  it('is not swapping before its first sample is over, nor when the counters cannot be read', () => {
    expect(watchOf([{ in: 0, out: 0 }, { in: 9, out: 9 }]).swapping(SWAP_SAMPLE_MS - 1)).toBe(false);
    expect(watchOf([undefined]).swapping(SWAP_SAMPLE_MS)).toBe(false);
    // Readable later: that reading is the first sample's start.
    const late = watchOf([undefined, { in: 1, out: 1 }, { in: 2, out: 2 }]);
    expect(late.swapping(SWAP_SAMPLE_MS)).toBe(false);
    expect(late.swapping(2 * SWAP_SAMPLE_MS)).toBe(true);
  });
});
