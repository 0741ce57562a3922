import { describe, it, expect, jest } from '@jest/globals';
import { PassThrough, Readable } from 'node:stream';
import fc from 'fast-check';
import { continuedLines, continuedValues, firstInvalidUtf8, inputLines, withoutFirst, type InputLine, type InputLines } from './input-lines.js';

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

/** What `lines` gives, read to the end. */
async function all(lines: AsyncIterable<InputLine>): Promise<InputLine[]> {
  const got: InputLine[] = [];
  for await (const line of lines) got.push(line);
  return got;
}

/** `text`'s lines (each chunk one read), as inputLines gives them. */
const read = (...chunks: string[]): InputLines => inputLines(Readable.from(chunks.map((chunk) => Buffer.from(chunk, 'latin1'))));

/**
 * `wrap` of the lines of a stream still open that got `written`: its first value is `first`; a
 * second one, waited for, ends (done) once the wrapper is closed, which destroys the stream.
 */
async function expectClosing(wrap: (lines: InputLines) => InputLines, written: string, first: InputLine): Promise<void> {
  const stream = new PassThrough();
  const lines = wrap(inputLines(stream));
  stream.write(written);
  const iterator = lines[Symbol.asyncIterator]();
  expect((await iterator.next()).value).toEqual(first);
  const pending = iterator.next();
  lines.close();
  await expect(pending).resolves.toMatchObject({ done: true });
  expect(stream.destroyed).toBe(true);
}

describe('withoutFirst (--skip-first-line)', () => {
  it('gives the lines but the first, whatever that one is', async () => {
    expect(await all(withoutFirst(read('head\na\nb\n')))).toEqual([{ text: 'a' }, { text: 'b' }]);
    expect(await all(withoutFirst(read('\na\n')))).toEqual([{ text: 'a' }]);
    expect(await all(withoutFirst(read('he', 'ad\na', '\n')))).toEqual([{ text: 'a' }]);
    // A refused first line is skipped too; a refused later one is kept, refused.
    const lines = await all(withoutFirst(read('caf\xe9\nok\n\xff\n')));
    expect(lines.map((line) => [line.text, line.refused !== undefined])).toEqual([
      ['ok', false],
      ['\ufffd', true],
    ]);
  });

  it('gives nothing for an input of one line, or none', async () => {
    expect(await all(withoutFirst(read('only\n')))).toEqual([]);
    expect(await all(withoutFirst(read('only')))).toEqual([]);
    expect(await all(withoutFirst(read('')))).toEqual([]);
  });

  it('stops reading at close(), which closes the lines it reads', async () => {
    await expectClosing(withoutFirst, 'skipped\none\n', { text: 'one' });
  });
});

