/**
 * Holds running programs' output unread — their pipes are not read while it is held, so a
 * program blocks in its next write once a pipe is full (64 KiB on Linux), as it would writing to
 * a terminal or pipe nobody reads — and reads it again when released: backpressure, for a caller
 * that shows output live (`onOutput`) to a reader slower than the programs. Pass it as
 * {@link CoprocessOptions.outputHold} to one run or several, then call {@link hold} and
 * {@link release}. A run that starts while it is held is held as soon as its start is known
 * (on the fork server, what it writes before that may be read). Output is read again, held or not, once the program's leader has
 * exited (what is in the pipes then, and what the rest of its tree writes until it is gone) or
 * the tree is being killed (a timeout, an abort): a hold never keeps a run from concluding. What
 * is held keeps its timeout running: a time limit is wall-clock.
 * (spm-shell's `--line-buffer` and `-u` hold their commands while the terminal or pipe they
 * print to is behind.)
 */
export class CoprocessOutputHold {
  #held = false;
  readonly #runs = new Set<(held: boolean) => void>();

  /** True between {@link hold} and {@link release}. */
  get held(): boolean {
    return this.#held;
  }

  /** Stops reading the runs' output; a no-op while held. */
  hold(): void {
    this.#set(true);
  }

  /** Reads the runs' output again; a no-op unless held. */
  release(): void {
    this.#set(false);
  }

  /** @internal A run's way to hear of it; returns its unsubscribe. */
  follow(run: (held: boolean) => void): () => void {
    this.#runs.add(run);
    return () => void this.#runs.delete(run);
  }

  #set(held: boolean): void {
    if (this.#held === held) return;
    this.#held = held;
    for (const run of [...this.#runs]) run(held);
  }
}
