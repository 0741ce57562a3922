import { isUtf8 } from 'node:buffer';

/**
 * One line of the input (stdin or `--file`): its text, or why it cannot be a command. A refused
 * line is a job that is not run (it fails, with `refused` as its reason); `text` is then only for
 * showing it (invalid bytes as U+FFFD, a NUL as `\0`).
 */
export interface InputLine {
  readonly text: string;
  readonly refused?: string;
}

/** The input's lines, read as they come; `close()` stops reading (and releases the stream). */
export interface InputLines extends AsyncIterable<InputLine> {
  close(): void;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const NUL = 0x00;

/**
 * Splits a byte stream into lines as GNU parallel does: at `\n` only. A `\r` right before the
 * `\n` is dropped (a file with CRLF line ends gives the same commands as with LF); any other
 * `\r` stays in the line, as every other byte does. A last line without `\n` is a line; an empty
 * input has none. A line that is not valid UTF-8, or that holds a NUL byte, is refused rather
 * than altered: Node would turn invalid bytes into U+FFFD — a command naming another file — and a
 * shell command (a C string) cannot hold NUL.
 *
 * With `separator: 'nul'` (`-0`, as `find -print0` writes its names), items end at NUL instead:
 * an item may hold newlines and `\r`s, all kept; a last item without NUL is an item. Items are
 * refused as lines are when they are not valid UTF-8. With bytes (`-d`), items end where those
 * bytes are (found across the stream's chunks too), and no `\r` is dropped: an item holding a
 * NUL is then refused, as a line is.
 *
 * `source`, when the stream is one of several input sources (`-a`, `::::`): the file's name (`-`
 * for stdin), for the reason of a refused line ("line 3 of `names`" rather than "input line 3").
 */
export function inputLines(stream: NodeJS.ReadableStream, separator: 'newline' | 'nul' | Uint8Array = 'newline', source?: string): InputLines {
  // `-d`: any bytes end an item (a one-byte NUL delimiter is `-0`); nothing else is dropped.
  const delimiter = typeof separator === 'string' ? undefined : Buffer.from(separator);
  const nul = separator === 'nul' || (delimiter !== undefined && delimiter.length === 1 && delimiter[0] === NUL);
  const items = separator !== 'newline';
  const end = delimiter ?? Buffer.from([nul ? NUL : NEWLINE]);
  let closed = false;
  async function* read(): AsyncGenerator<InputLine> {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let number = 0;
    const item = (line: Buffer): InputLine => lineOf(!items && line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN ? line.subarray(0, line.length - 1) : line, ++number, nul, source, items);
    try {
      for await (const chunk of stream as AsyncIterable<Buffer | string>) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        let start = 0;
        // A delimiter of several bytes may begin in what is pending and end in this chunk.
        if (end.length > 1 && pendingBytes > 0) {
          const tail = lastBytes(pending, end.length - 1);
          const edge = Buffer.concat([tail, bytes.subarray(0, end.length - 1)]);
          const at = edge.indexOf(end);
          if (at >= 0 && at < tail.length) {
            const whole = Buffer.concat(pending);
            pending = [];
            pendingBytes = 0;
            start = end.length - (tail.length - at);
            yield item(whole.subarray(0, whole.length - (tail.length - at)));
          }
        }
        for (let at = bytes.indexOf(end, start); at >= 0; at = bytes.indexOf(end, start)) {
          const piece = bytes.subarray(start, at);
          const line = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
          pending = [];
          pendingBytes = 0;
          start = at + end.length;
          yield item(line);
        }
        if (start < bytes.length) {
          pending.push(bytes.subarray(start));
          pendingBytes += bytes.length - start;
        }
      }
    } catch (error) {
      // Closed by us ("Premature close"): the end of the input, not a failure to read it.
      if (closed) return;
      throw error;
    }
    if (pending.length > 0 && !closed) yield item(Buffer.concat(pending));
  }
  const lines = read();
  return {
    [Symbol.asyncIterator]: () => lines,
    close(): void {
      if (closed) return;
      closed = true;
      // Unblocks a read under way (a pipe that stays open): the generator then ends.
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    },
  };
}

/** The last `n` bytes of `pieces` (fewer if they hold fewer), without joining the rest: an item may span many reads. */
function lastBytes(pieces: readonly Buffer[], n: number): Buffer {
  const tail: Buffer[] = [];
  let have = 0;
  for (let i = pieces.length - 1; i >= 0 && have < n; i--) {
    const piece = pieces[i] as Buffer;
    const take = piece.subarray(Math.max(0, piece.length - (n - have)));
    tail.unshift(take);
    have += take.length;
  }
  return Buffer.concat(tail);
}

