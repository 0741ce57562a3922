import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { chunked, cuttingCases } from '../test/fixtures/chunked.js';
import { blocksOf, jobsFromBlocks, separators, withoutFirstLine, type BlockOptions } from './pipe-blocks.js';

async function blocks(text: string | Buffer, options: Partial<BlockOptions>, sizes?: readonly number[]): Promise<string[]> {
  const out: string[] = [];
  for await (const block of blocksOf(chunked(text, sizes), { blockBytes: 1 << 20, recend: 0x0a, ...options })) out.push(block.toString('latin1'));
  return out;
}

/** The rule, written plainly on the whole input: what blocksOf must give for any chunking. */
function reference(text: string, { blockBytes, records, recend, recstart, header, removeSeparators: rrs }: BlockOptions): string[] {
  const end = typeof recend === 'number' ? String.fromCharCode(recend) : recend.toString('latin1');
  const begin = recstart?.toString('latin1') ?? '';
  let rest = text;
  let head = '';
  if (header === true) {
    const at = rest.indexOf(typeof recend === 'number' ? end : '\n');
    // One line without its end: a block of its own (GNU parallel's).
    if (at < 0) return rest === '' ? [] : [rest];
    head = rest.slice(0, at + 1);
    rest = rest.slice(at + 1);
  }
  /**
   * Every boundary of `rest` past its first byte: where `end` ends and `begin` starts. With `-N`,
   * the separator itself must begin past the first byte (GNU parallel looks for the Nth from the
   * second byte: an empty record joins the next).
   */
  const boundaries = (): number[] => {
    const out: number[] = [];
    for (let q = 0; q + end.length + begin.length <= rest.length; q++) {
      if (rest.startsWith(end + begin, q) && q + end.length > 0 && (records === undefined || q > 0)) out.push(q + end.length);
    }
    return out;
  };
  const out: string[] = [];
  while (rest !== '') {
    const all = boundaries();
    let cut: number;
    if (records !== undefined) cut = all[records - 1] ?? rest.length;
    else if (rest.length < blockBytes) cut = rest.length; // less than a block left: the last block
    else cut = all.filter((p) => p + begin.length <= blockBytes).pop() ?? all.find((p) => p + begin.length > blockBytes) ?? rest.length;
    let block = rest.slice(0, cut);
    if (rrs === true) {
      block = block.split(end + begin).join('');
      if (begin !== '' && block.startsWith(begin)) block = block.slice(begin.length);
      if (end !== '' && block.endsWith(end)) block = block.slice(0, -end.length);
      else if (end !== '' && block.endsWith(`${end}\n`)) block = `${block.slice(0, -end.length - 1)}\n`;
    }
    // (A block --rrs leaves empty is none.)
    if (rrs !== true || block !== '') out.push(head + block);
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

describe('blocksOf --recstart / --recend / --rrs', () => {
  const b = (text: string): Buffer => Buffer.from(text, 'latin1');
  const fasta = '>a\nAC\n>b\nGT\n>c\nTT\n';

  it('cuts where recend ends and recstart begins, never before the block’s first byte, as GNU parallel', async () => {
    expect(await blocks(fasta, { recend: b(''), recstart: b('>'), records: 1 })).toEqual(['>a\nAC\n', '>b\nGT\n', '>c\nTT\n']);
    expect(await blocks(fasta, { recend: b('\n'), recstart: b('>'), records: 2 })).toEqual(['>a\nAC\n>b\nGT\n', '>c\nTT\n']);
    expect(await blocks(fasta, { recend: b(''), recstart: b('>'), blockBytes: 8 })).toEqual(['>a\nAC\n', '>b\nGT\n', '>c\nTT\n']);
    // A `>` inside a line is no record start when recend is `\n` too.
    expect(await blocks('>a x>y\n>b\n', { recend: b('\n'), recstart: b('>'), records: 1 })).toEqual(['>a x>y\n', '>b\n']);
    expect(await blocks('1END2END3', { recend: b('END'), records: 2 }, [2, 1, 1, 3])).toEqual(['1END2END', '3']);
    // As GNU parallel, a block is cut where recend and recstart both lie within its size: not
    // before the `a>` at 5 when the block is 5 or 6 bytes, whatever was read.
    expect(await blocks('a>a>xa>b', { recend: b(''), recstart: b('a>'), blockBytes: 5 }, [6])).toEqual(['a>', 'a>x', 'a>b']);
    expect(await blocks('a>a>xa>b', { recend: b(''), recstart: b('a>'), blockBytes: 7 }, [6])).toEqual(['a>a>x', 'a>b']);
    // A block smaller than the separators: a record each, none empty.
    expect(await blocks('a>xa>b', { recend: b(''), recstart: b('a>'), blockBytes: 1 })).toEqual(['a>x', 'a>b']);
  });

  it('takes GNU parallel’s defaults: a newline ends records (NUL with -0) unless --recstart or --recend is given; then the other is empty', () => {
    expect(separators({})).toEqual({ recend: 0x0a });
    expect(separators({ nullSeparated: true })).toEqual({ recend: 0 });
    expect(separators({ recstart: b('>'), nullSeparated: true })).toEqual({ recend: b(''), recstart: b('>') });
    expect(separators({ recend: b('END') })).toEqual({ recend: b('END'), recstart: b('') });
  });

  it('--rrs removes each recend + recstart, a leading recstart and a trailing recend (before a last newline too); the header stays', async () => {
    expect(await blocks(fasta, { recend: b(''), recstart: b('>'), records: 2, removeSeparators: true })).toEqual(['a\nAC\nb\nGT\n', 'c\nTT\n']);
    expect(await blocks(fasta, { recend: b('\n'), recstart: b('>'), records: 1, removeSeparators: true })).toEqual(['a\nAC', 'b\nGT', 'c\nTT']);
    expect(await blocks('h>\n1X\n2X\n', { recend: b('X\n'), records: 1, header: true, headerEnd: 0x0a, removeSeparators: true })).toEqual(['h>\n1', 'h>\n2']);
    expect(await blocks('h>\n1X2X\n', { recend: b('X'), header: true, headerEnd: 0x0a, removeSeparators: true })).toEqual(['h>\n12\n']);
  });

  it('cuts any input in any chunks as the plain rule does, for separators of several bytes (a property)', async () => {
    const pairs: [string, string][] = [['\n', ''], ['', '>'], ['\n', '>'], ['ab', ''], ['', 'a>'], ['\n\n', 'b'], ['aa', '']];
    await fc.assert(
      fc.asyncProperty(
        ...cuttingCases(['a', 'b', '>', '\n', 'a>', 'ab', '\n\n'], pairs),
        async (text, sizes, blockBytes, records, [recend, recstart], header, rrs) => {
          const options = { blockBytes, recend: b(recend), recstart: b(recstart), headerEnd: 0x0a, ...(records !== undefined ? { records } : {}), header, removeSeparators: rrs };
          expect(await blocks(text, options, sizes)).toEqual(reference(text, options));
        },
      ),
      { seed: 20261123, numRuns: 1000 },
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

describe('withoutFirstLine (--pipe --skip-first-line)', () => {
  /** What withoutFirstLine gives of `chunks` (each one read), each chunk as read. */
  async function rest(...chunks: string[]): Promise<string[]> {
    async function* input(): AsyncGenerator<Buffer> {
      for (const chunk of chunks) yield Buffer.from(chunk, 'latin1');
    }
    const out: string[] = [];
    for await (const chunk of withoutFirstLine(input())) out.push(chunk.toString('latin1'));
    return out;
  }

  it('gives the input from past its first newline, later newlines kept', async () => {
    expect((await rest('head\na\nb\n')).join('')).toBe('a\nb\n');
    expect((await rest('head\na', '\nb\n', 'c')).join('')).toBe('a\nb\nc');
    expect((await rest('\na\n')).join('')).toBe('a\n');
    expect((await rest('\n\n')).join('')).toBe('\n');
  });

  it('skips a first line cut across chunks, its newline in a later one', async () => {
    expect((await rest('he', 'a', 'd\nx', 'y\n')).join('')).toBe('xy\n');
    expect((await rest('he', 'ad', '\n', 'x\n')).join('')).toBe('x\n');
  });

  it('gives no empty chunk when one ends right at the first newline', async () => {
    expect(await rest('head\n', 'a\n', 'b\n')).toEqual(['a\n', 'b\n']);
    expect(await rest('he', 'ad\n', 'a\n')).toEqual(['a\n']);
  });

  it('gives nothing for an input without a newline, of one line, or empty', async () => {
    expect(await rest('head', 'still head')).toEqual([]);
    expect(await rest('head\n')).toEqual([]);
    expect(await rest()).toEqual([]);
  });

  it('gives what follows the first newline, however the input is cut into chunks (a property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[ab\n]{0,40}$/), fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 20 }), async (text, sizes) => {
        const out: Buffer[] = [];
        for await (const chunk of withoutFirstLine(chunked(text, sizes))) out.push(chunk);
        const newline = text.indexOf('\n');
        expect(Buffer.concat(out).toString()).toBe(newline < 0 ? '' : text.slice(newline + 1));
      }),
      { seed: 20261126, numRuns: 300 },
    );
  });

  it('feeds blocksOf the input from its second line', async () => {
    const out: string[] = [];
    for await (const block of blocksOf(withoutFirstLine(chunked('skip\n1\n2\n3\n', [3, 4])), { blockBytes: 4, recend: 0x0a })) out.push(block.toString());
    expect(out).toEqual(['1\n2\n', '3\n']);
  });
});
