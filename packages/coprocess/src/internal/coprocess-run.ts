import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createReadStream, fstatSync, openSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { SPMError, messageOfThrown } from '@spm/exceptions';
import type { KillStep, ResolvedCoprocessOptions } from '../coprocess-options.js';
import type { CoprocessResult } from '../coprocess-result.js';
import { unwatchAbort, watchAbort } from './abort-watch.js';
import { COOKIE_VARIABLE, OWNER_VARIABLE, appendCookie, newCookie } from './cookie.js';
import type { ForkServer } from './fork-server.js';
import { pickLauncher, type Launcher } from './launcher.js';
import { lifeline } from './lifeline.js';
import { addLive, live, type LiveCoprocess } from './live-coprocesses.js';
import { completeUtf8Length, OutputCapture } from './output-capture.js';
import { ignoresSignal } from './process-table.js';
import { ProcessTree } from './process-tree.js';

/** Now on CLOCK_MONOTONIC in ms: the clock the fork server stamps a run's start and reap with. */
function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** What `terminal` gives a program as its stdin: this process's controlling terminal. */
const TERMINAL_PATH = '/dev/tty';

/** What a stream with no output reads as: an {@link OutputCapture} never given a byte. */
const NO_OUTPUT: Pick<OutputCapture, 'text' | 'truncated' | 'spilled' | 'bytes'> = Object.freeze({ text: () => '', truncated: false, spilled: undefined, bytes: 0 });

/** A kill with no grace: SIGKILL, re-sent until the tree is gone. */
const KILL_AT_ONCE: readonly KillStep[] = [{ signal: 'SIGKILL', waitMs: 0 }];

/**
 * Once the tree is gone, how long to wait for stdout/stderr to reach end-of-file before closing
 * them ourselves: only a process that escaped every sweep (cleared its environment *and* left
 * the group) can still hold them, and the result must not wait for it.
 */
const EOF_WAIT_MS = 200;

/** What the fork server's errno codes mean, in the words `spawn` uses. */
/** True when `path` is a directory now (false when it is missing or cannot be read). */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  ENOEXEC: 'exec format error',
  ENOTDIR: 'not a directory',
  E2BIG: 'argument list too long',
  ENOMEM: 'out of memory',
  EAGAIN: 'resource temporarily unavailable',
  EMFILE: 'too many open files',
  ENXIO: 'no such device or address',
  ENFILE: 'too many open files in the system',
  EISDIR: 'is a directory',
  EINVAL: 'invalid argument',
};

/**
 * How long a fork server may stay silent once a run's tree has been killed (or, not started yet,
 * once it was told to kill it, plus the grace period) without having reported the run's end:
 * past that it is taken for wedged — stopped (SIGSTOP), stuck in the kernel — and killed, and the
 * run ends as with a lost server. Without it, a run's own timeout could not end a run whose
 * server never reports. Silent means silent: a server still sending frames (its word of the run
 * queued behind megabytes of its other runs' output) is slow, not wedged, and is waited for.
 */
const SERVER_SILENT_MS = 1000;

/**
 * For a run on a fork server, which enforces its timeout itself (SIGTERM to the group at the limit,
 * on its own clock, then `L`): how long past the limit this thread waits for that word before
 * killing the tree itself (the server may be stopped or wedged). So the group gets one SIGTERM,
 * the server's, not a second one from here.
 */
const SERVER_LIMIT_SLACK_MS = 250;

/**
 * After a server died before saying a run started: when to look again for its program (see
 * #serverLost) — 2.4 s in all. The program, orphaned between its spawn and its exec, may not run
 * for a while on a loaded machine: with looks over 0.25 s, a clean-clone CI run (2 cores, every
 * project's specs at once) once found its `sleep` alive afterwards (session 35).
 */
const LATE_EXEC_LOOKS_MS = [20, 80, 150, 300, 600, 1200];

function closed(stream: Readable | null): Promise<void> {
  if (stream === null || stream.destroyed || stream.readableEnded) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

/** This thread's working directory; `undefined` (the fork server's own) when it cannot be read (deleted). */
function currentDirectory(): string | undefined {
  try {
    return process.cwd();
  } catch {
    return undefined;
  }
}

function errnoCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : 'EUNKNOWN';
}

/**
 * One run of one program, from spawn to a result: captures output, enforces the timeout and
 * the abort signal, kills the whole tree (leader, group, escapees), and settles only when
 * nothing of it is left alive. The program is started by this thread's fork server or, when
 * there is none (or the run has more `input` than a server takes), by Node's `spawn`; see {@link Launcher}.
 */
