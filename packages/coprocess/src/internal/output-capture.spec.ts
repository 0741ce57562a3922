import { describe, it, expect } from '@jest/globals';
import { OutputCapture, completeUtf8Length } from './output-capture.js';

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
