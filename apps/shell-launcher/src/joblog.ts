import { closeSync, openSync, writeSync } from 'node:fs';
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
  const host = outcome.host === undefined || outcome.host === hubHost ? ':' : outcome.host;
  const start = (outcome.startMs / 1000).toFixed(3);
  const runtime = (outcome.durationMs / 1000).toFixed(3).padStart(10);
  // A command line may hold a newline only if the input did: keep one row per job regardless.
  const command = outcome.command.replace(/\n/g, ' ');
  return [outcome.job.seq, host, start, runtime, 0, outcome.stdoutBytes, exitValue(outcome), signalNumber(outcome.signal), command].join('\t');
}

/**
 * Writes the joblog as jobs finish (in completion order, like GNU parallel), each row with one
 * synchronous `write`, so the file is complete for every finished job even if the hub is
 * interrupted.
 */
export class Joblog {
  readonly #fd: number | undefined;
  readonly #stdout: { write(text: string): unknown };
  readonly #hubHost: string;

  /**
   * Opens (truncates) `path` and writes the header. `-` writes through `stdout` instead, in step
   * with the jobs' outputs written there.
   */
  constructor(path: string, hubHost: string, stdout: { write(text: string): unknown }) {
    this.#fd = path === '-' ? undefined : openSync(path, 'w');
    this.#stdout = stdout;
    this.#hubHost = hubHost;
    this.#write(`${JOBLOG_HEADER}\n`);
  }

  /** Appends the row of one finished job. */
  write(outcome: JobOutcome): void {
    this.#write(`${formatJoblogRow(outcome, this.#hubHost)}\n`);
  }

  /** Closes the file (not stdout). */
  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
  }

  #write(text: string): void {
    if (this.#fd === undefined) this.#stdout.write(text);
    else writeSync(this.#fd, text);
  }
}
