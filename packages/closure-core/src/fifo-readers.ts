import { closeSync, constants, openSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A file a run writes (a job log, a table, a trace): its path, if any, and what names it in a notice. */
export interface RunOutput {
  readonly path: string | undefined;
  /** What the file is, for the notice (`--joblog`, `--trace`). */
  readonly what: string;
}

/** What {@link waitForFifoReaders} found and holds: `release()` closes what it holds. */
export interface FifoReaderProbes {
  /** The outputs' paths that are FIFOs and have a reader (each held open as a writer until `release()`). */
  readonly fifos: ReadonlySet<string>;
  /** Closes the probes. Call it once the FIFOs are opened for good (or on giving up); again: no-op. */
  release(): void;
}

/** How {@link waitForFifoReaders} waits. */
export interface FifoWaitOptions {
  /** Aborted: the wait ends at once (the FIFOs found so far are still held, until `release()`). */
  readonly signal?: AbortSignal;
  /** Said once for a FIFO still without a reader after `noticeMs`: the caller tells its user. */
  readonly onWait?: (output: RunOutput & { readonly path: string }) => void;
  /** How long a FIFO may go without a reader before `onWait` (ms). Default 1,000. */
  readonly noticeMs?: number;
  /** How often a FIFO without a reader is tried again (ms). Default 50. */
  readonly pollMs?: number;
}

/** Whether `path` is a FIFO (a named pipe, or a pipe's `/dev/fd/N`); false when it cannot be looked at. */
export function isFifo(path: string): boolean {
  try {
    return statSync(path).isFIFO();
  } catch {
    return false;
  }
}

/**
 * Resolves once each FIFO among `outputs` (files a run will write) has a reader, or at the
 * signal's abort. Paths that are not FIFOs (or cannot be looked at) pass at once: their own open
 * says what is wrong.
 *
 * Why: opened for writing the usual way (`openSync`, in the main thread), a FIFO no one reads
 * blocks the thread in open(2) until a reader comes — and a thread asleep there runs no signal
 * listener, so a program that listens for SIGINT and SIGTERM (to stop cleanly) hears neither:
 * only SIGKILL ends it. Here each FIFO is tried without blocking (`O_NONBLOCK`: ENXIO while no
 * one reads it) every `pollMs`, the event loop turning meanwhile.
 *
 * The probe that finds a reader stays open, as a writer, until `release()`: closed at once, it
 * would hand the reader its end of file (no writer left) before the caller's own open, and a
 * reader that then went would leave that open blocked. So: wait, open each FIFO for good (a
 * reader is there: the open returns at once), then release.
 */
export async function waitForFifoReaders(outputs: readonly RunOutput[], options: FifoWaitOptions = {}): Promise<FifoReaderProbes> {
  const { signal, onWait, noticeMs = 1000, pollMs = 50 } = options;
  const held: number[] = [];
  const fifos = new Set<string>();
  const probes: FifoReaderProbes = {
    fifos,
    release: (): void => {
      for (const fd of held.splice(0)) closeSync(fd);
    },
  };
  for (const output of outputs) {
    const { path } = output;
    if (path === undefined || fifos.has(path) || !isFifo(path)) continue;
    const since = performance.now();
    let said = false;
    for (;;) {
      const probe = writerProbe(path);
      if (probe !== 'unread') {
        if (probe !== undefined) {
          held.push(probe);
          fifos.add(path);
        }
        break;
      }
      if (signal?.aborted === true) break;
      if (!said && performance.now() - since >= noticeMs) {
        said = true;
        onWait?.({ ...output, path });
      }
      await sleep(pollMs, undefined, signal === undefined ? {} : { signal }).catch(() => undefined);
    }
  }
  return probes;
}

/**
 * `path` (a FIFO) opened for writing without blocking: its descriptor when someone reads it,
 * `'unread'` when no one does (ENXIO), undefined when it cannot be opened for another reason.
 */
function writerProbe(path: string): number | 'unread' | undefined {
  try {
    return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENXIO' ? 'unread' : undefined;
  }
}
