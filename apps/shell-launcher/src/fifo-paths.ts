import { constants, createReadStream, openSync } from 'node:fs';
import { Socket } from 'node:net';
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
