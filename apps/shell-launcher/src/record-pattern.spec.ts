import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { chunked, cuttingCases } from '../test/fixtures/chunked.js';
import { LineRecords, patternBlocksOf, RecordPattern, recordPattern, type PatternBlockOptions, type RecordBoundaries } from './record-pattern.js';

/** The pattern of `--recend E --recstart S --regexp` (either may be left out: ''). */
const pattern = (recend: string, recstart: string): RecordPattern => new RecordPattern(recend === '' ? '' : recordPattern('--recend', recend), recstart === '' ? '' : recordPattern('--recstart', recstart));

async function blocks(text: string | Buffer, options: Partial<PatternBlockOptions> & { readonly pattern: RecordBoundaries }, sizes?: readonly number[]): Promise<string[]> {
  const out: string[] = [];
  for await (const block of patternBlocksOf(chunked(text, sizes), { blockBytes: 1 << 20, headerEnd: 0x0a, ...options })) out.push(block.toString('latin1'));
  return out;
}

/** Where `source`, a pattern from recordPattern, matches `text` (Latin-1) at `at` alone: the match's end, or -1. */
function matchAt(source: string, text: string, at: number): number {
  const re = new RegExp(source, 'y');
  re.lastIndex = at;
  const match = re.exec(text);
  return match === null ? -1 : at + match[0].length;
}

describe('recordPattern (--regexp: Perl’s syntax, as JavaScript reads it)', () => {
  it('reads . ^ $ as Perl’s /m does: any byte but a newline (\\r too), and a line’s start and end (lines end with \\n alone)', () => {
    const dot = recordPattern('--recend', 'a.b');
    expect([matchAt(dot, 'a\rb', 0), matchAt(dot, 'a\nb', 0)]).toEqual([3, -1]);
    const caret = recordPattern('--recstart', '^>');
    expect(['>x', 'y\n>x', 'y\r>x', 'y>x'].map((text) => text.indexOf('>')).map((at, i) => matchAt(caret, ['>x', 'y\n>x', 'y\r>x', 'y>x'][i] as string, at))).toEqual([1, 3, -1, -1]);
    const dollar = recordPattern('--recend', 'x$');
    expect([matchAt(dollar, 'x', 0), matchAt(dollar, 'x\ny', 0), matchAt(dollar, 'x\r\n', 0), matchAt(dollar, 'xy', 0)]).toEqual([1, 1, -1, -1]);
  });

  it('reads \\A \\z \\Z \\s \\S \\h and POSIX classes as Perl’s, over bytes: \\s is not the 0xA0 inside a UTF-8 “à”', () => {
    expect(matchAt(recordPattern('--recend', '\\Ax'), 'xx', 0)).toBe(1);
    expect(matchAt(recordPattern('--recend', '\\Ax'), 'xx', 1)).toBe(-1);
    expect([matchAt(recordPattern('--recend', 'x\\z'), 'xx', 1), matchAt(recordPattern('--recend', 'x\\z'), 'x\n', 0)]).toEqual([2, -1]);
    expect(matchAt(recordPattern('--recend', 'x\\Z'), 'x\n', 0)).toBe(1);
    const agrave = Buffer.from('à').toString('latin1');
    expect([matchAt(recordPattern('--recend', '\\s'), agrave, 1), matchAt(recordPattern('--recend', '\\S'), agrave, 1), matchAt(recordPattern('--recend', '\\s'), '\t', 0)]).toEqual([-1, 2, 1]);
    expect([matchAt(recordPattern('--recend', '[[:digit:]]+'), '42x', 0), matchAt(recordPattern('--recend', '[^[:alpha:][:space:]]'), 'a', 0), matchAt(recordPattern('--recend', '[^[:alpha:][:space:]]'), '7', 0)]).toEqual([2, -1, 1]);
    expect([matchAt(recordPattern('--recend', '\\h'), ' ', 0), matchAt(recordPattern('--recend', '\\h'), '\n', 0)]).toEqual([1, -1]);
  });

  it('keeps a ] first in a class in it, takes a pattern’s non-ASCII characters as their UTF-8 bytes, and leaves escapes alone in a class', () => {
    expect([matchAt(recordPattern('--recend', '[]x]'), ']', 0), matchAt(recordPattern('--recend', '[^]x]'), ']', 0), matchAt(recordPattern('--recend', '[^]x]'), 'y', 0)]).toEqual([1, -1, 1]);
    expect(matchAt(recordPattern('--recstart', '>é'), Buffer.from('>é').toString('latin1'), 0)).toBe(3);
    expect([matchAt(recordPattern('--recend', '[.^$]'), '.', 0), matchAt(recordPattern('--recend', '[.^$]'), 'a', 0), matchAt(recordPattern('--recend', '\\.'), 'a', 0)]).toEqual([1, -1, -1]);
  });

  it('refuses what is no regular expression here, naming the option, the pattern and why', () => {
    expect(() => recordPattern('--recstart', '(?i)>')).toThrow('Expected `--recstart` with `--regexp` to be a regular expression (JavaScript\'s syntax, as Perl\'s for the common part), got "(?i)>": Invalid group');
    expect(() => recordPattern('--recend', 'a(b')).toThrow('Expected `--recend` with `--regexp` to be a regular expression (JavaScript\'s syntax, as Perl\'s for the common part), got "a(b": Unterminated group');
    expect(() => recordPattern('--recend', '[[:letter:]]')).toThrow('Expected `--recend` with `--regexp` to be a regular expression, got "[[:letter:]]": `[:letter:]` is not a class read here ([:alpha:] [:digit:]');
    expect(() => recordPattern('--recend', 'x\\')).toThrow('got "x\\\\": \\ at end of pattern');
    // Letter escapes of Perl's that JavaScript would read as the letter itself: refused, not matched as letters.
    for (const [pattern, escape] of [['\\Q.\\E', '\\Q'], ['a\\Kb', '\\K'], ['\\p{L}', '\\p'], ['\\x{41}', '\\x{'], ['[\\S]', '\\S']] as const) {
      expect(() => recordPattern('--recstart', pattern)).toThrow(`: \`${escape}\` is Perl's, not read here (read: \\d \\w \\b`);
    }
    expect([matchAt(recordPattern('--recend', '\\e\\v'), '\x1b\r', 0), matchAt(recordPattern('--recend', '\\x41\\cJ'), 'A\n', 0)]).toEqual([2, 2]);
  });
});

