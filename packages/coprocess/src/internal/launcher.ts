import { SPMError } from '@spm/exceptions';
import type { ResolvedCoprocessOptions } from '../coprocess-options.js';
import { forkServerBinary, whenBuilt, type ForkServerBinary } from './fork-server-binary.js';
import { ForkServer, MAX_SERVER_INPUT_BYTES, fitsFrame } from './fork-server.js';

/** How a run's program is started: by this thread's fork server, or by Node's `child_process.spawn`. */
export type Launcher =
  | { readonly kind: 'node' }
  /** On a fork server; with `after`, started by the server when its run `after` exits (a lane). */
  | { readonly kind: 'server'; readonly server: ForkServer; readonly after?: number }
  /** A lane's run that waits in this thread for `previous` (the end of the turn of the lane's run before it), then starts as any run. */
  | { readonly kind: 'queued'; readonly previous: Promise<void> };

/** `SPM_COPROCESS_LAUNCHER`: `auto` (the default), `fork-server` (required) or `node`. */
export type LauncherMode = 'auto' | 'fork-server' | 'node';

const NODE: Launcher = { kind: 'node' };

/**
 * This thread's fork servers. A server tells a clean exit (nothing of the tree alive) only
 * when it carries one run at a time — it had no child at all after reaping the leader — so
 * each concurrent run gets a server of its own, up to {@link MAX_SERVERS}; past that, runs
 * share, and their exits are checked in `/proc` instead.
 */
const servers: ForkServer[] = [];
const MAX_SERVERS = 64;

function serverFor(binary: string, graceMs: number): ForkServer {
  let least: ForkServer | undefined;
  // A copy: a server found dead leaves the list (its onGone) while this loop runs.
  for (const server of [...servers]) {
    if (server.runs === 0) {
      if (server.alive) return server;
      continue;
    }
    if (least === undefined || server.runs < least.runs) least = server;
  }
  if (least !== undefined && servers.length >= MAX_SERVERS) return least;
  const server = new ForkServer(binary, graceMs, (gone) => {
    const at = servers.indexOf(gone);
    if (at >= 0) servers.splice(at, 1);
  });
  servers.push(server);
  return server;
}

/** The launcher mode this process asks for; an unknown value is an error naming the variable. */
export function launcherMode(): LauncherMode {
  const value = process.env['SPM_COPROCESS_LAUNCHER'];
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'fork-server' || value === 'node') return value;
  throw new SPMError(`Expected SPM_COPROCESS_LAUNCHER to be \`auto\`, \`fork-server\` or \`node\`, got \`${value}\``);
}

/**
 * True when the run can go to a fork server at all: no NUL in its program, arguments or cwd, and
 * no more `input` than {@link MAX_SERVER_INPUT_BYTES} (more is streamed by `spawn`).
 */
function serverCan(options: ResolvedCoprocessOptions): boolean {
  // The fork server's programs lead sessions of their own and write to its pipes.
  if (options.terminal || options.inheritOutput) return false;
  const input = options.input;
  if (input !== undefined && (typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength) > MAX_SERVER_INPUT_BYTES) return false;
  return fitsFrame(options);
}

/**
 * Picks how to start one run. The fork server is used when it is built (the first use on a
 * machine compiles it in the background; runs meanwhile use `spawn`), unless the run has more
 * `input` than a server takes (stdin data past {@link MAX_SERVER_INPUT_BYTES}: `spawn` streams
 * it), wants the `terminal` or `inheritOutput`, or the mode says `node`. Synchronous — the program
 * starts in the same turn as `runCoprocess` was called — except in `fork-server` mode during
 * the first build, where the run waits for it (and rejects if there can be no server).
 */
export function pickLauncher(options: ResolvedCoprocessOptions): Launcher | Promise<Launcher> {
  const mode = launcherMode();
  if (mode === 'node' || !serverCan(options)) return NODE;
  const binary = forkServerBinary();
  if (binary.state === 'building' && mode === 'fork-server') return whenBuilt(true).then((built) => decide(built, mode, options));
  return decide(binary, mode, options);
}

/**
 * The launcher for a run of a lane whose previous run is still on `server` as run `after`: that
 * server, told to start this one when that one exits — when the run can go to a fork server at
 * all (mode, `input`'s size, NUL bytes) and that server is alive. Else undefined: the run waits for
 * the previous one in this thread.
 */
export function launcherAfter(options: ResolvedCoprocessOptions, server: ForkServer, after: number): Launcher | undefined {
  if (launcherMode() === 'node' || !serverCan(options) || !server.alive) return undefined;
  return { kind: 'server', server, after };
}

function decide(binary: ForkServerBinary, mode: LauncherMode, options: ResolvedCoprocessOptions): Launcher {
  if (binary.state !== 'ready') {
    if (mode === 'fork-server' && binary.state === 'unavailable') {
      throw new SPMError(noServer(binary.reason));
    }
    return NODE;
  }
  return { kind: 'server', server: serverFor(binary.path, options.killGraceMs) };
}

function noServer(why: string): string {
  return `SPM_COPROCESS_LAUNCHER=fork-server, but there is no fork server: ${why}`;
}

/** Which launcher a run with default options would get now, and why (for diagnostics and tests). */
export function launcherStatus(): { readonly launcher: 'fork-server' | 'node'; readonly reason: string; readonly error: string | undefined } {
  let mode: LauncherMode;
  try {
    mode = launcherMode();
  } catch (error) {
    // Runs reject with this error; the status names it.
    return { launcher: 'node', reason: (error as Error).message, error: (error as Error).message };
  }
  if (mode === 'node') return { launcher: 'node', reason: 'SPM_COPROCESS_LAUNCHER=node', error: undefined };
  const binary = forkServerBinary();
  if (binary.state === 'ready') return { launcher: 'fork-server', reason: binary.path, error: undefined };
  if (binary.state === 'building') return { launcher: 'node', reason: `the fork server is being built (${binary.path})`, error: undefined };
  const error = mode === 'fork-server' ? noServer(binary.reason) : undefined;
  return { launcher: 'node', reason: binary.reason, error };
}
