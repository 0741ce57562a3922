import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { constants } from 'node:os';
import type { Socket } from 'node:net';
import { OWNER_VARIABLE, ownerToken, withoutOwnerCookies } from './cookie.js';
import { markUnavailable } from './fork-server-binary.js';
import { watchProcessState, type ProcessStateWatch } from './process-table.js';

/** What a run hears from the fork server, in this order: started|failed, output…, exited, closed. */
export interface ServerRunEvents {
  /**
   * The program runs, as `pid` (also its process group and session id), since `startTime` (ms
   * since the epoch) and `startMono` (the server's monotonic clock, in ms), both as the server
   * read them when it started the program.
   */
  started(pid: number, startTime: number, startMono: number): void;
  /**
   * The program could not be started: `code` as Node names errno values (`ENOENT`, `EACCES`);
   * `what` is `'input'` when it was its {@link ServerRunSpec.inputFile} that could not be opened.
   */
  failed(code: string, what?: 'input'): void;
  output(stream: 'stdout' | 'stderr', chunk: Buffer): void;
  /**
   * The leader exited and was reaped, at `exitMono` (the server's monotonic clock, in ms).
   * `clean`: the server (a child subreaper) had no child left at all, so nothing the program
   * started is alive. `eof`: both pipes reached end-of-file.
   */
  exited(code: number | null, signal: NodeJS.Signals | null, clean: boolean, eof: boolean, exitMono: number): void;
  /** The run's {@link ServerRunSpec.limitMs} passed: the server sent SIGTERM to its group (SIGKILL follows after the grace). */
  limited(): void;
  /** Both pipes are closed (after `exited` said `eof: false`). */
  closed(): void;
  /** A run sent to wait for another ({@link ForkServer.run}'s `after`) was dropped before it started ({@link ForkServer.drop}). */
  cancelled(): void;
  /** The server died before this run was over; `started` tells whether it had begun. */
  lost(reason: string): void;
  /**
   * The server could not start, or died before it said hello (its binary is unusable): it
   * started nothing, and the run may be started another way.
   */
  unstarted(reason: string): void;
}

/** What the server needs to start one program. */
export interface ServerRunSpec {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string | undefined;
  /** The whole environment, without `SPM_COPROCESS`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The value of `SPM_COPROCESS` for this run. */
  readonly cookie: string;
  /**
   * The run's time limit in ms from its start, enforced by the server on its own clock (SIGTERM
   * to the group, SIGKILL `graceMs` later) even while this thread is blocked; undefined: none.
   */
  readonly limitMs: number | undefined;
  /** What the group gets at the limit (the first signal of the run's kill sequence). @default SIGTERM */
  readonly limitSignal?: NodeJS.Signals;
  /** From the limit's signal to its SIGKILL, in ms. */
  readonly graceMs: number;
  /**
   * The program's stdin: these bytes through a pipe the server writes and closes (see
   * {@link MAX_SERVER_INPUT_BYTES}); undefined: `/dev/null`.
   */
  readonly input?: Uint8Array | undefined;
  /**
   * Then bytes `offset` to `offset + length` of the file `path` (the server opens it when it
   * starts the program; one it cannot open fails the run: `failed(code, 'input')`).
   */
  readonly inputFile?: { readonly path: string; readonly offset: number; readonly length: number } | undefined;
}

/**
 * The most stdin data a run may send through a fork server (the frame holds it whole, and the
 * server keeps it until the program has read it); a run with more is started with `spawn`,
 * which streams it. Past a few MiB the ~1 ms a `spawn` costs this thread is small beside the
 * input's own handling.
 */
export const MAX_SERVER_INPUT_BYTES = 4 * 1024 * 1024;

