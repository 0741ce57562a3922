/**
 * `spm-shell --semaphore` (the `spm-sem` bin): GNU parallel's `sem`. A loop in a script runs at
 * most N commands at once, each started as soon as one of N places of a semaphore is free, and
 * `--wait` waits for them all:
 *
 *     for f in *.log; do spm-sem -j4 --id logs gzip "$f"; done; spm-sem --wait --id logs
 *
 * The semaphore is @spm/semaphore's (files under `~/.spm/semaphores`, shared by the user's
 * processes; a place whose owner died is free again). The command is run as a one-command run
 * of spm-shell — its output printed whole when it ends, `--timeout` killing its process tree,
 * `--joblog` and `--retries` as usual — and:
 * - `--bg` (the default): once a place is held, a detached spm-shell is started to run the
 *   command, the place is handed to it (given back when it exits, or freed by its death), and
 *   this one exits 0 at once;
 * - `--fg`: the command runs here, and the exit status is its own (a signal's: 128 + its number);
 * - `--wait`: no command; waits until no place of the semaphore is held.
 * `--semaphore-timeout S` (`--st`): waiting longer than S seconds, go on anyway (a place past
 * the N is taken, said on stderr); `-S`: give up, exit 1 (as GNU parallel's).
 */

import { spawn } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { NamedSemaphore, type SemaphoreHold } from '@spm/semaphore';
import type { ShellOptions } from './cli-options.js';
import type { ShellIO } from './run-shell.js';

/** Set in the environment of the detached spm-shell a `--bg` run starts: the place it runs under is handed to it. */
export const HANDED_VARIABLE = 'SPM_SEMAPHORE_HANDED';

/** The semaphore's name when `--id` gives none: stdin's terminal (`/dev/pts/3`), as GNU parallel's `tty`; else `not a tty`. */
export function defaultSemaphoreName(): string {
  try {
    if (process.stdin.isTTY === true) return readlinkSync('/proc/self/fd/0');
  } catch {
    // Not Linux: the one name below.
  }
  return 'not a tty';
}

/** How an interrupted wait ends: GNU parallel's statuses for the signal (SIGHUP: 129, as GNU's `sem`). */
function interruptedStatus(io: ShellIO): number {
  if (io.interrupt?.aborted !== true && io.windDown?.aborted === true) return 129;
  return io.interrupt?.reason === 'SIGTERM' ? 143 : 130;
}

/** Whether an interrupt or a SIGHUP came: a wait for a place gives up on either. */
function stopped(io: ShellIO): boolean {
  return io.interrupt?.aborted === true || io.windDown?.aborted === true;
}

/**
 * Runs `options` (whose `semaphore` is set) as GNU parallel's `sem` would: see the module's
 * description. `argv` is how spm-shell was called (a `--bg` run starts another with it), and
 * `run` runs a one-command spm-shell (runShell).
 */
export async function runSemaphore(options: ShellOptions, argv: readonly string[], io: ShellIO, run: (options: ShellOptions, io: ShellIO) => Promise<number>): Promise<number> {
  const how = options.semaphore;
  if (how === undefined) throw new TypeError('runSemaphore: options.semaphore is not set');
  const name = how.name ?? defaultSemaphoreName();
  let semaphore: NamedSemaphore;
  try {
    // `--wait` counts every place held, its own -j aside.
    semaphore = new NamedSemaphore(name, options.jobs === 0 ? Infinity : options.jobs);
  } catch (error) {
    io.stderr.write(`spm-shell: --semaphore: ${(error as Error).message}\n`);
    return 255;
  }
  const limit = how.timeoutMs === undefined ? {} : { timeoutMs: Math.abs(how.timeoutMs) };
  // A wait gives up on an interrupt, and on SIGHUP (until session 38 it waited on, and a queued
  // --fg command ran after the hangup; GNU's sem exits 129).
  const signals = [io.interrupt, io.windDown].filter((signal): signal is AbortSignal => signal !== undefined);
  const waiting = { ...limit, ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}) };
  if (how.mode === 'wait') {
    if (await semaphore.waitEmpty(waiting)) return 0;
    if (stopped(io)) return interruptedStatus(io);
    return timedOut(how.timeoutMs as number, `places of the semaphore \`${name}\` were still held after`, io) ?? 0;
  }
  // The spm-shell a `--bg` run started: the place is its own (handed to it as it started: the
  // places it holds are looked up at the end). Its commands do not see the variable.
  if (process.env[HANDED_VARIABLE] === '1') {
    delete process.env[HANDED_VARIABLE];
    return runHere(() => semaphore.heldBy(), options, io, run);
  }
  let hold: SemaphoreHold | undefined = await semaphore.acquire(waiting);
  if (hold === undefined) {
    if (stopped(io)) return interruptedStatus(io);
    const status = timedOut(how.timeoutMs as number, `no place of the semaphore \`${name}\` came free in`, io);
    if (status !== undefined) return status;
    hold = semaphore.takeAnyway();
  }
  const held = hold;
  if (how.mode === 'fg') return runHere(() => [held], options, io, run);
  return startInBackground(hold, argv, io);
}

/** A wait that timed out (`what` happened in its time): said; the exit status when giving up (a negative timeout), else undefined (go on). */
function timedOut(timeoutMs: number, what: string, io: ShellIO): number | undefined {
  const seconds = Math.abs(timeoutMs) / 1000;
  if (timeoutMs < 0) {
    io.stderr.write(`spm-shell: --semaphore-timeout: ${what} ${seconds} s: giving up${what.startsWith('no place') ? ' (nothing run)' : ''}\n`);
    return 1;
  }
  io.stderr.write(`spm-shell: --semaphore-timeout: ${what} ${seconds} s: going on anyway\n`);
  return undefined;
}

/** Runs the command here, under the places `holds` gives, given back at its end whatever happens. */
async function runHere(holds: () => readonly SemaphoreHold[], options: ShellOptions, io: ShellIO, run: (options: ShellOptions, io: ShellIO) => Promise<number>): Promise<number> {
  try {
    // One command: its words, run as they are (no input, no replacement string filled).
    const command = options.semaphore?.command ?? 'true';
    return await run({ ...options, template: undefined, perlExpressions: [], filters: [], sources: [{ kind: 'args', values: [command] }] }, io);
  } finally {
    for (const hold of holds()) hold.release();
  }
}

/** `--bg`: a detached spm-shell runs the command under the place, handed to it; this one is done. */
function startInBackground(hold: SemaphoreHold, argv: readonly string[], io: ShellIO): Promise<number> {
  const entry = process.argv[1];
  let child: ReturnType<typeof spawn> | undefined;
  try {
    if (entry === undefined) throw new Error('no script to start again (process.argv[1])');
    child = spawn(process.execPath, [entry, ...argv], { detached: true, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, [HANDED_VARIABLE]: '1' } });
  } catch (error) {
    hold.release();
    io.stderr.write(`spm-shell: --semaphore: cannot start the command in the background: ${(error as Error).message}\n`);
    return Promise.resolve(255);
  }
  const started = child;
  return new Promise((resolve) => {
    started.once('error', (error) => {
      hold.release();
      io.stderr.write(`spm-shell: --semaphore: cannot start the command in the background: ${error.message}\n`);
      resolve(255);
    });
    started.once('spawn', () => {
      hold.handOver(started.pid as number);
      started.unref();
      resolve(0);
    });
  });
}
