import { describe, it, expect } from '@jest/globals';
import { describeValue } from './describe-value.js';

describe('describeValue', () => {
  it.each([
    [0, '`0` (number)'],
    [-0, '`-0` (number)'],
    ['ten', '`"ten"` (string)'],
    [true, '`true` (boolean)'],
    [10n, '`10n` (bigint)'],
    [null, '`null`'],
    [undefined, 'nothing (undefined)'],
    [[1, 2, 3], 'an array of length 3'],
    [{}, 'an empty object'],
    [{ a: 1, b: 2 }, 'an object with keys a, b'],
    [new Map(), 'an instance of Map'],
    [new Uint8Array(4), 'a Uint8Array of 4 bytes'],
    [function named(): number {
      return 1;
    }, 'a function (`named`)'],
    [Symbol('s'), 'a symbol'],
  ])('describes %p as %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });

  it('clips a long string and says its length', () => {
    expect(describeValue('x'.repeat(100))).toMatch(/…` \(a string of 100 characters\)$/);
  });

  it('never throws, even on a hostile proxy', () => {
    const hostile = new Proxy({}, { getPrototypeOf: () => { throw new Error('no'); }, ownKeys: () => { throw new Error('no'); } });
    expect(describeValue(hostile)).toBe('a value that cannot be inspected');
  });
});
