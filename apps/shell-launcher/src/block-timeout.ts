/**
 * `--block-timeout D` (`--bt`) for `--pipe`: when a block takes longer than D to read, the
 * complete records read so far are passed on as a block (GNU parallel's "use the partial block
 * read so far") — so a slow stream (`tail -f log | spm-shell --pipe --block 10M --bt 5 …`) is
 * worked on as it comes, not when 10 MB have arrived.
 *
 * The cutters (pipe-blocks.ts' `blocksOf`, record-pattern.ts' `patternBlocksOf`) know where
 * records end; this module only says when: {@link BlockTimer.ticking} puts a {@link FLUSH} among
 * the input's chunks when D has passed since the block began to be read, and
 * {@link BlockTimer.restarting} begins that time again each time a block has been taken and the
 * next is asked for (time spent waiting for a free job slot is not reading, as in GNU parallel,
 * whose alarm runs during its reads only).
 */

/** Put among a `--pipe` input's chunks: cut what complete records are held (see {@link BlockTimer}). */
export const FLUSH: unique symbol = Symbol('spm-shell --block-timeout');

/** A chunk of a `--pipe` input, or the order to cut what is held. */
export type Piece = Buffer | string | typeof FLUSH;

/** The clock of `--block-timeout`: one per `--pipe` input. */
export class BlockTimer {
  readonly #ms: number;
  #deadline: number;

  /** `ms`: the longest a block is read before what is complete of it is passed on (more than 0). */
  constructor(ms: number) {
    if (!(ms > 0)) throw new RangeError(`BlockTimer: expected a time above 0 ms, got ${ms}`);
    this.#ms = ms;
    this.#deadline = Date.now() + ms;
  }

  /** The next block begins to be read now. */
  restart(): void {
    this.#deadline = Date.now() + this.#ms;
  }

  /**
   * `source`'s chunks as they come, and {@link FLUSH} each time the block being read has taken
   * its time (then the time begins again). A read under way is not given up: its chunk follows.
   */
  async *ticking(source: AsyncIterable<Buffer | string>): AsyncGenerator<Piece> {
    const chunks = source[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<Buffer | string>> | undefined;
    try {
      for (;;) {
        if (pending === undefined) {
          pending = chunks.next();
          // Awaited below (or later, after a FLUSH): a failed read is not left unhandled meanwhile.
          pending.catch(() => undefined);
        }
        let timer: NodeJS.Timeout | undefined;
        const timeUp = new Promise<typeof FLUSH>((resolve) => {
          timer = setTimeout(() => resolve(FLUSH), Math.max(this.#deadline - Date.now(), 0));
        });
        const step = await Promise.race([pending, timeUp]);
        clearTimeout(timer);
        if (step === FLUSH) {
          this.restart();
          yield FLUSH;
          continue;
        }
        pending = undefined;
        if (step.done === true) return;
        yield step.value;
      }
    } finally {
      await chunks.return?.();
    }
  }

  /** `blocks`, the time beginning again as each has been taken and the next is asked for. */
  async *restarting(blocks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const block of blocks) {
      yield block;
      this.restart();
    }
  }
}
