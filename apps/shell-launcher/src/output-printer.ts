import { closeSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { JobOutcome } from './job-outcome.js';
import { formatJsonLine } from './json-line.js';

/**
 * Where the printer writes: each call is one whole block, never split. Bytes (a `Uint8Array`)
 * are a job's output as the command wrote it, read back from its spill file (output that is not
 * UTF-8 text is all there), to be written as they are.
 */
export interface PrinterSink {
  out(text: string | Uint8Array): void;
  err(text: string | Uint8Array): void;
  /**
   * While what was written waits in memory (a reader slower than the commands): a promise that
   * resolves once it has drained. A spilled output (see {@link JobOutcome.stdoutFile}) is streamed
   * in step with it, so a huge output is never held in memory whole. Absent: never waits.
   */
  backlog?(): Promise<void> | undefined;
  /** Says a printer's own trouble (a spill file that cannot be read). Absent: `err`. */
  notice?(text: string): void;
  /**
   * Job `seq`'s output, or part of it, is lost: a file holding it could not be read back (it was
   * removed, or is too big for one string in `--json` or a `--results` table). Said after its
   * notice; the caller's exit status tells (255), as for output that cannot be written.
   */
  lost?(seq: number): void;
  /** True once `out` (or `err`) can take nothing more (its reader went away): a spill file is not read on for nobody. */
  gone?(stream: 'out' | 'err'): boolean;
}

/** How much of a spilled output is read (and written) at a time. */
const STREAM_CHUNK_BYTES = 1 << 20;

/** What a live job's pieces held in memory may take, by default, before the rest goes to a file. */
const DEFAULT_LIVE_HOLD_BYTES = 1 << 20;

/**
 * `-k`: what the outputs of finished jobs waiting for their turn may take in memory (their kept
 * text's UTF-16 units), at most, before the next ones go to files of the spill directory (see
 * {@link OutputPrinter.finished}).
 */
const HELD_MEMORY_UNITS = 16 * 1024 * 1024;

type Stream = 'stdout' | 'stderr';

/** A piece of a running job's output (`--line-buffer`, `-u`), as a {@link byteString}. */
interface Piece {
  readonly stream: Stream;
  readonly bytes: string;
}

/**
 * Bytes as a string of one character per byte (U+0000–U+00FF, Node's `latin1`), text as its
 * UTF-8 bytes: lines are marked on these, so output that is not UTF-8 text keeps its bytes
 * (`\n` and `\r` are never part of another UTF-8 character) and is written back with {@link bytesOf}.
 */
function byteString(data: string | Uint8Array): string {
  return typeof data === 'string' ? Buffer.from(data, 'utf8').toString('latin1') : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
}

/** The bytes a {@link byteString} holds. */
function bytesOf(bytes: string): Buffer {
  return Buffer.from(bytes, 'latin1');
}

/** `marks` as byte strings, to mark byte strings with. */
function byteMarks(marks: LineMarks): LineMarks {
  return { prefix: byteString(marks.prefix), ...(marks.reset === undefined ? {} : { reset: byteString(marks.reset) }) };
}

/** SGR "reset": ends a coloured line (what `tput sgr0` gives GNU parallel where it has no terminal). */
export const RESET = '\x1b[m';

/** "Clear to the end of the line", after each colour (GNU parallel's: the rest of a coloured line is coloured too). */
const CLEAR_TO_EOL = '\x1b[K';

/** `--color-failed`: white on red. */
export const FAILED_COLOR = '\x1b[48;5;196;38;5;231m';

let jobColors: readonly string[] | undefined;

/**
 * The colour `--color` gives job `seq`: one of 307 readable pairs of 256-colour background and
 * black or white text, chosen by `seq` and ordered so that neighbours differ — GNU parallel's
 * table and order (its `init_color`), so both colour the same job alike.
 */
export function jobColor(seq: number): string {
  if (jobColors === undefined) {
    const ranges = (pairs: readonly (readonly [number, number])[]): number[] => pairs.flatMap(([from, to]) => Array.from({ length: to - from + 1 }, (_, i) => from + i));
    const pad = (n: number): string => String(n).padStart(3, '0');
    const combinations = [
      ...ranges([[6, 7], [9, 11], [13, 15], [40, 51], [75, 87], [113, 123], [147, 159], [171, 182], [185, 231], [249, 254]]).map((bg) => [pad(bg), '000']),
      ...ranges([[1, 9], [12, 13], [16, 45], [52, 81], [88, 114], [124, 149], [160, 178], [180, 180], [182, 184], [196, 214], [232, 250]]).map((bg) => [pad(bg), '231']),
    ];
    // Neighbours dissimilar: by index mod 23, then mod 7 falling (a stable sort, as Perl's).
    const order = combinations.map((_, i) => i).sort((a, b) => a % 23 - b % 23 || b % 7 - a % 7);
    jobColors = order.map((i) => `\x1b[48;5;${combinations[i]?.[0]};38;5;${combinations[i]?.[1]}m`);
  }
  return jobColors[seq % jobColors.length] as string;
}

/** `--color`'s marks for job `seq`'s lines: its colour, `prefix` (its `--tag`, if any) after it. */
export function colourMarks(seq: number, prefix: string): LineMarks {
  return marksIn(jobColor(seq), prefix);
}

/** Lines in `colour`, `prefix` after it, each closed by the reset. */
function marksIn(colour: string, prefix: string): LineMarks {
  return { prefix: `${colour}${CLEAR_TO_EOL}${prefix}`, reset: RESET };
}

/**
 * How a job's lines are marked: `prefix` before each (its colour, then its `--tag`), and with
 * colours (`reset` defined) `reset` at each line's end.
 */
export interface LineMarks {
  readonly prefix: string;
  /** Defined: coloured lines (`--color`, `--color-failed`), each closed by this; `''` when this job has no colour. */
  readonly reset?: string | undefined;
}

/**
 * Marks the lines of a stream that arrives in pieces (a piece may end mid-line), as GNU parallel
 * does: a line starts after `\n` or `\r`. With colours, a line's end gets the reset before its
 * `\n`/`\r`, and {@link end} ends a last line left open with the reset and a newline.
 */
class LineTagger {
  #atLineStart = true;
  constructor(readonly marks: LineMarks) {}

  tag(text: string): string {
    if (text === '') return '';
    const { prefix, reset } = this.marks;
    const head = this.#atLineStart ? prefix : '';
    if (reset === undefined) {
      this.#atLineStart = text.endsWith('\n') || text.endsWith('\r');
      return `${head}${text.replace(/[\r\n](?=[\s\S])/g, `$&${prefix}`)}`;
    }
    // Coloured: every `\r` and `\n` closes its line; the next opens where something follows it.
    this.#atLineStart = text.endsWith('\n');
    const closed = text.replace(/[\r\n]/g, `${reset}$&`);
    const opened = closed.replace(/[\r\n](?=[\s\S])/g, `$&${prefix}`);
    // A `\r` opens its next line at once (GNU parallel's), even last in a piece.
    return `${head}${opened.endsWith('\r') ? `${opened}${prefix}` : opened}`;
  }

  /** Closes a coloured stream's open last line: its reset and a newline (GNU parallel's); else `''`. */
  end(): string {
    if (this.marks.reset === undefined || this.#atLineStart) return '';
    this.#atLineStart = true;
    return `${this.marks.reset}\n`;
  }

  /**
   * `--line-buffer`'s pieces (whole lines but a job's last): marked, and a coloured piece left
   * mid-line gets its reset (but no newline: it is the output's last).
   */
  piece(text: string): string {
    const shown = this.tag(text);
    if (this.marks.reset === undefined || this.#atLineStart || shown === '') return shown;
    this.#atLineStart = true;
    return `${shown}${this.marks.reset}`;
  }
}

/** Options of {@link OutputPrinter}. */
export interface PrinterOptions {
  /** Print in input order (`--keep-order`), holding back only what must wait. */
  readonly keepOrder: boolean;
  /** Prefix every output line with the job's tag and a tab (`--tag`). */
  readonly tag: boolean;
  /**
   * `--color`: each job's lines in a colour of their own (by its seq, {@link jobColor}), tag
   * included, closed by a reset; a last line without a newline gets one. Not with `-u`.
   */
  readonly color?: boolean;
  /**
   * `--color-failed`: a failed job's lines white on red (over `color`), marked as `color`'s; the
   * others' as `color` gives them, or uncoloured (but still ended by a newline). A job printed
   * before it ends (`lineBuffer`) is not coloured by it: its lines went out first.
   */
  readonly colorFailed?: boolean;
  /** One JSON line per job on stdout instead of its output (`--json`). */
  readonly json: boolean;
  /**
   * `-v` (GNU parallel's): a job's command, on a line of its own, before its stdout (tagged and
   * coloured with it). Not for jobs printed as they come (`lineBuffer`: the caller shows those as
   * they start), nor `json`, nor a `table`.
   */
  readonly echoCommands?: boolean;
  /**
   * `--line-buffer` (and `-u`): jobs' output comes through {@link OutputPrinter.live} as it is
   * read — whole lines with `--line-buffer`, any pieces with `-u` — and is printed as it comes;
   * with `keepOrder`, only the oldest unfinished job's is; the others' wait for their turn, up
   * to {@link liveHoldBytes} a job in memory and the rest in a file of {@link spillDir}.
   */
  readonly lineBuffer?: boolean;
  /** `--line-buffer` with `keepOrder`: what a job's waiting pieces may take in memory (UTF-8 bytes). Default 1 MiB. */
  readonly liveHoldBytes?: number;
  /**
   * The run's directory for temporary files (asked when first needed), where a job's waiting pieces
   * past {@link liveHoldBytes} go; `undefined`: none could be made, they stay in memory.
   */
  readonly spillDir?: () => string | undefined;
  /**
   * `--results NAME.csv|.tsv|.json`: each job, in its turn, goes to this table whole (its spilled
   * outputs read back in) and nothing of it is printed (GNU parallel's).
   */
  readonly table?: { add(outcome: JobOutcome): void };
}

/**
 * The pieces of a live job that wait for its turn past what memory may hold: records of a stream
 * byte (0 stdout, 1 stderr), a 32-bit length and the bytes, appended as they come and read
 * back in order when the job's turn comes — while it still runs, its new pieces are appended
 * behind, until the reading has caught up.
 */
class WaitingFile {
  /** Bytes of whole records written. */
  written = 0;
  /** False once a write failed: later pieces wait in memory, behind this file. */
  writable = true;
  #fd: number | undefined;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.#fd = fd;
  }

  /** A new file in `dir` (never over an existing one); throws when it cannot be made. */
  static create(dir: string, seq: number): WaitingFile {
    for (let attempt = 0; ; attempt += 1) {
      const path = join(dir, `live-${seq}-${attempt}`);
      try {
        return new WaitingFile(path, openSync(path, 'wx+', 0o600));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 100) throw error;
      }
    }
  }

  /** Appends a piece; false (and no longer writable) when it could not be written whole. */
  append(piece: Piece): boolean {
    if (!this.writable || this.#fd === undefined) return false;
    const text = bytesOf(piece.bytes);
    const record = Buffer.allocUnsafe(5 + text.length);
    record[0] = piece.stream === 'stdout' ? 0 : 1;
    record.writeUInt32LE(text.length, 1);
    text.copy(record, 5);
    try {
      for (let done = 0; done < record.length; ) done += writeSync(this.#fd, record, done, record.length - done, this.written + done);
      this.written += record.length;
      return true;
    } catch {
      this.writable = false;
      return false;
    }
  }

  /** Reads written bytes from `position` into `buffer` (as many as fit); the count read. */
  read(buffer: Buffer, position: number): number {
    if (this.#fd === undefined) return 0;
    return readSync(this.#fd, buffer, 0, Math.min(buffer.length, this.written - position), position);
  }

  /** Closes and deletes it; never throws (what is left goes with the run's directory). */
  remove(): void {
    try {
      if (this.#fd !== undefined) closeSync(this.#fd);
      rmSync(this.path, { force: true });
    } catch {
      // The run's directory is removed at its end whatever is in it.
    } finally {
      this.#fd = undefined;
    }
  }
}

/** A job's output shown live (`--line-buffer`): its taggers' state, and what waits for its turn. */
interface LiveJob {
  readonly seq: number;
  readonly tagger: { readonly stdout: LineTagger; readonly stderr: LineTagger } | undefined;
  /** In order: pieces in memory, and at most one file of pieces (then pieces after it, if it failed). */
  readonly waiting: (Piece | WaitingFile)[];
  /** Bytes of the pieces of `waiting` in memory. */
  heldBytes: number;
  /** Its turn came and a file of its pieces is being (or waits to be) read back: new pieces wait behind. */
  draining: boolean;
  /** A file could not be made or written: its pieces wait in memory (said once). */
  spillFailed: boolean;
}

/** What waits while a spilled output is being streamed: printed after it, in order. */
type Queued = JobOutcome | { readonly stream: Stream; readonly text: string | Uint8Array } | { readonly start: () => Promise<void> };

/**
 * Marks each line of a job's whole output (`text`): `marks.prefix` before each; with colours, the
 * reset after each, and a last line without a newline gets one (GNU parallel's). Without colours,
 * a last line without a newline keeps none.
 */
export function tagLines(text: string, marks: LineMarks | string): string {
  const tagger = new LineTagger(typeof marks === 'string' ? { prefix: marks } : marks);
  return tagger.tag(text) + tagger.end();
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
  /** `-k`: the kept outputs of the jobs in {@link #held}, in memory (UTF-16 units). */
  #heldUnits = 0;
  /** `-k`: held jobs whose kept outputs are in files (see {@link #shelve}), by seq. */
  readonly #shelved = new Map<number, { readonly stdout?: string; readonly stderr?: string }>();
  /** A file for a held job's outputs could not be written: the rest stay in memory. */
  #shelveFailed = false;
  #next = 1;
  /** While a spilled output (or a file of waiting pieces) is being streamed: what came meanwhile, printed after it. */
  #streaming: Promise<void> | undefined;
  readonly #queue: Queued[] = [];
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
    // Waiting for its turn behind a slow job, with others' outputs filling memory: to a file.
    const units = outcome.stdout.length + outcome.stderr.length;
    const held = outcome.job.seq !== this.#next && units > 0 && this.#heldUnits + units > HELD_MEMORY_UNITS ? this.#shelve(outcome) : outcome;
    this.#heldUnits += held.stdout.length + held.stderr.length;
    this.#held.set(outcome.job.seq, held);
    this.#release();
  }

  /**
   * `-k`: a finished job's kept outputs written to files of the spill directory (`held-SEQ-stdout`,
   * `-stderr`, mode 0600), read back when its turn comes (see {@link #unshelve}): memory holds at
   * most {@link HELD_MEMORY_UNITS} of the outputs waiting behind a slow job, as GNU parallel keeps
   * them in files. Until session 47 they all stayed in memory (200 jobs of 1 MB behind one: 574 MB
   * of RSS). Where no file can be written, they stay in memory (said once).
   */
  #shelve(outcome: JobOutcome): JobOutcome {
    const dir = this.#shelveFailed ? undefined : this.#options.spillDir?.();
    if (dir === undefined) return outcome;
    const files: { stdout?: string; stderr?: string } = {};
    try {
      for (const stream of ['stdout', 'stderr'] as const) {
        if (outcome[stream] === '') continue;
        const path = join(dir, `held-${outcome.job.seq}-${stream}`);
        writeFileSync(path, outcome[stream], { mode: 0o600, flag: 'w' });
        files[stream] = path;
      }
    } catch (error) {
      for (const path of Object.values(files)) rmSync(path, { force: true });
      this.#shelveFailed = true;
      this.#say(`spm-shell: the outputs of jobs waiting for their turn (-k) are held in memory: ${(error as Error).message}\n`);
      return outcome;
    }
    this.#shelved.set(outcome.job.seq, files);
    return { ...outcome, stdout: '', stderr: '' };
  }

  /** The job as it finished: a {@link #shelve}d one's kept outputs read back (and their files deleted). */
  #unshelve(outcome: JobOutcome): JobOutcome {
    const files = this.#shelved.get(outcome.job.seq);
    if (files === undefined) return outcome;
    this.#shelved.delete(outcome.job.seq);
    const back = (file: string | undefined): string => {
      if (file === undefined) return '';
      try {
        return readFileSync(file, 'utf8');
      } catch (error) {
        this.#say(`spm-shell: job ${outcome.job.seq}: its output kept for its turn (-k) could not be read back: ${(error as Error).message}\n`);
        this.#sink.lost?.(outcome.job.seq);
        return '';
      } finally {
        rmSync(file, { force: true });
      }
    };
    return { ...outcome, stdout: back(files.stdout), stderr: back(files.stderr) };
  }

  /**
   * Writes `text` to the output now, or — while a spilled output is being streamed — after it
   * (`--joblog -` shares stdout with the outputs: a row must not land inside one).
   */
  write(text: string): void {
    this.#put('stdout', text);
  }

  /** Writes `text` to stderr now, or after the output being streamed (`-t`'s commands: never inside one's stderr). */
  writeErr(text: string): void {
    this.#put('stderr', text);
  }

  /** Writes `text` to `stream` now, or after what is being streamed. */
  #put(stream: Stream, text: string | Uint8Array): void {
    if (this.#streaming !== undefined) this.#queue.push({ stream, text });
    else if (stream === 'stdout') this.#sink.out(text);
    else this.#sink.err(text);
  }

  /** Runs `start` (a stream of a file to the output) now, or after what is being streamed; what comes meanwhile waits for it. */
  #run(start: () => Promise<void>): void {
    if (this.#streaming !== undefined) {
      this.#queue.push({ start });
      return;
    }
    this.#streaming = start().finally(() => {
      this.#streaming = undefined;
      while (this.#streaming === undefined && this.#queue.length > 0) {
        const next = this.#queue.shift() as Queued;
        if ('start' in next) this.#run(next.start);
        else if ('text' in next) this.#put(next.stream, next.text);
        else this.#print(next);
      }
    });
  }

  /**
   * `--line-buffer` (and `-u`): lines of job `seq` (tagged `tag`), as they come — the command's
   * bytes (a string: its UTF-8) — printed now, byte for byte but for the marks; with `keepOrder`,
   * only if it is the oldest job not printed yet; else when its turn comes.
   */
  live(seq: number, tag: string, stream: Stream, data: string | Uint8Array): void {
    let job = this.#live.get(seq);
    if (job === undefined) {
      const marks = this.#marks(seq, tag, false);
      const byteMarked = marks === undefined ? undefined : byteMarks(marks);
      job = { seq, tagger: byteMarked === undefined ? undefined : { stdout: new LineTagger(byteMarked), stderr: new LineTagger(byteMarked) }, waiting: [], heldBytes: 0, draining: false, spillFailed: false };
      this.#live.set(seq, job);
    }
    const bytes = byteString(data);
    if (this.#options.keepOrder && (seq !== this.#next || job.draining)) this.#hold(job, { stream, bytes });
    else this.#show(job, stream, bytes);
  }

  /** A piece that waits for its job's turn: in memory while the job's pieces fit, else in its file. */
  #hold(job: LiveJob, piece: Piece): void {
    const last = job.waiting.at(-1);
    const bytes = piece.bytes.length;
    if (last instanceof WaitingFile) {
      if (last.append(piece)) return;
      this.#inMemory(job, `${last.path} could not be written`);
    } else if (!job.spillFailed && job.heldBytes + bytes > (this.#options.liveHoldBytes ?? DEFAULT_LIVE_HOLD_BYTES)) {
      const dir = this.#options.spillDir?.();
      let file: WaitingFile | undefined;
      try {
        if (dir === undefined) throw new Error('no temporary directory could be made');
        file = WaitingFile.create(dir, job.seq);
      } catch (error) {
        this.#inMemory(job, (error as Error).message);
      }
      if (file !== undefined) {
        job.waiting.push(file);
        if (file.append(piece)) return;
        this.#inMemory(job, `${file.path} could not be written`);
      }
    }
    job.waiting.push(piece);
    job.heldBytes += bytes;
  }

  /** A live job's waiting pieces stay in memory from now on (no file for them): said once. */
  #inMemory(job: LiveJob, why: string): void {
    if (job.spillFailed) return;
    job.spillFailed = true;
    this.#say(`spm-shell: job ${job.seq}: its lines waiting for their turn (--line-buffer with -k) are held in memory: ${why}\n`);
  }

  /** Prints a piece of a live job (a {@link byteString}), tagged; `now`: straight to the sink (the job's file is what is being streamed). */
  #show(job: LiveJob, stream: Stream, bytes: string, now = false): void {
    const marked = job.tagger === undefined ? bytes : job.tagger[stream].piece(bytes);
    if (marked === '') return;
    const shown = bytesOf(marked);
    if (!now) this.#put(stream, shown);
    else if (stream === 'stdout') this.#sink.out(shown);
    else this.#sink.err(shown);
  }

  /** Prints what job `seq`'s lines left waiting (its turn came); `done`: it will send no more. */
  #showWaiting(seq: number, done: boolean): void {
    const job = this.#live.get(seq);
    if (job === undefined) return;
    if (done) this.#live.delete(seq);
    if (!job.draining) this.#pour(job);
  }

  /** Prints a job's waiting pieces in order; from a file of them on, the rest is read back in turn ({@link #drain}). */
  #pour(job: LiveJob): void {
    for (let next = job.waiting[0]; next !== undefined; next = job.waiting[0]) {
      if (next instanceof WaitingFile) {
        job.draining = true;
        this.#run(() => this.#drain(job));
        return;
      }
      job.waiting.shift();
      job.heldBytes -= next.bytes.length;
      this.#show(job, next.stream, next.bytes);
    }
  }

  /**
   * Prints a job's waiting pieces from its file on, while nothing else is printed: the file read
   * back in step with the reader (as {@link #stream}); the pieces the job sends meanwhile are
   * appended to it (or, if it cannot be written, held behind it), so it is read until the reading
   * has caught up. Then the file is deleted, and later pieces are shown as they come.
   */
  async #drain(job: LiveJob): Promise<void> {
    for (let next = job.waiting[0]; next !== undefined; next = job.waiting[0]) {
      if (!(next instanceof WaitingFile)) {
        job.waiting.shift();
        job.heldBytes -= next.bytes.length;
        this.#show(job, next.stream, next.bytes, true);
        continue;
      }
      const file = next;
      let pending = Buffer.alloc(0);
      let position = 0;
      // Read up to what is written when asked: the pieces appended during a wait are read too.
      const read = (buffer: Buffer): number => {
        if (position >= file.written) return 0;
        const n = file.read(buffer, position);
        if (n <= 0) throw new Error(`${file.path} ended at byte ${position} of ${file.written}`);
        position += n;
        return n;
      };
      const take = (chunk: Buffer): void => {
        pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
        let at = 0;
        while (pending.length - at >= 5) {
          const length = pending.readUInt32LE(at + 1);
          if (pending.length - at - 5 < length) break;
          this.#show(job, pending[at] === 0 ? 'stdout' : 'stderr', pending.toString('latin1', at + 5, at + 5 + length), true);
          at += 5 + length;
        }
        pending = pending.subarray(at);
      };
      try {
        await this.#paced(read, take, 'out');
      } catch (error) {
        this.#say(`spm-shell: job ${job.seq}: its lines that waited for their turn in a file could not be read back: ${(error as Error).message}\n`);
        this.#sink.lost?.(job.seq);
      } finally {
        file.remove();
        job.waiting.shift();
      }
    }
    // Caught up, with no await since the last look: the job's later pieces are shown as they come.
    job.draining = false;
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
      if (outcome === null) continue;
      this.#heldUnits -= outcome.stdout.length + outcome.stderr.length;
      this.#print(outcome);
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
    // (A shelved job's outputs are read back as it streams: one at a time, in step with the reader.)
    if (outcome.stdoutFile !== undefined || outcome.stderrFile !== undefined || this.#shelved.has(outcome.job.seq)) {
      if (this.#options.json) {
        this.#sink.out(`${formatJsonLine(this.#whole(outcome))}\n`);
        return;
      }
      this.#run(() => this.#stream(outcome));
      return;
    }
    if (this.#options.json) {
      this.#sink.out(`${formatJsonLine(outcome)}\n`);
      return;
    }
    const marks = this.#marks(outcome.job.seq, outcome.job.tag, !outcome.ok);
    const stdout = this.#echo(outcome) + outcome.stdout;
    const out = marks === undefined ? stdout : tagLines(stdout, marks);
    const err = marks === undefined ? outcome.stderr : tagLines(outcome.stderr, marks);
    if (out !== '') this.#sink.out(out);
    if (err !== '') this.#sink.err(err);
  }

  /**
   * The job with its whole outputs in memory: its spill files (if any) read back and deleted. A
   * file that cannot be read back (gone; past the longest string, 512 MiB) leaves its stream at
   * its kept part and the job `truncated`: its `--json` line or table row says the output is lost.
   */
  #whole(shelved: JobOutcome): JobOutcome {
    const outcome = this.#unshelve(shelved);
    if (outcome.stdoutFile === undefined && outcome.stderrFile === undefined) return outcome;
    const stdout = this.#slurp(outcome, outcome.stdoutFile);
    const stderr = this.#slurp(outcome, outcome.stderrFile);
    const truncated = outcome.truncated || stdout === undefined || stderr === undefined;
    return { ...outcome, stdout: outcome.stdout + (stdout ?? ''), stderr: outcome.stderr + (stderr ?? ''), truncated };
  }

  /** A spill file whole (for `--json` and a `--results` table), deleted once read; `undefined` when it cannot be read (said). */
  #slurp(outcome: JobOutcome, file: string | undefined): string | undefined {
    if (file === undefined) return '';
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      this.#cannotRead(outcome, error);
      return undefined;
    } finally {
      rmSync(file, { force: true });
    }
  }

  /**
   * Prints a job whose output spilled: each stream's kept part, then its file, chunk by chunk, as
   * bytes — its lines marked on the bytes ({@link byteString}): output that is not text (`gzip
   * -c`, Latin-1) is printed byte for byte, tagged or not.
   */
  async #stream(shelved: JobOutcome): Promise<void> {
    // A job read back from files: printed in step with the reader too, as a spilled output is
    // (the jobs behind a slow one come out at once when it ends: written all together, they sat
    // in memory again, waiting for the reader).
    const paced = this.#shelved.has(shelved.job.seq);
    const outcome = this.#unshelve(shelved);
    const streams = [
      [outcome.stdout, outcome.stdoutFile, (text: string | Uint8Array): void => this.#sink.out(text), 'out'],
      [outcome.stderr, outcome.stderrFile, (text: string | Uint8Array): void => this.#sink.err(text), 'err'],
    ] as const;
    const marks = this.#marks(outcome.job.seq, outcome.job.tag, !outcome.ok);
    for (const [kept, file, write, stream] of streams) {
      const tagger = marks === undefined ? undefined : new LineTagger(byteMarks(marks));
      /** Marks and writes a byte string. */
      const put = (bytes: string): void => {
        const shown = tagger === undefined ? bytes : tagger.tag(bytes);
        if (shown !== '') write(bytesOf(shown));
      };
      const end = (): void => {
        const shown = tagger?.end() ?? '';
        if (shown !== '') write(bytesOf(shown));
      };
      const head = stream === 'out' ? this.#echo(outcome) + kept : kept;
      if (tagger === undefined) {
        if (head !== '') write(head);
      } else put(byteString(head));
      if (paced && head !== '') {
        const backlog = this.#sink.backlog?.();
        if (backlog !== undefined) await backlog;
      }
      if (file === undefined) {
        end();
        continue;
      }
      let fd: number | undefined;
      try {
        const opened = openSync(file, 'r');
        fd = opened;
        if (tagger === undefined) {
          // (A copy: the buffer is read into again, and a write may hold it while its reader is slow.)
          await this.#paced((buffer) => readSync(opened, buffer), (chunk) => write(Buffer.from(chunk)), stream);
        } else await this.#paced((buffer) => readSync(opened, buffer), (chunk) => put(chunk.toString('latin1')), stream);
      } catch (error) {
        this.#cannotRead(outcome, error);
      } finally {
        if (fd !== undefined) closeSync(fd);
        rmSync(file, { force: true });
      }
      end();
    }
  }

  /**
   * Reads a file to the output chunk by chunk ({@link STREAM_CHUNK_BYTES}), in step with the
   * reader: after each chunk, waits while what was written waits in memory, and stops once
   * `stream` can take nothing more. `read` fills the buffer and says how much (0: the end); `take`
   * gets each chunk (a view of the buffer, reused for the next).
   */
  async #paced(read: (buffer: Buffer) => number, take: (chunk: Buffer) => void, stream: 'out' | 'err'): Promise<void> {
    const buffer = Buffer.allocUnsafe(STREAM_CHUNK_BYTES);
    for (let n = read(buffer); n > 0; n = read(buffer)) {
      take(buffer.subarray(0, n));
      const backlog = this.#sink.backlog?.();
      if (backlog !== undefined) await backlog;
      if (this.#sink.gone?.(stream) === true) break;
    }
  }

  /**
   * How job `seq`'s lines are marked (its `tag`, its colour; `failed`: it failed), or `undefined`
   * when they are printed as they are. `live`: printed as they come, before the job's end.
   */
  #marks(seq: number, tag: string, failed: boolean): LineMarks | undefined {
    const { color = false, colorFailed = false } = this.#options;
    const live = this.#options.lineBuffer === true;
    const prefix = this.#options.tag ? `${tag}\t` : '';
    const red = colorFailed && !live && failed;
    if (red || color) return marksIn(red ? FAILED_COLOR : jobColor(seq), prefix);
    // --color-failed, a job that did not fail: its lines end as coloured ones do, in no colour.
    if (colorFailed && !live) return { prefix, reset: '' };
    return this.#options.tag ? { prefix } : undefined;
  }

  /** `-v`: the job's command line, to go before its stdout; else ''. */
  #echo(outcome: JobOutcome): string {
    return this.#options.echoCommands === true && this.#options.lineBuffer !== true && outcome.job.refused === undefined ? `${outcome.command}\n` : '';
  }

  #cannotRead(outcome: JobOutcome, error: unknown): void {
    this.#say(`spm-shell: job ${outcome.job.seq}: its output past --max-output could not be read back: ${(error as Error).message}\n`);
    this.#sink.lost?.(outcome.job.seq);
  }

  /** The printer's own trouble, on the sink's notice (else stderr). */
  #say(text: string): void {
    if (this.#sink.notice !== undefined) this.#sink.notice(text);
    else this.#sink.err(text);
  }
}
