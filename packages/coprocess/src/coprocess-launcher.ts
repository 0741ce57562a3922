import { launcherStatus } from './internal/launcher.js';

/** Which launcher starts this thread's coprocesses now, and why (see {@link coprocessLauncher}). */
export interface CoprocessLauncherStatus {
  /** `fork-server`: a small native server forks each program; `node`: `child_process.spawn`. */
  readonly launcher: 'fork-server' | 'node';
  /** The server binary's path, or why it is not used (no C compiler, being built, not Linux, the environment says `node`). */
  readonly reason: string;
  /**
   * Set when runs cannot start at all, and say so (they reject with this message):
   * `SPM_COPROCESS_LAUNCHER` is not `auto`, `fork-server` or `node`, or it is `fork-server` and
   * there can be no fork server. A launcher checks it once up front instead of failing every run.
   */
  readonly error: string | undefined;
}

/**
 * Tells how a coprocess with default options would be started now. On Linux the first use
 * builds the fork server with the machine's C compiler (`$CC`, else `cc`) into a private
 * cache directory (`$SPM_CACHE_DIR`, `$XDG_CACHE_HOME/spm-ts`, `~/.cache/spm-ts`); until it is
 * built, or where it cannot be, programs are started with Node's `spawn`, with the same
 * guarantees at a higher cost per program. `SPM_COPROCESS_LAUNCHER=node|fork-server|auto`
 * chooses (`fork-server`: wait for the build, and reject runs if there can be no server).
 *
 * @example
 * const { launcher, reason } = coprocessLauncher();
 * if (launcher === 'node') console.warn(`coprocesses use spawn: ${reason}`);
 */
export function coprocessLauncher(): CoprocessLauncherStatus {
  return launcherStatus();
}
