import { SPMError, describeValue, unknownOptionMessage } from '@spm/exceptions';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { CoprocessLane } from './coprocess-lane.js';
import { CoprocessOutputHold } from './coprocess-output-hold.js';
import { CoprocessPause } from './coprocess-pause.js';

/** The default grace period between SIGTERM and SIGKILL. */
export const DEFAULT_KILL_GRACE_MS = 2000;
/** The default cap on each captured stream (1 MiB). */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** The longest a Node.js timer waits (2³¹ − 1 ms, about 24.8 days): the bound of `timeoutMs` and `killGraceMs`. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * One step of a kill sequence: send `signal` to the whole tree, then wait up to `waitMs` for it
 * to be gone before the next step.
 */
export interface KillStep {
  readonly signal: NodeJS.Signals;
  readonly waitMs: number;
}

/** The most steps a kill sequence may have. */
export const MAX_KILL_STEPS = 64;

/** A kill sequence's grace: from its first signal to the SIGKILL that ends it, the sum of its waits (ms). */
export function killSequenceGraceMs(steps: readonly KillStep[]): number {
  return steps.reduce((sum, step) => sum + step.waitMs, 0);
}

/** A timeout a timer can keep: a finite number of ms > 0 and ≤ {@link MAX_TIMER_MS} (a longer one would fire after 1 ms). */
export function isTimerTimeout(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 && ms <= MAX_TIMER_MS;
}

