import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { REMEDIAN_BASE, Remedian } from './remedian.js';

function remedianOf(values: readonly number[]): Remedian {
  const r = new Remedian();
  for (const v of values) r.add(v);
  return r;
}

describe('Remedian', () => {
  it('has no median before a value', () => {
    expect(new Remedian().median).toBeUndefined();
  });

  it('is the lower median of all the values, up to 999 of them, whatever their order', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: REMEDIAN_BASE }), (values) => {
        const sorted = [...values].sort((a, b) => a - b);
        const r = remedianOf(values);
        expect(r.count).toBe(values.length);
        expect(r.median).toBe(sorted[(sorted.length - 1) >> 1]);
      }),
    );
  });

  it('compares runtimes as numbers (GNU parallel sorts them as strings: there 10.5 would be the median)', () => {
    expect(remedianOf([10.2, 9.8, 10.5]).median).toBe(10.2);
    expect(remedianOf([2, 10, 100, 3]).median).toBe(3);
  });

  it('past 999 values, is the median of the blocks’ medians: three constant blocks give their middle value', () => {
    const blocks = [7, 1, 4];
    const values = blocks.flatMap((b) => Array.from({ length: REMEDIAN_BASE }, () => b));
    expect(remedianOf(values).median).toBe(4);
  });

  it('forgets values older than the last 999 within a block: a run of long ones ends, the median follows', () => {
    // 999 runtimes of 50, then 999 of 1: the second block's median is 1, the first's 50; the
    // lower median of [50, 1] is 1.
    const values = [...Array.from({ length: REMEDIAN_BASE }, () => 50), ...Array.from({ length: REMEDIAN_BASE }, () => 1)];
    expect(remedianOf(values).median).toBe(1);
    // Half-way through the second block: the last 999 are 500 ones and 499 fifties, median 1
    // (index 499 of them sorted); one value earlier, 499 ones: median 50.
    expect(remedianOf(values.slice(0, REMEDIAN_BASE + 500)).median).toBe(1);
    expect(remedianOf(values.slice(0, REMEDIAN_BASE + 499)).median).toBe(50);
  });
});
