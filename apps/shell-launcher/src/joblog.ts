import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { isFifo } from '@spm/closure-core';
import { isPipe, PipeWriter } from './fifo-paths.js';
import { SPMError } from '@spm/exceptions';
import { exitValue, signalNumber, type JobOutcome } from './job-outcome.js';

/** GNU parallel's joblog header: tab-separated, one row per finished job. */
export const JOBLOG_HEADER = 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand';

/**
 * One joblog row in GNU parallel's format: start time in epoch seconds with 3 decimals, run time
 * right-aligned in 10 columns with 3 decimals, `Send` 0 (nothing is transferred), `Receive` the
 * bytes the command wrote to stdout, `Exitval` -1 for a timeout, `Signal` as a number. The host
 * is `:` for a spoke on the hub's own server, as GNU parallel writes for local jobs.
 */
export function formatJoblogRow(outcome: JobOutcome, hubHost: string): string {
  const [seq, host, start, runtime, send, receive, exit, signal] = joblogFields(outcome, hubHost);
  // A command line may hold a newline (a template's, or the input's): one row per job regardless,
  // each newline as a NUL — GNU parallel's, which --retry-failed turns back into the newline.
  const command = outcome.command.replaceAll('\n', '\0');
  return [seq, host, start, (runtime as string).padStart(10), send, receive, exit, signal, command].join('\t');
}

/**
 * The joblog's fields before the command, as text, the run time not aligned: Seq, Host (`:` on
 * the hub's own server), Starttime and JobRuntime (seconds, 3 decimals), Send (the bytes given
 * to the command's stdin: `--pipe`'s block, as GNU parallel counts them), Receive, Exitval,
 * Signal. The `--results` tables start with them too.
 */
export function joblogFields(outcome: JobOutcome, hubHost: string): string[] {
  const host = outcome.host === undefined || outcome.host === hubHost ? ':' : outcome.host;
  return [outcome.job.seq, host, (outcome.startMs / 1000).toFixed(3), (outcome.durationMs / 1000).toFixed(3), outcome.sent ?? outcome.job.input?.length ?? 0, outcome.stdoutBytes, exitValue(outcome), signalNumber(outcome.signal)].map(String);
}

/**
 * Writes the joblog as jobs finish (in completion order, like GNU parallel), each row with one
 * synchronous `write`, so the file is complete for every finished job even if the hub is
 * interrupted.
 */
/**
 * Which of this process's stdout (fd 1) and stderr (fd 2) `path` names, if either: the same
 * file (device and inode) — `/dev/stdout`, `/dev/fd/2`, `/proc/self/fd/1`, or the very file
 * stdout is redirected to. A job log there is written as `-` is, in step with the jobs' outputs
 * on that stream: opened apart, its rows landed inside an output being written to a pipe, and
 * in a regular file they overwrote it (two offsets on one file).
 */
export function standardStreamOf(path: string): 'stdout' | 'stderr' | undefined {
  let file: { dev: number; ino: number };
  try {
    file = statSync(path);
  } catch {
    return undefined;
  }
  for (const [fd, stream] of [[1, 'stdout'], [2, 'stderr']] as const) {
    try {
      const open = fstatSync(fd);
      if (open.dev === file.dev && open.ino === file.ino) return stream;
    } catch {
      // Not open: nothing to be in step with.
    }
  }
  return undefined;
}

export class Joblog {
  readonly #fd: number | undefined;
  /** A pipe or FIFO: written through the event loop (see PipeWriter), never blocking the hub. */
  readonly #pipe: PipeWriter | undefined;
  readonly #stdout: { write(text: string): unknown };
  readonly #hubHost: string;

