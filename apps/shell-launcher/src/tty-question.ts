/**
 * `-p`, `--interactive`: each command is shown on stderr followed by ` ?...`, and run only when
 * the line then typed on the terminal (`/dev/tty`, not stdin: stdin may be the input) starts with
 * `y` or `Y` — GNU parallel's prompt.
 */

import { closeSync, openSync } from 'node:fs';
import { ReadStream } from 'node:tty';

/**
 * The controlling terminal, `/dev/tty`, opened for reading: its file descriptor, or why it cannot
 * be opened, as text (no controlling terminal: cron, CI, `setsid`).
 */
export function openTerminal(): number | string {
  try {
    return openSync('/dev/tty', 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return `/dev/tty cannot be opened (${code === 'ENXIO' ? 'ENXIO: no controlling terminal' : code})`;
  }
}

/** Questions asked on the terminal, one line of answer each. */
export class TerminalQuestions {
  readonly #stream: ReadStream;
  /** What was typed past the last answer's line end (kept for the next question). */
  #held = '';
  #ended = false;
  #closed = false;
  /** The question waiting for its answer: settles it (false: not answered — closed, ended). */
  #pending: ((answer: string | undefined) => void) | undefined;

  private constructor(fd: number) {
    this.#stream = new ReadStream(fd);
    this.#stream.setEncoding('utf8');
    this.#stream.pause();
    // Between questions it keeps no process alive (a run that returns early need not close it).
    this.#stream.unref();
    this.#stream.on('data', (chunk: string) => {
      this.#held += chunk;
      this.#answer();
    });
    this.#stream.on('end', () => {
      this.#ended = true;
      this.#answer();
    });
    // A read that fails (the terminal hung up) answers no more: each question then gets "no".
    this.#stream.on('error', () => {
      this.#ended = true;
      this.#answer();
    });
  }

  /**
   * The controlling terminal, opened to read answers from; or why it cannot be (no controlling
   * terminal: cron, CI, `setsid`), as text.
   */
  static open(): TerminalQuestions | string {
    const fd = openTerminal();
    if (typeof fd === 'string') return fd;
    try {
      return new TerminalQuestions(fd);
    } catch (error) {
      closeSync(fd);
      return `/dev/tty cannot be read (${(error as Error).message})`;
    }
  }

  /**
   * Writes `prompt` with `write` and resolves with whether the line typed then starts with `y` or
   * `Y` (blanks before it aside). The terminal's end (Ctrl-D), or {@link close}, answers no.
   */
  ask(prompt: string, write: (text: string) => unknown): Promise<boolean> {
    if (this.#closed || this.#ended) return Promise.resolve(false);
    write(prompt);
    return new Promise((resolve) => {
      this.#pending = (answer) => resolve(answer !== undefined && /^\s*y/i.test(answer));
      this.#answer();
      if (this.#pending !== undefined) this.#stream.ref().resume();
    });
  }

  /** Asks no more: a question waiting is answered no, and the terminal is let go. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#settle(undefined);
    this.#stream.destroy();
  }

  /** Gives the question waiting its answer, if a whole line (or the end) is there. */
  #answer(): void {
    if (this.#pending === undefined) return;
    const end = this.#held.indexOf('\n');
    if (end >= 0) {
      const line = this.#held.slice(0, end);
      this.#held = this.#held.slice(end + 1);
      this.#settle(line);
    } else if (this.#ended || this.#closed) {
      this.#settle(undefined);
    }
  }

  #settle(answer: string | undefined): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    // Read no further than the answer: what comes later is the next question's, or a command's.
    if (!this.#closed) this.#stream.pause().unref();
    pending(answer);
  }
}