export class CoprocessRun implements LiveCoprocess {
  /** Settles once with the result; rejects only if the program could not even be handed to `spawn`. */
  readonly result: Promise<CoprocessResult>;
  readonly #options: ResolvedCoprocessOptions;
  /** Each made with the run's first output (most runs of short commands have none: see {@link NO_OUTPUT}). */
  #stdout: OutputCapture | undefined;
  #stderr: OutputCapture | undefined;
  #both: OutputCapture | undefined;
  /**
   * Each stream's last, incomplete UTF-8 sequence, held back from {@link #both} until the rest
   * of it comes: the two streams' chunks interleave there, and a character whose bytes the other
   * stream's chunk came between became U+FFFD.
   */
  readonly #bothTail: { stdout: Buffer | undefined; stderr: Buffer | undefined } = { stdout: undefined, stderr: undefined };
  /** Set once `onOutput` threw: said once. */
  #outputCallbackFailed = false;
  #resolve!: (result: CoprocessResult) => void;
  #reject!: (error: unknown) => void;
  #child: ChildProcess | undefined;
  /** The fork server carrying this run, and the run's id there. */
  #server: { readonly server: ForkServer; readonly id: number } | undefined;
  /** Resolves when the server says both pipes are closed. */
  #pipesClosed: (() => void) | undefined;
  /** A kill asked for before the server said the program started. */
  #pendingKill: NodeJS.Signals | undefined;
  #pid: number | undefined;
  /** `performance.now()` when the pid was learned: the leader existed then (see ProcessTree's `knownSince`). */
  #pidKnownAt = 0;
  /** This run's mark in its programs' environment (see cookie.ts). */
  readonly #cookie = newCookie();
  #tree: ProcessTree | undefined;
  /** Set while the run follows its `pause` (from its start to its settling). */
  #unfollowPause: (() => void) | undefined;
  /** Set while the run follows its `outputHold` (from its start to its leader's end, a kill or its settling). */
  #unfollowHold: (() => void) | undefined;
  /** Its output is held unread now (see {@link #holdOutput}). */
  #outputHeld = false;
  /** It follows its `outputHold` no more (see {@link #stopHolding}). */
  #holdOver = false;
  #startedAt = performance.now();
  /** The same moment on the epoch clock, for the result's `startTime`. */
  #startTime = Date.now();
  #exitedAt: number | undefined;
  #exit: { code: number | null; signal: string | null } | undefined;
  #timedOut = false;
  /** The fork server signalled the group at the run's limit (SIGTERM): the sweep spares it a second one. */
  #limitedByServer = false;
  /** The server was told to drop the run's limit (this thread kills the run itself). */
  #unlimited = false;
  /** Its server (ForkServer.terminated) or watchdog (lifeline.terminated) was told this thread sent the tree SIGTERM (see #signalled). */
  #toldTerminated = false;
  #aborted = false;
  /** {@link withdraw} was asked while it waited for its turn (cleared if it started all the same). */
  #withdrawn = false;
  #terminating: Promise<boolean> | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Armed by a kill of a run on a fork server: see {@link SERVER_SILENT_MS}. */
  #serverWatch: NodeJS.Timeout | undefined;
  #onAbort: (() => void) | undefined;
  #settled = false;
  /** Waiting for its turn in a lane (on the fork server, or here): not started yet. */
  #waiting = false;
  /** Its start and its leader's reap on the fork server's monotonic clock, in ms. */
  #startMono: number | undefined;
  #exitMono: number | undefined;
  /**
   * When this thread sent the tree its first kill signal (CLOCK_MONOTONIC, ms: the fork server's
   * clock), or `true` once the server said it signalled the group at the run's limit.
   */
  #killedAt: number | true | undefined;
  /**
   * When this thread's kill sequence first sent the tree a signal (the fork server's clock), one
   * the leader ignored included: a leader that then dies of a signal was killed by the sequence —
   * the SIGKILL at the grace, which the fork server (told of the sequence) may land before ours.
   */
  #signalledAt: number | undefined;
  /** The lane's run before this one, while this one may yet end without having run. */
  #ahead: CoprocessRun | undefined;
  /** Set once the leader has exited, or the run has settled without one (see {@link #leaderGone}). */
  #leaderIsGone = false;
  /** Once the leader is gone: what its turn still waits for (the turn of the run ahead, when this one never ran). */
  #turnAfter: Promise<void> | undefined;
  /** {@link turnDone}, made when first asked for (most runs' never is: only a lane's run queued in this thread waits for it). */
  #turnDone: Promise<void> | undefined;
  #turnResolve: ((after: Promise<void> | undefined) => void) | undefined;

  /** `ahead`: the lane's run before this one, if it runs in a lane. */
  constructor(options: ResolvedCoprocessOptions, launcher: Launcher, ahead?: CoprocessRun) {
    this.#options = options;
    this.#ahead = ahead;
    this.result = new Promise<CoprocessResult>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    if (options.signal?.aborted === true) {
      this.#aborted = true;
      this.#settle(null);
      return;
    }
    if (launcher.kind === 'server') this.#startOnServer(launcher.server, launcher.after);
    else if (launcher.kind === 'queued') this.#startAfter(launcher.previous);
    else this.#startWithSpawn();
  }

