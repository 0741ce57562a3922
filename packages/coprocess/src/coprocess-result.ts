/**
 * How a coprocess ended: plain data (it can cross the wire as a task's return value). A
 * failing program is data here, never an exception: check `exitCode`, `signal`, `timedOut`.
 */
export interface CoprocessResult {
  /** The leader's exit code; `null` when it was ended by a signal (or never started: see `spawnError`). */
  readonly exitCode: number | null;
  /** The signal that ended the leader, e.g. `SIGTERM`; `null` if it exited by itself. */
  readonly signal: string | null;
  /** True when `timeoutMs` passed and the tree was killed. */
  readonly timedOut: boolean;
  /** True when the run was aborted (its `signal`, or `killAllCoprocesses`) and the tree was killed. */
  readonly aborted: boolean;
  /**
   * True when a kill signal reached the leader while it ran — at a timeout, an abort or a kill —
   * so its exit, even with a code of its own (a `trap … TERM` that exits 0), answered the kill.
   * False for a run that had exited on its own before the kill, though its exit was still on its
   * way when the abort came (`aborted` is true then). Told by the fork server's clock (the
   * signal's time against the leader's reap); without a fork server, by whether this thread had
   * seen the exit when it sent the signal.
   */
  readonly killed: boolean;
  /**
   * True when the run was withdrawn before its turn in its lane (`withdrawWaiting`): it
   * never started (`pid: null`, `durationMs: 0`, no exit), and nothing was killed.
   */
  readonly withdrawn: boolean;
  /** From spawning to the leader's exit, in ms. */
  readonly durationMs: number;
  /**
   * When the program was started, in ms since the epoch (a run of a `CoprocessLane`
   * starts when the one before it has exited, not when it was asked for); when it never
   * started, when it was asked for.
   */
  readonly startTime: number;
  /** The leader's pid (also its process group id); `null` if it never started. */
  readonly pid: number | null;
  /**
   * The captured stdout (UTF-8), at most `maxOutputBytes` bytes of it. With `spillDir`, output
   * that is not UTF-8 text is not decoded (its bad bytes would become U+FFFD): this is then ''
   * and `spilled.stdout` holds every byte.
   */
  readonly stdout: string;
  /** The captured stderr (UTF-8), at most `maxOutputBytes` bytes of it; as `stdout`, with `spillDir`. */
  readonly stderr: string;
  /** stdout and stderr interleaved in the order their chunks arrived here, at most `maxOutputBytes` bytes. */
  readonly stdOutErr: string;
  /** Which captures were cut at `maxOutputBytes`. */
  readonly truncated: { readonly stdout: boolean; readonly stderr: boolean; readonly stdOutErr: boolean };
  /**
   * With `spillDir`: the files holding each stream's output past `maxOutputBytes`, or all of it
   * when it is not UTF-8 text (`undefined` for a text stream that stayed under the cap).
   * `stdout` followed by this file's bytes is the whole stream (unless `truncated`: the file
   * could not be written to the end).
   */
  readonly spilled: { readonly stdout: string | undefined; readonly stderr: string | undefined };
  /** How many bytes each stream carried in total, kept or not. */
  readonly outputBytes: { readonly stdout: number; readonly stderr: number };
  /**
   * Why the program could not be started (`ENOENT`, `EACCES`, …), or `null`. A start failure
   * is reported like a shell does: `exitCode` 127 (not found) or 126 (cannot execute), with a
   * message on `stderr`.
   */
  readonly spawnError: string | null;
}
