import { describe, it, expect } from '@jest/globals';
import { BlockTimer, FLUSH, type Piece } from './block-timeout.js';
import { blocksOf } from './pipe-blocks.js';
import { CsvBoundaries } from './csv-columns.js';
import { LineRecords, patternBlocksOf, RecordPattern, recordPattern } from './record-pattern.js';

/** `pieces` as an input: strings are chunks, `FLUSH` a block's time up. */
async function* input(pieces: readonly Piece[]): AsyncGenerator<Piece> {
  yield* pieces;
}

/** What blocksOf cuts of `pieces` (default: lines, blocks of 1 MiB). */
async function byteBlocks(pieces: readonly Piece[], options: Partial<Parameters<typeof blocksOf>[1]> = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const block of blocksOf(input(pieces), { blockBytes: 1 << 20, recend: 0x0a, ...options })) out.push(block.toString('latin1'));
  return out;
}

/** What patternBlocksOf cuts of `pieces` at `pattern`'s boundaries. */
async function patternBlocks(pieces: readonly Piece[], pattern: Parameters<typeof patternBlocksOf>[1]['pattern'], options: Partial<Parameters<typeof patternBlocksOf>[1]> = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const block of patternBlocksOf(input(pieces), { blockBytes: 1 << 20, headerEnd: 0x0a, pattern, ...options })) out.push(block.toString('latin1'));
  return out;
}

describe('a block’s time up (FLUSH) in blocksOf', () => {
  it('passes on the complete records held, keeping the incomplete one; nothing when none is complete', async () => {
    expect(await byteBlocks(['a\nb', FLUSH, '\nc\n', 'd', FLUSH, FLUSH, 'e\n'])).toEqual(['a\n', 'b\nc\n', 'de\n']);
    expect(await byteBlocks([FLUSH, 'a\n', 'b\n'])).toEqual(['a\nb\n']);
  });

  it('cuts between --recend and --recstart only once both are read; the header goes before each block', async () => {
    const cut = { recend: Buffer.alloc(0), recstart: Buffer.from('>') };
    expect(await byteBlocks(['>1\nx\n', FLUSH, '>2\n', FLUSH, '>3\n'], cut)).toEqual(['>1\nx\n', '>2\n>3\n']);
    expect(await byteBlocks(['h\n', FLUSH, 'a\n', FLUSH, 'b\n'], { header: true })).toEqual(['h\na\n', 'h\nb\n']);
    // Before the header is whole, nothing: it is no block.
    expect(await byteBlocks(['h', FLUSH, '\na\n'], { header: true })).toEqual(['h\na\n']);
  });

  it('passes on nothing early with -N (a block is N records), and does not change full blocks', async () => {
    expect(await byteBlocks(['a\nb\nc\n', FLUSH, 'd\n'], { records: 2 })).toEqual(['a\nb\n', 'c\nd\n']);
    expect(await byteBlocks(['a\nb\nc\n', FLUSH, 'd\n'], { blockBytes: 4 })).toEqual(['a\nb\n', 'c\n', 'd\n']);
  });

  it('ends a record longer than a block where it ends, and takes the rest as usual', async () => {
    expect(await byteBlocks(['aaaaaa', FLUSH, 'a\nb', FLUSH, '\n'], { blockBytes: 3 })).toEqual(['aaaaaaa\n', 'b\n']);
  });
});

describe('a block’s time up (FLUSH) in patternBlocksOf (--regexp, --csv, -L)', () => {
  it('passes on the records a --regexp boundary has ended (the next record’s start read)', async () => {
    const starts = new RecordPattern('', recordPattern('--recstart', '^>\\d'));
    expect(await patternBlocks(['>1\nx\n', FLUSH, '>2\ny\n', FLUSH, '>3\n'], starts)).toEqual(['>1\nx\n', '>2\ny\n>3\n']);
    expect(await patternBlocks(['>1\nx\n>', FLUSH, '2\n', FLUSH, '>3\n'], starts)).toEqual(['>1\nx\n', '>2\n>3\n']);
  });

  it('passes on whole CSV records (not one whose quoted field is open) and whole -L groups of lines', async () => {
    expect(await patternBlocks(['a,b\n"c\n', FLUSH, 'd",e\n', FLUSH, 'f\n'], new CsvBoundaries())).toEqual(['a,b\n', '"c\nd",e\n', 'f\n']);
    expect(await patternBlocks(['1\n2\n3\n', FLUSH, '4\n5\n'], new LineRecords(2))).toEqual(['1\n2\n', '3\n4\n', '5\n']);
  });
});

describe('BlockTimer', () => {
  it('puts FLUSH among the chunks while a read is under way, and the chunk after it when it comes', async () => {
    let release: (() => void) | undefined;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    async function* source(): AsyncGenerator<Buffer> {
      yield Buffer.from('a\n');
      await stalled;
      yield Buffer.from('b\n');
    }
    const timer = new BlockTimer(5);
    const seen: string[] = [];
    for await (const piece of timer.ticking(source())) {
      seen.push(piece === FLUSH ? 'FLUSH' : piece.toString());
      // The source goes on only once a FLUSH has come: without one, this would never end.
      if (piece === FLUSH) release?.();
    }
    expect(seen[0]).toBe('a\n');
    expect(seen.slice(1, -1).every((piece) => piece === 'FLUSH') && seen.length >= 3).toBe(true);
    expect(seen.at(-1)).toBe('b\n');
  });

  it('hands on a failed read as the source’s error, and passes blocks through unchanged', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('a');
      throw new Error('EIO');
    }
    const read = async (): Promise<void> => {
      for await (const piece of new BlockTimer(1000).ticking(failing())) void piece;
    };
    await expect(read()).rejects.toThrow('EIO');
    const timer = new BlockTimer(1000);
    const out: string[] = [];
    for await (const block of timer.restarting(input([Buffer.from('x'), Buffer.from('y')]) as AsyncIterable<Buffer>)) out.push(block.toString());
    expect(out).toEqual(['x', 'y']);
    expect(() => new BlockTimer(0)).toThrow(RangeError);
  });
});
