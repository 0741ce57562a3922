// A running command's stdin, fed by the hub as it runs (--tee, --round-robin, --fifo): through a
// FIFO the command opens. The spokes are local, so the hub's temporary directory is theirs too
// (as for --cat's files); nothing of this crosses the spokes' wire.
import { execFile } from 'node:child_process';
import { close, constants, mkdtempSync, open, rmSync, unlink, unlinkSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { runDirPrefix } from './run-dirs.js';

/** Polls for the command's open: first after 1 ms, doubling up to this. */
const OPEN_POLL_MAX_MS = 50;

/**
 * Makes FIFOs (named pipes, mode 600) at `paths`, with `mkfifo` (Node has no call for it): one
 * process for all of them.
 * @throws Error naming the FIFOs and `mkfifo`'s complaint when one cannot be made.
 */
export function makeFifos(paths: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('mkfifo', ['-m', '600', '--', ...paths], (error, _stdout, stderr) => {
      if (error === null) resolve();
      else reject(new Error(`cannot make the FIFO${paths.length === 1 ? '' : 's'} \`${paths.join('`, `')}\`: ${stderr.trim() || error.message}`));
    });
  });
}

/**
 * The writing end of a FIFO that one command reads: bytes written before the command opens it
 * wait (in memory) and go once it does. Opened without blocking: the hub polls with
 * `O_NONBLOCK` — an open that succeeds only once a reader (the command's shell, waiting in its
 * own open) is there — so no thread of the hub ever waits on a command. Once open, the path is
 * removed: the command opens it once (a run of it again cannot open it, and fails at once rather
 * than wait for a writer that will not come). The writes are a pipe's: they wait (see
 * {@link ready}) while the command does not read, and a command that exits unread makes the
 * feed {@link over} — the bytes it did not take are dropped.
 */
export class FifoFeed {
  /** The FIFO's path, until the command opens it. */
  readonly path: string;
  #socket: Socket | undefined;
  /** Bytes written before the open. */
  #waiting: Uint8Array[] = [];
  #ending = false;
  #over = false;
  #sent = 0;
  #pollMs = 1;
  #timer: NodeJS.Timeout | undefined;
  #wakers: (() => void)[] = [];

  /** Starts waiting for the command to open the FIFO at `path` (made already: {@link makeFifos}). */
  constructor(path: string) {
    this.path = path;
    this.#tryOpen();
  }

  /** The bytes the command's pipe took (written into it) so far. */
  get sent(): number {
    return this.#sent;
  }

  /** True once the command opened the FIFO (and until the feed is over). */
  get open(): boolean {
    return this.#socket !== undefined && !this.#over;
  }

  /** True once nothing more goes to the command: ended and written, its reader gone, or dropped. */
  get over(): boolean {
    return this.#over;
  }

