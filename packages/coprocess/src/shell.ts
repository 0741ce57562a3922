import { SPMError, describeValue } from '@spm/exceptions';
import { isTimerTimeout, MAX_TIMER_MS } from './coprocess-options.js';
import { runCoprocess } from './run-coprocess.js';

/** Options of {@link shell.policyA}: the seed's `cmd` and `timeout`. */
export interface ShellPolicyAOptions {
  /** The command line, run by `/bin/sh -c`. */
  readonly cmd: string;
  /** The hard timeout: milliseconds, or the `{ ms }` record `@spm/typedef`'s `after()` makes. */
  readonly timeout: number | { readonly ms: number };
  /** Aborting kills the command's whole process tree, as the timeout does. */
  readonly signal?: AbortSignal;
}

/** What {@link shell.policyA} returns: plain data, fit to be a task's `returnValue`. */
export interface ShellPolicyAResult {
  /** Captured stdout (first 1 MiB). */
  readonly stdOut: string;
  /** Captured stderr (first 1 MiB). */
  readonly stdErr: string;
  /** Both, interleaved in arrival order (first 1 MiB). */
  readonly stdOutErr: string;
  /** The shell's exit code, `null` if a signal ended it. */
  readonly exitCode: number | null;
  /** The signal that ended the shell, e.g. `SIGKILL`, or `null`. */
  readonly signal: string | null;
  /** True when the timeout passed and the command's tree was killed. */
  readonly timedOut: boolean;
  /** From start to the shell's exit, in ms. */
  readonly durationMs: number;
  /** True when any capture was cut at 1 MiB. */
  readonly truncated: boolean;
}

function timeoutMs(timeout: unknown): number {
  const ms = typeof timeout === 'number' ? timeout : typeof timeout === 'object' && timeout !== null ? (timeout as { ms?: unknown }).ms : undefined;
  // Checked here, in this API's own words: runCoprocess would name its option (`timeoutMs`).
  if (!isTimerTimeout(ms)) {
    throw new SPMError(`Expected \`timeout\` to be a number of ms > 0 and ≤ ${MAX_TIMER_MS} (the longest a timer waits), or { ms } with such ms, got ${describeValue(timeout)}`);
  }
  return ms;
}

/**
 * The seed's coprocess API, `spm.util.coprocess.shell.policyA(cmd = …, timeout = …)`
 * (SciPy 2011 paper, Figs. 10–13): run a shell command line under a hard timeout, killing its
 * whole process tree when the time is up, and return its output as plain data.
 */
export const shell = {
  /**
   * Runs `cmd` with `/bin/sh -c` under `timeout` and resolves with a plain record. A failing
   * command is data (`exitCode`, `signal`, `timedOut`); only invalid options reject (`SPMError`).
   */
  async policyA(options: ShellPolicyAOptions): Promise<ShellPolicyAResult> {
    if (typeof options !== 'object' || options === null) throw new SPMError(`Expected policyA options { cmd, timeout }, got ${describeValue(options)}`);
    // Its own name for it (runCoprocess's message would say `command`).
    if (typeof options.cmd !== 'string' || options.cmd.trim() === '') throw new SPMError(`Expected \`cmd\` to be a non-empty string (a shell command), got ${describeValue(options.cmd)}`);
    const result = await runCoprocess({ command: options.cmd, timeoutMs: timeoutMs(options.timeout), signal: options.signal });
    return {
      stdOut: result.stdout,
      stdErr: result.stderr,
      stdOutErr: result.stdOutErr,
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
      durationMs: result.durationMs,
      truncated: result.truncated.stdout || result.truncated.stderr || result.truncated.stdOutErr,
    };
  },
} as const;
