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
  it('fills commands in turn and spreads the one the input ends in evenly over the slots, as GNU parallel: ceil(its records / slots) a command', () => {
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
      // The command the input ends in, full at the cap, is spread too (until session 38: 3, 3, 3; 1, 1, 1; 1, 1, 1, 1).
      [9, 2, 3, [3, 3, 2, 1]],
      [3, 3, 2, [2, 1]],
      [4, 2, 2, [2, 1, 1]],
      [10, 2, 2, [2, 2, 2, 2, 1, 1]],
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

  it('with slots, hands out each full command once the next record shows the input goes on; the last is spread', () => {
    // 3 records a command at 13 bytes; 2 slots. (GNU parallel: `-j2 -s 20 -X echo ::: aaaa … eeee` gives 3, 1, 1.)
    const { groups, after } = pack(words(9), { maxChars: 13, slots: 2 });
    expect(groups).toEqual([['w1', 'w2', 'w3'], ['w4', 'w5', 'w6'], ['w7', 'w8'], ['w9']]);
    expect(after).toEqual([4, 7, 9, 9]);
    // At a cap: held until the next record (the input may end there: then it is spread).
    expect(pack(words(5), { maxChars: 1000, maxArgs: 2, slots: 2 }).after).toEqual([3, 5, 5]);
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
          // Records that all fit one command's bytes: GNU parallel's rule — commands of `cap` while
          // records follow them, then the k the input ends in spread, ceil(k / slots) a command.
          if (slots !== null && records.length > 0 && echo.bytes(records, 1) <= maxChars) {
            const c = cap ?? Infinity;
            const full = records.length > c ? Math.floor((records.length - 1) / c) : 0;
            const k = records.length - full * (full > 0 ? c : 0);
            const each = Math.ceil(k / slots);
            const spread = Array.from({ length: Math.ceil(k / each) }, (_, i) => Math.min(each, k - i * each));
            expect(sizes(groups)).toEqual([...Array.from({ length: full }, () => c), ...spread]);
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