/** Signals that end a server from outside (a kill), not by a fault of its binary (a crash). */
const KILLED_FROM_OUTSIDE = new Set<NodeJS.Signals>(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT']);

/** How long an idle server (no run for this long) stays before it is told to quit. */
const IDLE_QUIT_MS = 2000;

/**
 * Errors of a server's spawn that say this moment lacks resources (file descriptors, memory,
 * processes), not that the binary is unusable: the next run tries a server again.
 */
const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'ENOMEM', 'EAGAIN']);

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));
const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** `SIGTERM`'s number, as a run frame gives it. */
const SIGTERM_NUMBER = String(constants.signals.SIGTERM);

/** True when no field of `spec` holds a NUL byte (the frame separator; `spawn` refuses them too). */
export function fitsFrame(spec: Pick<ServerRunSpec, 'file' | 'args' | 'cwd'>): boolean {
  return !spec.file.includes('\0') && !(spec.cwd ?? '').includes('\0') && !spec.args.some((arg) => arg.includes('\0'));
}

/** Depth of {@link batchStarts} calls under way in this thread. */
let batching = 0;
/** Servers holding start requests made inside {@link batchStarts}. */
const corked = new Set<ForkServer>();

/**
 * Runs `fn`; the requests to start programs that it makes (`runCoprocess` calls on fork
 * servers) are written to each server together when it returns (or throws), one write per
 * server instead of one per program. Re-entrant: the outermost call writes.
 */
export function batchStarts<T>(fn: () => T): T {
  batching += 1;
  try {
    return fn();
  } finally {
    batching -= 1;
    if (batching === 0) {
      for (const server of corked) server.flushStarts();
      corked.clear();
    }
  }
}

/**
 * One fork server process (`fork-server.c`) and the runs it carries, for this thread. It leads
 * its own process group, so a group kill of the owner does not reach it before it has swept;
 * its stdin is the owner's lifeline (end-of-file: every live tree is killed). Unref'd while
 * idle: it never keeps the owner alive.
 */
export class ForkServer {
  readonly #child: ChildProcess;
  /** Undefined when the server could not be started (see {@link #startFailure}). */
  readonly #stdin: Socket | undefined;
  /** Frames not written yet (held back by {@link batchStarts}). */
  #outbox: Buffer[] = [];
  readonly #stdout: Socket | undefined;
  /** Why the server could not be started (an errno name), once Node has said it. */
  readonly #startFailure: Promise<string> | undefined;
  /** The server's `/proc/<pid>/stat`, kept open for {@link alive}. */
  readonly #stat: ProcessStateWatch | undefined;
  readonly #runs = new Map<number, ServerRunEvents>();
  #nextId = 1;
  #pending: Buffer | undefined;
  #envKey: string | undefined;
  /** The environment object whose entries `#envKey` holds. */
  #envSent: object | undefined;
  #idle: NodeJS.Timeout | undefined;
  /** When this thread last received anything from the server (`performance.now()`). */
  #heardAt = performance.now();
  /** Why {@link kill} killed it: what its runs are told when they are lost. */
  #killedBecause: string | undefined;
  #dead = false;
  /** The server said hello: it runs, so it may have started what it was sent. */
  #hello = false;
  readonly #binary: string;
  #stderr = '';
  /** Called once when this server is done (exited, failed, or quit). */
  readonly #onGone: (server: ForkServer) => void;