describe('continuedLines (-L, -l: a value ending in whitespace goes on in the next)', () => {
  it('joins a line that ends in a blank with the next, as they are, as often as they end so', async () => {
    expect(await all(continuedLines(read('a \nb\nc\n')))).toEqual([{ text: 'a b' }, { text: 'c' }]);
    expect(await all(continuedLines(read('a\t\nb \nc\nd\n')))).toEqual([{ text: 'a\tb c' }, { text: 'd' }]);
    expect(await all(continuedLines(read('a  \n  b\n')))).toEqual([{ text: 'a    b' }]);
    // Whitespace at a line's start continues nothing.
    expect(await all(continuedLines(read(' a\nb\n')))).toEqual([{ text: ' a' }, { text: 'b' }]);
    // An empty line ends in nothing: a value of its own — unless the line before goes on in it.
    expect(await all(continuedLines(read('a\n\nb\n')))).toEqual([{ text: 'a' }, { text: '' }, { text: 'b' }]);
    expect(await all(continuedLines(read('a \n\nb\n')))).toEqual([{ text: 'a b' }]);
  });

  it('takes each ASCII whitespace as a blank (space, \\t, \\n, \\r, \\f, \\v), not other characters nor other spaces', async () => {
    for (const blank of [' ', '\t', '\f', '\v']) expect(await all(continuedLines(read(`a${blank}\nb\n`)))).toEqual([{ text: `a${blank}b` }]);
    // A -0 item may end in a newline or a \r (a line's \r before its \n is dropped, CRLF's).
    expect(await all(continuedLines(inputLines(Readable.from([Buffer.from('a\n\0b\0c\r\0d\0e\0')]), 'nul')))).toEqual([{ text: 'a\nb' }, { text: 'c\rd' }, { text: 'e' }]);
    expect(await all(continuedLines(read('a\r\nb\n')))).toEqual([{ text: 'a' }, { text: 'b' }]);
    for (const other of ['\u00a0', '\u3000', '\u2028', 'x', '\\']) expect(await all(continuedLines(inputLines(Readable.from([Buffer.from(`a${other}\nb\n`)]))))).toEqual([{ text: `a${other}` }, { text: 'b' }]);
  });

  it('--header: the first line is the header as it is, never continued (a header ending in a blank took the first data line, lost) nor checked against -E', async () => {
    expect(await all(continuedLines(read('name \nfoo\nbar \nbaz\n'), undefined, true))).toEqual([{ text: 'name ' }, { text: 'foo' }, { text: 'bar baz' }]);
    expect(await all(continuedLines(read('STOP\na\nSTOP\nb\n'), 'STOP', true))).toEqual([{ text: 'STOP' }, { text: 'a' }]);
    expect(continuedValues([{ text: 'k ' }, { text: 'b' }, { text: 'c ' }, { text: 'd' }], undefined, true)).toEqual([{ text: 'k ' }, { text: 'b' }, { text: 'c d' }]);
    expect(continuedValues([{ text: 'h' }, { text: 'x' }, { text: 'h' }, { text: 'y' }], 'h', true)).toEqual([{ text: 'h' }, { text: 'x' }]);
  });

  it('gives a last value that still goes on at the input’s end all the same', async () => {
    expect(await all(continuedLines(read('a\nb ')))).toEqual([{ text: 'a' }, { text: 'b ' }]);
    expect(await all(continuedLines(read('a \nb \n')))).toEqual([{ text: 'a b ' }]);
    expect(await all(continuedLines(read('')))).toEqual([]);
  });

  it('refuses a joined value that holds a refused line, for the first such line’s reason', async () => {
    const [joined, next] = await all(continuedLines(read('ok \ncaf\xe9 \n\xff\nlast\n')));
    expect(joined?.text).toBe('ok caf\ufffd \ufffd');
    expect(joined?.refused).toBe('input line 2 is not valid UTF-8 (byte 0xe9 at byte 4); spm-shell passes commands to the shell as UTF-8 text');
    expect(next).toEqual({ text: 'last' });
  });

  it('stops reading at close(), which closes the lines it reads', async () => {
    await expectClosing(continuedLines, 'one \ntwo\n', { text: 'one two' });
  });
});

describe('continuedValues (-L, -l on a ::: source’s words)', () => {
  it('joins the values as continuedLines joins lines', () => {
    expect(continuedValues([{ text: 'a ' }, { text: 'b' }, { text: 'c' }])).toEqual([{ text: 'a b' }, { text: 'c' }]);
    expect(continuedValues([{ text: 'a\n' }, { text: 'b\t' }, { text: 'c' }, { text: 'd ' }])).toEqual([{ text: 'a\nb\tc' }, { text: 'd ' }]);
    expect(continuedValues([{ text: 'a\u00a0' }, { text: 'b' }])).toEqual([{ text: 'a\u00a0' }, { text: 'b' }]);
    expect(continuedValues([])).toEqual([]);
  });

  it('keeps the first refused value’s reason in the value it is joined into', () => {
    expect(continuedValues([{ text: 'a ', refused: 'one' }, { text: 'b', refused: 'two' }])).toEqual([{ text: 'a b', refused: 'one' }]);
    expect(continuedValues([{ text: 'a ' }, { text: 'b ', refused: 'two' }, { text: 'c', refused: 'three' }, { text: 'd' }])).toEqual([{ text: 'a b c', refused: 'two' }, { text: 'd' }]);
  });

  it('joins any values as the rule says, losing no character, as continuedLines joins the same lines (a property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.stringMatching(/^[a \t]{0,4}$/), { maxLength: 10 }), async (texts) => {
        const joined = continuedValues(texts.map((text) => ({ text })));
        // The rule, plainly: what is held so far and the next value are one value while they end in a blank.
        const expected: string[] = [];
        let held: string | undefined;
        for (const text of texts) {
          const value = (held ?? '') + text;
          held = /[ \t]$/.test(value) ? value : undefined;
          if (held === undefined) expected.push(value);
        }
        if (held !== undefined) expected.push(held);
        expect(joined.map((value) => value.text)).toEqual(expected);
        expect(joined.map((value) => value.text).join('')).toBe(texts.join(''));
        const fromLines = await all(continuedLines(read(texts.map((text) => `${text}\n`).join(''))));
        expect(fromLines).toEqual(joined);
      }),
      { seed: 20261124, numRuns: 200 },
    );
  });
});
