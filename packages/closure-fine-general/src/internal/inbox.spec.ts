import { describe, it, expect } from '@jest/globals';
import { Inbox } from './inbox.js';

const m = (from: number, tag: string | number, body: number) => ({ from, tag, body });

describe('Inbox', () => {
  it('takes the first message matching source and tag, in arrival order', () => {
    const inbox = new Inbox();
    [m(1, 'a', 1), m(2, 'a', 2), m(1, 'b', 3), m(1, 'a', 4)].forEach((x) => inbox.push(x));
    expect(inbox.take(1, 'b')?.body).toBe(3);
    expect(inbox.take(undefined, 'a')?.body).toBe(1);
    expect(inbox.take(1, undefined)?.body).toBe(4);
    expect(inbox.take(1, undefined)).toBeUndefined();
    expect(inbox.size).toBe(1);
    expect(inbox.take(undefined, undefined)?.body).toBe(2);
    expect(inbox.size).toBe(0);
  });

  it('keeps many thousands of messages and their order, taken from the head or the middle', () => {
    const inbox = new Inbox();
    for (let i = 0; i < 20_000; i += 1) inbox.push(m(i % 2, 't', i));
    // Take all odd-sourced ones first (holes in the middle), then the rest from the head.
    const odd: number[] = [];
    for (let x = inbox.take(1, 't'); x !== undefined; x = inbox.take(1, 't')) odd.push(x.body as number);
    expect(odd).toEqual(Array.from({ length: 10_000 }, (_, i) => 2 * i + 1));
    expect(inbox.size).toBe(10_000);
    const even: number[] = [];
    for (let x = inbox.take(undefined, undefined); x !== undefined; x = inbox.take(undefined, undefined)) even.push(x.body as number);
    expect(even).toEqual(Array.from({ length: 10_000 }, (_, i) => 2 * i));
    expect(inbox.size).toBe(0);
  });
});
