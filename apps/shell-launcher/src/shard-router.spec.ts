import { describe, it, expect } from '@jest/globals';
import { fifoDirPerCase, fifoReader } from '../test/fifo-reader.js';
import { binOf, columnNamed, columnOf, keyColumn, routeLines, shardOf, splitHeader } from './shard-router.js';

describe('keyColumn', () => {
  it('takes a column number from 1, or a name', () => {
    expect(keyColumn('--shard', '3')).toBe(3);
    expect(keyColumn('--bin', 'user_id')).toBe('user_id');
  });

  it('refuses 0, nothing, and GNU parallel’s Perl expressions, naming the option and what it got', () => {
    expect(() => keyColumn('--bin', '0')).toThrow("Expected `--bin`'s column number to be at least 1, got `0`");
    expect(() => keyColumn('--shard', undefined)).toThrow('Expected `--shard` to be followed by a column');
    expect(() => keyColumn('--shard', '3 $_%=100')).toThrow("got `3 $_%=100` (GNU parallel's Perl expression after the column, `$_%=100`, is not run by spm-shell)");
    expect(() => keyColumn('--shard', '-2')).toThrow('got `-2`');
  });
});

describe('columnNamed, columnOf', () => {
  it('finds a header’s column by name, or says which columns it has', () => {
    expect(columnNamed('--shard', 'b', 'a,b,c', /,/)).toBe(2);
    expect(() => columnNamed('--shard', 'd', 'a,b,c', /,/)).toThrow('`--shard d`: the header has no column `d` (its columns, split at /,/: `a`, `b`, `c`)');
  });

  it('gives a line’s column as --colsep splits it; nothing for one it lacks', () => {
    expect(columnOf('a,b,c', /,/, 2)).toBe('b');
    expect(columnOf('a\t\tc', /\t/, 2)).toBe('');
    expect(columnOf('a  b', / +/, 2)).toBe('b');
    expect(columnOf('a', /,/, 3)).toBe('');
    // An empty --colsep splits between characters, as for arguments (a surrogate pair is one).
    expect(columnOf('a\u{1F600}b', new RegExp(''), 2)).toBe('\u{1F600}');
  });
});

describe('shardOf', () => {
  it('sends a key to the same job every time, and spreads many keys over the jobs', () => {
    expect(shardOf('alice', 4)).toBe(shardOf('alice', 4));
    const counts = [0, 0, 0, 0];
    for (let k = 0; k < 4000; k++) (counts[shardOf(`user-${k}`, 4)] as number) += 1;
    for (const count of counts) {
      expect(count).toBeGreaterThan(800);
      expect(count).toBeLessThan(1200);
    }
    expect(shardOf('', 3)).toBeGreaterThanOrEqual(0);
  });
});

describe('binOf', () => {
  it('reads the key as GNU parallel 20221122’s Perl does: value mod jobs, 0 to the last job (jobs from 0 here)', () => {
    // Each case as GNU parallel placed it with -j3 (jobs 1 2 3 → 0 1 2).
    const placed: [string, number][] = [
      ['1', 0],
      ['4', 0],
      ['7', 0],
      ['2', 1],
      ['5', 1],
      ['3', 2],
      ['6', 2],
      ['0', 2],
      ['-1', 1],
      ['x', 2],
      [' 2 e', 1],
      ['1 x', 0],
    ];
    for (const [value, job] of placed) expect([value, binOf(value, 3)]).toEqual([value, job]);
  });

  it('takes the integer part of a fraction or exponent, and any integer exactly', () => {
    expect(binOf('2.7', 3)).toBe(1);
    expect(binOf('-2.7', 3)).toBe(0);
    expect(binOf('1e3', 3)).toBe(0);
    expect(binOf('.5e1', 3)).toBe(1);
    const big = '12345678901234567890123';
    expect(binOf(big, 7)).toBe((Number(BigInt(big) % 7n) + 6) % 7);
    expect(binOf('', 2)).toBe(1);
  });
});

/** The pieces given, as an input that comes in those chunks. */
async function* chunks(...pieces: string[]): AsyncGenerator<Buffer> {
  for (const piece of pieces) yield Buffer.from(piece);
}

describe('splitHeader', () => {
  it('splits off the first line, across chunks, and leaves the rest as it comes', async () => {
    const { header, rest } = await splitHeader(chunks('na', 'me,v\nk,', '1\n'));
    expect(header?.toString()).toBe('name,v\n');
    const after: string[] = [];
    for await (const chunk of rest) after.push(chunk.toString());
    expect(after).toEqual(['k,', '1\n']);
  });

  it('takes an input without a line end as all header, and an empty one as none', async () => {
    expect((await splitHeader(chunks('a,b'))).header?.toString()).toBe('a,b');
    expect((await splitHeader(chunks())).header).toBeUndefined();
    expect((await splitHeader(chunks('x\0y'), 0)).header?.toString()).toBe('x\0');
  });
});

describe('routeLines', () => {
  const each = fifoDirPerCase('shard-router-spec-');

  it('gives each line, cut across chunks or not, whole and in order to the job it is routed to', async () => {
    const feeds = await each.fifos.feeds(3, 'r-');
    const reads = feeds.map((feed) => fifoReader(feed.path, 'cat'));
    // Routed by the number at the line's start; the last line has no end.
    await routeLines(chunks('0 a\n1 b\n2', ' c\n1 d\n', '0 e\n2 f', 'f\n1 last'), feeds, { jobOf: (line) => Number(line.split(' ')[0]) });
    expect((await Promise.all(reads)).map((read) => read.stdout)).toEqual(['0 a\n0 e\n', '1 b\n1 d\n1 last', '2 c\n2 ff\n']);
  });

  it('cuts at NULs with -0', async () => {
    const feeds = await each.fifos.feeds(2, 'r-');
    const reads = feeds.map((feed) => fifoReader(feed.path, 'tr "\\0" "|"'));
    await routeLines(chunks('a\0b\0a2\0'), feeds, { lineEnd: 0, jobOf: (line) => (line.startsWith('a') ? 0 : 1) });
    expect((await Promise.all(reads)).map((read) => read.stdout)).toEqual(['a|a2|', 'b|']);
  });

  it('drops the lines of a job whose command exited, the others go on; once every command has exited, the input is left unread', async () => {
    const feeds = await each.fifos.feeds(2, 'r-');
    const reads = [fifoReader((feeds[0] as (typeof feeds)[0]).path, 'head -n 1'), fifoReader((feeds[1] as (typeof feeds)[0]).path, 'head -n 3000 | wc -l')];
    let served = 0;
    // Endless: 1,000 lines a chunk, alternating between the jobs.
    async function* endless(): AsyncGenerator<Buffer> {
      for (;;) {
        served += 1;
        yield Buffer.from(Array.from({ length: 1000 }, (_, k) => `${k % 2} line\n`).join(''));
      }
    }
    await routeLines(endless(), feeds, { jobOf: (line) => Number(line[0]) });
    const [first, second] = await Promise.all(reads);
    expect(first?.stdout).toBe('0 line\n');
    expect(second?.stdout.trim()).toBe('3000');
    expect(feeds.every((feed) => feed.over)).toBe(true);
    // It stopped once both had gone (a pipe's worth past the second's 3,000 lines at most).
    expect(served).toBeLessThan(200);
  });
});