describe('RecordPattern', () => {
  it('finds the boundary where recend’s match ends and recstart’s begins, past `after`, its recend begun at `from` or later', () => {
    const fasta = pattern('\\n', '>');
    expect(fasta.next('>a\nAC\n>b\n', 0, 0, true)).toEqual({ at: 6, reach: 7 });
    expect(fasta.next('>a\nAC\n>b\n', 6, 6, true)).toBeUndefined();
    // recend empty: the boundary is recstart’s start; one at the text’s start is not past 0.
    expect(pattern('', '>').next('>a>b', 0, 0, true)).toEqual({ at: 2, reach: 3 });
    expect(pattern('', '>').next('>a>b', 0, -1, true)).toEqual({ at: 0, reach: 1 });
  });

  it('does not take a boundary whose matches reach the end of what is read, unless it is the whole input (more could change it)', () => {
    const runs = pattern('\\n+', '');
    expect(runs.next('a\n\n', 0, 0, false)).toBeUndefined();
    expect(runs.next('a\n\n', 0, 0, true)).toEqual({ at: 3, reach: 3 });
    expect(runs.next('a\n\nb', 0, 0, false)).toEqual({ at: 3, reach: 3 });
    const named = pattern('', '>[a-z]+');
    expect(named.next('x>ab', 0, 0, false)).toBeUndefined();
    expect(named.next('x>ab\n', 0, 0, false)).toEqual({ at: 1, reach: 4 });
  });

  it('stops a search that backtracks without end at its time limit, saying why: a run never hangs on an expression', async () => {
    const endless = new RecordPattern(recordPattern('--recend', '(a+)+x'), '', 200);
    const why = "Expected `--recstart`/`--recend` with `--regexp` to find the records' boundaries in what was read within 0.2 s, but the search took longer (an expression that backtracks without end, as nested quantifiers like `(a+)+` can?): the run stops";
    expect(() => endless.searching(() => endless.next(`${'a'.repeat(40)}b`, 0, 0, true))).toThrow(why);
    // Through the blocks: those cut before it come out first.
    const out: string[] = [];
    await expect(
      (async () => {
        for await (const block of patternBlocksOf(chunked(`ax\nax\n${'a'.repeat(40)}b`), { blockBytes: 1 << 20, records: 1, headerEnd: 0x0a, pattern: endless })) out.push(block.toString());
      })(),
    ).rejects.toThrow(why);
    expect(out).toEqual(['ax', '\nax']);
    // The pattern is usable again after it (its guard reset).
    expect(endless.searching(() => endless.next('aax\n', 0, 0, true))).toEqual({ at: 3, reach: 3 });
  });

  it('removes separators as GNU parallel’s --rrs with --regexp: every recend + recstart, a recstart at the start, a recend at the end or before a last newline', () => {
    expect(pattern('\\n', '>').removeSeparators('>a\nAC\n>b\nGT\n')).toBe('a\nACb\nGT');
    expect(pattern('END\\d', '').removeSeparators('xEND1yEND2\n')).toBe('xy\n');
    expect(pattern('', '#+ ').removeSeparators('## a\n# b\n')).toBe('a\nb\n');
  });
});

