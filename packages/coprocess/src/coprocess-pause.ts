/**
 * Suspends and resumes running programs' whole process trees — SIGSTOP, then SIGCONT, to the
 * group and every descendant (as a kill reaches them) — like an AbortController for a pause:
 * pass it as {@link CoprocessOptions.pause} to one run or several, then call {@link suspend} and
 * {@link resume}. A run that starts while it is suspended is stopped as it starts; one killed while
 * stopped (a timeout, an abort) is continued right after its first kill signal, so that a
 * `trap … TERM` runs. What is stopped keeps its timeout running: a time limit is wall-clock.
 * (spm-shell's `--memsuspend` stops the youngest commands while memory is short.)
 */
export class CoprocessPause {
  #suspended = false;
  readonly #runs = new Set<(suspended: boolean) => void>();

  /** True between {@link suspend} and {@link resume}. */
  get suspended(): boolean {
    return this.#suspended;
  }

  /** Stops the runs' trees (SIGSTOP); a no-op while suspended. */
  suspend(): void {
    this.#set(true);
  }

  /** Continues the runs' trees (SIGCONT); a no-op unless suspended. */
  resume(): void {
    this.#set(false);
  }

  /** @internal A run's way to hear of it; returns its unsubscribe. */
  follow(run: (suspended: boolean) => void): () => void {
    this.#runs.add(run);
    return () => void this.#runs.delete(run);
  }

  #set(suspended: boolean): void {
    if (this.#suspended === suspended) return;
    this.#suspended = suspended;
    for (const run of [...this.#runs]) run(suspended);
  }
}
