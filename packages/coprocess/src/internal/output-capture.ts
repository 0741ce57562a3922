import { isUtf8 } from 'node:buffer';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Keeps the first `max` bytes of a stream and counts the rest, so a program that writes
 * gigabytes costs at most `max` bytes of memory while it is still drained. With a spill file
 * (`spillDir`/`spillBase` + `spillSuffix`), the rest is appended to it instead (created with the first byte past
 * the cap; its path is composed only then: most streams never get there).
 *
 * With a spill file, a stream that is not UTF-8 text (`gzip -c`, Latin-1) is kept byte for byte:
 * decoded, its bad bytes would become U+FFFD. Its kept bytes are checked as they come (a
 * character cut between chunks is checked with the next); at the first that are not text, the
 * bytes kept so far go to the file and the rest follow them there — `text()` is then '' and the
 * file holds the whole stream. (Past the cap the file takes bytes as they are anyway.)
 */
export class OutputCapture {
  readonly #max: number;
  readonly #spillDir: string | undefined;
  readonly #spillBase: string;
  readonly #spillSuffix: string;
  #spillPath: string | undefined;
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  #seen = 0;
  /** The spill file's descriptor while it is open; -1 once it failed or was closed. */
  #fd: number | undefined;
  #spilledBytes = 0;
  /** True once the cap was reached, or the stream is not text: the kept part is closed (later bytes go to the file or nowhere). */
  #full = false;
  /** The kept bytes' last, incomplete UTF-8 sequence: checked with the next chunk. */
  #tail: Buffer | undefined;

  constructor(max: number, spillDir?: string, spillBase = '', spillSuffix = '') {
    this.#max = max;
    this.#spillDir = spillDir;
    this.#spillBase = spillBase;
    this.#spillSuffix = spillSuffix;
  }

  /** Takes one chunk; keeps what fits under the cap (a copy, so the pipe's buffer is not pinned). */
  push(chunk: Buffer): void {
    this.#seen += chunk.length;
    if (this.#full) {
      this.#spill(chunk);
      return;
    }
    if (this.#spillDir !== undefined && !this.#staysText(chunk)) {
      this.#spillAll();
      this.#spill(chunk);
      return;
    }
    const room = this.#max - this.#kept;
    if (chunk.length <= room) {
      this.#chunks.push(Buffer.from(chunk));
      this.#kept += chunk.length;
      return;
    }
    this.#full = true;
    // Spilling: the cut falls before the sequence it would split, so the kept part is whole
    // characters and the file goes on from a character's first byte.
    let cut = room;
    if (this.#spillDir !== undefined) while (cut > 0 && cut > room - 3 && ((chunk[cut] ?? 0) & 0xc0) === 0x80) cut -= 1;
    if (cut > 0) {
      this.#chunks.push(Buffer.from(chunk.subarray(0, cut)));
      this.#kept += cut;
    } else if (this.#spillDir !== undefined && ((chunk[0] ?? 0) & 0xc0) === 0x80) {
      // The sequence began in the kept part's last chunk: its first bytes go to the file too.
      const last = this.#chunks.pop();
      if (last !== undefined) {
        const whole = completeUtf8Length(last);
        if (whole > 0) this.#chunks.push(last.subarray(0, whole));
        this.#kept -= last.length - whole;
        this.#spill(last.subarray(whole));
      }
    }
    this.#spill(chunk.subarray(cut));
  }

  /** Whether the bytes kept so far and `chunk` are UTF-8 text (a sequence `chunk` ends inside is judged with the next). */
  #staysText(chunk: Buffer): boolean {
    const bytes = this.#tail === undefined ? chunk : Buffer.concat([this.#tail, chunk]);
    const whole = completeUtf8Length(bytes);
    this.#tail = whole < bytes.length ? Buffer.from(bytes.subarray(whole)) : undefined;
    return isUtf8(bytes.subarray(0, whole));
  }

  /** Not text: the bytes kept so far go to the file, and so will the rest. */
  #spillAll(): void {
    this.#full = true;
    const kept = this.#chunks.splice(0);
    this.#kept = 0;
    for (const part of kept) this.#spill(part);
  }

  #spill(part: Buffer): void {
    if (this.#spillDir === undefined || this.#fd === -1 || part.length === 0) return;
    try {
      this.#spillPath ??= join(this.#spillDir, `${this.#spillBase}${this.#spillSuffix}`);
      this.#fd ??= openSync(this.#spillPath, 'wx', 0o600);
      for (let at = 0; at < part.length; ) at += writeSync(this.#fd, part, at);
      this.#spilledBytes += part.length;
    } catch {
      // A full disk, a directory gone: the rest is dropped, and the stream is truncated.
      this.close();
      this.#fd = -1;
    }
  }

  /** Closes the spill file, if any (once the stream has ended). */
  close(): void {
    // A stream that ends inside a character is not text either.
    if (this.#spillDir !== undefined && !this.#full && this.#tail !== undefined) this.#spillAll();
    this.#tail = undefined;
    if (this.#fd !== undefined && this.#fd >= 0) {
      try {
        closeSync(this.#fd);
      } catch {
        // closed already
      }
    }
    if (this.#fd !== undefined) this.#fd = -1;
  }

  /** Bytes seen in total, kept or not. */
  get bytes(): number {
    return this.#seen;
  }

  /** True when some bytes were neither kept nor spilled. */
  get truncated(): boolean {
    return this.#seen > this.#kept + this.#spilledBytes;
  }

  /** The spill file, once something was written to it. */
  get spilled(): string | undefined {
    return this.#spilledBytes > 0 ? this.#spillPath : undefined;
  }

  /** What was kept, as UTF-8; a character cut in two by the cap is dropped, not mangled. */
  text(): string {
    if (this.#kept === 0) return ''; // most programs' stderr, and all of `true`'s output
    const buffer = Buffer.concat(this.#chunks, this.#kept);
    return (this.#kept < this.#seen && this.#spillDir === undefined ? buffer.subarray(0, completeUtf8Length(buffer)) : buffer).toString('utf8');
  }
}

/** The length of `buffer` without a trailing, incomplete UTF-8 sequence. */
export function completeUtf8Length(buffer: Uint8Array): number {
  const end = buffer.length;
  // Look back over at most 3 continuation bytes for the lead byte of the last sequence.
  for (let i = end - 1; i >= 0 && i >= end - 4; i--) {
    const byte = buffer[i] ?? 0;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return end - i >= need ? end : i;
  }
  return end;
}