/** How to run one stand-alone program. Give exactly one of `command` and `argv`. */
export interface CoprocessOptions {
  /** A shell command line, run as `/bin/sh -c <command>`. */
  readonly command?: string;
  /** A program and its arguments, run without a shell: `['grep', '-c', 'x', 'file']`. Searched in `PATH`. */
  readonly argv?: readonly string[];
  /**
   * The working directory.
   * @default this process's working directory
   */
  readonly cwd?: string;
  /**
   * The environment (replaces this process's, it is not merged). `SPM_COPROCESS` is always
   * added: it marks the program's process tree (see the docs). Many short programs: pass one
   * frozen object (`Object.freeze({ ...process.env })`) to all of them — a fork server is sent it
   * once, where `process.env` is read whole for each program (~5 % of the CPU of 1,000 `true`s).
   * @default this process's environment (`process.env`)
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Written to the program's stdin, which is then closed (once all is written, or when the
   * program closes its end: a program that ignores its input is not an error). Up to 4 MiB goes
   * through the fork server; more is streamed by `spawn`.
   * @default none: stdin is `/dev/null`
   */
  readonly input?: string | Uint8Array;
  /**
   * The program's stdin from a file: bytes `offset` to `offset + length` of `path` (to its end
   * without `length`), after `input` if both are given — a part of a big file handed to a program
   * without passing through this thread. The fork server opens the file when it starts the
   * program and copies the range into its stdin pipe as the program reads it (`splice`); without
   * a fork server, Node streams it. A file that cannot be opened then fails the run as a program
   * that cannot be started does (exit 126, the reason on its stderr); one shorter than the range
   * ends the input where it ends.
   * @default none
   */
  readonly inputFile?: InputFileRange;
  /**
   * Hard limit on the program's run time, in ms. When it passes, the whole process tree is
   * killed (SIGTERM, then SIGKILL after `killGraceMs`) and the result says `timedOut`.
   * @default no limit
   */
  readonly timeoutMs?: number;
  /**
   * How long processes get between SIGTERM and SIGKILL, in ms.
   * @default 2000
   */
  readonly killGraceMs?: number;
  /**
   * How a timeout or an abort kills the tree, instead of SIGTERM and `killGraceMs`: each step's
   * signal, then up to its `waitMs` for the tree to be gone (GNU parallel's `--termseq`:
   * `[{ signal: 'SIGTERM', waitMs: 200 }, { signal: 'SIGTERM', waitMs: 100 }, { signal:
   * 'SIGKILL', waitMs: 25 }]`). Whatever outlives the last step gets SIGKILL, re-sent until the
   * tree is gone: a sequence never leaves the tree alive. Not with `killGraceMs`.
   * @default [{ signal: 'SIGTERM', waitMs: killGraceMs }]
   */
  readonly killSequence?: readonly KillStep[];
  /**
   * How many bytes of each of stdout, stderr and their interleaving are kept; the rest is read
   * and counted but not kept.
   * @default 1048576 (1 MiB)
   */
  readonly maxOutputBytes?: number;
  /**
   * A directory (existing, writable) where stdout and stderr past `maxOutputBytes` go instead of
   * being dropped: each stream's excess is appended to a file of its own there, created (mode
   * 0600) with the first byte past the cap; the result names them (`spilled`). They are the
   * caller's: read them, then delete them. The cut falls between characters (a UTF-8 sequence is
   * never split between the string and the file). Not for the interleaved `stdOutErr`, which
   * stays capped. A file that cannot be written (a full disk) ends the spill: the rest is
   * dropped and the stream is `truncated`.
   * @default none: output past the cap is dropped
   */
  readonly spillDir?: string;
  /** Aborting kills the whole process tree, as a timeout does; the result says `aborted`. */
  readonly signal?: AbortSignal;
  /**
   * Suspends (SIGSTOP) and resumes (SIGCONT) the program's whole tree while it runs (see
   * {@link CoprocessPause}). The timeout keeps counting while it is stopped.
   * @default none
   */
  readonly pause?: CoprocessPause;
  /**
   * Runs one at a time with the other runs of this lane, in the order they were asked for:
   * this program starts once the lane's previous one has exited (see {@link CoprocessLane}).
   * Its `timeoutMs` and `durationMs` count from its own start.
   * @default none: the program starts at once
   */
  readonly lane?: CoprocessLane;
  /**
   * Called with each piece of output as it is read, in the order read (per stream and across
   * both): for output shown live. The pieces are kept as well, up to `maxOutputBytes` (pass `0`
   * to keep none: `truncated` then says what was not kept). A piece may end inside a line, or
   * inside a UTF-8 sequence. The program's own messages of this package (`spm-coprocess: …` on
   * stderr) come through it too. A throw from it is caught: that piece is lost to it, the run goes
   * on, and the first such error is emitted once as a process warning.
   * @default none
   */
  readonly onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  /**
   * Holds the program's output unread while it is held (see {@link CoprocessOutputHold}): the
   * program blocks writing once a pipe is full, until it is released — for output shown live
   * (`onOutput`) to a reader slower than the program. Read again, held or not, once the leader has
   * exited or the tree is being killed. The timeout keeps counting while it is held. Not with
   * `inheritOutput`.
   * @default none
   */
  readonly outputHold?: CoprocessOutputHold;
  /**
   * Called once when the program has started (its pid is known), with its start in ms since the
   * epoch — the result's `startTime`. In a lane that is when its turn came, not when it was asked
   * for: a watcher of how long it runs starts here. Not called for a program that never started
   * (it could not be run, or was aborted or withdrawn before its turn). A throw from it is caught
   * and emitted once as a process warning; the run goes on.
   * @default none
   */
  readonly onStart?: (startTime: number) => void;
  /**
   * The program gets this process's controlling terminal (`/dev/tty`, opened when it starts) as
   * its stdin, and runs in this process's own process group and session instead of a new one —
   * so, while this process is in the terminal's foreground, it may read the terminal (an editor,
   * a password prompt) and it gets the terminal's Ctrl-C as this process does. Its tree is known
   * and killed as any other's, by its descendants and its environment cookie (not as a group:
   * the group is this process's). Always started with `spawn`, not the fork server. When there is
   * no terminal to open (no controlling terminal: a daemon, CI), the run fails unstarted, as a
   * program that cannot be started does (exit 126, the reason on its stderr). Not with `input`
   * or `inputFile`. A program reading the terminal while this process is in the background is
   * stopped by the kernel (SIGTTIN) until brought to the foreground — or its timeout.
   * @default false: stdin is `input`, `inputFile` or `/dev/null`, in a new session
   */
  readonly terminal?: boolean;
  /**
   * The program writes to this process's own stdout and stderr (inherited: the same files, a
   * terminal stays a terminal) rather than to pipes read here: nothing of its output is captured
   * — the result's `stdout`, `stderr` are empty, `outputBytes` 0. For an interactive program
   * (with `terminal`) that draws on the terminal. Always started with `spawn`. Not with `onOutput`.
   * @default false: captured
   */
  readonly inheritOutput?: boolean;
}

/** A range of a file: {@link CoprocessOptions.inputFile}. */
export interface InputFileRange {
  /** The file (relative to the bin's working directory, not the program's `cwd`). */
  readonly path: string;
  /** The first byte. @default 0 */
  readonly offset?: number;
  /** How many bytes. @default to the end of the file */
  readonly length?: number;
}

