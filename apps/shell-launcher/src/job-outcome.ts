import { constants } from 'node:os';
import type { PerlJob } from './perl-eval.js';

/** One input item turned into a command: what the hub knows before it runs. */
export interface Job {
  /** 1-based position in the input (GNU parallel's `Seq`). */
  readonly seq: number;
  /** The command line. */
  readonly command: string;
  /** What `--tag` prints before each output line: the arguments, space-separated (or the command). */
  readonly tag: string;
  /** The arguments (columns, with `--colsep`) it was made of; for `--results`' paths. Absent: the tag alone. */
  readonly args?: readonly string[];
  /**
   * Of a job of several records (`-N`, `-n`, `-X`, `-m`): each argument's place in its own record
   * (its source's or column's number, from 1), which names its level of `--results`' tree as GNU
   * parallel names it (`-N2 ::: a b` → `1/a/1/b`). Absent: the argument's place in `args`.
   */
  readonly places?: readonly number[];
  /** 1 for the first run, 2 for the first `--retries` run, … */
  readonly attempt: number;
  /** `--pipe`: the block of the input that is the command's stdin. */
  readonly input?: Uint8Array;
  /** Why the job is not run at all (its input line cannot be a command), if so: it fails at once. */
  readonly refused?: string;
  /** Refused for its command's length (`-x` stops the run at such a job). */
  readonly oversize?: boolean;
  /** Its Perl strings' values (`{= =}`, `--rpl`), for every template it fills (perl-eval.ts). */
  readonly perl?: PerlJob;
  /** A Perl string called `skip()`: the job is passed over (not run, printed or logged), as `{choose_k}`'s. */
  readonly skipped?: boolean;
}

/** How one job ended (its last attempt): what the joblog, `--json` and the printer show. */
export interface JobOutcome {
  readonly job: Job;
  /** The command as run: `job.command` with its job slot (`{%}`) filled by the spoke, or shown as `{%}` if it never ran. */
  readonly command: string;
  /**
   * Times the command was started in all: its `--retries` runs, and runs lost with their spoke
   * (a spoke that dies under a command has it run again: at-least-once).
   */
  readonly runs: number;
  /** True when the command exited 0 (and was neither killed nor timed out). */
  readonly ok: boolean;
  /** The exit code, or `null` when a signal ended it or it never exited (see `error`). */
  readonly exitCode: number | null;
  /** The signal that ended it (`'SIGTERM'`…), or `null`. */
  readonly signal: string | null;
  /** True when `--timeout` passed and its process tree was killed. */
  readonly timedOut: boolean;
  /** `--timeout N%`: the limit (ms) it had run past when it was killed, if so. */
  readonly limitMs?: number | undefined;
  /** `--memfree`: killed because the machine was short of memory and it was the youngest command. */
  readonly lowMemory?: boolean | undefined;
  /** Start, ms since the epoch. */
  readonly startMs: number;
  /** Run time in ms. */
  readonly durationMs: number;
  /** --tee, --round-robin: the bytes its stdin took (the job log's Send). Absent: its block's (`job.input`). */
  readonly sent?: number;
  /** The server of the spoke that ran it (`undefined` if none did). */
  readonly host: string | undefined;
  /** The spoke that ran it. */
  readonly spoke: string | undefined;
  /** stdout as kept in memory (its first `--max-output` bytes; the rest is in {@link stdoutFile}). */
  readonly stdout: string;
  readonly stderr: string;
  /** The file holding stdout past `--max-output` (the printer streams it, then deletes it), if any. */
  readonly stdoutFile?: string | undefined;
  /** The file holding stderr past `--max-output`, if any. */
  readonly stderrFile?: string | undefined;
  /** Bytes written to stdout, kept or not (the joblog's `Receive`). */
  readonly stdoutBytes: number;
  readonly stderrBytes: number;
  /** True when output was lost: past `--max-output` with no spill file (it could not be written). */
  readonly truncated: boolean;
  /** Why it has no exit status of its own (its spoke was lost, …), if so. */
  readonly error: string | undefined;
}

/** The signal's number (`SIGTERM` → 15), or 0. */
export function signalNumber(signal: string | null): number {
  if (signal === null) return 0;
  return (constants.signals as Readonly<Record<string, number>>)[signal] ?? 0;
}

/**
 * GNU parallel's `Exitval`: the exit code; 0 when a signal ended the command (the signal is in
 * its own column); -1 when it timed out, was killed for memory (`--memfree`) or never exited.
 */
export function exitValue(outcome: JobOutcome): number {
  if (outcome.timedOut || outcome.lowMemory === true || outcome.error !== undefined) return -1;
  return outcome.exitCode ?? (outcome.signal !== null ? 0 : -1);
}

/**
 * The exit status GNU parallel gives for `--halt …,fail=1`: the failing job's own — its exit
 * code, 128 + the signal that killed it, or 255 (exit value -1) for a timeout.
 */
export function jobExitStatus(outcome: JobOutcome): number {
  if (outcome.timedOut || outcome.error !== undefined) return 255;
  if (outcome.exitCode !== null) return outcome.exitCode & 0xff;
  return outcome.signal !== null ? (128 + signalNumber(outcome.signal)) & 0xff : 255;
}
