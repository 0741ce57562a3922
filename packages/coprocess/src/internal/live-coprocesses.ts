/** What the registry needs from a running coprocess. */
export interface LiveCoprocess {
  /** Starts terminating the tree with `signal` first; resolves when the run has concluded. */
  kill(signal: NodeJS.Signals): Promise<unknown>;
  /** Synchronously signals the whole tree once (for the process `exit` hook, where nothing async runs). */
  signalNow(signal: NodeJS.Signals): void;
  /** The AbortSignal the run was started with, if any. */
  readonly abortSignal?: AbortSignal | undefined;
}

/**
 * Set on `globalThis` (one per thread) once a coprocess has started in the thread. A spoke checks
 * it before it loads `@spm/coprocess` to kill coprocesses: a thread that never started one has
 * none, and need not load the package at all (a thread spoke of spm-primes starts faster).
 */
export const COPROCESS_STARTED = Symbol.for('@spm/coprocess.started');

/** This thread's live coprocesses. */
export const live = new Set<LiveCoprocess>();

let hooked = false;

/**
 * Adds `run` to the live set and, the first time, installs the `exit` hook: if this process
 * exits (process.exit, an uncaught exception) while coprocesses run, they get SIGTERM now and
 * the watchdog, seeing the lifeline close, sends SIGKILL after its grace period.
 */
export function addLive(run: LiveCoprocess): void {
  live.add(run);
  if (hooked) return;
  hooked = true;
  // Tells code that kills this thread's coprocesses without loading this package up front (a
  // spoke) that there may be some: see COPROCESS_STARTED.
  (globalThis as Record<symbol, unknown>)[COPROCESS_STARTED] = true;
  process.once('exit', () => {
    for (const each of live) {
      try {
        each.signalNow('SIGTERM');
      } catch {
        // Exiting: nothing useful to do with an error here; the watchdog still sweeps.
      }
    }
  });
}
