import type { JobOutcome } from './job-outcome.js';
import { formatJsonLine } from './json-line.js';

/** Where the printer writes: each call is one whole block, never split. */
export interface PrinterSink {
  out(text: string): void;
  err(text: string): void;
}

/** Options of {@link OutputPrinter}. */
export interface PrinterOptions {
  /** Print in input order (`--keep-order`), holding back only what must wait. */
  readonly keepOrder: boolean;
  /** Prefix every output line with the job's tag and a tab (`--tag`). */
  readonly tag: boolean;
  /** One JSON line per job on stdout instead of its output (`--json`). */
  readonly json: boolean;
}

/** Prefixes each line of `text` with `prefix`; a last line without a newline keeps none. */
export function tagLines(text: string, prefix: string): string {
  if (text === '') return '';
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  return `${prefix}${body.split('\n').join(`\n${prefix}`)}${text.endsWith('\n') ? '\n' : ''}`;
}

/**
 * Prints each job's output whole — its stdout as one block, then its stderr as one block — so two
 * jobs' outputs never interleave (GNU parallel's default `--group`). With `keepOrder`, a job
 * waits only for the jobs before it; a job that will never print (killed by `--halt now` or an
 * interrupt) is `skip`ped so it holds nothing up.
 */
export class OutputPrinter {
  readonly #options: PrinterOptions;
  readonly #sink: PrinterSink;
  readonly #held = new Map<number, JobOutcome | null>();
  #next = 1;

  constructor(options: PrinterOptions, sink: PrinterSink) {
    this.#options = options;
    this.#sink = sink;
  }

  /** How many finished jobs wait for an earlier one (keep-order only). */
  get held(): number {
    return this.#held.size;
  }

  /** A job finished (its last attempt): print it now, or when its turn comes. */
  finished(outcome: JobOutcome): void {
    if (!this.#options.keepOrder) {
      this.#print(outcome);
      return;
    }
    this.#held.set(outcome.job.seq, outcome);
    this.#release();
  }

  /** A job that will never print: its turn passes. */
  skip(seq: number): void {
    if (!this.#options.keepOrder) return;
    this.#held.set(seq, null);
    this.#release();
  }

  /** At the end: print whatever still waits, in input order (jobs never heard of are passed over). */
  flush(): void {
    for (const seq of [...this.#held.keys()].sort((a, b) => a - b)) {
      const outcome = this.#held.get(seq);
      this.#held.delete(seq);
      if (outcome) this.#print(outcome);
    }
  }

  #release(): void {
    for (let outcome = this.#held.get(this.#next); outcome !== undefined; outcome = this.#held.get(this.#next)) {
      this.#held.delete(this.#next);
      this.#next += 1;
      if (outcome !== null) this.#print(outcome);
    }
  }

  #print(outcome: JobOutcome): void {
    if (this.#options.json) {
      this.#sink.out(`${formatJsonLine(outcome)}\n`);
      return;
    }
    const prefix = `${outcome.job.tag}\t`;
    const out = this.#options.tag ? tagLines(outcome.stdout, prefix) : outcome.stdout;
    const err = this.#options.tag ? tagLines(outcome.stderr, prefix) : outcome.stderr;
    if (out !== '') this.#sink.out(out);
    if (err !== '') this.#sink.err(err);
  }
}
