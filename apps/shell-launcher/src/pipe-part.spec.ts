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
/** A file's bytes: lines of up to 12 characters, the last with or without its newline. */
const fileContent = fc
  .tuple(fc.array(fc.string({ maxLength: 12 }).map((s) => s.replaceAll('\n', '')), { maxLength: 40 }), fc.boolean())
  .map(([records, trailing]) => Buffer.from(records.join('\n') + (trailing && records.length > 0 ? '\n' : '')));

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
      fc.asyncProperty(fileContent, fc.integer({ min: 1, max: 30 }), async (bytes, block) => {
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

describe('filePartsOf --skip-first-line', () => {
  const skipping: PartOptions = { ...lines, skipFirstLine: true };

  it('puts each file’s first line in no part: the parts cut from after it', async () => {
    // Lines: "skip me\n" (0-7), "1\n" (8-9), "22\n" (10-12), "333\n" (13-16).
    const path = fileOf('skip me\n1\n22\n333\n');
    // Border 8 + 3 = 11 (in "22\n": cut at 13), then 16 (the "\n" of "333": cut at the end).
    expect((await filePartsOf([path], { ...skipping, blockBytes: 3 })).map((p) => [p.header.toString(), p.start, p.end])).toEqual([
      ['', 8, 13],
      ['', 13, 17],
    ]);
    expect((await filePartsOf([path], { ...skipping, blockBytes: 1 << 20 })).map(({ start, end }) => [start, end])).toEqual([[8, 17]]);
    // Without it, the first line is in the first part.
    expect((await filePartsOf([path], { ...lines, blockBytes: 1 << 20 })).map(({ start, end }) => [start, end])).toEqual([[0, 17]]);
  });

  it('with --header, takes the line after the skipped one as every part’s header', async () => {
    // Lines: "junk\n" (0-4), "id\n" (5-7), then "1\n" … "4\n" (8-15).
    const path = fileOf('junk\nid\n1\n2\n3\n4\n');
    // Borders at 8 + 3 = 11 (the "\n" of "2": cut at 12) and 12 + 3 = 15 (the "\n" of "4": cut at the end).
    expect((await filePartsOf([path], { ...skipping, header: true, blockBytes: 3 })).map((p) => [p.header.toString(), p.start, p.end])).toEqual([
      ['id\n', 8, 12],
      ['id\n', 12, 16],
    ]);
    expect((await filePartsOf([path], { ...lines, header: true, blockBytes: 1 << 20 })).map((p) => [p.header.toString(), p.start, p.end])).toEqual([['junk\n', 5, 16]]);
  });

  it('skips the first line of each file, one longer than a read too', async () => {
    const [a, b] = [fileOf('a0\na1\n'), fileOf('b0\nb1\nb2\n')];
    expect((await filePartsOf([a, b], { ...skipping, blockBytes: 1 << 20 })).map((p) => [p.path, p.start, p.end])).toEqual([
      [a, 3, 6],
      [b, 3, 9],
    ]);
    // A first line of 200,001 bytes: past the 128 KiB read; then "a\n" (200001-200002), "b\n" (200003-200004).
    const long = fileOf(`${'x'.repeat(200_000)}\na\nb\n`);
    expect((await filePartsOf([long], { ...skipping, blockBytes: 1 })).map(({ start, end }) => [start, end])).toEqual([
      [200_001, 200_003],
      [200_003, 200_005],
    ]);
  });

  it('gives no part of a file of one line, of none (no newline: all of it is the first line), or empty', async () => {
    for (const content of ['only\n', 'no newline', 'x'.repeat(200_000), '']) {
      const path = fileOf(content);
      expect(await filePartsOf([path], { ...skipping, blockBytes: 1 })).toEqual([]);
      expect(await filePartsOf([path], { ...skipping, header: true, blockBytes: 1 })).toEqual([]);
    }
    // A header and nothing after it: no part either.
    expect(await filePartsOf([fileOf('skip\nhead\n')], { ...skipping, header: true, blockBytes: 1 })).toEqual([]);
    // The other files’ parts are not lost.
    const other = fileOf('h\nx\n');
    expect((await filePartsOf([fileOf('only\n'), other], { ...skipping, blockBytes: 1 })).map((p) => [p.path, p.start, p.end])).toEqual([[other, 2, 4]]);
  });

  it('splits any file into parts that together are the file past its first line, each cut right after a record end (a property)', async () => {
    await fc.assert(
      fc.asyncProperty(fileContent, fc.integer({ min: 1, max: 30 }), async (bytes, block) => {
        const parts = await filePartsOf([fileOf(bytes)], { ...skipping, blockBytes: block });
        const newline = bytes.indexOf(0x0a);
        expect(Buffer.concat(parts.map((p) => bytes.subarray(p.start, p.end)))).toEqual(newline < 0 ? Buffer.alloc(0) : bytes.subarray(newline + 1));
        parts.forEach((p, i) => {
          expect(p.end).toBeGreaterThan(p.start);
          if (i < parts.length - 1) expect(bytes[p.end - 1]).toBe(0x0a);
        });
      }),
      { seed: 24, numRuns: 100 },
    );
  });
});