  constructor(binary: string, graceMs: number, onGone: (server: ForkServer) => void) {
    this.#onGone = onGone;
    this.#binary = binary;
    const child = spawn(binary, [ownerToken(), String(Math.max(1, Math.ceil(graceMs / 1000)))], {
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Not the thread's cookie (a thread spoke's environment carries one): a keeper is no program to sweep.
      env: withoutOwnerCookies(process.env, ownerToken()),
    });
    this.#child = child;
    if (child.pid === undefined || child.stdin === null || child.stdout === null) {
      // The spawn failed at once (too many open files, no memory, a binary that cannot be
      // run…): Node says why in an `error` on the next tick. The server is dead from the start.
      // Short of resources, a run sent to it fails with that errno, as a program that cannot be
      // started does; with an unusable binary, the run is started with spawn instead.
      this.#dead = true;
      this.#startFailure = new Promise((resolve) => {
        child.once('error', (error: NodeJS.ErrnoException) => {
          const code = error.code ?? 'EAGAIN';
          if (!TRANSIENT.has(code)) this.#discardBinary(`it would not start (${error.message})`);
          resolve(code);
        });
      });
      this.#stat = undefined;
      this.#stdin = undefined;
      this.#stdout = undefined;
      queueMicrotask(() => onGone(this));
      return;
    }
    this.#stat = watchProcessState(child.pid);
    this.#stdin = child.stdin as Socket;
    this.#stdout = child.stdout as Socket;
    this.#stdout.on('data', (chunk: Buffer) => this.#receive(chunk));
    child.stderr?.on('data', (chunk: Buffer) => {
      if (this.#stderr.length < 2048) this.#stderr += chunk.toString();
    });
    this.#stdin.on('error', () => undefined);
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (!TRANSIENT.has(error.code ?? '')) this.#discardBinary(`it would not start (${error.message})`);
      this.#die(`the fork server would not start (${error.message})`);
    });
    child.once('exit', (code, signal) => {
      const reason = (): string => this.#killedBecause ?? `the fork server exited (${signal ?? `code ${String(code)}`})${this.#stderr === '' ? '' : `: ${this.#stderr.trim()}`}`;
      if (this.#hello || this.#killedBecause !== undefined) {
        this.#die(reason());
        return;
      }
      // No hello yet: it may still be in the pipe. Once both pipes are drained ('close'), a server
      // that never said it was up started nothing, and its runs are started with spawn. Its
      // binary is unusable (empty, corrupt, not ours: it exited, or crashed) — unless something
      // outside killed it (SIGKILL, SIGTERM…: an OOM kill, a user), which says nothing of the
      // binary: the cached binary is every process's, and is not removed for that.
      child.once('close', () => {
        if (this.#hello) {
          this.#die(reason());
          return;
        }
        if (signal === null || !KILLED_FROM_OUTSIDE.has(signal)) this.#discardBinary(reason());
        this.#die(reason(), true);
      });
    });
    child.unref();
    this.#stdin.unref();
    this.#stdout.unref();
    (child.stderr as Socket | null)?.unref();
  }

  /** How many runs it carries now. */
  get runs(): number {
    return this.#runs.size;
  }

  /** Set when {@link alive} found the server alive in this synchronous run of code; cleared by a microtask. */
  #aliveThisTurn = false;

  /**
   * False once the server is known dead — including killed while idle, before Node has
   * delivered its `exit` (a zombie in `/proc`): a run sent to it would be lost at once. One
   * re-read of its `/proc/<pid>/stat`, kept open — once per synchronous run of code: the runs of
   * a batch, asked for in one loop, share it (a read and its parse: ~6 µs here).
   */
  get alive(): boolean {
    if (this.#dead) return false;
    if (this.#aliveThisTurn) return true;
    const state = this.#stat?.state();
    if (state !== undefined && state !== 'Z') {
      // Runs asked for together (a lane's batch) read it once.
      this.#aliveThisTurn = true;
      queueMicrotask(() => (this.#aliveThisTurn = false));
      return true;
    }
    this.#die('the fork server is gone');
    return false;
  }

  /**
   * Starts a program; events arrive on `events`. Returns the run's id (for {@link closePipes}).
   * With `after`, the id of a run on this server, the program starts once that run's leader has
   * exited (the server starts it in the same pass that reaps the other, with no round trip to
   * this thread); at once if it already has.
   */
  run(spec: ServerRunSpec, events: ServerRunEvents, after?: number): number {
    const id = this.#nextId++;
    if (this.#startFailure !== undefined) {
      void this.#startFailure.then((code) => (TRANSIENT.has(code) ? events.failed(code) : events.unstarted(`the fork server would not start (${code})`)));
      return id;
    }
    if (this.#runs.size === 0) this.#busy();
    this.#runs.set(id, events);
    // The server keeps the last environment: `-` reuses it. A frozen one sent last time cannot
    // have changed, so it is not even serialised again (a launcher passes the same one to every run).
    const envFields = spec.env === this.#envSent && Object.isFrozen(spec.env) ? '-' : this.#envFields(spec.env);
    const limit = spec.limitMs === undefined ? '0' : String(Math.max(1, Math.ceil(spec.limitMs)));
    const limitSignal = spec.limitSignal === undefined || spec.limitSignal === 'SIGTERM' ? SIGTERM_NUMBER : String(constants.signals[spec.limitSignal]);
    // Its input first: the server keeps it for the run's "R" or "A", the frame that follows.
    if (spec.input !== undefined || spec.inputFile !== undefined) this.#queueInput(id, spec);
    // One string, encoded once into its frame (a frame's fields are NUL-separated).
    let text = `${after === undefined ? 'R' : `A\0${String(after)}`}\0${String(id)}\0${spec.cwd ?? ''}\0${spec.cookie}\0${limit}\0${String(Math.max(0, Math.ceil(spec.graceMs)))}\0${limitSignal}\0${envFields}\0${spec.file}`;
    for (const arg of spec.args) text += `\0${arg}`;
    this.#queueText(text, true);
    return id;
  }

  /** The environment fields of a run frame (`n` and the `n` variables), or `-` when they are the ones the server has. */
  #envFields(env: Readonly<Record<string, string | undefined>>): string {
    const entries: string[] = [];
    for (const name in env) {
      const value = env[name];
      if (value !== undefined && name !== 'SPM_COPROCESS' && name !== OWNER_VARIABLE && !name.includes('=') && !name.includes('\0') && !value.includes('\0')) entries.push(`${name}=${value}`);
    }
    const envKey = entries.join('\0');
    const fields = envKey === this.#envKey ? '-' : entries.length === 0 ? '0' : `${String(entries.length)}\0${envKey}`;
    this.#envKey = envKey;
    this.#envSent = env;
    return fields;
  }

  /** A run's "I" (its input's bytes) and "P" (its input file's range) frames, which come before its "R" or "A". */
  #queueInput(id: number, spec: ServerRunSpec): void {
    if (spec.input !== undefined) this.#queue(Buffer.concat([Buffer.from(`I\0${String(id)}\0`), spec.input]), true);
    const range = spec.inputFile;
    if (range !== undefined) this.#queue(Buffer.from(`P\0${String(id)}\0${String(range.offset)}\0${String(range.length)}\0${range.path}`), true);
  }

  /**
   * True while the server runs (not stopped, not dead): a server in this state enforces the limits
   * it was given, even if its word of it (`limited`) is still on its way.
   */
  get running(): boolean {
    if (this.#dead) return false;
    const state = this.#stat?.state();
    return state !== undefined && state !== 'Z' && state !== 'X' && state !== 'T' && state !== 't';
  }

  /**
   * How long ago this thread last received a frame from the server, in ms. A server relaying
   * output of its other runs is busy, not wedged, however late its word of one run's end is.
   */
  get silentMs(): number {
    return performance.now() - this.#heardAt;
  }

  /** The owner kills run `id` itself (an abort, a kill): the server drops its limit, so that the group gets one SIGTERM. */
  unlimit(id: number): void {
    this.#send(['N', String(id)]);
  }

  /**
   * The owner has just sent SIGTERM to `groups` of run `id` (its own group, escapees' groups)
   * itself: the server drops the run's limit, SIGKILLs those groups `graceMs` from now, and
   * spares them a second SIGTERM if it sweeps meanwhile (the owner died: a second Ctrl-C while
   * the commands were in their grace) — also when the run's leader is gone and its record with it.
   */
  terminated(id: number, graceMs: number, groups: readonly number[]): void {
    this.#send(['T', String(id), String(Math.max(0, Math.ceil(graceMs))), ...groups.map(String)]);
  }

  /** Drops a run still waiting for another (sent with `after`): its `cancelled` follows, or its `started` if it had begun. */
  drop(id: number): void {
    this.#send(['D', String(id)]);
  }

  /**
   * Kills a server that stopped answering (SIGKILL): its exit then ends its runs as lost, each
   * told `reason` (and each kills what it may have started, by group and cookie).
   */
  kill(reason: string): void {
    if (this.#dead || this.#killedBecause !== undefined) return;
    this.#killedBecause = reason;
    this.#child.kill('SIGKILL');
  }

  /** Stop reading a run's pipes now (whoever still holds them escaped every sweep). */
  closePipes(id: number): void {
    this.#send(['Z', String(id)]);
  }

  /**
   * Holds run `id`'s output (`held`: its pipes are not read, so the program blocks writing once
   * one is full, as on a slow terminal) or reads it again; an id the server no longer knows is
   * ignored there.
   */
  holdOutput(id: number, held: boolean): void {
    this.#send([held ? 'H' : 'U', String(id)]);
  }

  /** Forgets a run that no longer wants events. */
  release(id: number): void {
    if (this.#runs.delete(id) && this.#runs.size === 0) this.#quiet();
  }

  /**
   * Writes a frame now — or, for a request to start a program (`R`, `A`) or to drop a waiting
   * one (`D`) made inside {@link batchStarts}, when that returns: a lane handed several programs
   * at once (a batch of commands) then costs one pipe write and one wake-up of the server, not
   * one each, and a lane's waiting runs withdrawn together are all dropped before the server
   * could start one of them. Never later than the caller's own code: a program started by a
   * thread that then blocks (a task stuck in synchronous code) must start all the same. The
   * order of frames is kept.
   */
  #send(fields: readonly string[]): void {
    const kind = fields[0];
    this.#queueText(fields.join('\0'), kind === 'R' || kind === 'A' || kind === 'D');
  }

  /** Frames `payload` (UTF-8) as {@link #queue} does, encoded straight into the frame. */
  #queueText(payload: string, corkable: boolean): void {
    if (this.#dead) return;
    const length = Buffer.byteLength(payload);
    const frame = Buffer.allocUnsafe(4 + length);
    frame.writeUInt32BE(length, 0);
    frame.write(payload, 4, 'utf8');
    this.#push(frame, corkable);
  }

  /** Frames `payload`; `corkable`: a start request's (or its input's), held inside {@link batchStarts}. */
  #queue(payload: Buffer, corkable: boolean): void {
    if (this.#dead) return;
    const frame = Buffer.allocUnsafe(4 + payload.length);
    frame.writeUInt32BE(payload.length, 0);
    payload.copy(frame, 4);
    this.#push(frame, corkable);
  }

  #push(frame: Buffer, corkable: boolean): void {
    this.#outbox.push(frame);
    if (batching > 0 && corkable) corked.add(this);
    else this.flushStarts();
  }

  /** Writes the frames held back by {@link batchStarts}, in one write. */
  flushStarts(): void {
    const frames = this.#outbox;
    if (frames.length === 0) return;
    this.#outbox = [];
    // A server that died meanwhile reads nothing more.
    if (this.#dead) return;
    this.#stdin?.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames));
  }

  #busy(): void {
    if (this.#idle !== undefined) clearTimeout(this.#idle);
    this.#idle = undefined;
    // A run in flight keeps the owner alive, as a child process of its own would — its output
    // pipe, and the server's process too: if the server dies mid-run, its pipe closes first and
    // only its exit (then delivered) settles the run; with nothing ref'd the owner's event loop
    // could end first, the run never settled (a program awaiting it would exit with status 13).
    this.#stdout?.ref();
    this.#child.ref();
  }

  #quiet(): void {
    this.#stdout?.unref();
    this.#child.unref();
    if (this.#idle !== undefined || this.#dead) return;
    this.#idle = setTimeout(() => {
      this.#idle = undefined;
      if (this.#runs.size > 0 || this.#dead) return;
      // No coprocess for a while: let the server go. 'Q' first: the owner lives on, so the
      // server must not sweep what carries the owner's token — the runs of its other servers.
      this.#send(['Q']);
      this.#dead = true;
      this.#stat?.close();
      this.#onGone(this);
      this.#stdin?.end();
    }, IDLE_QUIT_MS);
    this.#idle.unref();
  }

  #receive(chunk: Buffer): void {
    this.#heardAt = performance.now();
    let buffer = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    while (buffer.length >= 9) {
      const length = buffer.readUInt32BE(0);
      if (buffer.length < 4 + length) break;
      const type = buffer[4];
      const id = buffer.readUInt32BE(5);
      const data = buffer.subarray(9, 4 + length);
      buffer = buffer.subarray(4 + length);
      this.#dispatch(type ?? 0, id, data);
    }
    this.#pending = buffer.length === 0 ? undefined : buffer;
  }

  #dispatch(type: number, id: number, data: Buffer): void {
    if (type === 0x48) this.#hello = true; // H
    const events = this.#runs.get(id);
    if (events === undefined) return; // 'H' (hello, id 0), or a run already released
    switch (type) {
      case 0x53: {
        // S "pid real mono"
        const [pid, real, mono] = data.toString('latin1').split(' ');
        events.started(pid === undefined ? 0 : Number(pid), (real === undefined ? 0 : Number(real)) * 1000, (mono === undefined ? 0 : Number(mono)) * 1000);
        return;
      }
      case 0x46: {
        // F
        // "errno" (the program could not be started), or "errno 1": its input file could not be opened.
        const [errno = 0, what] = data.toString('latin1').split(' ').map(Number);
        this.#runs.delete(id);
        if (this.#runs.size === 0) this.#quiet();
        events.failed(ERRNO_NAMES.get(errno) ?? ERRNO_NAMES.get(-errno) ?? `E${String(errno)}`, what === 1 ? 'input' : undefined);
        return;
      }
      case 0x4f: // O
        events.output('stdout', data);
        return;
      case 0x45: // E
        events.output('stderr', data);
        return;
      case 0x58: {
        // X "code signal clean eof mono"
        const fields = data.toString('latin1').split(' ');
        const code = fields[0] === undefined ? undefined : Number(fields[0]);
        const signal = fields[1] === undefined ? undefined : Number(fields[1]);
        const clean = fields[2] === '1';
        const eof = fields[3] === '1';
        const mono = fields[4] === undefined ? 0 : Number(fields[4]);
        if (eof) this.release(id);
        events.exited(code === undefined || code < 0 ? null : code, signal === undefined || signal === 0 ? null : (SIGNAL_NAMES.get(signal) ?? null), clean, eof, mono * 1000);
        return;
      }
      case 0x4c: // L
        events.limited();
        return;
      case 0x43: // C
        this.release(id);
        events.closed();
        return;
      case 0x4b: // K
        this.release(id);
        events.cancelled();
        return;
      default:
        return;
    }
  }

  /** An unusable binary: not tried again in this thread, and removed so that the next program builds it anew. */
  #discardBinary(why: string): void {
    markUnavailable(`the fork server \`${this.#binary}\` is unusable: ${why}; programs are started with spawn (it is rebuilt on the next start)`);
    try {
      rmSync(this.#binary, { force: true });
    } catch {
      // Not ours to remove after all: it stays unused in this thread.
    }
  }

  #die(reason: string, unstarted = false): void {
    const wasDead = this.#dead;
    this.#dead = true;
    this.#stat?.close();
    if (this.#idle !== undefined) clearTimeout(this.#idle);
    if (!wasDead) this.#onGone(this);
    const runs = [...this.#runs.values()];
    this.#runs.clear();
    this.#stdout?.unref();
    this.#child.unref();
    for (const events of runs) {
      if (unstarted) events.unstarted(reason);
      else events.lost(reason);
    }
  }
}
