import { describe, it, expect, jest } from '@jest/globals';
import type { Job } from './job-outcome.js';
import { TaskFeed } from './task-feed.js';

const job = (seq: number, attempt = 1): Job => ({ seq, command: `c${seq}`, tag: `${seq}`, attempt });

describe('TaskFeed', () => {
  it('hands out the input, feeds retries back in, and ends when nothing is outstanding', async () => {
    const feed = new TaskFeed([job(1), job(2)]);
    const it = feed[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual(job(1));
    expect((await it.next()).value).toEqual(job(2));
    // Input exhausted, two outstanding: the next step waits for a retry or for both to settle.
    const pending = it.next();
    feed.retry(job(1, 2));
    expect((await pending).value).toEqual(job(1, 2));
    feed.settle();
    const last = it.next();
    feed.settle();
    expect(await last).toEqual({ value: undefined, done: true });
    expect(feed.read).toBe(2);
    expect(feed.inputDone).toBe(true);
  });

  it('hands out the jobs come back oldest first, whatever order they came back in, before the input', async () => {
    const feed = new TaskFeed([job(1), job(2), job(3), job(4), job(5), job(6)]);
    const it = feed[Symbol.asyncIterator]();
    for (let k = 0; k < 4; k++) await it.next();
    // A spoke's held task's commands reported back before its running task's.
    for (const seq of [3, 4, 1, 2]) feed.retry(job(seq));
    const order: number[] = [];
    for (let k = 0; k < 6; k++) order.push(((await it.next()).value as Job).seq);
    expect(order).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('hands out no more than `window` unfinished jobs', async () => {
    const feed = new TaskFeed([job(1), job(2), job(3)], 2);
    const it = feed[Symbol.asyncIterator]();
    await it.next();
    await it.next();
    let third: IteratorResult<Job> | undefined;
    const waiting = it.next().then((r) => (third = r));
    await new Promise((r) => setTimeout(r, 20));
    expect(third).toBeUndefined();
    feed.settle();
    await waiting;
    expect(third?.value).toEqual(job(3));
  });

  it('goes on at once when its window is raised, and holds back when it is lowered', async () => {
    const feed = new TaskFeed([job(1), job(2), job(3), job(4)], 1);
    const it = feed[Symbol.asyncIterator]();
    await it.next();
    let second: IteratorResult<Job> | undefined;
    const waiting = it.next().then((r) => (second = r));
    await new Promise((r) => setTimeout(r, 20));
    expect(second).toBeUndefined(); // one outstanding, window 1
    feed.window = 3; // spm-shell: commands are short, spokes may hold more
    await waiting;
    expect(second?.value).toEqual(job(2));
    expect((await it.next()).value).toEqual(job(3));
    feed.window = 1; // a long command: back to one per slot
    feed.settle();
    let fourth: IteratorResult<Job> | undefined;
    const held = it.next().then((r) => (fourth = r));
    await new Promise((r) => setTimeout(r, 20));
    expect(fourth).toBeUndefined(); // two still outstanding
    feed.settle();
    feed.settle();
    await held;
    expect(fourth?.value).toEqual(job(4));
  });

  it('ends at once when stopped, even while the input is slow, and closes the input', async () => {
    let closed = false;
    const slow: AsyncIterable<Job> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<Job>>(() => undefined),
        return: async () => {
          closed = true;
          return { value: undefined, done: true };
        },
      }),
    };
    const feed = new TaskFeed(slow);
    const it = feed[Symbol.asyncIterator]();
    const step = it.next();
    feed.stop();
    expect(await step).toEqual({ value: undefined, done: true });
    expect(closed).toBe(true);
  });

  it('serves a retry while the input has nothing to give yet (stdin)', async () => {
    let release: ((r: IteratorResult<Job>) => void) | undefined;
    let calls = 0;
    const input: AsyncIterable<Job> = {
      [Symbol.asyncIterator]: () => ({
        next: () => (++calls === 1 ? Promise.resolve({ value: job(1), done: false }) : new Promise<IteratorResult<Job>>((r) => (release = r))),
      }),
    };
    const feed = new TaskFeed(input);
    const it = feed[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual(job(1));
    const step = it.next();
    await new Promise((r) => setTimeout(r, 10));
    feed.retry(job(1, 2));
    expect((await step).value).toEqual(job(1, 2));
    const next = it.next();
    release?.({ value: job(2), done: false });
    expect((await next).value).toEqual(job(2)); // the input's step was kept, not lost
  });

  it('with delayMs (--delay), hands out a job no sooner than that after the one before, retries included; a stop ends the wait', async () => {
    jest.useFakeTimers();
    try {
      const feed = new TaskFeed([job(1), job(2), job(3)], 3);
      feed.delayMs = 1000;
      const it = feed[Symbol.asyncIterator]();
      expect((await it.next()).value).toEqual(job(1));
      let second: IteratorResult<Job> | undefined;
      const waiting = it.next().then((r) => (second = r));
      await jest.advanceTimersByTimeAsync(999);
      expect(second).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      await waiting;
      expect(second?.value).toEqual(job(2));
      // A retry waits its turn too, and comes first.
      feed.retry(job(1, 2));
      let retried: IteratorResult<Job> | undefined;
      const retrying = it.next().then((r) => (retried = r));
      await jest.advanceTimersByTimeAsync(500);
      expect(retried).toBeUndefined();
      await jest.advanceTimersByTimeAsync(500);
      await retrying;
      expect(retried?.value).toEqual(job(1, 2));
      // Stopped while it waits: done at once, no timer left behind.
      const last = it.next();
      feed.stop();
      expect(await last).toEqual({ value: undefined, done: true });
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('with a gate (--load), hands out nothing while it is shut, asks again, and goes on once it opens', async () => {
    const feed = new TaskFeed([job(1), job(2)]);
    let open = false;
    let asked = 0;
    feed.gate = () => {
      asked += 1;
      return open;
    };
    const it = feed[Symbol.asyncIterator]();
    let first: IteratorResult<Job> | undefined;
    const waiting = it.next().then((r) => (first = r));
    // Asked, and asked again while shut (after 10 ms, 20 ms, …): nothing handed out meanwhile.
    for (let spins = 0; asked < 3 && spins < 200; spins++) await new Promise((r) => setTimeout(r, 5));
    expect(asked).toBeGreaterThanOrEqual(3);
    expect(first).toBeUndefined();
    open = true;
    await waiting;
    expect(first?.value).toEqual(job(1));
    expect((await it.next()).value).toEqual(job(2));
  });

  it('with a shut gate, ends at a stop at once (the held job not handed out), and never asks it to find the input’s end', async () => {
    const stopped = new TaskFeed([job(1)]);
    stopped.gate = () => false;
    const pending = stopped[Symbol.asyncIterator]().next();
    await new Promise((r) => setTimeout(r, 15));
    stopped.stop();
    expect(await pending).toEqual({ value: undefined, done: true });
    const ended = new TaskFeed([job(1)]);
    const gate = jest.fn(() => true);
    ended.gate = gate;
    const it = ended[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual(job(1));
    expect(gate).toHaveBeenCalledTimes(1);
    ended.gate = () => false;
    ended.settle();
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });
});