  /** True when a write now goes at once: the command has the FIFO open and took what was written before. */
  get ready(): boolean {
    return this.open && !(this.#socket as Socket).writableNeedDrain;
  }

  /** Resolves once the feed is {@link ready} or {@link over}. */
  whenReady(): Promise<void> {
    if (this.ready || this.#over) return Promise.resolve();
    return new Promise((resolve) => this.#wakers.push(resolve));
  }

  /** Writes `bytes` to the command (held until it opens the FIFO); ignored once over or ended. */
  write(bytes: Uint8Array): void {
    if (this.#over || this.#ending || bytes.length === 0) return;
    if (this.#socket === undefined) this.#waiting.push(bytes);
    else this.#send(bytes);
  }

  /** No more bytes: once those written are taken, the command reads the end of its input. */
  end(): void {
    if (this.#over || this.#ending) return;
    this.#ending = true;
    this.#socket?.end();
  }

  /** The job is over (or will not run): no more waiting for its open, nothing more written, the FIFO removed. */
  drop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#socket?.destroy();
    if (this.#socket === undefined && !this.#over) unlink(this.path, () => undefined);
    this.#finish();
  }

  #send(bytes: Uint8Array): void {
    (this.#socket as Socket).write(bytes, (error) => {
      if (error === undefined || error === null) this.#sent += bytes.length;
    });
  }

  #tryOpen(): void {
    this.#timer = undefined;
    if (this.#over) return;
    open(this.path, constants.O_WRONLY | constants.O_NONBLOCK, (error, fd) => {
      if (this.#over) {
        if (error === null) close(fd, () => undefined);
        return;
      }
      if (error !== null) {
        // ENXIO: no reader yet. Anything else (the FIFO removed, not allowed): the command cannot have it.
        if (error.code !== 'ENXIO') return this.drop();
        this.#timer = setTimeout(() => this.#tryOpen(), this.#pollMs).unref();
        this.#pollMs = Math.min(this.#pollMs * 2, OPEN_POLL_MAX_MS);
        return;
      }
      // Both ends are open: the name is no longer needed. Removed before any byte is written (one
      // quick call, not the thread pool's turn): a command that has read its block finds it gone.
      try {
        unlinkSync(this.path);
      } catch {
        // Already gone (the run's directory removed): nothing to do.
      }
      const socket = new Socket({ fd, readable: false, writable: true });
      this.#socket = socket;
      // EPIPE: the command exited (or closed its stdin) unread.
      socket.on('error', () => this.#finish());
      socket.on('close', () => this.#finish());
      socket.on('drain', () => this.#wake());
      for (const bytes of this.#waiting) this.#send(bytes);
      this.#waiting = [];
      if (this.#ending) socket.end();
      this.#wake();
    });
  }

  #finish(): void {
    if (this.#over) return;
    this.#over = true;
    this.#waiting = [];
    this.#socket?.destroy();
    this.#wake();
  }

  #wake(): void {
    const wakers = this.#wakers;
    this.#wakers = [];
    for (const wake of wakers) wake();
  }
}

/**
 * The FIFOs of one run, in a directory of their own (made at the first, in `parent`), and the
 * feeds writing them: {@link close} drops every feed and removes the directory — at the run's
 * end, or at the process's exit should it come first.
 */
export class FifoDir {
  readonly #parent: string;
  #dir: string | undefined;
  #made = 0;
  readonly #feeds = new Set<FifoFeed>();
  readonly #atExit = (): void => this.close();

  /** FIFOs will be made in a new directory in `parent` (the run's temporary directory). */
  constructor(parent: string) {
    this.#parent = parent;
  }

  /**
   * `count` new FIFOs (named `prefix` and a number), each with its feed waiting for its command.
   * @throws Error when the directory or a FIFO cannot be made (what was made goes with the directory).
   */
  async feeds(count: number, prefix: string): Promise<FifoFeed[]> {
    if (this.#dir === undefined) {
      try {
        this.#dir = mkdtempSync(join(this.#parent, runDirPrefix('fifo')));
      } catch (error) {
        throw new Error(`cannot make a directory for FIFOs in \`${this.#parent}\`: ${(error as Error).message}`);
      }
      process.once('exit', this.#atExit);
    }
    const dir = this.#dir;
    const paths = Array.from({ length: count }, () => join(dir, `${prefix}${++this.#made}`));
    await makeFifos(paths);
    // Feeds long over are forgotten (--fifo makes one per block).
    if (this.#feeds.size > 1024) for (const feed of this.#feeds) if (feed.over) this.#feeds.delete(feed);
    const feeds = paths.map((path) => new FifoFeed(path));
    for (const feed of feeds) this.#feeds.add(feed);
    return feeds;
  }

  /** Drops every feed (see {@link FifoFeed.drop}) and removes the directory. */
  close(): void {
    for (const feed of this.#feeds) feed.drop();
    this.#feeds.clear();
    if (this.#dir === undefined) return;
    process.off('exit', this.#atExit);
    try {
      rmSync(this.#dir, { recursive: true, force: true });
    } catch {
      // In the system's temporary directory, which the system cleans.
    }
    this.#dir = undefined;
  }
}

/**
 * `--tee`: every chunk of `input` to every feed, as it comes. The first chunk waits until every
 * command has opened its FIFO (or its job is over): none misses the input's start. Each chunk
 * waits for the slowest reader, as `tee` does; a command that exits stops counting. Once no feed
 * is left, the rest of the input is not read. Every feed is ended at the input's end.
 */
export async function teeInto(input: AsyncIterable<Buffer | string>, feeds: readonly FifoFeed[]): Promise<void> {
  try {
    for await (const chunk of input) {
      let live = feeds.filter((feed) => !feed.over);
      if (live.length === 0) return;
      await Promise.all(live.map((feed) => feed.whenReady()));
      live = live.filter((feed) => !feed.over);
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      for (const feed of live) feed.write(bytes);
    }
  } finally {
    for (const feed of feeds) feed.end();
  }
}