/** {@link CoprocessOptions} validated, with defaults applied. */
export interface ResolvedCoprocessOptions {
  readonly file: string;
  readonly args: readonly string[];
  /** What to call the program in messages. */
  readonly label: string;
  readonly cwd: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>> | undefined;
  readonly input: string | Uint8Array | undefined;
  readonly inputFile: Required<InputFileRange> | undefined;
  readonly timeoutMs: number | undefined;
  /** From the first signal to the SIGKILL that ends every kill: the sum of {@link killSequence}'s waits. */
  readonly killGraceMs: number;
  /** At least one step. */
  readonly killSequence: readonly KillStep[];
  readonly maxOutputBytes: number;
  readonly spillDir: string | undefined;
  readonly signal: AbortSignal | undefined;
  readonly pause: CoprocessPause | undefined;
  readonly lane: CoprocessLane | undefined;
  readonly onOutput: ((stream: 'stdout' | 'stderr', chunk: Buffer) => void) | undefined;
  readonly outputHold: CoprocessOutputHold | undefined;
  readonly onStart: ((startTime: number) => void) | undefined;
  readonly terminal: boolean;
  readonly inheritOutput: boolean;
}

function fail(message: string): never {
  throw new SPMError(message);
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return typeof value === 'object' && value !== null && typeof (value as AbortSignal).aborted === 'boolean' && typeof (value as AbortSignal).addEventListener === 'function';
}

/** Frozen environments already checked (see `env` below). */
const CHECKED_ENVS = new WeakSet<object>();

/** The keys of {@link CoprocessOptions}. */
const OPTION_KEYS: readonly string[] = ['command', 'argv', 'cwd', 'env', 'input', 'inputFile', 'timeoutMs', 'killGraceMs', 'killSequence', 'maxOutputBytes', 'spillDir', 'signal', 'pause', 'lane', 'onOutput', 'outputHold', 'onStart', 'terminal', 'inheritOutput'];
const OPTION_KEY_SET: ReadonlySet<string> = new Set(OPTION_KEYS);

/**
 * Validates `options` and applies the defaults. Throws `SPMError` with one message shape:
 * ``Expected `timeoutMs` to be a number > 0 and ≤ 2147483647, got `0` (number)``.
 */
