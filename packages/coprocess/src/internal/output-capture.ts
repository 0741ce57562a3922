/**
 * Keeps the first `max` bytes of a stream and counts the rest, so a program that writes
 * gigabytes costs at most `max` bytes of memory while it is still drained.
 */
export class OutputCapture {
  readonly #max: number;
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  #seen = 0;

  constructor(max: number) {
    this.#max = max;
  }

  /** Takes one chunk; keeps what fits under the cap (a copy, so the pipe's buffer is not pinned). */
  push(chunk: Buffer): void {
    this.#seen += chunk.length;
    const room = this.#max - this.#kept;
    if (room <= 0) return;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.#chunks.push(Buffer.from(part));
    this.#kept += part.length;
  }

  /** Bytes seen in total, kept or not. */
  get bytes(): number {
    return this.#seen;
  }

  /** True when some bytes were not kept. */
  get truncated(): boolean {
    return this.#seen > this.#kept;
  }

  /** What was kept, as UTF-8; a character cut in two by the cap is dropped, not mangled. */
  text(): string {
    if (this.#kept === 0) return ''; // most programs' stderr, and all of `true`'s output
    const buffer = Buffer.concat(this.#chunks, this.#kept);
    return (this.truncated ? buffer.subarray(0, completeUtf8Length(buffer)) : buffer).toString('utf8');
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
