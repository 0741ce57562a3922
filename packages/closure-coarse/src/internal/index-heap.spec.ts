import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { IndexHeap } from './index-heap.js';

describe('IndexHeap', () => {
  it('pops in key order whatever the push order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 })), (keys) => {
        const heap = new IndexHeap<number>((k) => k);
        for (const k of keys) heap.push(k);
        expect(heap.size).toBe(keys.length);
        const out: number[] = [];
        for (let k = heap.pop(); k !== undefined; k = heap.pop()) out.push(k);
        expect(out).toEqual([...keys].sort((a, b) => a - b));
      }),
    );
  });

  it('interleaves pushes and pops', () => {
    const heap = new IndexHeap<number>((k) => k);
    heap.push(5);
    heap.push(1);
    expect(heap.pop()).toBe(1);
    heap.push(3);
    heap.push(0);
    expect([heap.pop(), heap.pop(), heap.pop(), heap.pop()]).toEqual([
      0,
      3,
      5,
      undefined,
    ]);
  });
});