export function resolveCoprocessOptions(options: CoprocessOptions): ResolvedCoprocessOptions {
  if (typeof options !== 'object' || options === null) fail(`Expected coprocess options to be an object, got ${describeValue(options)}`);
  // A misspelt option (`timeout` for `timeoutMs`) would be ignored, and its limit never applied.
  // (The message is made only when a key is not known: a run's options are checked with a Set.)
  for (const key in options) {
    if (!Object.hasOwn(options, key) || OPTION_KEY_SET.has(key)) continue;
    const unknown = unknownOptionMessage('runCoprocess()', options, OPTION_KEYS);
    if (unknown !== undefined) fail(unknown);
    break;
  }
  const { command, argv, cwd, env, input, inputFile, timeoutMs, killGraceMs, killSequence, maxOutputBytes, spillDir, signal, pause, lane, onOutput, outputHold, onStart, terminal, inheritOutput } = options;
  if (command !== undefined && argv !== undefined) fail('Expected exactly one of `command` and `argv`, got both');
  if (command === undefined && argv === undefined) fail('Expected exactly one of `command` and `argv`, got neither');
  let file: string;
  let args: readonly string[];
  if (command !== undefined) {
    if (typeof command !== 'string' || command.trim() === '') fail(`Expected \`command\` to be a non-empty string, got ${describeValue(command)}`);
    if (command.includes('\0')) fail(`Expected \`command\` to be a string without NUL bytes (no program can be given one), got ${describeValue(command)}`);
    file = '/bin/sh';
    args = ['-c', command];
  } else {
    if (!Array.isArray(argv) || argv.length === 0) fail(`Expected \`argv\` to be a non-empty array of strings, got ${describeValue(argv)}`);
    // Indexed, not forEach: a hole (`['echo', , 'x']`) is an undefined element too.
    for (let i = 0; i < argv.length; i++) {
      const arg: unknown = argv[i];
      if (typeof arg !== 'string') fail(`Expected \`argv[${i}]\` to be a string, got ${describeValue(arg)}`);
      if (arg.includes('\0')) fail(`Expected \`argv[${i}]\` to be a string without NUL bytes (no program can be given one), got ${describeValue(arg)}`);
    }
    const [program, ...rest] = argv as readonly string[];
    if (program === undefined || program === '') fail('Expected `argv[0]` (the program) to be a non-empty string, got `""` (string)');
    file = program;
    args = rest;
  }
  if (cwd !== undefined && (typeof cwd !== 'string' || cwd === '' || cwd.includes('\0'))) fail(`Expected \`cwd\` to be a non-empty string without NUL bytes, got ${describeValue(cwd)}`);
  if (env !== undefined && !CHECKED_ENVS.has(env)) {
    if (typeof env !== 'object' || env === null || Array.isArray(env)) fail(`Expected \`env\` to be an object of strings, got ${describeValue(env)}`);
    for (const [name, value] of Object.entries(env)) {
      if (value !== undefined && typeof value !== 'string') fail(`Expected \`env.${name}\` to be a string, got ${describeValue(value)}`);
      // Neither can be in an environment: the fork server dropped such a variable, spawn refused or split it.
      if (name === '' || name.includes('=') || name.includes('\0')) fail(`Expected the names of \`env\` to be non-empty, without \`=\` or NUL, got ${describeValue(name)}`);
      if (value?.includes('\0') === true) fail(`Expected \`env.${name}\` to be a string without NUL bytes, got ${describeValue(value)}`);
    }
    // A frozen environment cannot change: checked once (a launcher passes the same one to every run).
    if (Object.isFrozen(env)) CHECKED_ENVS.add(env);
  }
  if (input !== undefined && typeof input !== 'string' && !(input instanceof Uint8Array)) {
    fail(`Expected \`input\` to be a string or a Uint8Array, got ${describeValue(input)}`);
  }
  let range: Required<InputFileRange> | undefined;
  if (inputFile !== undefined) {
    if (typeof inputFile !== 'object' || inputFile === null) fail(`Expected \`inputFile\` to be { path, offset?, length? }, got ${describeValue(inputFile)}`);
    const { path, offset = 0, length = Number.MAX_SAFE_INTEGER } = inputFile;
    if (typeof path !== 'string' || path === '' || path.includes('\0')) fail(`Expected \`inputFile.path\` to be a file's path (a non-empty string without NUL), got ${describeValue(path)}`);
    if (!Number.isSafeInteger(offset) || offset < 0) fail(`Expected \`inputFile.offset\` to be an integer ≥ 0, got ${describeValue(offset)}`);
    if (!Number.isSafeInteger(length) || length < 0) fail(`Expected \`inputFile.length\` to be an integer ≥ 0, got ${describeValue(length)}`);
    // Absolute: the fork server's working directory is not this thread's (nor the program's).
    range = { path: resolve(path), offset, length };
  }
  if (timeoutMs !== undefined && !isTimerTimeout(timeoutMs)) {
    fail(`Expected \`timeoutMs\` to be a number > 0 and ≤ ${MAX_TIMER_MS}, got ${describeValue(timeoutMs)}`);
  }
  if (killGraceMs !== undefined && (typeof killGraceMs !== 'number' || !Number.isFinite(killGraceMs) || killGraceMs < 0 || killGraceMs > MAX_TIMER_MS)) {
    fail(`Expected \`killGraceMs\` to be a number ≥ 0 and ≤ ${MAX_TIMER_MS}, got ${describeValue(killGraceMs)}`);
  }
  if (killSequence !== undefined && killGraceMs !== undefined) fail('Expected at most one of `killGraceMs` and `killSequence`, got both');
  const sequence = killSequence === undefined ? [{ signal: 'SIGTERM' as const, waitMs: killGraceMs ?? DEFAULT_KILL_GRACE_MS }] : checkedKillSequence(killSequence);
  if (maxOutputBytes !== undefined && (typeof maxOutputBytes !== 'number' || !Number.isSafeInteger(maxOutputBytes) || maxOutputBytes < 0)) {
    fail(`Expected \`maxOutputBytes\` to be an integer ≥ 0, got ${describeValue(maxOutputBytes)}`);
  }
  if (spillDir !== undefined && (typeof spillDir !== 'string' || spillDir === '' || spillDir.includes('\0'))) {
    fail(`Expected \`spillDir\` to be a directory's path (a non-empty string), got ${describeValue(spillDir)}`);
  }
  if (signal !== undefined && !isAbortSignal(signal)) fail(`Expected \`signal\` to be an AbortSignal, got ${describeValue(signal)}`);
  if (pause !== undefined && !(pause instanceof CoprocessPause)) fail(`Expected \`pause\` to be a CoprocessPause, got ${describeValue(pause)}`);
  if (lane !== undefined && !(lane instanceof CoprocessLane)) fail(`Expected \`lane\` to be a CoprocessLane, got ${describeValue(lane)}`);
  if (onOutput !== undefined && typeof onOutput !== 'function') fail(`Expected \`onOutput\` to be a function, got ${describeValue(onOutput)}`);
  if (outputHold !== undefined && !(outputHold instanceof CoprocessOutputHold)) fail(`Expected \`outputHold\` to be a CoprocessOutputHold, got ${describeValue(outputHold)}`);
  if (onStart !== undefined && typeof onStart !== 'function') fail(`Expected \`onStart\` to be a function, got ${describeValue(onStart)}`);
  if (terminal !== undefined && typeof terminal !== 'boolean') fail(`Expected \`terminal\` to be a boolean, got ${describeValue(terminal)}`);
  if (terminal === true && (input !== undefined || inputFile !== undefined)) fail(`Expected no \`${input !== undefined ? 'input' : 'inputFile'}\` with \`terminal\` (the program's stdin is the terminal), got one`);
  if (inheritOutput !== undefined && typeof inheritOutput !== 'boolean') fail(`Expected \`inheritOutput\` to be a boolean, got ${describeValue(inheritOutput)}`);
  if (inheritOutput === true && onOutput !== undefined) fail('Expected at most one of `inheritOutput` and `onOutput` (inherited output is not read here), got both');
  if (inheritOutput === true && outputHold !== undefined) fail('Expected at most one of `inheritOutput` and `outputHold` (inherited output is not read here), got both');
  return {
    file,
    args,
    label: command !== undefined ? command : (argv ?? []).join(' '),
    // Absolute, resolved now: the fork server's working directory is not this thread's (a
    // relative cwd was resolved against the server's). Without one, the run is given this
    // thread's at its start (see the fork server's run frame): not the server's own.
    cwd: cwd === undefined ? undefined : resolve(cwd),
    env,
    input,
    inputFile: range,
    timeoutMs,
    killGraceMs: killSequenceGraceMs(sequence),
    killSequence: sequence,
    maxOutputBytes: maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    spillDir,
    signal,
    pause,
    lane,
    onOutput,
    outputHold,
    onStart,
    terminal: terminal === true,
    inheritOutput: inheritOutput === true,
  };
}

