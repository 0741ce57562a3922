import { describe, it, expect, jest } from '@jest/globals';
import { PassThrough, Readable } from 'node:stream';
import fc from 'fast-check';
import { firstInvalidUtf8, inputLines, type InputLine } from './input-lines.js';

/** The lines of `chunks` written one after another (each chunk one read). */
async function linesOf(...chunks: (string | Buffer)[]): Promise<InputLine[]> {
  return itemsOf('newline', ...chunks);
}

async function itemsOf(separator: 'newline' | 'nul' | Uint8Array, ...chunks: (string | Buffer)[]): Promise<InputLine[]> {
  // Each chunk one read: a stream of objects keeps them apart (a byte stream written ahead
  // would hand them to the reader joined, and no cut would be tested).
  const stream = Readable.from(chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk)));
  const lines = inputLines(stream, separator);
  const got: InputLine[] = [];
  for await (const line of lines) got.push(line);
  return got;
}

describe('inputLines', () => {
  it('splits at \\n only: a \\r inside a line stays, a \\r before \\n is dropped (also across reads)', async () => {
    expect(await linesOf('echo one\recho two\n')).toEqual([{ text: 'echo one\recho two' }]);
    expect(await linesOf('a\r\nb\r', '\nc\r\r\n')).toEqual([{ text: 'a' }, { text: 'b' }, { text: 'c\r' }]);
  });

  it('keeps empty lines, takes a last line without \\n, and has none for an empty input', async () => {
    expect(await linesOf('a\n\nb')).toEqual([{ text: 'a' }, { text: '' }, { text: 'b' }]);
    expect(await linesOf('')).toEqual([]);
    expect(await linesOf('\n')).toEqual([{ text: '' }]);
  });

  it('joins a line cut across reads, a multi-byte character included', async () => {
    const euro = Buffer.from('echo €\n');
    expect(await linesOf(euro.subarray(0, 6), euro.subarray(6))).toEqual([{ text: 'echo €' }]);
  });

  it('refuses a line that is not UTF-8, naming the line and the byte, and reads on', async () => {
    const lines = await linesOf('echo ok\n', Buffer.from([0x72, 0x6d, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74, 0x78, 0x74, 0x0a]), 'echo after\n');
    expect(lines[0]).toEqual({ text: 'echo ok' });
    expect(lines[1]?.refused).toBe('input line 2 is not valid UTF-8 (byte 0xe9 at byte 7); spm-shell passes commands to the shell as UTF-8 text');
    expect(lines[1]?.text).toBe('rm caf\ufffd.txt');
    expect(lines[2]).toEqual({ text: 'echo after' });
  });

  it('names the file a refused line is from when it is one of several sources (`::::`, -a)', async () => {
    const read = async (source: string, separator: 'newline' | 'nul', text: Buffer): Promise<(string | undefined)[]> => {
      const stream = new PassThrough();
      const lines = inputLines(stream, separator, source);
      stream.end(text);
      const got: (string | undefined)[] = [];
      for await (const line of lines) got.push(line.refused);
      return got;
    };
    expect(await read('names', 'newline', Buffer.from('ok\ncaf\xe9\na\0b\n', 'latin1'))).toEqual([
      undefined,
      'line 2 of `names` is not valid UTF-8 (byte 0xe9 at byte 4); spm-shell passes commands to the shell as UTF-8 text',
      'line 3 of `names` holds a NUL byte (at byte 2), which a shell command cannot hold (items that end with NUL: -0)',
    ]);
    expect(await read('-', 'nul', Buffer.from('\xff\0', 'latin1'))).toEqual(['item 1 of stdin is not valid UTF-8 (byte 0xff at byte 1); spm-shell passes commands to the shell as UTF-8 text']);
  });

  it('refuses a line holding a NUL byte, showing it as \\0', async () => {
    const lines = await linesOf('a\0b\n');
    expect(lines).toEqual([{ text: 'a\\0b', refused: 'input line 1 holds a NUL byte (at byte 2), which a shell command cannot hold (items that end with NUL: -0)' }]);
  });

  it("with 'nul' (-0), splits at NUL only: newlines and \\r stay in an item, a last item without NUL counts", async () => {
    expect(await itemsOf('nul', 'a b\0c\nd\r\n\0', 'e', 'f')).toEqual([{ text: 'a b' }, { text: 'c\nd\r\n' }, { text: 'ef' }]);
    expect(await itemsOf('nul', '\0\0')).toEqual([{ text: '' }, { text: '' }]);
    const bad = await itemsOf('nul', Buffer.from([0x61, 0xff, 0x00]));
    expect(bad[0]?.refused).toBe('input item 1 is not valid UTF-8 (byte 0xff at byte 2); spm-shell passes commands to the shell as UTF-8 text');
  });

  it('stops reading at close(), even with the input still open', async () => {
    const stream = new PassThrough();
    const lines = inputLines(stream);
    stream.write('one\n');
    const iterator = lines[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ text: 'one' });
    const pending = iterator.next();
    lines.close();
    await expect(pending).resolves.toMatchObject({ done: true });
  });
});

