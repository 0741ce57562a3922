import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { SPMTransportError } from '@spm/exceptions';
import type { Channel } from './channel.js';
import type { ChannelOptions } from './channel-options.js';
import { FrameCodec } from './frame-codec.js';
import { StreamChannel } from './internal/stream-channel.js';
import { encodeTransportEnv, TRANSPORT_ENV } from './internal/transport-env.js';

/** The child's file descriptor for its end of the channel's socketpair. */
const CHANNEL_FD = 3;
/** After the child exits, how long its channel may still deliver frames already in the pipe. */
const EXIT_DRAIN_MS = 200;

/** Options of {@link spawnProcess}. */
export interface SpawnProcessOptions extends ChannelOptions {
  /** Path of the built `.js`/`.mjs` file the child runs with this Node; it calls `connectToParent()`. */
  readonly entry: string;
  /** Arguments after the entry. Never put a secret here (command lines are visible to every user). */
  readonly args?: readonly string[];
  /** Variables added to (a copy of) the hub's environment for the child. */
  readonly env?: Readonly<Record<string, string>>;
  /** Node options for the child, e.g. `['--enable-source-maps']`. */
  readonly execArgv?: readonly string[];
  /** Working directory of the child. @default the hub's */
  readonly cwd?: string;
  /** What becomes of the child's stdout and stderr (stdin is always ignored). @default 'inherit' */
  readonly stdio?: 'inherit' | 'pipe' | 'ignore';
  /** Coalesce messages sent in one synchronous run into one write. @default true */
  readonly batch?: boolean;
}

/** A child process started by {@link spawnProcess}, and the hub's end of its channel. */
export interface SpawnedProcess {
  /** The hub's end. Closes with `SPMTransportError` when the child exits or its pipe breaks. */
  readonly channel: Channel;
  /** The child process. It leads its own process group. */
  readonly child: ChildProcess;
  /** The child's pid (and process group id). */
  readonly pid: number;
  /** Signals the child alone. Returns false if it could not be signalled. @default signal 'SIGTERM' */
  kill(signal?: NodeJS.Signals): boolean;
  /**
   * Signals the child's whole process group: the child and every coprocess it started that
   * did not leave the group. Returns false if the group no longer exists. @default signal 'SIGKILL'
   */
  killGroup(signal?: NodeJS.Signals): boolean;
}

class ProcessChannel extends StreamChannel {
  #exit: string | undefined;
  #pipeEnded = false;

  constructor(readonly child: ChildProcess, socket: Socket, label: string, codec: FrameCodec, batch: boolean) {
    super(socket, label, codec, batch);
    child.on('exit', (code, signal) => this.#exited(code, signal));
    // A child_process `error` with no listener would be rethrown in the hub.
    child.on('error', (error) => this.close(this.lost(`the child process failed: ${error.message}`, error)));
  }

  #exited(code: number | null, signal: NodeJS.Signals | null): void {
    this.#exit = signal ? `the process was killed by ${signal}` : `the process exited with code ${code ?? 'unknown'}`;
    if (this.closed) return;
    if (this.#pipeEnded) {
      this.close(this.lost(this.#exit));
      return;
    }
    // Frames the child wrote just before exiting may still be in the pipe; a grandchild that
    // inherited the pipe may hold it open forever. Wait briefly, then cut it.
    const drain = setTimeout(() => this.close(this.lost(this.#exit ?? 'the process exited')), EXIT_DRAIN_MS);
    this.once('close', () => clearTimeout(drain));
  }


  protected override peerEnded(): void {
    this.#pipeEnded = true;
    if (this.closed) return;
    if (this.#exit !== undefined) {
      this.close(this.lost(this.#exit));
      return;
    }
    // The pipe usually ends a moment before `exit` is reported: wait for it, to say why.
    const wait = setTimeout(() => this.close(this.lost('the process closed its channel without saying goodbye')), EXIT_DRAIN_MS);
    this.once('close', () => clearTimeout(wait));
  }
}

/**
 * Starts a Node child process running `entry`, connected to the hub by a channel: the
 * `process` transport. The channel is a socketpair on the child's fd 3 carrying
 * length-prefixed frames (measured faster than Node's IPC, whether `json` or `advanced`);
 * inside the child, `connectToParent()` returns the other end.
 *
 * The child leads its own process group (`detached`, but not unref'd: the hub still waits
 * for it), so {@link SpawnedProcess.killGroup} reaches its coprocesses too. When the hub dies,
 * even by SIGKILL, the child's end of the socketpair reads end-of-file and its channel closes.
 */
export function spawnProcess(options: SpawnProcessOptions): SpawnedProcess {
  const codec = new FrameCodec(options);
  const batch = options.batch ?? true;
  const output = options.stdio ?? 'inherit';
  const child = spawn(process.execPath, [...(options.execArgv ?? []), options.entry, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: {
      ...process.env,
      ...options.env,
      [TRANSPORT_ENV]: encodeTransportEnv({ kind: 'process', fd: CHANNEL_FD, label: 'process:parent', batch, ...codec.limits }),
    },
    stdio: ['ignore', output, output, 'pipe'],
    detached: true,
  });
  const pid = child.pid;
  const socket = child.stdio[CHANNEL_FD] as Socket | null | undefined;
  if (pid === undefined || !socket) {
    child.kill('SIGKILL');
    throw new SPMTransportError(`Could not start a process for ${options.entry}: no pid or channel pipe`, { channel: 'process' });
  }
  const channel = new ProcessChannel(child, socket, options.label ?? `process:${pid}`, codec, batch);
  return {
    channel,
    child,
    pid,
    kill: (signal: NodeJS.Signals = 'SIGTERM') => child.kill(signal),
    killGroup: (signal: NodeJS.Signals = 'SIGKILL') => {
      try {
        process.kill(-pid, signal);
        return true;
      } catch {
        return false; // ESRCH: the group is gone
      }
    },
  };
}