  /**
   * A lane's run that waits here for the previous one's exit (no fork server carries both):
   * live (an abort or `killAllCoprocesses` ends it, unstarted), then started as any run.
   */
  #startAfter(previous: Promise<void>): void {
    this.#waiting = true;
    addLive(this);
    this.#watch();
    previous
      .then(() => (this.#settled ? undefined : pickLauncher(this.#options)))
      .then((launcher) => {
        if (launcher === undefined || this.#settled) return;
        this.#waiting = false;
        this.#stopWatching();
        if (launcher.kind === 'server') this.#startOnServer(launcher.server, undefined);
        else this.#startWithSpawn();
      })
      .catch((error: unknown) => {
        // No launcher after all (SPM_COPROCESS_LAUNCHER changed to a bad value, no fork server in
        // `fork-server` mode): the run rejects, as runCoprocess does for it up front.
        if (this.#settled) return;
        this.#settled = true;
        this.#leaderGone();
        this.#stopWatching();
        live.delete(this);
        this.#reject(error);
      });
  }

  /**
   * Resolves once this run's turn in its lane is over: its leader exited; or it ended without
   * running (aborted before its turn, dropped) and the runs ahead of it are over too.
   */
  get turnDone(): Promise<void> {
    if (this.#turnDone === undefined) {
      if (this.#leaderIsGone) this.#turnDone = this.#turnAfter ?? Promise.resolve();
      else this.#turnDone = new Promise<void>((resolve) => (this.#turnResolve = (after) => resolve(after)));
    }
    return this.#turnDone;
  }

  /** The leader has exited, or the run has settled without one: its turn is over, or ends with the turn of the run ahead. */
  #leaderGone(): void {
    if (this.#leaderIsGone) return;
    this.#leaderIsGone = true;
    const ahead = this.#ahead;
    if (!this.ran && ahead !== undefined) {
      this.#turnAfter = ahead.turnDone;
      // Once its turn is over nobody looks past it: a long lane of runs that never ran (programs
      // that cannot start) must not keep every earlier run, and its output, alive.
      void this.#turnAfter.then(() => (this.#ahead = undefined));
    } else {
      this.#ahead = undefined;
    }
    this.#turnResolve?.(this.#turnAfter);
    this.#turnResolve = undefined;
  }

  /** True once the leader has exited, or the run has settled without one. */
  get exited(): boolean {
    return this.#exit !== undefined || this.#settled;
  }

  /** True once the program was started (its pid is known). */
  get ran(): boolean {
    return this.#pid !== undefined;
  }

  /** The lane's run before this one, while this one has not run (for a lane's next run to look past it). */
  get ahead(): CoprocessRun | undefined {
    return this.#ahead;
  }

  /** The fork server carrying the run and its id there, while the leader has not exited (for a lane's next run). */
  get onServer(): { readonly server: ForkServer; readonly id: number } | undefined {
    return this.#exit === undefined && !this.#settled ? this.#server : undefined;
  }

  /**
   * The fast path: the fork server starts the program (its own session and group, stdin
   * `/dev/null`) and forwards its output and exit. When it reports the leader's exit as
   * *clean* — it had no child left at all — nothing of the tree is alive and no `/proc` scan is
   * needed; otherwise the tree is swept as after `spawn`.
   */
  #startOnServer(server: ForkServer, after: number | undefined): void {
    const options = this.#options;
    const base = options.env ?? process.env;
    this.#markStart();
    this.#waiting = after !== undefined;
    addLive(this);
    const id = server.run(
      {
        file: options.file,
        args: options.args,
        // This thread's working directory when none is given: a server started before a
        // process.chdir() still has the old one (process.cwd() is cached by Node: cheap).
        cwd: options.cwd ?? currentDirectory(),
        env: base,
        cookie: appendCookie(base[COOKIE_VARIABLE], this.#cookie),
        // The server enforces the timeout, from the program's start on its clock: it holds when
        // this thread is blocked past it (told `limited`, this thread kills what left the group).
        limitMs: options.timeoutMs,
        limitSignal: options.killSequence[0]?.signal ?? 'SIGTERM',
        graceMs: options.killGraceMs,
        input: typeof options.input === 'string' ? Buffer.from(options.input) : options.input,
        inputFile: options.inputFile,
      },
      {
        started: (pid, startTime, startMono) => {
          this.#pid = pid;
          this.#pidKnownAt = performance.now();
          this.#ahead = undefined;
          // Withdrawn as it started: it runs as if it never was.
          this.#withdrawn = false;
          // The server's clocks: right even if this thread was busy when it started the program.
          const elapsed = Math.max(0, Date.now() - startTime);
          this.#startTime = startTime;
          this.#startMono = startMono;
          this.#startedAt = performance.now() - elapsed;
          if (this.#waiting) {
            // It waited for its lane's previous run: its timeout counts from its start.
            this.#waiting = false;
            if (this.#pendingKill === undefined) this.#armTimeout(elapsed);
          } else if (this.#timer !== undefined && this.#pendingKill === undefined && !this.#timedOut) {
            // Counted from the server's start, as the server counts it (it may have read the
            // request late on a loaded machine): this thread's backstop stays behind the server.
            clearTimeout(this.#timer);
            this.#armTimeout(elapsed);
          }
          if (this.#pendingKill !== undefined) void this.#terminate(this.#pendingKill);
          this.#tellStarted();
        },
        failed: (code, what) => {
          this.#withdrawn = false;
          if (this.#waiting) {
            // Its turn came, and it could not start: no time of its own.
            this.#waiting = false;
            this.#markStart();
          }
          if (what === 'input') this.#inputFailed(code, ERRNO_TEXT[code] ?? 'cannot be opened');
          else this.#spawnFailed(code, ERRNO_TEXT[code] ?? 'cannot be started');
        },
        output: (stream, chunk) => this.#capture(stream, chunk),
        exited: (code, signal, clean, eof, exitMono) => {
          this.#exitMono = exitMono;
          void this.#serverLeaderExited(code, signal, clean, eof);
        },
        closed: () => this.#pipesClosed?.(),
        limited: () => {
          // The server sent SIGTERM to the group at the limit: the rest of the tree gets it from
          // here (the group not twice), then SIGKILL after the grace, as for any timeout. Said
          // even when this thread already knows of the leader's end (blocked, it reads both at
          // once): the sweep that follows, a microtask later, must spare the group too.
          if (this.#settled) return;
          this.#limitedByServer = true;
          this.#killedAt = true;
          if (this.#exit !== undefined || this.#terminating !== undefined) return;
          this.#timedOut = true;
          void this.#terminate('SIGTERM');
        },
        lost: (reason) => void this.#serverLost(reason),
        unstarted: () => this.#restartWithSpawn(),
        // Dropped while it waited (aborted, timed out or withdrawn before its turn): it never ran.
        cancelled: () => this.#settle(null),
      },
      after,
    );
    this.#server = { server, id };
    this.#watch();
  }

  /**
   * Withdraws the run if it is still waiting for its turn in its lane: waiting in this thread,
   * it settles at once; on a fork server, it is dropped there and settles when the server says it
   * never started — or, if the server had just started it, runs on as if never withdrawn. Either
   * way nothing is killed. Returns false (and does nothing) when the run is not waiting: started
   * or starting, settled, or being killed.
   */
  withdraw(): boolean {
    if (!this.#waiting || this.#settled || this.#pid !== undefined || this.#pendingKill !== undefined || this.#withdrawn) return false;
    this.#withdrawn = true;
    if (this.#server === undefined) this.#settle(null);
    else this.#server.server.drop(this.#server.id);
    return true;
  }

  #markStart(): void {
    this.#startedAt = performance.now();
    this.#startTime = Date.now();
  }

  /**
   * Its fork server started nothing (it could not run, or died before it said hello): the
   * program is started with spawn instead — unless the run was meanwhile aborted or timed out.
   */
  #restartWithSpawn(): void {
    this.#server = undefined;
    this.#waiting = false;
    this.#stopWatching();
    if (this.#settled) return;
    if (this.#pendingKill !== undefined || this.#withdrawn) {
      this.#settle(null);
      return;
    }
    this.#startWithSpawn();
  }

  /** Times out or aborts the run as asked (the timeout from its start, for a run that waits for its turn). */
  #watch(): void {
    const options = this.#options;
    if (!this.#waiting) this.#armTimeout();
    if (options.signal !== undefined) {
      const signal = options.signal;
      this.#onAbort = () => {
        this.#aborted = true;
        // Aborted, it is not timed out: a limit that passes during its grace says nothing more.
        if (this.#timer !== undefined) clearTimeout(this.#timer);
        void this.#terminate('SIGTERM');
      };
      watchAbort(signal, this.#onAbort);
    }
  }

  /** Arms the timeout, `elapsedMs` of it already gone (a run started while this thread was busy). */
  #armTimeout(elapsedMs = 0): void {
    const timeoutMs = this.#options.timeoutMs;
    if (timeoutMs === undefined) return;
    this.#timer = setTimeout(() => this.#timeoutPassed(), Math.max(0, timeoutMs - elapsedMs));
  }

  /**
   * This thread's timer ran out. On a fork server the limit is the server's to enforce (it holds
   * while this thread is blocked, and it says so: `limited`); this thread steps in only if the
   * server has said nothing {@link SERVER_LIMIT_SLACK_MS} later.
   */
  #timeoutPassed(): void {
    if (this.#limitedByServer) return;
    if (this.#server !== undefined && this.#exit === undefined) this.#timer = setTimeout(() => this.#serverSilentPastLimit(), SERVER_LIMIT_SLACK_MS);
    else this.#expire();
  }

  /**
   * Past the slack with no word from the server. If it still runs, its word is late (a backlog of
   * output ahead of it, or this thread was blocked as the limit came), not missing: the group had
   * its SIGTERM from the server. Only a stopped or dead server's group gets one from here.
   */
  #serverSilentPastLimit(): void {
    if (this.#limitedByServer || this.#exit !== undefined) return;
    if (this.#server?.server.running === true) this.#limitedByServer = true;
    this.#expire();
  }

  #expire(): void {
    this.#timedOut = true;
    void this.#terminate('SIGTERM');
  }

  #serverLeaderExited(code: number | null, signal: NodeJS.Signals | null, clean: boolean, eof: boolean): Promise<void> {
    this.#stopHolding();
    if (clean && eof) {
      // The common case, concluded now: nothing of the tree lives (no sweep) and both pipes are
      // at end-of-file (nothing to wait for) — no timer, no promise chain per run.
      this.#exitedAt = performance.now();
      this.#exit = { code, signal };
      this.#leaderGone();
      this.#stopWatching();
      this.#settle(null);
      return Promise.resolve();
    }
    const server = this.#server;
    return this.#concludeAfterLeader(
      { code, signal },
      // Clean: the server had no child left, so nothing of the tree lives (no sweep needed).
      !clean,
      eof ? Promise.resolve() : new Promise<void>((resolve) => (this.#pipesClosed = resolve)),
      () => {
        if (server === undefined) return;
        server.server.closePipes(server.id);
        server.server.release(server.id);
      },
    );
  }

  /**
   * The server died mid-run: kill what it started and report that. Never started again: the
   * server may have started the program without having said so yet, and a second run could
   * then run beside the first. Without a pid, the program is found by its cookie alone.
   */
  async #serverLost(reason: string): Promise<void> {
    if (this.#settled || this.#exit !== undefined) return;
    this.#stopWatching();
    const started = this.#pid !== undefined;
    // No pid: a tree with no group of its own (pgid -1 matches none) finds the cookie's carriers.
    this.#tree ??= started ? undefined : new ProcessTree(-1, this.#cookie, true);
    await this.#treeOf()?.terminate(KILL_AT_ONCE);
    if (!started) {
      // A program the server was starting as it died is between its fork and its exec for a
      // moment: its environment (the cookie) shows only once the exec is done. Look again.
      for (const ms of LATE_EXEC_LOOKS_MS) {
        await new Promise((resolve) => setTimeout(resolve, ms));
        this.#tree?.lookAfresh();
        await this.#treeOf()?.terminate(KILL_AT_ONCE);
      }
    }
    this.#capture('stderr', Buffer.from(`spm-coprocess: ${reason}; the program ${started ? 'was' : '(if it had started) was'} killed\n`));
    // Not known to have started: no time of its own.
    this.#exitedAt = started ? performance.now() : this.#startedAt;
    this.#exit = { code: null, signal: 'SIGKILL' };
    this.#leaderGone();
    this.#settle(null);
  }

  /** The tree, made when first needed (a timeout, an abort, an unclean exit). */
  #treeOf(): ProcessTree | undefined {
    if (this.#tree === undefined && this.#pid !== undefined) this.#tree = new ProcessTree(this.#pid, this.#cookie, this.#exit !== undefined, this.#pidKnownAt);
    return this.#tree;
  }

  #startWithSpawn(): void {
    const options = this.#options;
    const base = options.env ?? process.env;
    const env: NodeJS.ProcessEnv = { ...base, [COOKIE_VARIABLE]: appendCookie(base[COOKIE_VARIABLE], this.#cookie) };
    delete env[OWNER_VARIABLE]; // an environment copied before this thread's first coprocess
    this.#markStart();
    // Its input file, opened before the program starts (as the fork server does): one that
    // cannot be opened fails the run unstarted.
    let inputFd: number | undefined;
    if (options.inputFile !== undefined) {
      try {
        inputFd = openSync(options.inputFile.path, 'r');
        // A directory opens, and then cannot be read: refused as the fork server refuses it.
        if (fstatSync(inputFd).isDirectory()) {
          closeSync(inputFd);
          inputFd = undefined;
          throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
        }
      } catch (error) {
        const code = errnoCode(error);
        this.#inputFailed(code, ERRNO_TEXT[code] ?? (error as Error).message);
        return;
      }
    }
    // `terminal`: this process's controlling terminal as its stdin (the child gets its own copy).
    let terminalFd: number | undefined;
    if (options.terminal) {
      try {
        terminalFd = openSync(TERMINAL_PATH, 'r');
      } catch (error) {
        const code = errnoCode(error);
        const why = code === 'ENXIO' ? 'no such device or address: no controlling terminal' : (ERRNO_TEXT[code] ?? (error as Error).message);
        this.#notStarted(code, `cannot run \`${options.label}\`: the terminal \`${TERMINAL_PATH}\` cannot be opened for its stdin: ${code} (${why})`, 126);
        return;
      }
    }
    const piped = options.input !== undefined || inputFd !== undefined;
    const output = options.inheritOutput ? 'inherit' : 'pipe';
    let child: ChildProcess;
    try {
      // detached: the leader calls setsid(), so it leads a new process group (and session) that
      // can be killed as a whole, and a signal to our own group (Ctrl-C) does not reach it —
      // but for `terminal`, whose program must stay in the terminal's session and foreground group.
      child = spawn(options.file, [...options.args], {
        cwd: options.cwd,
        env,
        detached: !options.terminal,
        stdio: [terminalFd ?? (piped ? 'pipe' : 'ignore'), output, output],
      });
    } catch (error) {
      if (terminalFd !== undefined) closeSync(terminalFd);
      if (inputFd !== undefined) closeSync(inputFd);
      // Node throws some failures of the spawn itself at once (ENOTDIR for a cwd that is a file,
      // E2BIG): a program that cannot be started is a result (126), as from the fork server.
      const code = errnoCode(error);
      if (code !== 'EUNKNOWN' && /^E[A-Z0-9]+$/.test(code)) {
        this.#spawnFailed(code, ERRNO_TEXT[code] ?? 'cannot be started');
        return;
      }
      this.#settled = true;
      this.#leaderGone();
      this.#stopWatching();
      // (It was registered as live: killAllCoprocesses must not wait for it.)
      live.delete(this);
      this.#reject(new SPMError(`Could not start coprocess \`${options.label}\`: ${messageOfThrown(error)}`, { cause: error }));
      return;
    }
    if (terminalFd !== undefined) closeSync(terminalFd);
    this.#child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.#capture('stdout', chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.#capture('stderr', chunk));
    if (child.pid === undefined) {
      if (inputFd !== undefined) closeSync(inputFd);
      // Spawn failed (ENOENT, EACCES, a missing cwd): Node reports it with an 'error' event.
      child.once('error', (error) => this.#spawnFailed(errnoCode(error), error.message));
      return;
    }
    this.#pid = child.pid;
    this.#ahead = undefined;
    // A program that does not read its input, or exits early, makes our write fail with EPIPE:
    // that is the program's business, not an error of the run.
    child.stdin?.on('error', () => undefined);
    if (inputFd === undefined) {
      if (options.input !== undefined) child.stdin?.end(options.input);
    } else if (child.stdin !== null) {
      const stdin = child.stdin;
      if (options.input !== undefined) stdin.write(options.input);
      const { offset, length } = options.inputFile as NonNullable<typeof options.inputFile>;
      if (length === 0) {
        closeSync(inputFd);
        stdin.end();
      } else {
        // As the program reads it; a read that fails ends its input there (the file is closed).
        const end = length > Number.MAX_SAFE_INTEGER - offset ? Infinity : offset + length - 1;
        const range = createReadStream('', { fd: inputFd, start: offset, end, autoClose: true });
        range.on('error', () => stdin.end());
        // A program that exits (or closes its stdin) before the end: the rest is not read.
        stdin.once('close', () => range.destroy());
        range.pipe(stdin);
      }
    }
    // `terminal`: the leader is not a group's (see ProcessTree's `grouped`); the watchdog holds
    // no group for it, only sweeps its cookie should this process die.
    this.#tree = new ProcessTree(child.pid, this.#cookie, false, performance.now(), !options.terminal);
    addLive(this);
    if (options.terminal) lifeline.hold(options.killGraceMs);
    else lifeline.register(child.pid, options.killGraceMs);
    child.once('exit', (code, signal) => void this.#leaderExited(code, signal));
    this.#watch();
    this.#tellStarted();
  }

  /** Tells `onStart`, if given, that the program runs (a throw from it is said once, as `onOutput`'s); follows `pause` from now on. */
  #tellStarted(): void {
    this.#followPause();
    this.#followHold();
    const onStart = this.#options.onStart;
    if (onStart === undefined) return;
    try {
      onStart(this.#startTime);
    } catch (error) {
      process.emitWarning(`onStart of \`${this.#options.label}\` threw (${messageOfThrown(error)}); the run goes on`, { code: 'SPM_COPROCESS_ON_START' });
    }
  }

  /**
   * `pause`: the tree is stopped (SIGSTOP) while it is suspended — at once if it is now — and
   * continued (SIGCONT) when it is resumed, until the run settles.
   */
  #followPause(): void {
    const pause = this.#options.pause;
    if (pause === undefined || this.#unfollowPause !== undefined || this.#settled) return;
    const apply = (suspended: boolean): void => {
      if (this.#settled) return;
      this.#treeOf()?.signal(suspended ? 'SIGSTOP' : 'SIGCONT');
    };
    this.#unfollowPause = pause.follow(apply);
    if (pause.suspended) apply(true);
  }

  /** `outputHold`: the output is held unread while it is held — at once if it is now — until {@link #stopHolding}. */
  #followHold(): void {
    const hold = this.#options.outputHold;
    if (hold === undefined || this.#unfollowHold !== undefined || this.#holdOver || this.#settled) return;
    this.#unfollowHold = hold.follow((held) => this.#holdOutput(held));
    if (hold.held) this.#holdOutput(true);
  }

  /** Reads the output, or stops reading it: the fork server told, or the pipes paused here. */
  #holdOutput(held: boolean): void {
    if (this.#outputHeld === held || this.#settled) return;
    this.#outputHeld = held;
    if (this.#server !== undefined) {
      this.#server.server.holdOutput(this.#server.id, held);
      return;
    }
    for (const stream of [this.#child?.stdout, this.#child?.stderr]) {
      if (stream === null || stream === undefined) continue;
      if (held) stream.pause();
      else stream.resume();
    }
  }

  /**
   * The leader has exited or the tree is being killed: the output is read to its end from now
   * on, held or not — a hold never keeps a run from concluding.
   */
  #stopHolding(): void {
    if (this.#holdOver) return;
    this.#holdOver = true;
    this.#unfollowHold?.();
    this.#holdOutput(false);
  }

  /** Registry: kill the tree (`signal` first, SIGKILL after the grace period); resolves when concluded. */
  kill(signal: NodeJS.Signals): Promise<CoprocessResult> {
    if (this.#exit === undefined && !this.#settled) {
      this.#aborted = true;
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      // SIGKILL is asked for when there is no time for a grace period (a spoke being killed):
      // it lands at once (a microtask later: see #terminate) even if a SIGTERM → grace → SIGKILL
      // termination is already under way.
      if (signal === 'SIGKILL') {
        queueMicrotask(() => {
          const tree = this.#treeOf();
          if (tree === undefined) return;
          const before = monotonicMs();
          if (tree.signal('SIGKILL').length > 0) this.#killedAt ??= before;
        });
      }
      void this.#terminate(signal);
    }
    return this.result;
  }

  /** The AbortSignal this run was started with, if any (the registry kills by it). */
  get abortSignal(): AbortSignal | undefined {
    return this.#options.signal;
  }

  /**
   * Exit hook: one synchronous round of signals to the whole tree — unless something else
   * will give it exactly that once this process is gone: a run already terminating had its
   * SIGTERM (its helper, told, SIGKILLs it at the grace), and a run with a running fork server
   * or a live watchdog is swept by it on this process's end (a second SIGTERM from here reached
   * every command of a second Ctrl-C).
   */
  signalNow(signal: NodeJS.Signals): void {
    if (signal === 'SIGTERM' && (this.#terminating !== undefined || this.#toldTerminated)) return;
    // `running`: a stopped server sweeps nothing until it is continued.
    if (signal === 'SIGTERM' && this.#server !== undefined && this.#server.server.running) return;
    if (signal === 'SIGTERM' && this.#child?.pid !== undefined && lifeline.watches(this.#child.pid)) return;
    this.#treeOf()?.signal(signal);
  }

  #terminate(signal: NodeJS.Signals): Promise<boolean> {
    this.#stopHolding();
    // Killed from here (an abort, a kill, this thread's own timer) before the server's limit: the
    // server must not signal the group again at it (and, once the SIGTERM is out, is told of it:
    // see #signalled).
    if (this.#server !== undefined && this.#options.timeoutMs !== undefined && this.#exit === undefined && !this.#limitedByServer && !this.#unlimited) {
      this.#unlimited = true;
      this.#server.server.unlimit(this.#server.id);
    }
    const tree = this.#treeOf();
    if (tree === undefined && this.#waiting && this.#server === undefined) {
      // Waiting here for its turn: it never starts.
      this.#settle(null);
      return Promise.resolve(true);
    }
    if (tree === undefined) {
      // On the fork server, not started yet: kill it as soon as it is — with SIGKILL if that
      // was asked at any point (a stopping spoke after an abort's SIGTERM has no grace to give).
      if (this.#server !== undefined && this.#pid === undefined) {
        // Still waiting for its turn: dropped (the server answers `cancelled`, or `started` if
        // it had just begun, which this kill then meets).
        if (this.#waiting && this.#pendingKill === undefined) this.#server.server.drop(this.#server.id);
        if (this.#pendingKill === undefined || signal === 'SIGKILL') this.#pendingKill = signal;
        this.#watchServer(this.#options.killGraceMs + SERVER_SILENT_MS);
      }
      return Promise.resolve(true);
    }
    // A microtask later: when a lane's runs are killed together (one abort signal, or
    // killAllCoprocesses), the waiting ones are dropped (their `D` written) before the running
    // one's tree gets its signal, so that its exit cannot start them.
    this.#terminating ??= Promise.resolve()
      .then(() => {
        const steps = this.#stepsFor(signal);
        // Read before each signal goes out: a leader that exits at once, answering it, is reaped
        // after this time, never before (a time read after could come after the reap).
        let before = monotonicMs();
        return tree.terminate(steps, this.#limitedByServer && signal === 'SIGTERM', {
          sending: () => {
            before = monotonicMs();
          },
          sent: (sent, groups, first) => {
            // A signal the leader ignores (`trap '' TERM`) did not reach it: ending later with a
            // code of its own, it finished — unless a later step's signal reaches it.
            if (groups.length > 0) this.#signalledAt ??= before;
            if (groups.length > 0 && !this.#leaderIgnores(sent)) this.#killedAt ??= before;
            if (!first) return;
            // Stopped (`pause`): continued, so that it acts on the signal (a `trap … TERM` runs).
            if (this.#options.pause?.suspended === true) tree.signal('SIGCONT');
            this.#signalled(sent, groups);
          },
        });
      })
      .finally(() => this.#watchServer(SERVER_SILENT_MS));
    return this.#terminating;
  }

  /**
   * Whether the leader ignores `signal` (SIG_IGN, read from `/proc`; never SIGKILL). Read right
   * after the signal went out: an ignored signal changes nothing, and a leader it killed reads as
   * not ignoring it (a zombie keeps its dispositions; a reaped one cannot be read).
   */
  #leaderIgnores(signal: NodeJS.Signals): boolean {
    const signo = constants.signals[signal];
    return signal !== 'SIGKILL' && this.#pid !== undefined && signo !== undefined && ignoresSignal(this.#pid, signo);
  }

  /**
   * Whether a kill signal reached the leader alive: sent before the fork server reaped it (its
   * clock), or, without a server, before this thread saw its exit. A run whose exit was on its way
   * when an abort came was not killed, though `aborted` says the abort came first.
   */
  #wasKilled(): boolean {
    if (this.#pid === undefined) return false;
    const at = this.#killedAt;
    if (at === true) return true;
    const exitMono = this.#exitMono;
    if (at !== undefined && (exitMono === undefined || exitMono > at)) return true;
    // The leader died of a signal after this thread's kill sequence began, though no signal of
    // ours is known to have reached it alive: every one so far was ignored, and the sequence's
    // SIGKILL at the grace was landed by the fork server (told of the sequence) before ours, which
    // then went to a group with the leader already reaped. `killed` was false in 15 runs of 19.
    const signalled = this.#signalledAt;
    return signalled !== undefined && (this.#exit?.signal ?? null) !== null && (exitMono === undefined || exitMono > signalled);
  }

  /**
   * How a kill asked with `signal` goes: SIGTERM (a timeout, an abort, the sweep after the
   * leader's exit, `killAllCoprocesses` by default) by the run's kill sequence; SIGKILL at once;
   * any other signal (`killAllCoprocesses(signal)`), then SIGKILL after the grace.
   */
  #stepsFor(signal: NodeJS.Signals): readonly KillStep[] {
    if (signal === 'SIGTERM') return this.#options.killSequence;
    if (signal === 'SIGKILL') return KILL_AT_ONCE;
    return [{ signal, waitMs: this.#options.killGraceMs }];
  }

  /**
   * This thread has just sent the tree `signal` (`groups`: the groups it went to as groups), the
   * first of its kill sequence. Unless it is SIGKILL, the run's helper is told, so that, should
   * this thread's owner die during the grace, it gives those groups their SIGKILL at the grace
   * (the sequence's end) and no second SIGTERM: the fork server
   * (`T`; it also drops the limit and SIGKILLs at the grace itself, counted from now) or the
   * watchdog (`t<pgid>`).
   */
  #signalled(signal: NodeJS.Signals, groups: readonly number[]): void {
    if (signal === 'SIGKILL' || this.#toldTerminated || groups.length === 0) return;
    this.#toldTerminated = true;
    if (this.#server !== undefined) this.#server.server.terminated(this.#server.id, this.#options.killGraceMs, groups);
    else if (this.#child !== undefined) for (const group of groups) lifeline.terminated(group);
  }

  /**
   * After a kill, waits for the run's fork server to report the leader's end; kills the server
   * once it has sent nothing at all for `ms` (or is stopped) with that report still missing.
   */
  #watchServer(ms: number): void {
    const server = this.#server?.server;
    if (server === undefined || this.#settled || this.#exit !== undefined || this.#serverWatch !== undefined) return;
    const look = (): void => {
      // Looked at after this turn's I/O: frames already in the pipe (this thread was busy past
      // the timer) are read first, and count as heard.
      setImmediate(() => {
        if (this.#settled || this.#exit !== undefined) return;
        const silent = server.silentMs;
        if (silent < ms && server.running) {
          this.#serverWatch = setTimeout(look, ms - silent);
          return;
        }
        server.kill(`the fork server sent nothing for ${ms} ms while a run it was told to kill had not ended (stopped or stuck)`);
      });
    };
    this.#serverWatch = setTimeout(look, ms);
  }

  #leaderExited(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    this.#stopHolding();
    const child = this.#child;
    return this.#concludeAfterLeader(
      { code, signal },
      true,
      Promise.all([closed(child?.stdout ?? null), closed(child?.stderr ?? null)]).then(() => undefined),
      () => {
        child?.stdout?.destroy();
        child?.stderr?.destroy();
      },
    );
  }

  /**
   * After the leader's exit: the coprocess is its whole tree and it ends with its leader, so
   * whatever the leader left behind (a background job, a `setsid` daemon) is killed now (when
   * `sweep`), with the same grace period; then the result waits for both pipes to close, at
   * most {@link EOF_WAIT_MS} (only an escapee of every sweep can hold them), closing them itself
   * past that.
   */
  async #concludeAfterLeader(exit: { code: number | null; signal: string | null }, sweep: boolean, pipesClosed: Promise<void>, closePipes: () => void): Promise<void> {
    this.#exitedAt = performance.now();
    this.#exit = exit;
    this.#leaderGone();
    this.#stopWatching();
    if (sweep) {
      this.#treeOf()?.leaderExited();
      await this.#terminate('SIGTERM');
    }
    // The bound's timer is cleared when the pipes win: a pending one would keep the owner's
    // process alive for up to EOF_WAIT_MS after its last coprocess (every script paid 200 ms).
    let bound: NodeJS.Timeout | undefined;
    const done = await Promise.race([pipesClosed.then(() => true), new Promise<false>((resolve) => (bound = setTimeout(() => resolve(false), EOF_WAIT_MS)))]);
    clearTimeout(bound);
    if (!done) closePipes();
    this.#settle(null);
  }

  /** What both streams wrote, interleaved by chunk, each stream's held-back bytes (a last character cut short) last. */
  #bothText(): string {
    for (const stream of ['stdout', 'stderr'] as const) {
      const tail = this.#bothTail[stream];
      this.#bothTail[stream] = undefined;
      if (tail !== undefined) this.#bothCapture().push(tail);
    }
    return (this.#both ?? NO_OUTPUT).text();
  }

  /** One stream's capture, made with its first chunk. With spillDir: output past the cap goes to `<cookie>.stdout` / `.stderr` there (named only if it comes to that). */
  #streamCapture(stream: 'stdout' | 'stderr'): OutputCapture {
    const options = this.#options;
    if (stream === 'stdout') return (this.#stdout ??= new OutputCapture(options.maxOutputBytes, options.spillDir, this.#cookie, '.stdout'));
    return (this.#stderr ??= new OutputCapture(options.maxOutputBytes, options.spillDir, this.#cookie, '.stderr'));
  }

  /** Both streams' capture, interleaved by chunk, made with the first. */
  #bothCapture(): OutputCapture {
    return (this.#both ??= new OutputCapture(this.#options.maxOutputBytes));
  }

  /** Keeps a chunk of one stream, and of both interleaved; shows it to `onOutput`, if given. */
  #capture(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    this.#streamCapture(stream).push(chunk);
    const tail = this.#bothTail[stream];
    const joined = tail === undefined ? chunk : Buffer.concat([tail, chunk]);
    const whole = completeUtf8Length(joined);
    if (whole > 0) this.#bothCapture().push(whole === joined.length ? joined : joined.subarray(0, whole));
    this.#bothTail[stream] = whole === joined.length ? undefined : Buffer.from(joined.subarray(whole));
    const onOutput = this.#options.onOutput;
    if (onOutput === undefined) return;
    try {
      onOutput(stream, chunk);
    } catch (error) {
      // The caller's callback: its failure loses it this piece, never the run (nor the thread).
      if (!this.#outputCallbackFailed) {
        this.#outputCallbackFailed = true;
        process.emitWarning(`onOutput of \`${this.#options.label}\` threw (${messageOfThrown(error)}); the run goes on`, { code: 'SPM_COPROCESS_ON_OUTPUT' });
      }
    }
  }

  #spawnFailed(code: string, detail: string): void {
    const cwd = this.#options.cwd;
    const where = cwd === undefined ? '' : ` in \`${cwd}\``;
    // ENOENT says "no such file" for a missing program and a missing working directory alike.
    const why = code === 'ENOENT' && cwd !== undefined && !isDirectory(cwd) ? `the working directory does not exist (${code})` : `${code} (${detail})`;
    this.#notStarted(code, `cannot run \`${this.#options.file}\`${where}: ${why}`, code === 'ENOENT' ? 127 : 126);
  }

  /** Its `inputFile` could not be opened: the program was not started (as {@link #spawnFailed}, exit 126). */
  #inputFailed(code: string, detail: string): void {
    this.#notStarted(code, `cannot run \`${this.#options.label}\`: its input file \`${this.#options.inputFile?.path ?? ''}\` cannot be opened: ${code} (${detail})`, 126);
  }

  /** The program was never started (`code`: why): `why` on its stderr, and it ends with `exitCode`. */
  #notStarted(code: string, why: string, exitCode: number): void {
    this.#capture('stderr', Buffer.from(`spm-coprocess: ${why}\n`));
    this.#exitedAt = performance.now();
    this.#exit = { code: exitCode, signal: null };
    this.#leaderGone();
    this.#settle(code);
  }

  #stopWatching(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#serverWatch !== undefined) clearTimeout(this.#serverWatch);
    if (this.#onAbort !== undefined && this.#options.signal !== undefined) unwatchAbort(this.#options.signal, this.#onAbort);
  }

  #settle(spawnError: string | null): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#unfollowPause?.();
    this.#unfollowHold?.();
    this.#leaderGone();
    this.#stopWatching();
    live.delete(this);
    const pid = this.#pid ?? null;
    if (this.#child?.pid !== undefined) {
      if (this.#options.terminal) lifeline.release();
      else lifeline.unregister(this.#child.pid);
    }
    this.#stdout?.close();
    this.#stderr?.close();
    const stdout = this.#stdout ?? NO_OUTPUT;
    const stderr = this.#stderr ?? NO_OUTPUT;
    this.#resolve({
      exitCode: this.#exit?.code ?? null,
      signal: this.#exit?.signal ?? null,
      timedOut: this.#timedOut,
      aborted: this.#aborted,
      killed: this.#wasKilled(),
      // Only when it surely never started (a server lost meanwhile leaves that unknown: killed).
      withdrawn: this.#withdrawn && this.#pid === undefined && this.#exit === undefined,
      durationMs: this.#startMono !== undefined && this.#exitMono !== undefined ? this.#exitMono - this.#startMono : this.#exitedAt === undefined ? 0 : this.#exitedAt - this.#startedAt,
      startTime: this.#startTime,
      pid,
      stdout: stdout.text(),
      stderr: stderr.text(),
      stdOutErr: this.#bothText(),
      truncated: { stdout: stdout.truncated, stderr: stderr.truncated, stdOutErr: (this.#both ?? NO_OUTPUT).truncated },
      spilled: { stdout: stdout.spilled, stderr: stderr.spilled },
      outputBytes: { stdout: stdout.bytes, stderr: stderr.bytes },
      spawnError,
    });
  }
}