  /**
   * Opens (truncates) `path` and writes the header. `-` writes through `stdout` instead, in step
   * with the jobs' outputs written there. With `append` (`--resume`, `--retry-failed`, `--joblog
   * +F`), a file that has rows already is added to (its last line ended first if it was cut), not
   * truncated; an empty or new one gets the header first. A FIFO is opened for writing either way
   * (the caller has waited for its reader: `waitForFifoReaders`), and gets the header. A pipe or
   * FIFO (`--joblog >(…)`) is written through the event loop: its rows wait in memory while its
   * reader does not read; the first failure to write it (EPIPE) goes to `onPipeError`.
   */
  constructor(path: string, hubHost: string, stdout: { write(text: string): unknown }, append = false, onPipeError: (error: Error) => void = () => undefined) {
    this.#fd = path === '-' ? undefined : openSync(path, append && !isFifo(path) ? 'a+' : 'w');
    this.#pipe = this.#fd !== undefined && isPipe(this.#fd) ? new PipeWriter(this.#fd, onPipeError) : undefined;
    this.#stdout = stdout;
    this.#hubHost = hubHost;
    // Appending: only the file's size and last byte matter (the rows were read by jobsInJoblog).
    const size = this.#fd === undefined || !append ? 0 : fstatSync(this.#fd).size;
    const last = Buffer.alloc(1);
    if (size === 0) this.#write(`${JOBLOG_HEADER}\n`);
    else if (readSync(this.#fd as number, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a) this.#write('\n');
  }

  /** Appends the row of one finished job. */
  write(outcome: JobOutcome): void {
    this.#write(`${formatJoblogRow(outcome, this.#hubHost)}\n`);
  }

  /** Closes the file (not stdout); a pipe once its reader has taken every row (the promise). */
  close(): Promise<void> {
    if (this.#pipe !== undefined) return this.#pipe.end();
    if (this.#fd !== undefined) closeSync(this.#fd);
    return Promise.resolve();
  }

  #write(text: string): void {
    if (this.#pipe !== undefined) this.#pipe.write(text);
    else if (this.#fd === undefined) this.#stdout.write(text);
    else writeSync(this.#fd, text);
  }
}

/** One row of a job log, as `--resume` and `--retry-failed` read it. */
interface LoggedRow {
  readonly seq: number;
  /** `Exitval` 0 and `Signal` 0. */
  readonly succeeded: boolean;
  /** The rest of the row: a command's own tabs stay in it, its newlines are back (written as NULs). */
  readonly command: string;
}

/**
 * The rows of the job log `path` (lines that are not rows passed over). `what`: what the log is
 * read for, in the messages ("cannot read the joblog … to <read>", "… a job log to <use>");
 * `missing`: what a file that does not exist is (none, or an error). Throws `SPMError` for a
 * file that cannot be read, or is not a job log (its first line not the header: rows would be
 * added to some other file).
 */
function loggedRows(path: string, what: { readonly read: string; readonly use: string }, missing: 'none' | 'error', encoding: BufferEncoding): LoggedRow[] {
  // A FIFO keeps no earlier runs' rows; reading it would wait, deaf to signals, for a writer.
  if (isFifo(path)) throw new SPMError(`Expected \`--joblog ${path}\` to be a file to ${what.read}, got a FIFO (it keeps no rows of earlier runs)`);
  let text: string;
  try {
    text = readFileSync(path, encoding);
  } catch (error) {
    if (missing === 'none' && (error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new SPMError(`cannot read the joblog \`${path}\` to ${what.read}: ${(error as Error).message}`, { cause: error });
  }
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[0] !== JOBLOG_HEADER) {
    throw new SPMError(`Expected \`--joblog ${path}\` to be a job log to ${what.use} (its first line GNU parallel's header: Seq, Host, … tab-separated), got a file whose first line is \`${(lines[0] ?? '').slice(0, 80)}\``);
  }
  const rows: LoggedRow[] = [];
  for (const line of lines.slice(1)) {
    const fields = line.split('\t');
    if (fields.length < 9 || !/^[1-9]\d*$/.test(fields[0] as string)) continue;
    rows.push({ seq: Number(fields[0]), succeeded: fields[6] === '0' && fields[7] === '0', command: fields.slice(8).join('\t').replaceAll('\0', '\n') });
  }
  return rows;
}

/**
 * `--retry-failed`: the jobs a job log has rows for and none with `Exitval` 0 and `Signal` 0 —
 * GNU parallel's failed jobs, which it runs again from the log alone — each with the command of
 * its last row, in `Seq` order. Throws `SPMError` for a file that cannot be read or is not a job log.
 */
export function failedInJoblog(path: string): { readonly seq: number; readonly command: string }[] {
  const last = new Map<number, string>();
  const succeeded = new Set<number>();
  for (const row of loggedRows(path, { read: 'retry its failed jobs', use: 'retry from' }, 'error', 'utf8')) {
    last.set(row.seq, row.command);
    if (row.succeeded) succeeded.add(row.seq);
  }
  return [...last].filter(([seq]) => !succeeded.has(seq)).sort(([a], [b]) => a - b).map(([seq, command]) => ({ seq, command }));
}

/**
 * The jobs (their `Seq`) a job log written by an earlier run says are over, for `--resume`:
 * every job it has a row for; with `succeededOnly` (`--resume-failed`), every job it has a row
 * with `Exitval` 0 and `Signal` 0 for (GNU parallel's rules). A file that does not exist has
 * none. Throws `SPMError` for a file that is not a job log (its first line not the header: the
 * rows would be added to some other file) or cannot be read.
 */
export function jobsInJoblog(path: string, succeededOnly: boolean): Set<number> {
  const rows = loggedRows(path, { read: 'resume from', use: 'resume from' }, 'none', 'latin1');
  return new Set(rows.filter((row) => !succeededOnly || row.succeeded).map((row) => row.seq));
}
