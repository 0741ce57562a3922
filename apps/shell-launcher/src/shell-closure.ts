// The closure spm-shell's spokes evaluate. Imported by the hub (to invoke it) and by every spoke
// (to evaluate it), so it stays small and imports nothing hub-only: spokes load this module's
// built JavaScript from dist/ through `import.meta.url`.
import { list } from '@spm/closure-coarse';
import { CoprocessLane, runCoprocess } from '@spm/coprocess';
import { slotOf, withSlot } from './command-template.js';

/** One command to run on a spoke: the task record (plain data). */
export interface ShellTask {
  /** The job's sequence number (1-based input order), for messages. */
  readonly seq: number;
  /** The command line, run as `/bin/sh -c command`; each NUL in it is the job slot (`{%}`), filled by the spoke. */
  readonly command: string;
  /** Hard limit on the command in ms (its process tree is killed past it); 0 for none. */
  readonly timeoutMs: number;
  /** Bytes kept of each of stdout and stderr. */
  readonly maxOutputBytes: number;
}

/** What running one command produced (plain data, the task's return value). */
export interface ShellResult {
  /** The command as run, when the spoke filled its job slot (`{%}`) in it; else absent. */
  readonly command?: string;
  /** The shell's exit code; `null` when a signal ended it. */
  readonly exitCode: number | null;
  /** The signal that ended it (`'SIGTERM'`…), or `null`. */
  readonly signal: string | null;
  /** True when `timeoutMs` passed and the process tree was killed. */
  readonly timedOut: boolean;
  /** When the command started, in ms since the epoch (the spoke's clock). */
  readonly startMs: number;
  /** Spawn to exit, in ms. */
  readonly durationMs: number;
  /** Captured stdout (its first `maxOutputBytes`). */
  readonly stdout: string;
  /** Captured stderr (its first `maxOutputBytes`). */
  readonly stderr: string;
  /** Bytes the command wrote to stdout, kept or not. */
  readonly stdoutBytes: number;
  /** Bytes the command wrote to stderr, kept or not. */
  readonly stderrBytes: number;
  /** True when either capture was cut at `maxOutputBytes`. */
  readonly truncated: boolean;
}

/**
 * The environment commands run with: this spoke's, read once. (Reading `process.env` whole for
 * every command costs more than the rest of the spoke's work on a `true`.) Frozen, so that
 * `@spm/coprocess` checks it and hands it to its fork server once, not per command.
 */
const COMMAND_ENV: Readonly<Record<string, string | undefined>> = Object.freeze({ ...process.env });

/**
 * Each spoke's lane (inproc spokes share this thread): its commands run one at a time, and a
 * command the spoke already holds starts the moment the one before it exits (the closure is
 * pipelined: the spoke begins a task while the one before it still runs).
 */
const lanes = new Map<string, CoprocessLane>();

function laneOf(spokeId: string): CoprocessLane {
  let lane = lanes.get(spokeId);
  if (lane === undefined) {
    lane = new CoprocessLane();
    lanes.set(spokeId, lane);
  }
  return lane;
}

/**
 * Runs one shell command on a spoke, through `@spm/coprocess` (own process group, whole tree
 * killed on timeout, on abort, or when the spoke dies). A command that fails is data, never an
 * exception. `ctx.signal` is aborted when the invocation is (Ctrl-C, `--halt now`), which kills
 * the command's tree before the spoke itself is relaunched.
 */
export const shellCommand = list.define<ShellTask, ShellResult>({
  signature: 'spm-shell:command',
  module: import.meta.url,
  pipelined: true,
  evaluate: async (task, ctx) => {
    // `{%}`: this spoke is job slot N of the -j (spoke local:N), as GNU parallel numbers them.
    const command = withSlot(task.command, slotOf(ctx.spokeId));
    const r = await runCoprocess({
      // An empty input line is a job that does nothing and succeeds (as in GNU parallel);
      // runCoprocess wants a non-empty command, and `:` is the shell's own no-op.
      command: command === '' ? ':' : command,
      ...(task.timeoutMs > 0 ? { timeoutMs: task.timeoutMs } : {}),
      maxOutputBytes: task.maxOutputBytes,
      env: COMMAND_ENV,
      signal: ctx.signal,
      lane: laneOf(ctx.spokeId),
    });
    return {
      ...(command !== task.command ? { command } : {}),
      exitCode: r.exitCode,
      signal: r.signal,
      timedOut: r.timedOut,
      startMs: r.startTime,
      durationMs: r.durationMs,
      stdout: r.stdout,
      stderr: r.stderr,
      stdoutBytes: r.outputBytes.stdout,
      stderrBytes: r.outputBytes.stderr,
      truncated: r.truncated.stdout || r.truncated.stderr,
    };
  },
});
