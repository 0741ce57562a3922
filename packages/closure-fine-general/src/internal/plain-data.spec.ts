import { runInNewContext } from 'node:vm';
import { describe, it, expect } from '@jest/globals';
import { checkPlainData, MAX_BODY_DEPTH, plainData } from './plain-data.js';

describe('checkPlainData', () => {
  it('accepts what every path carries, and estimates its size', () => {
    const bytes = new Uint8Array(1000);
    expect(checkPlainData({ a: [1, 'two', null, true, bytes], b: { c: Object.create(null) as object } }, 'x')).toBeGreaterThan(1000);
    expect(checkPlainData(null, 'x')).toBe(1);
    expect(checkPlainData({ skipped: undefined }, 'x')).toBe(5); // dropped, as JSON does
  });

  it('refuses what only some paths carry, naming the path and the kind', () => {
    expect(() => checkPlainData({ a: [1, new Map()] }, 'the message to rank 2')).toThrow(
      'Expected the message to rank 2 to be plain data (null, boolean, number, string, Uint8Array, arrays and plain objects of those), found an instance of Map at `body.a[1]` (send a plain object)',
    );
    expect(() => checkPlainData(new Float64Array(2), 'x')).toThrow(/found a Float64Array at `body` \(send a typed array as a Uint8Array over its buffer\)/);
    expect(() => checkPlainData({ when: new Date(0) }, 'x')).toThrow(/found an instance of Date at `body.when`/);
    expect(() => checkPlainData(() => 1, 'x')).toThrow(/found a function at `body`/);
    expect(() => checkPlainData(10n, 'x')).toThrow(/found a bigint at `body`/);
    expect(() => checkPlainData(undefined, 'x')).toThrow(/found undefined at `body` \(the wire delivers it as null: send null\)$/);
  });

  it('refuses undefined in an array and a hole alike: the wire would deliver null, a direct channel what was sent', () => {
    expect(() => checkPlainData({ a: [1, undefined] }, 'x')).toThrow(/found undefined at `body.a\[1\]` \(the wire delivers it as null: put null there\)$/);
    // eslint-disable-next-line no-sparse-arrays
    expect(() => checkPlainData([1, , 3], 'the message to rank 1')).toThrow(
      'Expected the message to rank 1 to be plain data (null, boolean, number, string, Uint8Array, arrays and plain objects of those), found a hole (a missing element) at `body[1]` (the wire delivers it as null: put null there)',
    );
    expect(() => checkPlainData({ out: new Array(2) }, 'x')).toThrow(/found a hole \(a missing element\) at `body.out\[0\]`/);
  });

  it('refuses a class instance as the wire does (a structured clone would flatten it), and accepts a plain object of another realm', () => {
    class Point {
      x = 1;
    }
    expect(() => checkPlainData({ p: new Point() }, 'the message to rank 1')).toThrow(
      'Expected the message to rank 1 to be plain data (null, boolean, number, string, Uint8Array, arrays and plain objects of those), found an instance of Point at `body.p` (send a plain object)',
    );
    expect(() => checkPlainData([Object.create({ inherited: 1 }) as object], 'x')).toThrow(/found an instance of Object at `body\[0\]`/);
    expect(() => checkPlainData({ a: JSON.parse('{"constructor": 1}') as object }, 'x')).toThrow('Expected x to be plain data, found the key `constructor` at `body.a`, which a receiver refuses');
    expect(checkPlainData(runInNewContext('({ a: [1, { b: 2 }] })') as object, 'x')).toBeGreaterThan(0);
  });

  it('gives the value as the wire delivers it: undefined properties dropped, -0 as 0, at any depth', () => {
    const delivered = plainData({ a: undefined, b: 1, c: [1, { z: undefined, y: -0 }, -0], d: { n: [-0, 2] } }, 'x').value as Record<string, unknown>;
    expect(delivered).toEqual({ b: 1, c: [1, { y: 0 }, 0], d: { n: [0, 2] } }); // toEqual tells -0 from 0
    expect(Object.keys(delivered)).toEqual(['b', 'c', 'd']);
    expect(Object.keys((delivered['c'] as unknown[])[1] as object)).toEqual(['y']);
    expect(Object.is(plainData(-0, 'x').value, 0)).toBe(true);
  });

  it('gives the value itself when the wire delivers it unchanged, and copies only what changes', () => {
    const same = { a: [1, 'two', { b: null }], bytes: new Uint8Array(3) };
    expect(plainData(same, 'x').value).toBe(same);
    const shared = { keep: [1, 2] };
    const changed = plainData({ shared, gone: undefined }, 'x').value as { shared: unknown };
    expect(changed.shared).toBe(shared);
    expect(plainData({ a: 1 }, 'x').bytes).toBe(checkPlainData({ a: 1 }, 'x'));
  });

  it('refuses nesting deeper than the wire allows a body', () => {
    let deep: unknown = 1;
    for (let i = 0; i <= MAX_BODY_DEPTH; i += 1) deep = [deep];
    expect(() => checkPlainData(deep, 'x')).toThrow(`Expected x nested at most ${MAX_BODY_DEPTH} levels deep`);
  });
});