/** `killSequence` checked: 1 to {@link MAX_KILL_STEPS} steps of a signal's name and a wait, the waits' sum a timer's. */
function checkedKillSequence(sequence: unknown): readonly KillStep[] {
  if (!Array.isArray(sequence) || sequence.length === 0 || sequence.length > MAX_KILL_STEPS) {
    fail(`Expected \`killSequence\` to be an array of 1 to ${MAX_KILL_STEPS} steps, got ${describeValue(sequence)}`);
  }
  let total = 0;
  const steps = (sequence as unknown[]).map((step, i): KillStep => {
    if (typeof step !== 'object' || step === null) fail(`Expected \`killSequence[${i}]\` to be an object { signal, waitMs }, got ${describeValue(step)}`);
    const { signal, waitMs } = step as { signal?: unknown; waitMs?: unknown };
    if (typeof signal !== 'string' || !Object.hasOwn(constants.signals, signal)) {
      fail(`Expected \`killSequence[${i}].signal\` to be a signal name such as \`SIGTERM\`, got ${describeValue(signal)}`);
    }
    if (typeof waitMs !== 'number' || !Number.isFinite(waitMs) || waitMs < 0 || waitMs > MAX_TIMER_MS) {
      fail(`Expected \`killSequence[${i}].waitMs\` to be a number ≥ 0 and ≤ ${MAX_TIMER_MS}, got ${describeValue(waitMs)}`);
    }
    total += waitMs;
    return { signal: signal as NodeJS.Signals, waitMs };
  });
  if (total > MAX_TIMER_MS) fail(`Expected the waits of \`killSequence\` to add up to ≤ ${MAX_TIMER_MS} ms, got ${total}`);
  return Object.freeze(steps);
}
