// --pipe --round-robin: the input's blocks dealt to a few long-running jobs, not a job each.
import type { FifoFeed } from './fifo-feed.js';

/** A job `--round-robin` starts: its number and the feed of its stdin. */
export interface RoundRobinJob {
  /** The job's number (1, 2, …: `{#}`). */
  readonly seq: number;
  /** Its stdin: the blocks dealt to it, written as the command reads. */
  readonly feed: FifoFeed;
}

/** How {@link RoundRobin} deals the blocks. */
export interface RoundRobinOptions {
  /** Job slots: at most this many jobs take blocks at once. */
  readonly slots: number;
  /**
   * `-k`: the blocks go to the jobs strictly in turn — the same jobs get the same blocks in every
   * run — a block waiting for its job to take the one before. Else a block goes to the first job
   * (in turn) that is ready for it.
   */
  readonly inTurn: boolean;
  /** `--header`: the header, which each job gets before its first block; asked when a job starts. */
  readonly header?: () => Buffer | undefined;
  /** Makes job `seq`'s feed (its FIFO). A rejection ends the dealing: the jobs' iteration throws it. */
  readonly newFeed: (seq: number) => Promise<FifoFeed>;
}

/**
 * GNU parallel's `--round-robin`: while fewer jobs than `slots` are running, each block starts
 * one (the first `slots` blocks start jobs 1 … slots); later blocks go to the running jobs, in
 * turn, each to one that is ready for it (with `inTurn`: to the next in turn, when it is). A job
 * whose command exits stops taking blocks — what it took and did not read is lost, as with GNU
 * parallel — and the next block starts another in its slot. At the input's end every job's stdin
 * ends, and so do the jobs. Iterating gives the jobs as they start; a block is never held for a
 * job that is not running, beyond the one that starts it.
 */
export class RoundRobin implements AsyncIterable<RoundRobinJob> {
  readonly #started: RoundRobinJob[] = [];
  /** Every job started whose feed is not over, in order. */
  readonly #live: FifoFeed[] = [];
  #done = false;
  #stopped = false;
  #error: unknown;
  #wake: (() => void) | undefined;
  readonly #dealing: Promise<void>;

  /** Starts dealing `blocks` at once (reading them as the jobs take them). */
  constructor(blocks: AsyncIterable<Buffer>, options: RoundRobinOptions) {
    this.#dealing = this.#deal(blocks, options);
  }

  /** Resolves when the dealing is over: the input read (or stopped), every job's stdin ended. */
  get dealt(): Promise<void> {
    return this.#dealing;
  }

  /**
   * No more blocks, no more jobs (`--halt soon`, an interrupt): the running jobs' stdin ends, the
   * jobs started but not taken from the iteration are dropped.
   */
  stop(): void {
    this.#stopped = true;
    for (const feed of this.#live) feed.end();
    for (const job of this.#started.splice(0)) job.feed.drop();
    this.#notify();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<RoundRobinJob> {
    for (;;) {
      const job = this.#started.shift();
      if (job !== undefined) {
        yield job;
        continue;
      }
      if (this.#error !== undefined) throw this.#error;
      if (this.#done || this.#stopped) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #deal(blocks: AsyncIterable<Buffer>, options: RoundRobinOptions): Promise<void> {
    const live = this.#live;
    let seq = 0;
    // The next job in turn (an index into live).
    let turn = 0;
    try {
      for await (const block of blocks) {
        if (this.#stopped) break;
        for (;;) {
          for (let i = live.length - 1; i >= 0; i--) {
            if (!(live[i] as FifoFeed).over) continue;
            live.splice(i, 1);
            if (turn > i) turn -= 1;
          }
          if (live.length < options.slots) {
            const feed = await options.newFeed(++seq);
            if (this.#stopped) {
              feed.drop();
              break;
            }
            const header = options.header?.();
            if (header !== undefined) feed.write(header);
            feed.write(block);
            live.push(feed);
            this.#started.push({ seq, feed });
            this.#notify();
            break;
          }
          turn %= live.length;
          if (options.inTurn) {
            const feed = live[turn] as FifoFeed;
            await feed.whenReady();
            if (this.#stopped) break;
            if (feed.over) continue;
            feed.write(block);
            turn += 1;
            break;
          }
          let ready = -1;
          for (let k = 0; k < live.length && ready < 0; k++) if ((live[(turn + k) % live.length] as FifoFeed).ready) ready = (turn + k) % live.length;
          if (ready >= 0) {
            (live[ready] as FifoFeed).write(block);
            turn = ready + 1;
            break;
          }
          await Promise.race(live.map((feed) => feed.whenReady()));
          if (this.#stopped) break;
        }
      }
    } catch (error) {
      this.#error = error;
    } finally {
      for (const feed of live) feed.end();
      this.#done = true;
      this.#notify();
    }
  }
}
