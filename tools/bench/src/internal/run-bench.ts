// How a benchmark's entry runs: what it started (launcher runs, measuring children) is killed
// when it is interrupted or fails, since each of them runs detached, in a process group (or a
// cgroup) of its own that a Ctrl-C at the terminal does not reach.
import { KNOB_EXIT_CODE, KnobError } from './knobs.js';

/** What is under way: each kills (and forgets) what it started. */
const cleanups = new Set<() => void>();

/**
 * Registers `cleanup`, run if the benchmark is interrupted (SIGINT, SIGTERM) or fails before
 * what it started has ended; returns the function that unregisters it (call it once that ended).
 */
export function onAbort(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => void cleanups.delete(cleanup);
}

/** Runs every registered cleanup (each once), then forgets them. */
export function abortRunning(): void {
  const pending = [...cleanups];
  cleanups.clear();
  for (const cleanup of pending) {
    try {
      cleanup();
    } catch {
      // Best effort: the others still run.
    }
  }
}

/**
 * Runs a benchmark's `main`: Ctrl-C or SIGTERM kills what is under way (see {@link onAbort})
 * and exits 130 or 143; a failure kills it too, is printed and exits 1 ({@link KnobError}: its
 * message alone, exit 2). `main` may resolve with the exit status (0 when it resolves with nothing).
 */
export function runBench(main: () => Promise<number | void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      abortRunning();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  main().then(
    (code) => {
      abortRunning();
      process.exitCode = code ?? 0;
    },
    (error: unknown) => {
      abortRunning();
      if (error instanceof KnobError) {
        process.stderr.write(`${error.message}\n`);
        process.exit(KNOB_EXIT_CODE);
      }
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