/** The rule, written plainly on the whole input (GNU parallel's): what patternBlocksOf must give for any chunking. */
function reference(text: string, options: PatternBlockOptions): string[] {
  const { blockBytes, records, pattern: p, header, removeSeparators: rrs } = options;
  let rest = text;
  let head = '';
  if (header === true) {
    const at = rest.indexOf('\n');
    if (at < 0) return [];
    head = rest.slice(0, at + 1);
    rest = rest.slice(at + 1);
  }
  /** Every boundary of `of` past its first byte (the whole input's, or a window's). */
  const boundaries = (of: string): number[] => {
    const out: number[] = [];
    for (let from = 0, after = 0; ; ) {
      const found = p.next(of, from, after, true);
      if (found === undefined) return out;
      out.push(found.at);
      [from, after] = [found.at, found.at];
    }
  };
  const out: string[] = [];
  let first = true;
  while (rest !== '') {
    const all = boundaries(rest);
    let cut: number;
    if (records !== undefined) cut = (first && all.length > 0 && !p.startsRecord(rest) ? all[0] : all[records - 1]) ?? rest.length;
    else if (rest.length < blockBytes) cut = rest.length;
    else cut = boundaries(rest.slice(0, blockBytes)).pop() ?? all[0] ?? rest.length;
    first = false;
    const block = rest.slice(0, cut);
    out.push(head + (rrs === true ? p.removeSeparators(block) : block));
    rest = rest.slice(cut);
  }
  return out;
}

