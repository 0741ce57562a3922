import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { blocksOf, jobsFromBlocks, type BlockOptions } from './pipe-blocks.js';

/** `text` in chunks of the given sizes (the last one takes the rest). */
async function* chunked(text: string | Buffer, sizes: readonly number[] = []): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text);
  let at = 0;
  for (const size of sizes) {
    if (at >= bytes.length) return;
    yield bytes.subarray(at, at + size);
    at += size;
  }
  if (at < bytes.length) yield bytes.subarray(at);
}

async function blocks(text: string | Buffer, options: Partial<BlockOptions>, sizes?: readonly number[]): Promise<string[]> {
  const out: string[] = [];
  for await (const block of blocksOf(chunked(text, sizes), { blockBytes: 1 << 20, recend: 0x0a, ...options })) out.push(block.toString('latin1'));
  return out;
}

/** The rule, written plainly on the whole input: what blocksOf must give for any chunking. */
function reference(text: string, { blockBytes, records, recend, header }: BlockOptions): string[] {
  const end = String.fromCharCode(recend);
  let rest = text;
  let head = '';
  if (header === true) {
    const at = rest.indexOf(end);
    if (at < 0) return [];
    head = rest.slice(0, at + 1);
    rest = rest.slice(at + 1);
  }
  const out: string[] = [];
  while (rest !== '') {
    let cut: number;
    if (records !== undefined) {
      cut = -1;
      for (let n = 0, from = 0; n < records; n++) {
        const at = rest.indexOf(end, from);
        if (at < 0) {
          cut = rest.length;
          break;
        }
        cut = at + 1;
        from = at + 1;
      }
    } else if (rest.length < blockBytes) {
      // Less than a block is left: the last block, whether or not it ends a record.
      cut = rest.length;
    } else {
      cut = rest.lastIndexOf(end, blockBytes - 1) + 1;
      if (cut === 0) cut = rest.indexOf(end, blockBytes) + 1 || rest.length;
    }
    out.push(head + rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  return out;
}

describe('blocksOf (--pipe)', () => {
  it('cuts after the last record end that fits the block, as GNU parallel does; the input’s last bytes are the last block', async () => {
    expect(await blocks('1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n', { blockBytes: 10 })).toEqual(['1\n2\n3\n4\n5\n', '6\n7\n8\n9\n', '10\n']);
    expect(await blocks('a\nb\nc', { blockBytes: 2 })).toEqual(['a\n', 'b\n', 'c']);
    // A block's worth is cut at its last record end even at the input's end (GNU parallel 20221122 does).
    expect(await blocks('a\nbc', { blockBytes: 4 })).toEqual(['a\n', 'bc']);
    expect(await blocks('ab\ncd\n', { blockBytes: 5 })).toEqual(['ab\n', 'cd\n']);
  });

  it('gives a record longer than the block a block of its own, whole — read in many chunks, copied once', async () => {
    const long = `${'x'.repeat(100_000)}\n`;
    expect(await blocks(`ab\n${long}cd\n`, { blockBytes: 4 }, Array.from({ length: 200 }, () => 512))).toEqual(['ab\n', long, 'cd\n']);
  });

  it('with -N, gives n records a block whatever their size; with --header, the first record before each block; with -0, NUL-ended records', async () => {
    expect(await blocks('1\n2\n3\n4\n5\n', { records: 2, blockBytes: 1 })).toEqual(['1\n2\n', '3\n4\n', '5\n']);
    expect(await blocks('h\n1\n2\n3\n', { header: true, blockBytes: 4 })).toEqual(['h\n1\n2\n', 'h\n3\n']);
    expect(await blocks('h\n1\n2\n3\n', { header: true, records: 2 })).toEqual(['h\n1\n2\n', 'h\n3\n']);
    expect(await blocks('a\nb\0c\0', { recend: 0, blockBytes: 4 })).toEqual(['a\nb\0', 'c\0']);
    expect(await blocks('', { blockBytes: 4 })).toEqual([]);
  });

  it('cuts any input in any chunks as the plain rule does (a property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[ab\n]{0,60}$/),
        fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 12 }),
        fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        fc.boolean(),
        async (text, sizes, blockBytes, records, header) => {
          const options = { blockBytes, recend: 0x0a, ...(records !== undefined ? { records } : {}), header };
          expect(await blocks(text, options, sizes)).toEqual(reference(text, options));
        },
      ),
      { seed: 20261122, numRuns: 300 },
    );
  });
});

describe('jobsFromBlocks', () => {
  it('makes a job per block: the template its command ({#} its number, {} nothing), the block its stdin', async () => {
    async function* two(): AsyncGenerator<Buffer> {
      yield Buffer.from('a\n');
      yield Buffer.from('b\n');
    }
    const jobs = [];
    for await (const job of jobsFromBlocks(two(), 'wc -l # {#} [{}]')) jobs.push([job.seq, job.command, job.tag, Buffer.from(job.input ?? []).toString()]);
    expect(jobs).toEqual([
      [1, 'wc -l # 1 []', '', 'a\n'],
      [2, 'wc -l # 2 []', '', 'b\n'],
    ]);
  });

  it('with --cat, names the block’s file $PARALLEL_TMP: in place of {} (bare, for the shell to expand), else at the end', async () => {
    async function* one(): AsyncGenerator<Buffer> {
      yield Buffer.from('a\n');
    }
    const commands = async (template: string): Promise<string[]> => {
      const out = [];
      for await (const job of jobsFromBlocks(one(), template, true)) out.push(job.command);
      return out;
    };
    expect(await commands('wc -l < {} # {#}')).toEqual(['wc -l < $PARALLEL_TMP # 1']);
    expect(await commands('wc -l')).toEqual(['wc -l $PARALLEL_TMP']);
  });
});
