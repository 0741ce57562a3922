import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ArgPacker, type Packing, type PackTarget } from './arg-packing.js';

/** Commands `echo a b c` of the records: what -m makes of a template without `{}`. */
const echo: PackTarget<string> = {
  bytes: (records) => Buffer.byteLength(['echo', ...records].join(' ')),
  extra: (record) => Buffer.byteLength(record) + 1,
};

/** The groups `packing` makes of `records`, and after which record each was handed out. */
function pack(records: readonly string[], packing: Packing, target: PackTarget<string> = echo): { groups: string[][]; after: number[] } {
  const packer = new ArgPacker(packing, target);
  const groups: string[][] = [];
  const after: number[] = [];
  records.forEach((record, i) => {
    for (const group of packer.push(record)) {
      groups.push(group);
      after.push(i + 1);
    }
  });
  for (const group of packer.end()) {
    groups.push(group);
    after.push(records.length);
  }
  return { groups, after };
}

const words = (n: number): string[] => Array.from({ length: n }, (_, i) => `w${i + 1}`);
const sizes = (groups: readonly (readonly string[])[]): number[] => groups.map((group) => group.length);

describe('ArgPacker', () => {
  it('spreads what does not fill the slots evenly, as GNU parallel: min(cap, ceil(records / slots)) a command', () => {
    // Measured with GNU parallel 20221122 (`parallel -k -jJ -X echo ::: …`, `-n`): see the compat spec.
    const cases: readonly [records: number, slots: number, cap: number | undefined, expected: number[]][] = [
      [5, 2, undefined, [3, 2]],
      [7, 3, undefined, [3, 3, 1]],
      [10, 3, undefined, [4, 4, 2]],
      [1, 4, undefined, [1]],
      [4, 4, undefined, [1, 1, 1, 1]],
      [5, 4, undefined, [2, 2, 1]],
      [9, 4, undefined, [3, 3, 3]],
      [100, 2, undefined, [50, 50]],
      [10, 2, 3, [3, 3, 3, 1]],
      [7, 2, 3, [3, 3, 1]],
    ];
    for (const [n, slots, cap, expected] of cases) {
      expect({ n, slots, cap, sizes: sizes(pack(words(n), { maxChars: 131_071, slots, ...(cap !== undefined ? { maxArgs: cap } : {}) }).groups) }).toEqual({ n, slots, cap, sizes: expected });
    }
  });

  it('fills each command in turn without slots (--xargs), each handed out as soon as the next record does not fit', () => {
    // `echo w1 w2` is 10 bytes: 2 records a command at 10.
    const { groups, after } = pack(words(5), { maxChars: 10 });
    expect(groups).toEqual([['w1', 'w2'], ['w3', 'w4'], ['w5']]);
    expect(after).toEqual([3, 5, 5]);
    // A cap: handed out the moment it is reached, not at the next record.
    expect(pack(words(5), { maxChars: 1000, maxArgs: 2 }).after).toEqual([2, 4, 5]);
  });

  it('with slots, starts handing out full commands once the records read fill every slot', () => {
    // 3 records a command at 13 bytes; 2 slots: the 7th record shows both slots have a full one.
    const { groups, after } = pack(words(9), { maxChars: 13, slots: 2 });
    expect(groups).toEqual([
      ['w1', 'w2', 'w3'],
      ['w4', 'w5', 'w6'],
      ['w7', 'w8', 'w9'],
    ]);
    expect(after).toEqual([7, 7, 9]);
  });

  it('gives a record too long for any command a group of its own (the caller refuses its job)', () => {
    expect(pack(['a', 'x'.repeat(50), 'b', 'c'], { maxChars: 12 }).groups).toEqual([['a'], ['x'.repeat(50)], ['b', 'c']]);
  });

  it('measures a whole command when the estimate falls short (a positional string), and cuts it to fit', () => {
    // The last record is repeated at the end (like `{-1}`): the per-record estimate misses it.
    const last: PackTarget<string> = {
      bytes: (records) => Buffer.byteLength(['echo', ...records, records[records.length - 1] ?? ''].join(' ')),
      extra: (record) => Buffer.byteLength(record) + 1,
    };
    // From `echo a a` (8 bytes), `echo a c bbbbbbbb` is estimated at 19; it is `echo a c bbbbbbbb bbbbbbbb`, 26.
    const { groups } = pack(['a', 'c', 'bbbbbbbb', 'd'], { maxChars: 20 }, last);
    for (const group of groups) if (group.length > 1) expect(last.bytes(group, 1)).toBeLessThanOrEqual(20);
    expect(groups).toEqual([['a', 'c'], ['bbbbbbbb'], ['d']]);
  });

  it('keeps every record once, in order, in commands that fit (a property over random records and limits)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 0, maxLength: 12 }), { maxLength: 120 }),
        fc.integer({ min: 8, max: 200 }),
        fc.option(fc.integer({ min: 1, max: 8 })),
        fc.option(fc.integer({ min: 1, max: 6 })),
        (records, maxChars, slots, cap) => {
          const packing: Packing = { maxChars, ...(slots !== null ? { slots } : {}), ...(cap !== null ? { maxArgs: cap } : {}) };
          const { groups } = pack(records, packing);
          expect(groups.flat()).toEqual(records);
          for (const group of groups) {
            expect(group.length).toBeGreaterThan(0);
            if (cap !== null) expect(group.length).toBeLessThanOrEqual(cap);
            if (group.length > 1) expect(echo.bytes(group, 1)).toBeLessThanOrEqual(maxChars);
          }
          // Short records that never fill the slots: GNU parallel's even spread.
          if (slots !== null && records.length > 0 && echo.bytes(records, 1) <= maxChars) {
            const each = Math.min(cap ?? Infinity, Math.ceil(records.length / slots));
            expect(sizes(groups)).toEqual(sizes(Array.from({ length: Math.ceil(records.length / each) }, (_, i) => records.slice(i * each, (i + 1) * each))));
          }
        },
      ),
      { seed: 20261122, numRuns: 300 },
    );
  });

  it('measures each record about once: 100,000 records into full commands', () => {
    let measured = 0;
    const counting: PackTarget<string> = {
      bytes: (records) => {
        measured += records.length;
        return echo.bytes(records, 1);
      },
      extra: echo.extra,
    };
    const { groups } = pack(words(100_000), { maxChars: 131_071, slots: 2 }, counting);
    expect(groups.flat().length).toBe(100_000);
    // Each command is measured whole once or twice (its estimate, then its exact size): not once per record.
    expect(measured).toBeLessThan(5 * 100_000);
  });
});
