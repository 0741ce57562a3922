import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { SPMError } from '@spm/exceptions';
import type { ResolvedCoprocessOptions } from '../coprocess-options.js';
import type { CoprocessResult } from '../coprocess-result.js';
import { COOKIE_VARIABLE, appendCookie, newCookie } from './cookie.js';
import { lifeline } from './lifeline.js';
import { addLive, live, type LiveCoprocess } from './live-coprocesses.js';
import { OutputCapture } from './output-capture.js';
import { ProcessTree } from './process-tree.js';

/**
 * Once the tree is gone, how long to wait for stdout/stderr to reach end-of-file before closing
 * them ourselves: only a process that escaped every sweep (cleared its environment *and* left
 * the group) can still hold them, and the result must not wait for it.
 */
const EOF_WAIT_MS = 200;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function closed(stream: Readable | null): Promise<void> {
  if (stream === null || stream.destroyed || stream.readableEnded) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

function errnoCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : 'EUNKNOWN';
}

/**
 * One run of one program, from spawn to a result: captures output, enforces the timeout and
 * the abort signal, kills the whole tree (leader, group, escapees), and settles only when
 * nothing of it is left alive.
 */
export class CoprocessRun implements LiveCoprocess {
  /** Settles once with the result; rejects only if the program could not even be handed to `spawn`. */
  readonly result: Promise<CoprocessResult>;
  readonly #options: ResolvedCoprocessOptions;
  readonly #stdout: OutputCapture;
  readonly #stderr: OutputCapture;
  readonly #both: OutputCapture;
  #resolve!: (result: CoprocessResult) => void;
  #reject!: (error: unknown) => void;
  #child: ChildProcess | undefined;
  #tree: ProcessTree | undefined;
  #startedAt = performance.now();
  #exitedAt: number | undefined;
  #exit: { code: number | null; signal: string | null } | undefined;
  #timedOut = false;
  #aborted = false;
  #terminating: Promise<boolean> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #onAbort: (() => void) | undefined;
  #settled = false;

  constructor(options: ResolvedCoprocessOptions) {
    this.#options = options;
    this.#stdout = new OutputCapture(options.maxOutputBytes);
    this.#stderr = new OutputCapture(options.maxOutputBytes);
    this.#both = new OutputCapture(options.maxOutputBytes);
    this.result = new Promise<CoprocessResult>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    if (options.signal?.aborted === true) {
      this.#aborted = true;
      this.#settle(null);
      return;
    }
    this.#start();
  }

