import { describe, it, expect, afterAll } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputCapture, completeUtf8Length } from './output-capture.js';

const dir = mkdtempSync(join(tmpdir(), 'capture-spill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('OutputCapture', () => {
  it('keeps everything under the cap', () => {
    const capture = new OutputCapture(100);
    capture.push(Buffer.from('hello '));
    capture.push(Buffer.from('world'));
    expect(capture.text()).toBe('hello world');
    expect(capture.bytes).toBe(11);
    expect(capture.truncated).toBe(false);
  });

  it('keeps the first max bytes and counts the rest', () => {
    const capture = new OutputCapture(8);
    capture.push(Buffer.from('abcde'));
    capture.push(Buffer.from('fghij'));
    capture.push(Buffer.from('klmno'));
    expect(capture.text()).toBe('abcdefgh');
    expect(capture.bytes).toBe(15);
    expect(capture.truncated).toBe(true);
  });

  it('keeps nothing with a cap of 0, but still counts', () => {
    const capture = new OutputCapture(0);
    capture.push(Buffer.from('abc'));
    expect(capture.text()).toBe('');
    expect(capture.bytes).toBe(3);
    expect(capture.truncated).toBe(true);
  });

  it('copies what it keeps, so a reused buffer does not change the capture', () => {
    const capture = new OutputCapture(10);
    const chunk = Buffer.from('abc');
    capture.push(chunk);
    chunk.fill(0x7a);
    expect(capture.text()).toBe('abc');
  });

  it('drops a character cut in two by the cap instead of mangling it', () => {
    const capture = new OutputCapture(4);
    capture.push(Buffer.from('aaaé€')); // a a a é(2 bytes) €(3 bytes): a cap of 4 cuts into é
    expect(capture.text()).toBe('aaa');
    const exact = new OutputCapture(5);
    exact.push(Buffer.from('aaaé€'.slice(0, 4)));
    exact.push(Buffer.from('€'));
    expect(exact.text()).toBe('aaaé');
  });
});

describe('OutputCapture with a spill file', () => {
  /** Pushes `chunks`, closes, and returns the capture with kept bytes + file bytes. */
  const spillOf = (max: number, chunks: readonly Buffer[], name: string): { capture: OutputCapture; whole: Buffer } => {
    const capture = new OutputCapture(max, dir, name);
    for (const chunk of chunks) capture.push(chunk);
    capture.close();
    const file = capture.spilled;
    const whole = Buffer.concat([Buffer.from(capture.text()), file === undefined ? Buffer.alloc(0) : readFileSync(file)]);
    return { capture, whole };
  };

  it('keeps the first max bytes and writes the rest to the file: nothing lost, nothing truncated', () => {
    const { capture, whole } = spillOf(8, [Buffer.from('abcde'), Buffer.from('fghij'), Buffer.from('klmno')], 'plain');
    expect(capture.text()).toBe('abcdefgh');
    expect(capture.spilled).toBe(join(dir, 'plain'));
    expect(readFileSync(join(dir, 'plain'), 'utf8')).toBe('ijklmno');
    expect(whole.toString()).toBe('abcdefghijklmno');
    expect(capture.bytes).toBe(15);
    expect(capture.truncated).toBe(false);
  });

  it('creates no file while the stream stays under the cap', () => {
    const { capture } = spillOf(8, [Buffer.from('abcdefgh')], 'under');
    expect(capture.spilled).toBeUndefined();
    expect(() => readFileSync(join(dir, 'under'))).toThrow(/ENOENT/);
  });

  it.each([4, 5, 6, 7, 8])('cuts between characters, never inside one (cap %i)', (max) => {
    const text = 'aaaé€😀b'; // 1, 1, 1, 2, 3, 4, 1 bytes
    const bytes = Buffer.from(text);
    const { capture, whole } = spillOf(max, [bytes], `utf8-${max}`);
    expect(whole.equals(bytes)).toBe(true);
    expect(capture.text()).not.toContain('\ufffd');
    expect(readFileSync(join(dir, `utf8-${max}`)).toString()).not.toContain('\ufffd');
  });

  it('moves a character begun in an earlier chunk to the file with the rest of it', () => {
    const bytes = Buffer.from('aaé€');
    // `aaé` + the first byte of € fill the cap exactly; the next chunk holds €'s other two bytes.
    const { capture, whole } = spillOf(5, [bytes.subarray(0, 5), bytes.subarray(5)], 'across');
    expect(capture.text()).toBe('aaé');
    expect(whole.equals(bytes)).toBe(true);
  });

  it('keeps bytes that are not UTF-8 text whole: all of them in the file, no text (under the cap too)', () => {
    const bytes = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a, 0x1f, 0x8b, 0x08, 0x00]); // `caf` Latin-1 é, a gzip header
    const { capture, whole } = spillOf(100, [bytes], 'binary');
    expect(capture.text()).toBe('');
    expect(capture.spilled).toBe(join(dir, 'binary'));
    expect(whole.equals(bytes)).toBe(true);
    expect([capture.bytes, capture.truncated]).toEqual([bytes.length, false]);
  });

  it('moves the text kept so far to the file at the first bytes that are not text, the rest after it', () => {
    const chunks = [Buffer.from('line one\n'), Buffer.from([0xff, 0xfe]), Buffer.from('after\n')];
    const { capture, whole } = spillOf(100, chunks, 'turned');
    expect(capture.text()).toBe('');
    expect(whole.equals(Buffer.concat(chunks))).toBe(true);
  });

  it('takes a character cut between chunks for text, and one the stream ends inside for not text', () => {
    const euro = Buffer.from('a€');
    const across = spillOf(100, [euro.subarray(0, 2), euro.subarray(2)], 'text-across');
    expect([across.capture.text(), across.capture.spilled]).toEqual(['a€', undefined]);
    const cut = spillOf(100, [euro.subarray(0, 3)], 'cut-at-end');
    expect(cut.capture.text()).toBe('');
    expect(cut.whole.equals(euro.subarray(0, 3))).toBe(true);
  });

  it('decodes bytes that are not text without a spill directory (U+FFFD), as it always has', () => {
    const capture = new OutputCapture(100);
    capture.push(Buffer.from([0x61, 0xff, 0x62]));
    capture.close();
    expect(capture.text()).toBe('a\ufffdb');
  });

  it('drops the rest and says truncated when the file cannot be written', () => {
    const capture = new OutputCapture(3, join(dir, 'no-such-dir'), 'out');
    capture.push(Buffer.from('abcdef'));
    capture.push(Buffer.from('ghi'));
    capture.close();
    expect(capture.text()).toBe('abc');
    expect(capture.spilled).toBeUndefined();
    expect(capture.truncated).toBe(true);
    expect(capture.bytes).toBe(9);
  });
});

describe('completeUtf8Length', () => {
  it.each([
    ['ascii', [0x61, 0x62], 2],
    ['complete 2-byte', [0x61, 0xc3, 0xa9], 3],
    ['cut 2-byte', [0x61, 0xc3], 1],
    ['cut 3-byte after 1', [0x61, 0xe2], 1],
    ['cut 3-byte after 2', [0x61, 0xe2, 0x82], 1],
    ['complete 3-byte', [0xe2, 0x82, 0xac], 3],
    ['cut 4-byte after 3', [0x61, 0xf0, 0x9f, 0x98], 1],
    ['complete 4-byte', [0xf0, 0x9f, 0x98, 0x80], 4],
    ['empty', [], 0],
  ])('%s', (_name, bytes, expected) => {
    expect(completeUtf8Length(Uint8Array.from(bytes))).toBe(expected);
  });
});