describe('firstInvalidUtf8', () => {
  it('finds the first byte that does not fit: stray continuation, overlong, surrogate, cut sequence, past U+10FFFF', () => {
    expect(firstInvalidUtf8(Buffer.from('héllo €'))).toBe(Buffer.byteLength('héllo €'));
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0xc0, 0xaf]))).toBe(0);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe0, 0x80, 0xaf]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xe2, 0x82]))).toBe(2);
    expect(firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0);
    expect(firstInvalidUtf8(Buffer.from([0xf0, 0x9f, 0x98, 0x80, 0xff]))).toBe(4);
  });

  it('with -d, ends items at any bytes, also a delimiter cut across reads, and drops no \\r', async () => {
    const comma = Buffer.from(',');
    expect(await itemsOf(comma, 'a,b,', 'c\n')).toEqual([{ text: 'a' }, { text: 'b' }, { text: 'c\n' }]);
    expect(await itemsOf(comma, 'a,,b')).toEqual([{ text: 'a' }, { text: '' }, { text: 'b' }]);
    expect(await itemsOf(Buffer.from('\n'), 'a\r\nb\r\n')).toEqual([{ text: 'a\r' }, { text: 'b\r' }]);
    const xy = Buffer.from('XYZ');
    expect(await itemsOf(xy, 'aX', 'Y', 'ZbXYZcX', 'YZ')).toEqual([{ text: 'a' }, { text: 'b' }, { text: 'c' }]);
    expect(await itemsOf(xy, 'aXY', 'XYZb')).toEqual([{ text: 'aXY' }, { text: 'b' }]);
    // A NUL inside an item is refused, as in a line; a one-byte NUL delimiter is -0.
    expect((await itemsOf(comma, 'a\0b,c'))[0]?.refused).toMatch(/^input item 1 holds a NUL byte/);
    expect(await itemsOf(Buffer.from([0]), 'a\nb\0c')).toEqual([{ text: 'a\nb' }, { text: 'c' }]);
  });

  it('with -d, finds the same items however the input is cut into reads (a property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('X', 'XY', 'XYX', 'ab'), fc.array(fc.stringMatching(/^[abXYz]{0,6}$/), { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 10 }), async (delimiter, values, cuts) => {
        const input = Buffer.from(values.join(delimiter));
        const chunks: Buffer[] = [];
        for (let at = 0, i = 0; at < input.length; i++) {
          const size = cuts[i % cuts.length] as number;
          chunks.push(input.subarray(at, at + size));
          at += size;
        }
        const whole = await itemsOf(Buffer.from(delimiter), input);
        expect(await itemsOf(Buffer.from(delimiter), ...chunks)).toEqual(whole);
        // And what it finds is the input split at the delimiter, as JavaScript splits it (the last item empty: none).
        const split = input.length === 0 ? [] : input.toString().split(delimiter);
        if (split.length > 0 && split[split.length - 1] === '') split.pop();
        expect(whole.map((line) => line.text)).toEqual(split);
      }),
      { seed: 20261122, numRuns: 300 },
    );
  });

  it('with -d of several bytes, copies a long item about once, not once per read (2,000 reads of one item)', async () => {
    const concat = Buffer.concat.bind(Buffer);
    let copied = 0;
    const spy = jest.spyOn(Buffer, 'concat').mockImplementation((list: readonly Uint8Array[], totalLength?: number) => {
      const joined = concat(list, totalLength);
      copied += joined.length;
      return joined;
    });
    try {
      const piece = Buffer.alloc(1024, 0x61);
      const items = await itemsOf(Buffer.from('XY'), ...Array.from({ length: 2000 }, () => piece), 'XYb');
      expect(items.map((line) => line.text.length)).toEqual([2000 * 1024, 1]);
    } finally {
      spy.mockRestore();
    }
    // Joining what was read once (2 MB), plus a delimiter's worth per read; before, every read
    // joined all that was pending: ~2 GB, the length of the item squared.
    expect(copied).toBeLessThan(3 * 2000 * 1024);
  });
});
