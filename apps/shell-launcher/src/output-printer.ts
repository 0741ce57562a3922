import { closeSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { JobOutcome } from './job-outcome.js';
import { formatJsonLine } from './json-line.js';

/** Where the printer writes: each call is one whole block, never split. */
export interface PrinterSink {
  out(text: string): void;
  err(text: string): void;
  /**
   * While what was written waits in memory (a reader slower than the commands): a promise that
   * resolves once it has drained. A spilled output (see {@link JobOutcome.stdoutFile}) is streamed
   * in step with it, so a huge output is never held in memory whole. Absent: never waits.
   */
  backlog?(): Promise<void> | undefined;
  /** Says a printer's own trouble (a spill file that cannot be read). Absent: `err`. */
  notice?(text: string): void;
  /** True once `out` (or `err`) can take nothing more (its reader went away): a spill file is not read on for nobody. */
  gone?(stream: 'out' | 'err'): boolean;
}

/** How much of a spilled output is read (and written) at a time. */
const STREAM_CHUNK_BYTES = 1 << 20;

/** Tags the lines of a stream that arrives in pieces: a piece may end mid-line. */
class LineTagger {
  #atLineStart = true;
  constructor(readonly prefix: string) {}

  tag(text: string): string {
    if (text === '') return '';
    const tagged = `${this.#atLineStart ? this.prefix : ''}${text.replace(/\n(?=[\s\S])/g, `\n${this.prefix}`)}`;
    this.#atLineStart = text.endsWith('\n');
    return tagged;
  }
}

/** Options of {@link OutputPrinter}. */
export interface PrinterOptions {
  /** Print in input order (`--keep-order`), holding back only what must wait. */
  readonly keepOrder: boolean;
  /** Prefix every output line with the job's tag and a tab (`--tag`). */
  readonly tag: boolean;
  /** One JSON line per job on stdout instead of its output (`--json`). */
  readonly json: boolean;
  /**
   * `--line-buffer` (and `-u`): jobs' output comes through {@link OutputPrinter.live} as it is
   * read — whole lines with `--line-buffer`, any pieces with `-u` — and is printed as it comes;
   * with `keepOrder`, only the oldest unfinished job's is (the others' wait for their turn, in
   * memory).
   */
  readonly lineBuffer?: boolean;
  /**
   * `--results NAME.csv|.tsv|.json`: each job, in its turn, goes to this table whole (its spilled
   * outputs read back in) and nothing of it is printed (GNU parallel's).
   */
  readonly table?: { add(outcome: JobOutcome): void };
}

/** A job's output shown live (`--line-buffer`): its taggers' state, and what waits for its turn. */
interface LiveJob {
  readonly tagger: { readonly stdout: LineTagger; readonly stderr: LineTagger } | undefined;
  readonly waiting: { readonly stream: 'stdout' | 'stderr'; readonly text: string }[];
}

/** Prefixes each line of `text` with `prefix`; a last line without a newline keeps none. */
export function tagLines(text: string, prefix: string): string {
  return new LineTagger(prefix).tag(text);
}

/**
 * Prints each job's output whole — its stdout as one block, then its stderr as one block — so two
 * jobs' outputs never interleave (GNU parallel's default `--group`). With `keepOrder`, a job
 * waits only for the jobs before it; a job that will never print (killed by `--halt now` or an
 * interrupt) is `skip`ped so it holds nothing up. A job whose output passed `--max-output` has the
 * rest in spill files: its kept part is printed, then the files are streamed (and deleted), and
 * jobs that finish meanwhile wait their turn. With `lineBuffer`, jobs' lines are printed as they
 * come ({@link OutputPrinter.live}) instead.
 */
export class OutputPrinter {
  readonly #options: PrinterOptions;
  readonly #sink: PrinterSink;
  readonly #held = new Map<number, JobOutcome | null>();
  #next = 1;
  /** While a spilled output is being streamed: what finished (or was written) meanwhile, printed after it. */
  #streaming: Promise<void> | undefined;
  readonly #queue: (JobOutcome | { readonly text: string })[] = [];
  /** `--line-buffer`: the jobs whose lines came, until they are printed whole. */
  readonly #live = new Map<number, LiveJob>();

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
      this.#live.delete(outcome.job.seq);
      this.#print(outcome);
      return;
    }
    this.#held.set(outcome.job.seq, outcome);
    this.#release();
  }

  /**
   * Writes `text` to the output now, or — while a spilled output is being streamed — after it
   * (`--joblog -` shares stdout with the outputs: a row must not land inside one).
   */
  write(text: string): void {
    if (this.#streaming !== undefined) this.#queue.push({ text });
    else this.#sink.out(text);
  }

  /**
   * `--line-buffer`: lines of job `seq` (tagged `tag`), as they come: printed now — with
   * `keepOrder`, only if it is the oldest job not printed yet; else when its turn comes.
   */
  live(seq: number, tag: string, stream: 'stdout' | 'stderr', text: string): void {
    let job = this.#live.get(seq);
    if (job === undefined) {
      const prefix = `${tag}\t`;
      job = { tagger: this.#options.tag ? { stdout: new LineTagger(prefix), stderr: new LineTagger(prefix) } : undefined, waiting: [] };
      this.#live.set(seq, job);
    }
    if (this.#options.keepOrder && seq !== this.#next) job.waiting.push({ stream, text });
    else this.#show(job, stream, text);
  }

  #show(job: LiveJob, stream: 'stdout' | 'stderr', text: string): void {
    const shown = job.tagger === undefined ? text : job.tagger[stream].tag(text);
    if (shown === '') return;
    if (stream === 'stdout') this.write(shown);
    else this.#sink.err(shown);
  }

  /** Prints what job `seq`'s lines left waiting (its turn came); `done`: it will send no more. */
  #showWaiting(seq: number, done: boolean): void {
    const job = this.#live.get(seq);
    if (job === undefined) return;
    for (const { stream, text } of job.waiting.splice(0)) this.#show(job, stream, text);
    if (done) this.#live.delete(seq);
  }

  /** A job that will never print: its turn passes. */
  skip(seq: number): void {
    if (!this.#options.keepOrder) {
      this.#live.delete(seq);
      return;
    }
    this.#held.set(seq, null);
    this.#release();
  }

  /**
   * At the end: print whatever still waits, in input order (jobs never heard of are passed over);
   * resolves once every spilled output has been streamed.
   */
  async flush(): Promise<void> {
    for (const seq of [...new Set([...this.#held.keys(), ...this.#live.keys()])].sort((a, b) => a - b)) {
      const outcome = this.#held.get(seq);
      this.#held.delete(seq);
      this.#showWaiting(seq, true);
      if (outcome) this.#print(outcome);
    }
    while (this.#streaming !== undefined) await this.#streaming;
  }

  #release(): void {
    for (let outcome = this.#held.get(this.#next); outcome !== undefined; outcome = this.#held.get(this.#next)) {
      this.#held.delete(this.#next);
      this.#showWaiting(this.#next, true);
      this.#next += 1;
      if (outcome !== null) this.#print(outcome);
    }
    // The oldest job still running: what its lines left waiting now, the rest as they come.
    this.#showWaiting(this.#next, false);
  }

  #print(outcome: JobOutcome): void {
    if (this.#streaming !== undefined) {
      this.#queue.push(outcome);
      return;
    }
    if (this.#options.table !== undefined) {
      this.#options.table.add(this.#whole(outcome));
      return;
    }
    if (outcome.stdoutFile !== undefined || outcome.stderrFile !== undefined) {
      if (this.#options.json) {
        this.#sink.out(`${formatJsonLine(this.#whole(outcome))}\n`);
        return;
      }
      const streaming = this.#stream(outcome).finally(() => {
        this.#streaming = undefined;
        while (this.#streaming === undefined && this.#queue.length > 0) {
          const next = this.#queue.shift() as JobOutcome | { readonly text: string };
          if ('text' in next) this.#sink.out(next.text);
          else this.#print(next);
        }
      });
      this.#streaming = streaming;
      return;
    }
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

  /** The job with its whole outputs in memory: its spill files (if any) read back and deleted. */
  #whole(outcome: JobOutcome): JobOutcome {
    if (outcome.stdoutFile === undefined && outcome.stderrFile === undefined) return outcome;
    return { ...outcome, stdout: outcome.stdout + this.#slurp(outcome, outcome.stdoutFile), stderr: outcome.stderr + this.#slurp(outcome, outcome.stderrFile) };
  }

  /** A spill file whole (for `--json` and a `--results` table), deleted once read. */
  #slurp(outcome: JobOutcome, file: string | undefined): string {
    if (file === undefined) return '';
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      this.#cannotRead(outcome, error);
      return '';
    } finally {
      rmSync(file, { force: true });
    }
  }

  /** Prints a job whose output spilled: each stream's kept part, then its file, chunk by chunk. */
  async #stream(outcome: JobOutcome): Promise<void> {
    const streams = [
      [outcome.stdout, outcome.stdoutFile, (text: string): void => this.#sink.out(text), 'out'],
      [outcome.stderr, outcome.stderrFile, (text: string): void => this.#sink.err(text), 'err'],
    ] as const;
    for (const [kept, file, write, stream] of streams) {
      const tagger = this.#options.tag ? new LineTagger(`${outcome.job.tag}\t`) : undefined;
      const put = (text: string): void => {
        const shown = tagger === undefined ? text : tagger.tag(text);
        if (shown !== '') write(shown);
      };
      put(kept);
      if (file === undefined) continue;
      let fd: number | undefined;
      try {
        fd = openSync(file, 'r');
        const decoder = new StringDecoder('utf8');
        const buffer = Buffer.allocUnsafe(STREAM_CHUNK_BYTES);
        for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) {
          put(decoder.write(buffer.subarray(0, n)));
          const backlog = this.#sink.backlog?.();
          if (backlog !== undefined) await backlog;
          if (this.#sink.gone?.(stream) === true) break;
        }
        put(decoder.end());
      } catch (error) {
        this.#cannotRead(outcome, error);
      } finally {
        if (fd !== undefined) closeSync(fd);
        rmSync(file, { force: true });
      }
    }
  }

  #cannotRead(outcome: JobOutcome, error: unknown): void {
    const say = this.#sink.notice ?? ((text: string): void => this.#sink.err(text));
    say(`spm-shell: job ${outcome.job.seq}: its output past --max-output could not be read back: ${(error as Error).message}\n`);
  }
}
