import { describe, it, expect, afterAll } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { filePartsOf, PartError, type PartOptions } from './pipe-part.js';
import { RecordPattern, recordPattern } from './record-pattern.js';

const dir = mkdtempSync(join(tmpdir(), 'spm-pipe-part-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const fileOf = (content: string | Buffer): string => {
  const path = join(dir, `f${String((files += 1))}`);
  writeFileSync(path, content);
  return path;
};
const lines: PartOptions = { jobs: 1, header: false, recend: Buffer.from('\n'), recstart: Buffer.alloc(0) };

describe('filePartsOf', () => {
  it('cuts after the first record end at or past each border, the next border a block past the cut (GNU parallel’s find_split_positions)', async () => {
    // Lines: "aaaa\n" (0-4), "b\n" (5-6), "cccccc\n" (7-13), "d\n" (14-15).
    const path = fileOf('aaaa\nb\ncccccc\nd\n');
    const parts = await filePartsOf([path], { ...lines, blockBytes: 6 });
    // Border 6 ("\n" of b) cuts at 7; border 13 ("\n" of c) at 14; 20 is past the end.
    expect(parts.map(({ start, end }) => [start, end])).toEqual([
      [0, 7],
      [7, 14],
      [14, 16],
    ]);
  });

  it('gives every part of a file with --header its first line, cutting from after it; N parts per slot sizes them by the total', async () => {
    const path = fileOf('name\n1\n2\n3\n4\n5\n6\n');
    const parts = await filePartsOf([path], { ...lines, header: true, blockBytes: 4 });
    // Borders at 5 + 4 = 9 (in "3\n": cut at 11) and 11 + 4 = 15 (in "6\n": cut at the end).
    expect(parts.map((p) => [p.header.toString(), p.start, p.end])).toEqual([
      ['name\n', 5, 11],
      ['name\n', 11, 17],
    ]);
    // 17 bytes, 2 slots × 2 parts: at least 1 + ⌊17 / 2 / 2⌋ = 5 bytes a part.
    const perSlot = await filePartsOf([path], { ...lines, jobs: 2, partsPerSlot: 2 });
    expect(perSlot.map(({ start, end }) => [start, end])).toEqual([
      [0, 7],
      [7, 13],
      [13, 17],
    ]);
  });

  it('cuts only between a --recend and a --recstart, one straddling the window it is looked for in', async () => {
    // The border is at 1, the first 128 KiB window [1, 131073): its last byte is the "\n", the
    // next window's first the ">" — the two are found across the seam.
    const body = `${'x'.repeat(131_068)}\n>r2\n`;
    const path = fileOf(`>r1\n${body}`);
    const parts = await filePartsOf([path], { jobs: 1, header: false, recend: Buffer.from('\n'), recstart: Buffer.from('>'), blockBytes: 1 });
    expect(parts.map(({ start, end }) => [start, end])).toEqual([
      [0, 131_073],
      [131_073, 4 + body.length],
    ]);
  });

  it('with --regexp, cuts at the pattern’s first boundary at or past each border, the bytes before the border seen by ^, across reads', async () => {
    const pattern = new RecordPattern('', recordPattern('--recstart', '^>'));
    // The `>`s at 2 and 6 are not at a line’s start; the one past 128 KiB is found by a second, longer read.
    const long = `${'x'.repeat(200_000)}\n`;
    const path = fileOf(`>a>\nyy>\n>b\n${long}>c\n`);
    const parts = await filePartsOf([path], { ...lines, blockBytes: 1, pattern });
    expect(parts.map(({ start, end }) => [start, end])).toEqual([
      [0, 8],
      [8, 11 + long.length],
      [11 + long.length, 14 + long.length],
    ]);
    // A border right at a record start cuts there (its recend, empty, begins at the border).
    const exact = await filePartsOf([fileOf('>a\n>b\n')], { ...lines, blockBytes: 3, pattern });
    expect(exact.map(({ start, end }) => [start, end])).toEqual([
      [0, 3],
      [3, 6],
    ]);
  });

  it('splits any file into parts that together are the file, each cut right after a record end, none shorter than the block but the last', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ maxLength: 12 }).map((s) => s.replaceAll('\n', '')), { maxLength: 40 }), fc.boolean(), fc.integer({ min: 1, max: 30 }), async (records, trailing, block) => {
        const content = records.join('\n') + (trailing && records.length > 0 ? '\n' : '');
        const bytes = Buffer.from(content);
        const parts = await filePartsOf([fileOf(bytes)], { ...lines, blockBytes: block });
        expect(Buffer.concat(parts.map((p) => bytes.subarray(p.start, p.end)))).toEqual(bytes);
        parts.forEach((p, i) => {
          if (i < parts.length - 1) {
            expect(bytes[p.end - 1]).toBe(0x0a);
            expect(p.end - p.start).toBeGreaterThanOrEqual(block);
          }
        });
      }),
      { seed: 23, numRuns: 100 },
    );
  });

  it('refuses what cannot be cut: a FIFO, a directory, a missing file', async () => {
    await expect(filePartsOf([dir], { ...lines, blockBytes: 1 })).rejects.toThrow(new PartError(`\`${dir}\` is not a seekable file (a pipe, a FIFO or a stream cannot be cut in parts: use --pipe)`));
    await expect(filePartsOf([join(dir, 'none')], { ...lines, blockBytes: 1 })).rejects.toThrow(/^cannot read `.*none`: ENOENT/);
  });
});
