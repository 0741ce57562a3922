import { constants, createReadStream, fstatSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { getSystemErrorMap } from 'node:util';
import { isFifo } from '@spm/closure-core';

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

/**
 * A socket's write error said as a file's is (`EPIPE: broken pipe, write`, as writeSync says it),
 * not as the socket says it (`write EPIPE`): the messages of the files a run writes stay alike.
 */
function described(error: NodeJS.ErrnoException): Error {
  const known = typeof error.errno === 'number' ? getSystemErrorMap().get(error.errno) : undefined;
  if (known === undefined || error.syscall === undefined) return error;
  return Object.assign(new Error(`${known[0]}: ${known[1]}, ${error.syscall}`), { code: error.code, cause: error });
}

/** Whether `fd` is a pipe or a FIFO (what a reader may stop reading). */
export function isPipe(fd: number): boolean {
  try {
    return fstatSync(fd).isFIFO();
  } catch {
    return false;
  }
}

/**
 * Writes to a pipe or FIFO (`fd`, open for writing; the writer owns it from now on) through the
 * event loop: text waits in memory while the reader is slower, so a reader that stops reading
 * never blocks the thread. Written with writeSync, a full pipe puts the thread to sleep in
 * write(2) until its reader reads — and a thread asleep there runs no signal listener:
 * `spm-shell --joblog >(sleep 100) …` ignored SIGINT and SIGTERM once 64 KiB of rows were
 * waiting. The first error (EPIPE: the reader went away) goes to `onError`; later writes are
 * dropped.
 */
export class PipeWriter {
  readonly #socket: Socket;
  #failed = false;

  constructor(fd: number, onError: (error: Error) => void) {
    this.#socket = new Socket({ fd, readable: false, writable: true });
    this.#socket.on('error', (error: NodeJS.ErrnoException) => {
      if (this.#failed) return;
      this.#failed = true;
      onError(described(error));
    });
  }

  write(text: string): void {
    if (!this.#failed) this.#socket.write(text);
  }

  /** Ends the pipe once what waits is written (its reader has taken it): resolves then, or at an error. */
  end(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#socket.destroyed) {
        resolve();
        return;
      }
      this.#socket.once('close', () => resolve());
      if (this.#failed) this.#socket.destroy();
      else this.#socket.end();
    });
  }
}