describe('patternBlocksOf (--pipe --regexp)', () => {
  const fasta = '>a\nAC\n>b\nGT\n>c\nTT\n';

  it('cuts at the last boundary in the block’s size, matched there alone; a longer record is a block of its own', async () => {
    expect(await blocks(fasta, { pattern: pattern('', '^>'), blockBytes: 8 })).toEqual(['>a\nAC\n', '>b\nGT\n', '>c\nTT\n']);
    expect(await blocks(fasta, { pattern: pattern('', '^>'), blockBytes: 13 })).toEqual(['>a\nAC\n>b\nGT\n', '>c\nTT\n']);
    // 12: the third `>` (the 13th byte) is not in the first block.
    expect(await blocks(fasta, { pattern: pattern('', '^>'), blockBytes: 12 })).toEqual(['>a\nAC\n', '>b\nGT\n', '>c\nTT\n']);
    // A `>` not at a line’s start starts no record.
    expect(await blocks('>a x>y\n>b\n', { pattern: pattern('', '^>'), blockBytes: 3 })).toEqual(['>a x>y\n', '>b\n']);
    // The look-ahead of `\n(?=>)` at the block’s last byte sees the block’s end (GNU parallel’s buffer), so no cut there.
    expect(await blocks('a\nbbb\n>c\n', { pattern: pattern('\\n(?=[>b])', ''), blockBytes: 6 })).toEqual(['a\n', 'bbb\n', '>c\n']);
  });

  it('takes n records a block with -N; what comes before the first recstart is a block of its own (GNU parallel’s garbage)', async () => {
    expect(await blocks(fasta, { pattern: pattern('', '^>'), records: 2 })).toEqual(['>a\nAC\n>b\nGT\n', '>c\nTT\n']);
    expect(await blocks(`junk\n${fasta}`, { pattern: pattern('', '^>'), records: 2 })).toEqual(['junk\n', '>a\nAC\n>b\nGT\n', '>c\nTT\n']);
    expect(await blocks('x1\ny\nz22\nw', { pattern: pattern('\\d+\\n', ''), records: 1 })).toEqual(['x1\n', 'y\nz22\n', 'w']);
  });

  it('puts the header before each block (or hands it over for --round-robin) and removes the separators with --rrs', async () => {
    expect(await blocks(`id\n${fasta}`, { pattern: pattern('', '^>'), records: 2, header: true, removeSeparators: true })).toEqual(['id\na\nAC\nb\nGT\n', 'id\nc\nTT\n']);
    const heads: string[] = [];
    expect(await blocks(`id\n${fasta}`, { pattern: pattern('', '^>'), records: 3, header: true, onHeader: (h) => heads.push(h.toString()) })).toEqual([fasta]);
    expect(heads).toEqual(['id\n']);
  });

  it('finds the end of a record much longer than what is searched at once, read in small pieces', async () => {
    const long = `>a\n${'ACGT'.repeat(900_000)}\n>b\nGG\n`;
    const sizes = Array.from({ length: 2000 }, () => 4096);
    expect((await blocks(long, { pattern: pattern('\\n', '>'), blockBytes: 1000 }, sizes)).map((block) => block.length)).toEqual([long.length - 6, 6]);
    expect((await blocks(long, { pattern: pattern('\\n', '>'), records: 1 }, sizes)).map((block) => block.length)).toEqual([long.length - 6, 6]);
  });

  it('cuts any input in any chunks as the plain rule does on the whole input (a property)', async () => {
    // Patterns whose matches are settled once a byte follows them (see RecordPattern.next).
    const pairs: [string, string][] = [['\\n', ''], ['', '>'], ['\\n', '>'], ['\\n+', ''], ['', '^>'], ['(?:ab|a)', ''], ['', '[ab]+>'], ['\\n(?=>)', ''], ['b$', '']];
    await fc.assert(
      fc.asyncProperty(
        ...cuttingCases(['a', 'b', '>', '\n', 'a>', 'ab', '\n\n', 'x'], pairs),
        async (text, sizes, blockBytes, records, [recend, recstart], header, rrs) => {
          const options: PatternBlockOptions = { blockBytes, pattern: pattern(recend, recstart), headerEnd: 0x0a, ...(records !== undefined ? { records } : {}), header, removeSeparators: rrs };
          expect(await blocks(text, options, sizes)).toEqual(reference(text, options));
        },
      ),
      { seed: 20261123, numRuns: 1000 },
    );
  });
});

