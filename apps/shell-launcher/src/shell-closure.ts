// The closure spm-shell's spokes evaluate. Imported by the hub (to invoke it) and by every spoke
// (to evaluate it), so it stays small and imports nothing hub-only: spokes load this module's
// built JavaScript from dist/ through `import.meta.url`.
import { rmSync, writeFileSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { list, type EvaluationContext } from '@spm/closure-coarse';
import { batchStarts, CoprocessLane, CoprocessOutputHold, CoprocessPause, killAllCoprocesses, makeDirectories, runCoprocess, withdrawWaiting, type KillStep } from '@spm/coprocess';
import { jobVariables } from './arg-packing.js';
import { shellQuote, slotOf, withSlot } from './command-template.js';

/** One job's command, as a task carries it. */
export interface ShellCommand {
  /** The job's sequence number (1-based input order), for messages. */
  readonly seq: number;
  /** The command line, run as `SHELL -c command` (see {@link ShellTask.shell}); each NUL in it is the job slot (`{%}`), filled by the spoke. */
  readonly command: string;
  /** `--pipe`: its stdin (a block of the input); `--pipe-part`: the header before its part. Absent: `/dev/null`. */
  readonly input?: Uint8Array;
  /**
   * `--pipe-part`: its stdin (after `input`) is this range of a file (absolute path), copied by
   * the spoke's fork server as the command reads it (`@spm/coprocess`'s `inputFile`).
   */
  readonly inputFile?: { readonly path: string; readonly offset: number; readonly length: number };
  /** `--wd`: the directory it runs in (absolute), made first if missing. Absent: the spoke's. */
  readonly cwd?: string;
  /**
   * `--template`: files the spoke writes (over any there) just before the command runs, each
   * path (absolute) and text with the job slot marks filled as the command's. One that cannot be
   * written fails the command unstarted, saying why.
   */
  readonly files?: readonly { readonly path: string; readonly content: string }[];
  /** Variables added to its environment (`--cat`'s `PARALLEL_TMP`). Absent: the spoke's environment as it is. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * `--tee`, `--round-robin`: the FIFO its stdin comes through, fed by the hub while it runs; the
   * command's shell opens it first (`exec <path`), so only that process waits for the hub. A
   * FIFO that is gone (opened once already) fails the command at once. Absent: `input`'s.
   */
  readonly stdinFrom?: string;
}

/**
 * What a spoke runs for one task (plain data): one command, or — while commands are short (see
 * run-shell.ts) — a batch of consecutive jobs' commands, run one after another in the spoke's
 * job slot, each with its own timeout and its own result.
 */
export interface ShellTask {
  /** The commands, in input order (at least one). */
  readonly commands: readonly ShellCommand[];
  /** Hard limit on each command in ms, from its own start (its process tree is killed past it); 0 for none. */
  readonly timeoutMs: number;
  /** `--termseq`: how a command is killed (see `@spm/coprocess`'s `killSequence`). Absent: SIGTERM, SIGKILL 2 s later. */
  readonly killSequence?: readonly KillStep[];
  /** Bytes kept in memory of each of stdout and stderr, per command. */
  readonly maxOutputBytes: number;
  /**
   * Where output past `maxOutputBytes` goes: a file per stream and command, named in the result,
   * which the hub streams and deletes (all spokes are local). Absent: the rest is dropped.
   */
  readonly spillDir?: string;
  /**
   * `--line-buffer`: each command's output goes to the hub as it comes, whole lines at a time
   * (a {@link ShellNews} with `output`), and none of it is kept: the results' `stdout` and
   * `stderr` are empty (their byte counts are not).
   */
  readonly lineBuffer?: boolean;
  /** `-u`: with `lineBuffer`, the output goes as it comes, not cut into whole lines. */
  readonly ungroup?: boolean;
  /** `--latest-line`: with `lineBuffer`, a `\r` ends a line too (a progress counter's latest state goes as it comes). */
  readonly returnEndsLine?: boolean;
  /** `-t`: each command, as run, goes to the hub as it starts (a {@link ShellNews} with `started`). */
  readonly showStarts?: boolean;
  /** `--nice N`: each command runs as `nice -n N SHELL -c command`. */
  readonly nice?: number;
  /** The shell each command runs in, `SHELL -c command` (an absolute path; command-shell.ts). Absent: {@link DEFAULT_SHELL}. */
  readonly shell?: string;
  /**
   * `--shellquote`: each command is not run but printed, shell-quoted this many times (its job
   * slot filled first): what runs is `printf '%s\n' QUOTED`, as GNU parallel runs `perl -e print`.
   */
  readonly shellQuote?: number;
  /** `--plus`' `{0%}`: the digits the job slot is padded to (those of the number of slots). @default 1 */
  readonly slotWidth?: number;
  /** `--cleanup`: each command's {@link ShellCommand.files} are removed once its run is over. */
  readonly removeFiles?: boolean;
  /**
   * `--timeout N%`, `--memfree`: whether a command may go on running is the hub's to say — how
   * long it may run (a share of the median runtime of the jobs that succeeded, which moves as
   * they end), whether it is the one to kill for memory — so a running command asks it
   * ({@link ShellWatchQuestion}) and is killed once an answer says so.
   */
  readonly watchedByHub?: boolean;
  /** The hub's process id: each command's `$PARALLEL_PID` (GNU parallel's: `kill -HUP $PARALLEL_PID` starts no more jobs). */
  readonly pid?: number;
  /** `--process-slot-var NAME`: the variable that holds the job slot less one. @default 'PARALLEL_JOBSLOT0' */
  readonly slotVariable?: string;
  /**
   * `--tty`, `-o`: each command's stdin is the terminal, and it runs in the spoke's process group
   * and session (`@spm/coprocess`'s `terminal`: the spoke must be in the terminal's, an inproc or
   * thread spoke). With `ungroup`, its stdout and stderr are the spoke's own (`inheritOutput`):
   * a terminal stays one, nothing goes through the hub.
   */
  readonly terminal?: boolean;
}

/** `--tty -u`: each command writes to the spoke's own stdout and stderr (see {@link ShellTask.terminal}). */
function writesItself(task: ShellTask): boolean {
  return task.terminal === true && task.ungroup === true;
}

/** What running one command produced (plain data, the task's return value). */
export interface ShellResult {
  /** The command as run, when the spoke filled its job slot (`{%}`) in it; else absent. */
  readonly command?: string;
  /** The shell's exit code; `null` when a signal ended it. */
  readonly exitCode: number | null;
  /** The signal that ended it (`'SIGTERM'`…), or `null`. */
  readonly signal: string | null;
  /** True when `timeoutMs` (or the hub's limit: `limitMs`) passed and the process tree was killed. */
  readonly timedOut: boolean;
  /** `--timeout N%`: the limit, in ms, the command had run past when it was killed. */
  readonly limitMs?: number;
  /**
   * `--memfree`, `--limit`: killed (its tree) as the youngest command, because the machine was
   * short of memory or `--limit` said "way over" (the hub knows which).
   */
  readonly lowMemory?: boolean;
  /** When the command started, in ms since the epoch (the spoke's clock). */
  readonly startMs: number;
  /** Spawn to exit, in ms. */
  readonly durationMs: number;
  /** Captured stdout (its first `maxOutputBytes`). */
  readonly stdout: string;
  /** Captured stderr (its first `maxOutputBytes`). */
  readonly stderr: string;
  /** The file holding the rest of stdout (see {@link ShellTask.spillDir}), if it passed `maxOutputBytes`. */
  readonly stdoutFile?: string | undefined;
  /** The file holding the rest of stderr, if it passed `maxOutputBytes`. */
  readonly stderrFile?: string | undefined;
  /** Bytes the command wrote to stdout, kept or not. */
  readonly stdoutBytes: number;
  /** Bytes the command wrote to stderr, kept or not. */
  readonly stderrBytes: number;
  /** True when output was lost: either stream passed `maxOutputBytes` and its rest could not be spilled. */
  readonly truncated: boolean;
  /**
   * True when it was stopped from outside — the invocation aborted, or spm-shell stopping
   * ({@link stopCommandsInThisThread}) — and its tree killed, or it never started.
   */
  readonly aborted: boolean;
  /**
   * True when a kill signal reached the command while it ran (CoprocessResult.killed): its exit,
   * even with a code of its own (a `trap … TERM` that exits 0), answered the kill.
   */
  readonly killed?: boolean;
  /** Why the command could not be run at all (its options were refused), if so; the other fields are empty then. */
  readonly error?: string;
  /**
   * True when the spoke gave the command back without running it: it waited behind one that
   * ran long (see {@link GIVE_BACK_MS}). The hub, told at once (a {@link ShellNews}), hands it
   * out again (to a free spoke); the other fields are empty.
   */
  readonly returned?: boolean;
}

/**
 * How long a task's commands may wait in the spoke's lane for their turn before the spoke gives
 * back those not started yet. Commands wait there only while they are short (a batch of them, or
 * a task held behind the running one: see run-shell.ts), so a wait this long means one of those
 * ahead turned out long — and another spoke may be free.
 */
export const GIVE_BACK_MS = 100;

/** The shell of a task that names none ({@link ShellTask.shell}), and spm-shell's when nothing says another. */
export const DEFAULT_SHELL = '/bin/sh';

/**
 * What a task tells the hub before it ends (`ctx.hub.notify`), once it gave commands back: the
 * given-back commands' seqs, to run elsewhere now, and the results of its commands that finished
 * meanwhile, to report now rather than when the long command ends. The task's result holds those
 * results again (for the trace); the hub concludes each job once.
 */
export interface ShellNews {
  readonly returned: readonly number[];
  readonly finished: readonly { readonly seq: number; readonly result: ShellResult }[];
  /**
   * `--line-buffer`: output of running commands, in the order it was read — whole lines, but for
   * a command's last line without a newline (sent once it ends) and a line longer than
   * {@link LIVE_LINE_MAX} (sent in pieces of that size). News with only output says nothing else.
   */
  readonly output?: readonly LiveOutput[];
  /** `-t`: commands that started, as run (`{%}` filled), in the order they did; sent before any other word of them. */
  readonly started?: readonly { readonly seq: number; readonly command: string }[];
}

/** A piece of a running command's output (`--line-buffer`, `-u`, `--latest-line`): see {@link ShellNews.output}. */
export interface LiveOutput {
  readonly seq: number;
  readonly stream: 'stdout' | 'stderr';
  /**
   * The bytes as the command wrote them (`--line-buffer`, `-u`: printed as they are, so output
   * that is not UTF-8 text passes unchanged), or decoded text (`--latest-line`, whose rows are
   * drawn as text).
   */
  readonly data: string | Uint8Array;
}

/**
 * The longest part of a line a spoke holds back waiting for its newline (`--line-buffer`), in
 * bytes (UTF-16 units with `--latest-line`): past it, what it has goes out as is, and the line's
 * rest follows (another command's line may come between).
 */
export const LIVE_LINE_MAX = 1 << 20;

/** Output pieces a task collects before it sends them at once, without waiting for the next turn of the event loop. */
const LIVE_SEND_UNITS = 256 * 1024;

/** What a task run again after its spoke was lost asks the hub (`ctx.hub.request`): the seqs it must not run, answered as a list. */
export interface ShellSkipQuestion {
  readonly skip: true;
}

/**
 * What a running command asks the hub under `--timeout N%` or `--memfree` (`ctx.hub.request`):
 * whether it may go on. Answered with a {@link ShellWatchAnswer}.
 */
export interface ShellWatchQuestion {
  readonly watch: true;
  /** The command's job. */
  readonly seq: number;
}

/**
 * What a task whose commands print live (`--line-buffer`, `-u`) asks the hub (`ctx.hub.request`)
 * each {@link LIVE_ROOM_BYTES} of their output: whether the hub is behind printing it (its
 * stdout or stderr holds more than the bound a slow reader may leave waiting). Answered with a
 * {@link ShellRoomAnswer}.
 */
export interface ShellRoomQuestion {
  readonly room: true;
}

/** The hub's answer to a {@link ShellRoomQuestion}. */
export interface ShellRoomAnswer {
  /** The hub is behind: the task's commands' output is held unread (they block writing) until an answer without it. */
  readonly behind?: boolean;
}

/** Live output a task sends between two {@link ShellRoomQuestion}s. */
export const LIVE_ROOM_BYTES = 1 << 20;

/** While the hub is behind, how often a task asks again whether it has caught up (ms). */
export const ROOM_ASK_MS = 50;

/** The hub's answer to a {@link ShellWatchQuestion}. */
export interface ShellWatchAnswer {
  /** `--timeout N%`: how long, in ms, a command may run now; absent while there is no limit (no job has succeeded yet). */
  readonly limitMs?: number;
  /** `--memfree`, `--limit`: the machine is short of memory, or `--limit` said "way over", and this command is the one to kill. */
  readonly lowMemory?: boolean;
  /** `--memsuspend`: the machine is short of memory and this command is to be stopped (SIGSTOP) until an answer without it. */
  readonly suspend?: boolean;
}

/**
 * Under `--timeout N%` or `--memfree`, how long at most a running command goes without asking
 * the hub (ms): the limit moves with the median, and may fall below what it has run; memory may
 * run short. A command that ends sooner never asks; one past the last limit heard asks at once.
 */
export const WATCH_ASK_MS = 100;

/** The limit this thread's spokes last heard from the hub (`--timeout N%`), in ms; undefined: none yet. */
let lastLimitMs: number | undefined;

/**
 * `--timeout N%`, `--memfree`, `--limit`, `--memsuspend` for one command: from its start, asks the
 * hub whether it may go on — when it has run the last limit heard, and at least every
 * {@link WATCH_ASK_MS} — and aborts the command (its tree killed, as at a timeout) once an answer
 * says it has run past its limit, or is the one to kill for memory; stops its tree while answers
 * say `suspend`, and continues it at the first that does not.
 */
class HubWatch {
  readonly #controller = new AbortController();
  /** What runCoprocess is given: aborted by the invocation (Ctrl-C, `--halt now`) or by the hub's word. */
  readonly signal: AbortSignal;
  /** The limit the command had run past when it was killed, in ms. */
  killedAtMs: number | undefined;
  /** Killed because the machine was short of memory. */
  killedForMemory = false;
  /** `--memsuspend`: what stops and continues the command's tree, as the hub's answers say. */
  readonly pause = new CoprocessPause();
  #startTime = 0;
  #timer: NodeJS.Timeout | undefined;
  #over = false;

  constructor(
    readonly hub: EvaluationContext['hub'],
    readonly seq: number,
    invocation: AbortSignal,
  ) {
    this.signal = AbortSignal.any([invocation, this.#controller.signal]);
  }

  /** runCoprocess's `onStart`. */
  readonly started = (startTime: number): void => {
    this.#startTime = startTime;
    this.#schedule();
  };

  #schedule(): void {
    if (this.#over) return;
    const ran = Date.now() - this.#startTime;
    const wait = lastLimitMs === undefined ? WATCH_ASK_MS : Math.min(WATCH_ASK_MS, Math.max(0, lastLimitMs - ran));
    this.#timer = setTimeout(() => void this.#check(), wait);
  }

  async #check(): Promise<void> {
    let answer: ShellWatchAnswer | null;
    try {
      answer = (await this.hub.request(wire({ watch: true, seq: this.seq } satisfies ShellWatchQuestion))) as ShellWatchAnswer | null;
    } catch {
      // The spoke is stopping, or the invocation is over: whatever stops it stops the command.
      return;
    }
    if (this.#over) return;
    const limit = typeof answer?.limitMs === 'number' && answer.limitMs > 0 ? answer.limitMs : undefined;
    lastLimitMs = limit;
    if (answer?.lowMemory === true) {
      this.killedForMemory = true;
      this.#controller.abort();
      return;
    }
    if (answer?.suspend === true) this.pause.suspend();
    else this.pause.resume();
    if (limit !== undefined && Date.now() - this.#startTime > limit) {
      this.killedAtMs = limit;
      this.#controller.abort();
      return;
    }
    this.#schedule();
  }

  /** The command is over: no more questions. */
  end(): void {
    this.#over = true;
    clearTimeout(this.#timer);
  }
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

/** The result of a command that did not run: stopped before it started (`aborted`), or refused (`error`). */
function notRun(startMs: number, aborted: boolean, error?: string): ShellResult {
  return { exitCode: null, signal: null, timedOut: false, startMs, durationMs: 0, stdout: '', stderr: '', stdoutBytes: 0, stderrBytes: 0, truncated: false, aborted, ...(error !== undefined ? { error } : {}) };
}

/** Runs one command in the spoke's lane (`slot` fills the job slot marks of its files); a command that fails is data, never an exception. */
async function runOne(command: string, c: ShellCommand, task: ShellTask, lane: CoprocessLane, signal: AbortSignal, slot: (text: string) => string, live?: LiveLines, watch?: HubWatch, onStart?: (startTime: number) => void): Promise<ShellResult> {
  const { cwd, files } = c;
  if (cwd !== undefined) {
    try {
      // Not mkdirSync's recursion: it spins forever under /proc or through a dangling link.
      makeDirectories(cwd);
    } catch (error) {
      return notRun(Date.now(), false, `cannot make its working directory \`${cwd}\` (--wd): ${(error as Error).message}`);
    }
  }
  if (files !== undefined) {
    const written = writeFiles(files, slot);
    if (typeof written === 'string') return notRun(Date.now(), false, written);
    try {
      return await runStarted(command, c, task, lane, signal, live, watch, onStart);
    } finally {
      if (task.removeFiles === true) for (const path of written) rmSync(path, { force: true });
    }
  }
  return runStarted(command, c, task, lane, signal, live, watch, onStart);
}

/**
 * `--template`: `files` written, their texts' job slot marks filled by `slot`; the paths written,
 * or why one could not be (the ones before it are removed again).
 */
function writeFiles(files: NonNullable<ShellCommand['files']>, slot: (text: string) => string): string[] | string {
  const written: string[] = [];
  for (const file of files) {
    const path = slot(file.path);
    try {
      writeFileSync(path, slot(file.content));
    } catch (error) {
      for (const done of written) rmSync(done, { force: true });
      return `cannot write its --template file \`${path}\`: ${(error as Error).message}`;
    }
    written.push(path);
  }
  return written;
}

/** `text` shell-quoted `times` times (`--shellquote`), a blank one too (`''`). */
function quotedTimes(text: string, times: number): string {
  let quoted = text;
  for (let n = 0; n < times; n++) quoted = shellQuote(quoted);
  return quoted;
}

/** {@link runOne} once its directory is made and its files written. */
async function runStarted(command: string, c: ShellCommand, task: ShellTask, lane: CoprocessLane, signal: AbortSignal, live?: LiveLines, watch?: HubWatch, onStart?: (startTime: number) => void): Promise<ShellResult> {
  const { input, cwd, env, inputFile } = c;
  // An empty (or blank) input line is a job that does nothing and succeeds (as in GNU
  // parallel); runCoprocess wants a command with something in it, and `:` is the shell's own
  // no-op. (A line of spaces failed with runCoprocess's "non-empty string" until 2026-11-22.)
  const line = command.trim() === '' ? ':' : command;
  try {
    const shell = task.shell ?? DEFAULT_SHELL;
    // `/bin/sh -c line` is runCoprocess's own `command`; any other shell, or --nice, is an argv.
    const plain = task.nice === undefined && shell === DEFAULT_SHELL;
    const r = await runCoprocess({
      command: plain ? line : undefined,
      // --nice: `nice` execs the shell (the same process, at that niceness).
      argv: plain ? undefined : [...(task.nice === undefined ? [] : ['nice', '-n', String(task.nice)]), shell, '-c', line],
      ...(task.timeoutMs > 0 ? { timeoutMs: task.timeoutMs } : {}),
      ...(task.killSequence !== undefined ? { killSequence: task.killSequence } : {}),
      // --line-buffer: shown as it comes (to the hub), none of it kept.
      maxOutputBytes: live === undefined ? task.maxOutputBytes : 0,
      spillDir: live === undefined ? task.spillDir : undefined,
      onOutput: live?.take,
      ...(live?.hold !== undefined ? { outputHold: live.hold } : {}),
      onStart: onStart === undefined ? watch?.started : watch === undefined ? onStart : (startTime: number): void => (onStart(startTime), watch.started(startTime)),
      env: env === undefined ? COMMAND_ENV : { ...COMMAND_ENV, ...env },
      cwd,
      input,
      ...(inputFile !== undefined ? { inputFile } : {}),
      ...(task.terminal === true ? { terminal: true, ...(writesItself(task) ? { inheritOutput: true } : {}) } : {}),
      signal: watch?.signal ?? signal,
      ...(watch !== undefined ? { pause: watch.pause } : {}),
      lane,
    });
    // Killed on the hub's word: for running past its limit (`--timeout N%`; timed out, as past a
    // fixed one), or for memory (`--memfree`).
    const byHub = watch !== undefined && r.aborted && !signal.aborted && (watch.killedAtMs !== undefined || watch.killedForMemory);
    // Stopped with the invocation (`--halt now`, an interrupt): its unfinished last line is
    // dropped, as GNU parallel drops it (printed, it ran into the next command's: `b1b2`). A
    // command that timed out, or that the hub killed, is printed whole.
    if (r.aborted && !byHub) live?.drop();
    else live?.end();
    watch?.end();
    const limitMs = byHub ? watch.killedAtMs : undefined;
    const lowMemory = byHub && watch.killedForMemory;
    // Given back unrun (see GIVE_BACK_MS). (Not a spread into the literal below: that costs
    // every command several µs.)
    if (r.withdrawn) return { ...notRun(r.startTime, false), returned: true };
    const result: ShellResult = {
      exitCode: r.exitCode,
      signal: r.signal,
      timedOut: r.timedOut || limitMs !== undefined,
      startMs: r.startTime,
      durationMs: r.durationMs,
      stdout: r.stdout,
      stderr: r.stderr,
      stdoutFile: r.spilled.stdout,
      stderrFile: r.spilled.stderr,
      stdoutBytes: r.outputBytes.stdout,
      stderrBytes: r.outputBytes.stderr,
      // Shown live, not kept (--line-buffer): nothing was lost.
      truncated: live === undefined && (r.truncated.stdout || r.truncated.stderr),
      aborted: r.aborted && !byHub,
      killed: r.killed,
    };
    if (lowMemory) return { ...result, lowMemory };
    return limitMs === undefined ? result : { ...result, limitMs };
  } catch (error) {
    watch?.end();
    // Refused options (none the hub sends today): this command fails, its batch's others run.
    return notRun(Date.now(), false, (error as Error).message);
  }
}

/**
 * One command's output cut into whole lines for the hub (`--line-buffer`): `take` gets the pieces
 * as they are read, `end` sends each stream's last line (one without a newline) once it has ended.
 */
class LiveLines {
  /** `--latest-line`: text (its rows are drawn as text); else bytes, passed on as they are. */
  readonly #decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  #rest = { stdout: '', stderr: '' };
  #restBytes: { stdout: Buffer; stderr: Buffer } = { stdout: EMPTY, stderr: EMPTY };

  constructor(
    readonly seq: number,
    readonly send: (piece: LiveOutput) => void,
    /** `-u`: pieces as they come, not whole lines. */
    readonly raw = false,
    /** `--latest-line`: a line ends at `\r` too; pieces are decoded text. */
    readonly returnEnds = false,
    /** Holds the command's output unread while the hub is behind printing (see {@link ShellRoomQuestion}). */
    readonly hold?: CoprocessOutputHold,
  ) {}

  readonly take = (stream: 'stdout' | 'stderr', chunk: Buffer): void => {
    if (this.returnEnds) {
      this.#takeText(stream, chunk);
      return;
    }
    if (this.raw) {
      if (chunk.length > 0) this.send({ seq: this.seq, stream, data: chunk });
      return;
    }
    // Whole lines: a `\n` byte is never part of another UTF-8 character, so the cut is the text's.
    const rest = this.#restBytes[stream];
    const data = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    const cut = data.lastIndexOf(0x0a) + 1;
    if (cut > 0) this.send({ seq: this.seq, stream, data: data.subarray(0, cut) });
    let left = data.subarray(cut);
    if (left.length > LIVE_LINE_MAX) {
      // A line this long is sent as it stands (its bytes: a character cut here is whole once printed).
      this.send({ seq: this.seq, stream, data: left });
      left = EMPTY;
    }
    this.#restBytes[stream] = left;
  };

  #takeText(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const text = this.#rest[stream] + this.#decoders[stream].write(chunk);
    const cut = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r')) + 1;
    if (cut > 0) this.send({ seq: this.seq, stream, data: text.slice(0, cut) });
    let rest = text.slice(cut);
    if (rest.length > LIVE_LINE_MAX) {
      // A line this long is sent as it stands (not split inside a surrogate pair).
      const at = /[\uD800-\uDBFF]$/.test(rest) ? rest.length - 1 : rest.length;
      this.send({ seq: this.seq, stream, data: rest.slice(0, at) });
      rest = rest.slice(at);
    }
    this.#rest[stream] = rest;
  }

  /** The command was killed by the invocation: what it left of a line is not sent. */
  drop(): void {
    this.#rest = { stdout: '', stderr: '' };
    this.#restBytes = { stdout: EMPTY, stderr: EMPTY };
  }

  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.returnEnds) {
        const text = this.#rest[stream] + this.#decoders[stream].end();
        this.#rest[stream] = '';
        if (text !== '') this.send({ seq: this.seq, stream, data: text });
      } else {
        const left = this.#restBytes[stream];
        this.#restBytes[stream] = EMPTY;
        if (left.length > 0) this.send({ seq: this.seq, stream, data: left });
      }
    }
  }
}

/** No bytes. */
const EMPTY = Buffer.alloc(0);

/** Set by {@link stopCommandsInThisThread}: this thread's spokes start no command any more. */
let stopping = false;

/**
 * Stops every command of the spokes in this thread (inproc spokes, in the hub's thread): the
 * running ones are killed (their trees: by `--termseq`, else SIGTERM and SIGKILL after the grace), those waiting in a
 * lane never start, and a task begun after this starts none. Each task still concludes with a
 * result per command (`aborted` for those stopped): a batch's commands that finished before are
 * reported as finished. Resolves once the killed ones are gone. (Every coprocess of this thread
 * is killed: spm-shell's hub runs none of its own.)
 */
export function stopCommandsInThisThread(): Promise<number> {
  stopping = true;
  // Each run by its own kill sequence (killAllCoprocesses' default).
  return killAllCoprocesses();
}

/** Set by {@link windDownInThisThread}: this thread's spokes start no held command any more. */
let windingDown = false;

/**
 * SIGHUP's wind-down on the spokes in this thread (inproc spokes): the running commands go on,
 * those waiting in a lane behind them are withdrawn and a task begun after this starts none —
 * all given back to the hub unrun (`returned`), which runs them no more.
 */
export function windDownInThisThread(): void {
  windingDown = true;
  for (const lane of lanes.values()) withdrawWaiting(lane);
}

/** Undoes {@link stopCommandsInThisThread} and {@link windDownInThisThread} for the next run of spm-shell in this process (a caller's second `runShell`). */
export function resumeCommandsInThisThread(): void {
  stopping = false;
  windingDown = false;
}

/** The result of a command that was never started because spm-shell is stopping. */
const NOT_STARTED: ShellResult = Object.freeze(notRun(0, true));

/** The result of a command a run-again task skips: the hub has it already (concluded, or given back). */
const SKIPPED: ShellResult = Object.freeze({ ...notRun(0, false), returned: true });

/**
 * Runs a task's shell commands on a spoke, through `@spm/coprocess` (own process group, whole
 * tree killed on timeout, on abort, or when the spoke dies), one after another in the spoke's
 * lane: all are handed to its fork server at once, which starts each the moment the one before
 * it exits. Resolves with one result per command, in order. `ctx.signal` is aborted when the
 * invocation is (Ctrl-C, `--halt now`): the running command's tree is killed, the waiting ones
 * never start. Commands still waiting {@link GIVE_BACK_MS} after the task began are given back
 * (the hub is told at once, with the results of those that finished: {@link ShellNews}).
 */
export const shellCommand = list.define<ShellTask, readonly ShellResult[]>({
  signature: 'spm-shell:command',
  module: import.meta.url,
  pipelined: true,
  evaluate: async (task, ctx) => {
    // Run again after its spoke was lost: the hub may have concluded some of its commands, or
    // given them to another spoke, while the first run went on. Those are not run twice.
    const skip = ctx.attempt > 1 ? new Set(await askSkips(ctx.hub)) : undefined;
    // Checked after the question (a first run asks none, so nothing comes in between).
    if (stopping) return task.commands.map(() => NOT_STARTED);
    if (windingDown) return task.commands.map(() => SKIPPED);
    // `{%}`: this spoke is job slot N of the -j (spoke local:N), as GNU parallel numbers them.
    const slot = slotOf(ctx.spokeId);
    const lane = laneOf(ctx.spokeId);
    const results: (ShellResult | undefined)[] = new Array<ShellResult | undefined>(task.commands.length);
    // Indexes already told to the hub (a ShellNews); whether a telling is scheduled; whether a
    // command was given back; and whether the evaluation is over (a task may talk to the hub only
    // while it evaluates).
    const told = new Set<number>();
    let telling = false;
    let gaveBack = false;
    let over = false;
    // --line-buffer: output pieces not sent yet, sent together on the next turn (or at once past
    // LIVE_SEND_UNITS), and always before any other word of this task: the hub prints a
    // command's lines before it hears that the command ended.
    // -t: the commands that started since, sent the same way (before their output).
    const pending: LiveOutput[] = [];
    const starts: { seq: number; command: string }[] = [];
    let pendingUnits = 0;
    let sending = false;
    const sendOutput = (): void => {
      sending = false;
      if ((pending.length === 0 && starts.length === 0) || over) return;
      const output = pending.splice(0);
      const started = starts.splice(0);
      pendingUnits = 0;
      try {
        ctx.hub.notify(wire({ returned: [], finished: [], ...(output.length > 0 ? { output } : {}), ...(started.length > 0 ? { started } : {}) } satisfies ShellNews));
      } catch {
        // The spoke is stopping: what the commands printed since is lost with it.
      }
    };
    const sendSoon = (): void => {
      if (pendingUnits >= LIVE_SEND_UNITS) sendOutput();
      else if (!sending) {
        sending = true;
        setImmediate(sendOutput);
      }
    };
    // --line-buffer, -u: whether the hub is behind printing (a reader slower than the commands)
    // is asked every LIVE_ROOM_BYTES of their output; while it is, this task's commands' output is
    // held unread — they block writing, as GNU parallel's do — and the question is asked again
    // every ROOM_ASK_MS. (Without it, a `yes` to a paused pager filled the hub's memory.) At most
    // 2 × LIVE_ROOM_BYTES go unanswered: a task's output waiting in a busy hub's channel is bounded.
    const liveHold = task.lineBuffer === true && !writesItself(task) ? new CoprocessOutputHold() : undefined;
    let liveSinceAsked = 0;
    let askingRoom = false;
    const askRoom = async (hold: CoprocessOutputHold): Promise<void> => {
      askingRoom = true;
      try {
        for (;;) {
          // Behind what was sent so far: its answer, given in order, says the hub has handled it.
          sendOutput();
          let answer: ShellRoomAnswer | null;
          try {
            answer = (await ctx.hub.request(wire({ room: true } satisfies ShellRoomQuestion))) as ShellRoomAnswer | null;
          } catch {
            // The spoke is stopping, or the invocation is over: its commands are killed, their output read to the end.
            return;
          }
          if (over) return;
          if (answer?.behind !== true) {
            hold.release();
            return;
          }
          hold.hold();
          await new Promise((resolve) => setTimeout(resolve, ROOM_ASK_MS));
          if (over) return;
        }
      } finally {
        askingRoom = false;
      }
    };
    const queueOutput = (piece: LiveOutput): void => {
      pending.push(piece);
      pendingUnits += piece.data.length;
      sendSoon();
      if (liveHold === undefined) return;
      liveSinceAsked += piece.data.length;
      if (liveSinceAsked < LIVE_ROOM_BYTES) return;
      if (askingRoom) {
        // Another LIVE_ROOM_BYTES since the question still unanswered: none more until its answer.
        // What a busy hub has not handled yet waits in its channel, where its stdout's count does
        // not see it: without this, commands on thread and process spokes flooded it (-j8: 800 MB
        // read in 2 s, 1.5 GB of RSS) and its signal handlers ran seconds late.
        liveHold.hold();
        return;
      }
      liveSinceAsked = 0;
      void askRoom(liveHold);
    };
    const tell = (): void => {
      telling = false;
      if (over) return;
      sendOutput();
      const returned: number[] = [];
      const finished: { seq: number; result: ShellResult }[] = [];
      results.forEach((result, i) => {
        if (result === undefined || told.has(i) || result === SKIPPED) return;
        told.add(i);
        const seq = (task.commands[i] as ShellCommand).seq;
        if (result.returned === true) returned.push(seq);
        else finished.push({ seq, result });
      });
      if (returned.length === 0 && finished.length === 0) return;
      try {
        ctx.hub.notify(wire({ returned, finished } satisfies ShellNews));
      } catch {
        // The spoke is stopping (relaunched, or the invocation aborted): the task's report, or
        // its loss, says what became of its commands.
      }
    };
    const scheduleTell = (): void => {
      if (telling) return;
      telling = true;
      // The runs withdrawn together settle in the same turn, mostly: one message for all.
      setImmediate(tell);
    };
    // Still running GIVE_BACK_MS after it began: a command of this task (or of one ahead of it)
    // runs long. The lane's waiting commands are given back — this task's and those of a task
    // held behind it — and what finished is reported now, not when the long command ends.
    const giveBack = setTimeout(() => {
      withdrawWaiting(lane);
      scheduleTell();
    }, GIVE_BACK_MS);
    try {
      // All handed to the fork server in one write.
      await Promise.all(
        batchStarts(() =>
          task.commands.map(async (c, i) => {
            if (skip?.has(c.seq) === true) {
              results[i] = SKIPPED;
            } else {
              const command = withSlot(c.command, slot, task.slotWidth);
              // (Output the command writes itself never comes here.)
              const live = task.lineBuffer === true && !writesItself(task) ? new LiveLines(c.seq, queueOutput, task.ungroup === true, task.returnEndsLine === true, liveHold) : undefined;
              const watch = task.watchedByHub === true ? new HubWatch(ctx.hub, c.seq, ctx.signal) : undefined;
              const onStart =
                task.showStarts === true
                  ? (): void => {
                      starts.push({ seq: c.seq, command });
                      sendSoon();
                    }
                  : undefined;
              // GNU parallel's variables (the commands -X makes leave room for them: see maxCommandBytes).
              const vars = jobVariables(c.seq, slot, task.pid, task.slotVariable);
              // --shellquote: the command printed, quoted, instead (GNU parallel's `perl -e print`).
              const shown = task.shellQuote === undefined ? command : `printf '%s\\n' ${shellQuote(quotedTimes(command, task.shellQuote))}`;
              const run = c.stdinFrom === undefined ? vars + shown : `${vars}exec <${shellQuote(c.stdinFrom)};${shown}`;
              const r = await runOne(run, c, task, lane, ctx.signal, (text) => withSlot(text, slot, task.slotWidth), live, watch, onStart);
              results[i] = command !== c.command ? { ...r, command } : r;
              if (r.returned === true) {
                gaveBack = true;
                scheduleTell();
              }
            }
          }),
        ),
      );
      // A task that told news tells the rest now: its report may wait behind a long task ahead of
      // it on this spoke (a pipelined spoke reports in order), and what it gave back must run now.
      if (gaveBack || told.size > 0) tell();
    } finally {
      sendOutput();
      over = true;
      clearTimeout(giveBack);
    }
    return results as ShellResult[];
  },
});

/** A message to the hub as the wire types it (plain data: results are strings, numbers and booleans). */
function wire(body: ShellNews | ShellSkipQuestion | ShellWatchQuestion | ShellRoomQuestion): Parameters<EvaluationContext['hub']['notify']>[0] {
  return body as unknown as Parameters<EvaluationContext['hub']['notify']>[0];
}

/** The seqs a run-again task must not run (see {@link ShellSkipQuestion}). */
async function askSkips(hub: EvaluationContext['hub']): Promise<readonly number[]> {
  const answer = await hub.request(wire({ skip: true } satisfies ShellSkipQuestion));
  return Array.isArray(answer) ? answer.filter((seq): seq is number => typeof seq === 'number') : [];
}
