import { closeSync, constants, createReadStream, openSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** How often a FIFO with no reader is tried again ({@link waitForReaders}). */
const READER_POLL_MS = 50;
/** How long a FIFO may go without a reader before it is said on stderr ({@link waitForReaders}). */
const READER_NOTICE_MS = 1000;

function isFifo(path: string): boolean {
  try {
    return statSync(path).isFIFO();
  } catch {
    return false;
  }
}

/**
 * The file at `path` as a stream of its bytes (an input source: `-a`, `::::`).
 *
 * A FIFO is opened without blocking (`O_NONBLOCK`) and read through the event loop, as a pipe.
 * Opened the usual way, a FIFO that no writer has opened yet blocks the opening thread — one of
 * libuv's pool threads, for `createReadStream` — until one does; and a Node process with a pool
 * thread stuck so cannot end at all (its exit waits for that thread): `spm-shell echo :::: fifo`
 * with no writer ignored SIGINT and SIGTERM, a second one too, and only SIGKILL ended it. Read
 * this way it still waits for its first writer (a FIFO no writer has opened does not end), and
 * ends when the last writer closes it, as before — but an interrupt ends the run at once.
 * Any other file (and a path that cannot be opened: its error comes as the stream's) is read with
 * `createReadStream`.
 */
export function inputFileStream(path: string): NodeJS.ReadableStream {
  let fd: number | undefined;
  try {
    if (isFifo(path)) fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    // Not there, not ours to read: createReadStream says so, as for any file.
  }
  return fd === undefined ? createReadStream(path) : new Socket({ fd, readable: true, writable: false });
}

/** What {@link waitForReaders} holds open: `release()` closes it. */
export interface ReaderProbes {
  release(): void;
}

/**
 * Resolves once each FIFO among `outputs` (files the run writes: `--joblog`, `--results`'
 * table; `what` names each, for the notice) has a reader, or at `signal`'s abort.
 * Opened for writing the usual way (`openSync`, in the hub's thread), a FIFO with no reader blocks
 * the thread until one comes — and a thread asleep in `open` runs no signal listener: `spm-shell
 * --joblog fifo` with no reader ignored SIGINT and SIGTERM. So each is tried without blocking
 * (`O_NONBLOCK`: ENXIO while none reads it) every 50 ms, the event loop turning meanwhile. The
 * probe that finds a reader is kept open, as a writer, until the caller has opened the file
 * (`release()`): closed at once, it would be the reader's end of file (no writer left) before the
 * real open, and a reader that then goes would leave that open blocked. A FIFO still unread after
 * a second is said once on stderr (`notice`). Paths that are not FIFOs (or cannot be opened) pass
 * at once: their own open says what is wrong.
 */
export async function waitForReaders(outputs: readonly { readonly path: string | undefined; readonly what: string }[], signal: AbortSignal | undefined, notice: (text: string) => void): Promise<ReaderProbes> {
  const held: number[] = [];
  const probes = {
    release: (): void => {
      for (const fd of held.splice(0)) closeSync(fd);
    },
  };
  for (const { path, what } of outputs) {
    if (path === undefined || !isFifo(path)) continue;
    const since = performance.now();
    let said = false;
    for (;;) {
      const probe = writerProbe(path);
      if (probe !== 'unread') {
        if (probe !== undefined) held.push(probe);
        break;
      }
      if (signal?.aborted === true) break;
      if (!said && performance.now() - since >= READER_NOTICE_MS) {
        said = true;
        notice(`spm-shell: waiting for a reader of the FIFO \`${path}\` (${what}) before starting\n`);
      }
      await sleep(READER_POLL_MS, undefined, signal === undefined ? {} : { signal }).catch(() => undefined);
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