describe('LineRecords (--pipe -L n, -l n: records of n lines)', () => {
  /** `count` lines `1\n`, `2\n`… (numbers from 1). */
  const numbered = (count: number): string => Array.from({ length: count }, (_, i) => `${i + 1}\n`).join('');
  /** Records of `n` lines, as patternBlocksOf sees them. */
  const lineRecords = (n: number): RecordBoundaries => new LineRecords(n);

  it('finds a boundary after every n-th newline from a record’s start, the first past `after`', () => {
    const text = 'a\nb\nc\nd\ne';
    expect(lineRecords(2).next(text, 0, 0, true)).toEqual({ at: 4, reach: 4 });
    expect(lineRecords(2).next(text, 4, 4, true)).toEqual({ at: 8, reach: 8 });
    expect(lineRecords(2).next(text, 8, 8, true)).toBeUndefined();
    expect(lineRecords(2).next(text, 0, 4, true)).toEqual({ at: 8, reach: 8 });
    expect(lineRecords(2).next(text, 0, 5, true)).toEqual({ at: 8, reach: 8 });
    expect(lineRecords(1).next(text, 0, 0, true)).toEqual({ at: 2, reach: 2 });
    expect(lineRecords(3).next(text, 2, 2, true)).toEqual({ at: 8, reach: 8 });
    // A newline at the text’s end ends a record: more input cannot change it.
    expect(lineRecords(2).next('a\nb\n', 0, 0, false)).toEqual({ at: 4, reach: 4 });
    expect(lineRecords(2).next('a\nb', 0, 0, false)).toBeUndefined();
    // Every record starts one: no garbage before the first; no separators to remove.
    expect(lineRecords(2).startsRecord('x')).toBe(true);
    expect(lineRecords(2).removeSeparators('a\nb\n')).toBe('a\nb\n');
  });

  it('cuts blocks of whole n-line records, the most that fit the block’s size', async () => {
    // Records of 2 lines: "1\n2\n" (0-3), "3\n4\n" (4-7), "5\n6\n" (8-11), "7\n" (12-13).
    const text = numbered(7);
    // The last record, of fewer lines, is a block of its own (GNU parallel 20221122's cut).
    expect(await blocks(text, { pattern: new LineRecords(2), blockBytes: 8 })).toEqual(['1\n2\n3\n4\n', '5\n6\n', '7\n']);
    // 7 or 6 bytes: one record a block (2 do not fit).
    expect(await blocks(text, { pattern: new LineRecords(2), blockBytes: 7 })).toEqual(['1\n2\n', '3\n4\n', '5\n6\n', '7\n']);
    expect(await blocks(text, { pattern: new LineRecords(2), blockBytes: 4 })).toEqual(['1\n2\n', '3\n4\n', '5\n6\n', '7\n']);
    expect(await blocks(text, { pattern: new LineRecords(3), blockBytes: 6 })).toEqual(['1\n2\n3\n', '4\n5\n6\n', '7\n']);
    expect(await blocks(text, { pattern: new LineRecords(2) })).toEqual([numbered(6), '7\n']);
    expect(await blocks(numbered(6), { pattern: new LineRecords(2) })).toEqual([numbered(6)]);
    // A last line without a newline is a record's line: `c\nd` has no 2nd newline, so is a block of its own; `a\nb` alone is the one block.
    expect(await blocks('a\nb\nc\nd', { pattern: new LineRecords(2) })).toEqual(['a\nb\n', 'c\nd']);
    expect(await blocks('a\nb', { pattern: new LineRecords(2) })).toEqual(['a\nb']);
  });

  it('gives a record longer than the block a block of its own, whole', async () => {
    const long = `${'x'.repeat(50)}\n${'y'.repeat(50)}\n`;
    expect(await blocks(`a\nb\n${long}c\nd\n`, { pattern: new LineRecords(2), blockBytes: 6 })).toEqual(['a\nb\n', long, 'c\nd\n']);
    // Read in small pieces, the end of the long record arriving last.
    expect(await blocks(`a\nb\n${long}c\nd\n`, { pattern: new LineRecords(2), blockBytes: 6 }, Array.from({ length: 40 }, () => 3))).toEqual(['a\nb\n', long, 'c\nd\n']);
  });

  it('with -N m, takes exactly m records of n lines a block, whatever the block’s size; the last block what is left', async () => {
    const text = numbered(13);
    const got = await blocks(text, { pattern: new LineRecords(2), records: 3, blockBytes: 1 });
    expect(got.map((block) => block.split('\n').length - 1)).toEqual([6, 6, 1]);
    expect(got).toEqual([numbered(6), numbered(12).slice(numbered(6).length), '13\n']);
    expect(await blocks(numbered(4), { pattern: new LineRecords(1), records: 2 })).toEqual(['1\n2\n', '3\n4\n']);
    // With -N the last block is all that is left, a short record too (GNU parallel 20221122: `seq 5 | parallel --pipe -L2 -N3` is one block).
    expect(await blocks(numbered(5), { pattern: new LineRecords(2), records: 3 })).toEqual([numbered(5)]);
  });

  it('ends with the last record as it is, fewer lines and no newline at the end', async () => {
    expect(await blocks('a\nb\nc', { pattern: new LineRecords(2), records: 1 })).toEqual(['a\nb\n', 'c']);
    expect(await blocks('a\nb\nc\nd', { pattern: new LineRecords(3), records: 1 })).toEqual(['a\nb\nc\n', 'd']);
    expect(await blocks('a\nb\nc', { pattern: new LineRecords(2), blockBytes: 4 })).toEqual(['a\nb\n', 'c']);
    expect(await blocks('', { pattern: new LineRecords(2), records: 1 })).toEqual([]);
  });

  it('puts the header before each block, its line counted in no record', async () => {
    expect(await blocks('h\n1\n2\n3\n', { pattern: new LineRecords(2), records: 1, header: true })).toEqual(['h\n1\n2\n', 'h\n3\n']);
    expect(await blocks('h\n1\n2\n3\n4\n5\n', { pattern: new LineRecords(2), blockBytes: 5, header: true })).toEqual(['h\n1\n2\n', 'h\n3\n4\n', 'h\n5\n']);
  });

  it('cuts any input in any chunks into the same blocks, each whole records, as many as fit or as -N says (a property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[ab\n]{0,60}$/),
        fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 12 }),
        fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        fc.integer({ min: 1, max: 4 }),
        async (text, sizes, blockBytes, records, lines) => {
          const options = { pattern: new LineRecords(lines), blockBytes, ...(records !== undefined ? { records } : {}) };
          const got = await blocks(text, options, sizes);
          expect(await blocks(text, options)).toEqual(got);
          expect(got.join('')).toBe(text);
          // The boundaries: after every `lines`-th newline; a record ends there or at the input's end.
          const boundaries: number[] = [];
          for (let at = 0, count = 0; at < text.length; at++) if (text[at] === '\n' && ++count % lines === 0) boundaries.push(at + 1);
          const ends = new Set([...boundaries, text.length]);
          const recordsIn = (block: string): number => block.split('\n').length - 1;
          let at = 0;
          got.forEach((block, i) => {
            const start = at;
            at += block.length;
            expect(ends.has(at)).toBe(true);
            const last = i === got.length - 1;
            if (records !== undefined) {
              if (last) expect(recordsIn(block)).toBeLessThanOrEqual(records * lines);
              else expect(recordsIn(block)).toBe(records * lines);
            } else if (block.length > blockBytes) {
              // Past the block’s size: one record (its end at the next boundary), or what is left of it at the end.
              expect(recordsIn(block)).toBeLessThanOrEqual(lines);
              if (!last) expect(recordsIn(block)).toBe(lines);
            } else if (!last) {
              // Within it: the next boundary (the input’s end is none) would not have fit.
              const next = boundaries.find((end) => end > at);
              if (next !== undefined) expect(next - start).toBeGreaterThan(blockBytes);
            }
          });
        },
      ),
      { seed: 20261125, numRuns: 500 },
    );
  });
});