  #start(): void {
    const options = this.#options;
    const cookie = newCookie();
    const base = options.env ?? process.env;
    const env = { ...base, [COOKIE_VARIABLE]: appendCookie(base[COOKIE_VARIABLE], cookie) };
    this.#startedAt = performance.now();
    let child: ChildProcess;
    try {
      // detached: the leader calls setsid(), so it leads a new process group (and session) that
      // can be killed as a whole, and a signal to our own group (Ctrl-C) does not reach it.
      child = spawn(options.file, [...options.args], {
        cwd: options.cwd,
        env,
        detached: true,
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
    } catch (error) {
      this.#settled = true;
      this.#reject(new SPMError(`Could not start coprocess \`${options.label}\`: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      return;
    }
    this.#child = child;
    child.stdout?.on('data', (chunk: Buffer) => {
      this.#stdout.push(chunk);
      this.#both.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr.push(chunk);
      this.#both.push(chunk);
    });
    if (child.pid === undefined) {
      // Spawn failed (ENOENT, EACCES, a missing cwd): Node reports it with an 'error' event.
      child.once('error', (error) => this.#spawnFailed(error));
      return;
    }
    // A program that does not read its input, or exits early, makes our write fail with EPIPE:
    // that is the program's business, not an error of the run.
    child.stdin?.on('error', () => undefined);
    if (options.input !== undefined) child.stdin?.end(options.input);
    this.#tree = new ProcessTree(child.pid, cookie);
    addLive(this);
    lifeline.register(child.pid, options.killGraceMs);
    child.once('exit', (code, signal) => void this.#leaderExited(code, signal));
    if (options.timeoutMs !== undefined) {
      this.#timer = setTimeout(() => {
        this.#timedOut = true;
        void this.#terminate('SIGTERM');
      }, options.timeoutMs);
    }
    if (options.signal !== undefined) {
      const signal = options.signal;
      this.#onAbort = () => {
        this.#aborted = true;
        void this.#terminate('SIGTERM');
      };
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  /** Registry: kill the tree (`signal` first, SIGKILL after the grace period); resolves when concluded. */
  kill(signal: NodeJS.Signals): Promise<CoprocessResult> {
    if (this.#exit === undefined && !this.#settled) {
      this.#aborted = true;
      // SIGKILL is asked for when there is no time for a grace period (a spoke being killed):
      // it lands now even if a SIGTERM → grace → SIGKILL termination is already under way.
      if (signal === 'SIGKILL') this.#tree?.signal('SIGKILL');
      void this.#terminate(signal);
    }
    return this.result;
  }

  /** The AbortSignal this run was started with, if any (the registry kills by it). */
  get abortSignal(): AbortSignal | undefined {
    return this.#options.signal;
  }

  /** Exit hook: one synchronous round of signals to the whole tree. */
  signalNow(signal: NodeJS.Signals): void {
    this.#tree?.signal(signal);
  }

  #terminate(signal: NodeJS.Signals): Promise<boolean> {
    const tree = this.#tree;
    if (tree === undefined) return Promise.resolve(true);
    this.#terminating ??= tree.terminate(signal, this.#options.killGraceMs);
    return this.#terminating;
  }

  async #leaderExited(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    this.#exitedAt = performance.now();
    this.#exit = { code, signal };
    this.#tree?.leaderExited();
    this.#stopWatching();
    // The coprocess is its whole tree and it ends with its leader: whatever the leader left
    // behind (a background job, a `setsid` daemon) is killed now, with the same grace period.
    await this.#terminate('SIGTERM');
    const child = this.#child;
    const pipes = Promise.all([closed(child?.stdout ?? null), closed(child?.stderr ?? null)]);
    const done = await Promise.race([pipes.then(() => true), sleep(EOF_WAIT_MS).then(() => false)]);
    if (!done) {
      child?.stdout?.destroy();
      child?.stderr?.destroy();
    }
    this.#settle(null);
  }

  #spawnFailed(error: Error): void {
    const code = errnoCode(error);
    const where = this.#options.cwd === undefined ? '' : ` in \`${this.#options.cwd}\``;
    const text = `spm-coprocess: cannot run \`${this.#options.file}\`${where}: ${code} (${error.message})\n`;
    const bytes = Buffer.from(text);
    this.#stderr.push(bytes);
    this.#both.push(bytes);
    this.#exitedAt = performance.now();
    this.#exit = { code: code === 'ENOENT' ? 127 : 126, signal: null };
    this.#settle(code);
  }

  #stopWatching(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#onAbort !== undefined) this.#options.signal?.removeEventListener('abort', this.#onAbort);
  }

  #settle(spawnError: string | null): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#stopWatching();
    live.delete(this);
    const pid = this.#child?.pid ?? null;
    if (pid !== null) lifeline.unregister(pid);
    this.#resolve({
      exitCode: this.#exit?.code ?? null,
      signal: this.#exit?.signal ?? null,
      timedOut: this.#timedOut,
      aborted: this.#aborted,
      durationMs: this.#exitedAt === undefined ? 0 : this.#exitedAt - this.#startedAt,
      pid,
      stdout: this.#stdout.text(),
      stderr: this.#stderr.text(),
      stdOutErr: this.#both.text(),
      truncated: { stdout: this.#stdout.truncated, stderr: this.#stderr.truncated, stdOutErr: this.#both.truncated },
      outputBytes: { stdout: this.#stdout.bytes, stderr: this.#stderr.bytes },
      spawnError,
    });
  }
}
