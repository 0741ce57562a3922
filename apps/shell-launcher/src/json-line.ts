import type { JobOutcome } from './job-outcome.js';

/** One `--json` line: a finished job, as plain JSON. */
export interface JsonJob {
  /** 1-based input position (the joblog's `Seq`). */
  readonly seq: number;
  readonly command: string;
  /** The exit code; `null` when a signal ended it or it never exited. */
  readonly exitCode: number | null;
  /** The signal that ended it (`"SIGTERM"`), or `null`. */
  readonly signal: string | null;
  readonly timedOut: boolean;
  /** Run time in ms (3 decimals). */
  readonly durationMs: number;
  /** Start in ms since the epoch. */
  readonly startMs: number;
  /** The server of the spoke that ran it, and that spoke. */
  readonly host: string | null;
  readonly spoke: string | null;
  /** Times handed to a spoke: more than 1 with `--retries`, or when a spoke holding the command (running or held) was lost (it is then run again). */
  readonly attempts: number;
  readonly stdout: string;
  readonly stderr: string;
  /** True when stdout or stderr was cut at `--max-output`. */
  readonly truncated: boolean;
  /** Why the job has no exit status of its own, or `null`. */
  readonly error: string | null;
  /** Present (true) only when `--memfree` killed it: the machine was short of memory and it was the youngest command. */
  readonly lowMemory?: true;
}

/** The `--json` record of one finished job. */
export function toJsonJob(outcome: JobOutcome): JsonJob {
  return {
    seq: outcome.job.seq,
    command: outcome.command,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    timedOut: outcome.timedOut,
    durationMs: Math.round(outcome.durationMs * 1000) / 1000,
    startMs: outcome.startMs,
    host: outcome.host ?? null,
    spoke: outcome.spoke ?? null,
    attempts: outcome.runs,
    stdout: outcome.stdout,
    stderr: outcome.stderr,
    truncated: outcome.truncated,
    error: outcome.error ?? null,
    ...(outcome.lowMemory === true ? { lowMemory: true as const } : {}),
  };
}

/** One `--json` line (no newline). */
export function formatJsonLine(outcome: JobOutcome): string {
  return JSON.stringify(toJsonJob(outcome));
}

/**
 * One `--dry-run --json` line (no newline): the job's `seq` and `command` as its `--json` line
 * would give them, and `dryRun: true`; none of the fields only a run knows.
 */
export function formatDryRunJsonLine(seq: number, command: string): string {
  return JSON.stringify({ seq, command, dryRun: true });
}
