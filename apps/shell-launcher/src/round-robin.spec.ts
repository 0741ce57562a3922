import { describe, it, expect } from '@jest/globals';
import type { FifoFeed } from './fifo-feed.js';
import { RoundRobin, type RoundRobinJob } from './round-robin.js';

/** A feed as a test drives it: what it was given, and whether its command takes more now. */
class FakeFeed {
  readonly got: string[] = [];
  ended = false;
  dropped = false;
  over = false;
  ready = true;
  #wakers: (() => void)[] = [];
  whenReady(): Promise<void> {
    return this.ready || this.over ? Promise.resolve() : new Promise((resolve) => this.#wakers.push(resolve));
  }
  write(bytes: Uint8Array): void {
    if (!this.over) this.got.push(Buffer.from(bytes).toString());
  }
  end(): void {
    this.ended = true;
  }
  drop(): void {
    this.dropped = true;
    this.exit();
  }
  /** Its command took what it had: ready again. */
  take(): void {
    this.ready = true;
    this.#wake();
  }
  /** Its command exited. */
  exit(): void {
    this.over = true;
    this.#wake();
  }
  #wake(): void {
    for (const wake of this.#wakers.splice(0)) wake();
  }
}

/** Blocks `b1`, `b2`, … given one at a time: each waits for `next()`. */
function pacedBlocks(count: number): { blocks: AsyncIterable<Buffer>; next: () => Promise<void>; read: () => number } {
  let given = 0;
  let release: (() => void) | undefined;
  let taken: (() => void) | undefined;
  const blocks = (async function* (): AsyncGenerator<Buffer> {
    for (let i = 1; i <= count; i++) {
      await new Promise<void>((resolve) => (release = resolve));
      given = i;
      yield Buffer.from(`b${i}`);
      taken?.();
    }
  })();
  const next = async (): Promise<void> => {
    const done = new Promise<void>((resolve) => (taken = resolve));
    while (release === undefined) await new Promise((resolve) => setImmediate(resolve));
    const go = release;
    release = undefined;
    go();
    await done;
    // The dealing of the block (a new job's feed is made asynchronously).
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return { blocks, next, read: () => given };
}

async function* blocksOf(...names: string[]): AsyncGenerator<Buffer> {
  for (const name of names) yield Buffer.from(name);
}

function dealer(blocks: AsyncIterable<Buffer>, slots: number, inTurn = false, header?: string): { rr: RoundRobin; feeds: FakeFeed[] } {
  const feeds: FakeFeed[] = [];
  const rr = new RoundRobin(blocks, {
    slots,
    inTurn,
    ...(header !== undefined ? { header: () => Buffer.from(header) } : {}),
    newFeed: async () => {
      const feed = new FakeFeed();
      feeds.push(feed);
      return feed as unknown as FifoFeed;
    },
  });
  return { rr, feeds };
}

async function all(rr: RoundRobin): Promise<RoundRobinJob[]> {
  const jobs: RoundRobinJob[] = [];
  for await (const job of rr) jobs.push(job);
  return jobs;
}

describe('RoundRobin', () => {
  it('starts a job per block up to the slots, then deals the blocks in turn; every stdin ends at the input’s end', async () => {
    const { rr, feeds } = dealer(blocksOf('b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7'), 3);
    const jobs = await all(rr);
    await rr.dealt;
    expect(jobs.map((job) => job.seq)).toEqual([1, 2, 3]);
    expect(feeds.map((feed) => feed.got)).toEqual([
      ['b1', 'b4', 'b7'],
      ['b2', 'b5'],
      ['b3', 'b6'],
    ]);
    expect(feeds.every((feed) => feed.ended)).toBe(true);
  });

  it('starts no more jobs than blocks, and gives the header to each job once, before its first block', async () => {
    const { rr, feeds } = dealer(blocksOf('b1', 'b2', 'b3'), 5, false, 'H;');
    expect((await all(rr)).map((job) => job.seq)).toEqual([1, 2, 3]);
    expect(feeds.map((feed) => feed.got)).toEqual([
      ['H;', 'b1'],
      ['H;', 'b2'],
      ['H;', 'b3'],
    ]);
  });

  it('passes a job that is not ready over for the next in turn; waits when none is', async () => {
    const paced = pacedBlocks(6);
    const { rr, feeds } = dealer(paced.blocks, 2);
    const jobs = all(rr);
    await paced.next(); // b1: job 1
    await paced.next(); // b2: job 2
    const [one, two] = feeds as [FakeFeed, FakeFeed];
    one.ready = false;
    await paced.next(); // b3: job 1's turn, not ready: job 2
    expect(two.got).toEqual(['b2', 'b3']);
    two.ready = false;
    const fourth = paced.next();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // b4 waits: neither is ready.
    expect([one.got, two.got]).toEqual([['b1'], ['b2', 'b3']]);
    one.take();
    await fourth;
    expect(one.got).toEqual(['b1', 'b4']);
    two.take();
    await paced.next();
    await paced.next();
    await jobs;
    expect([one.got, two.got]).toEqual([
      ['b1', 'b4', 'b6'],
      ['b2', 'b3', 'b5'],
    ]);
  });

  it('in turn (-k): a block waits for its job rather than go to another, so every run deals alike', async () => {
    const paced = pacedBlocks(4);
    const { rr, feeds } = dealer(paced.blocks, 2, true);
    const jobs = all(rr);
    await paced.next();
    await paced.next();
    const [one, two] = feeds as [FakeFeed, FakeFeed];
    one.ready = false;
    const third = paced.next();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // b3 is job 1's: it waits, though job 2 is ready.
    expect([one.got, two.got]).toEqual([['b1'], ['b2']]);
    one.take();
    await third;
    await paced.next();
    await jobs;
    expect([one.got, two.got]).toEqual([
      ['b1', 'b3'],
      ['b2', 'b4'],
    ]);
  });

  it('starts another job in the slot of one whose command exited; its untaken blocks are not dealt again', async () => {
    const paced = pacedBlocks(5);
    const { rr, feeds } = dealer(paced.blocks, 2);
    const jobs = all(rr);
    await paced.next();
    await paced.next();
    (feeds[0] as FakeFeed).exit();
    await paced.next(); // b3: a new job 3, in job 1's slot
    await paced.next(); // b4: job 2 (in turn after job 3's start)
    await paced.next(); // b5: job 3
    expect((await jobs).map((job) => job.seq)).toEqual([1, 2, 3]);
    expect(feeds.map((feed) => feed.got)).toEqual([['b1'], ['b2', 'b4'], ['b3', 'b5']]);
  });

  it('stop(): no more blocks read or jobs started; running jobs’ stdin ends, jobs not taken are dropped', async () => {
    const paced = pacedBlocks(10);
    const { rr, feeds } = dealer(paced.blocks, 3);
    const iterator = rr[Symbol.asyncIterator]();
    await paced.next();
    await paced.next();
    const first = await iterator.next();
    expect(first.value?.seq).toBe(1);
    rr.stop();
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(feeds.map((feed) => [feed.ended, feed.dropped])).toEqual([
      [true, false],
      [true, true],
    ]);
    expect(paced.read()).toBe(2);
  });

  it('throws, from the jobs’ iteration, what made a feed fail (a FIFO that cannot be made)', async () => {
    const rr = new RoundRobin(blocksOf('b1'), {
      slots: 2,
      inTurn: false,
      newFeed: () => Promise.reject(new Error('cannot make the FIFO `x`: mkfifo: No space left on device')),
    });
    await expect(all(rr)).rejects.toThrow('cannot make the FIFO `x`: mkfifo: No space left on device');
  });
});