/** `source`: the file the line is from, when it is one of several input sources (for messages). */
function lineOf(bytes: Buffer, number: number, nul: boolean, source?: string, items = nul): InputLine {
  const text = bytes.toString('utf8');
  const which = (kind: string): string => (source === undefined ? `input ${kind} ${number}` : `${kind} ${number} of ${source === '-' ? 'stdin' : `\`${source}\``}`);
  if (!isUtf8(bytes)) {
    const at = firstInvalidUtf8(bytes);
    return {
      text: shown(text),
      refused: `${which(items ? 'item' : 'line')} is not valid UTF-8 (${badByteAt(bytes[at] ?? 0, at)}); spm-shell passes commands to the shell as UTF-8 text`,
    };
  }
  const at = nul ? -1 : bytes.indexOf(NUL);
  if (at >= 0)
    return {
      text: shown(text),
      refused: `${which(items ? 'item' : 'line')} holds a NUL byte (at byte ${at + 1}), which a shell command cannot hold (items that end with NUL: -0)`,
    };
  return { text };
}

function shown(text: string): string {
  return text.replaceAll('\0', '\\0');
}

/** Where bytes stop being UTF-8, as the messages say it: `byte 0xe9 at byte 4` (`at` counts from 0, said from 1). */
export function badByteAt(byte: number, at: number): string {
  return `byte 0x${byte.toString(16).padStart(2, '0')} at byte ${at + 1}`;
}

/** The offset of the first byte that does not fit UTF-8 (the start of a bad or cut sequence). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i += 1;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let code = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += need + 1;
  }
  return bytes.length;
}

/** `--skip-first-line`: `lines` without the first (GNU parallel drops it unread as an argument). */
export function withoutFirst(lines: InputLines): InputLines {
  async function* rest(): AsyncGenerator<InputLine> {
    let first = true;
    for await (const line of lines) {
      if (first) first = false;
      else yield line;
    }
  }
  const iterable = rest();
  return { [Symbol.asyncIterator]: () => iterable, close: () => lines.close() };
}

/** A value that goes on in the next one, for `-L`/`-l`: it ends in whitespace (Perl's `\s`, ASCII). */
const CONTINUED = /[ \t\n\r\f\v]$/;

/**
 * `-L`, `-l` (`--max-lines`), as xargs and GNU parallel read their input then: a value (line,
 * item, word) that ends in whitespace is continued by the next one, the two joined as they are
 * (`a ` then `b` is `a b`); a last one that ends so is a value all the same. A refused value
 * makes the joined one refused, with the first reason. `eof` (`-E`): a line equal to it, before
 * any joining, ends the values (one going on is then the last), as GNU parallel checks it.
 * `header` (`--header`): the first line is the header, as it is — never continued (a header
 * ending in a blank took the first data line with it, which was lost) nor checked against `eof`.
 */
export function continuedLines(lines: InputLines, eof?: string, header = false): InputLines {
  async function* joined(): AsyncGenerator<InputLine> {
    const continuation = new Continuation();
    let first = header;
    for await (const line of lines) {
      if (first) {
        first = false;
        yield line;
        continue;
      }
      if (line.text === eof) break;
      const value = continuation.add(line);
      if (value !== undefined) yield value;
    }
    const last = continuation.end();
    if (last !== undefined) yield last;
  }
  const iterable = joined();
  return { [Symbol.asyncIterator]: () => iterable, close: () => lines.close() };
}

/** {@link continuedLines} of values all at hand (a `:::` source's words), `eof` and `header` the same. */
export function continuedValues(values: readonly InputLine[], eof?: string, header = false): InputLine[] {
  const continuation = new Continuation();
  const head = header ? values.slice(0, 1) : [];
  const rest = values.slice(head.length);
  const end = rest.findIndex((line) => line.text === eof);
  const out = rest
    .slice(0, end < 0 ? rest.length : end)
    .map((line) => continuation.add(line))
    .filter((value) => value !== undefined);
  const last = continuation.end();
  return [...head, ...out, ...(last === undefined ? [] : [last])];
}

/** The values read so far that go on in the next one, joined. */
class Continuation {
  #held: InputLine | undefined;

  /** The value `line` ends, or `undefined` when it goes on. */
  add(line: InputLine): InputLine | undefined {
    const held = this.#held;
    const refused = held?.refused ?? line.refused;
    const value = held === undefined ? line : { text: held.text + line.text, ...(refused !== undefined ? { refused } : {}) };
    this.#held = CONTINUED.test(value.text) ? value : undefined;
    return this.#held === undefined ? value : undefined;
  }

  /** The value still going on at the end of the input, if any. */
  end(): InputLine | undefined {
    return this.#held;
  }
}
