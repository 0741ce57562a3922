import { fillPath, fillTemplate, hasReplacement } from './command-template.js';
import { withPerlValues, type PerlJob } from './perl-eval.js';
import type { Job } from './job-outcome.js';
import { FLUSH, type Piece } from './block-timeout.js';

/** How `--pipe` cuts its input into blocks, one per job. */
export interface BlockOptions {
  /**
   * The most bytes a block holds (`--block`): it ends at the last record boundary whose recend
   * and recstart both fit in it. A record longer than this is a block of its own, whole.
   */
  readonly blockBytes: number;
  /** `-N n`: exactly n records per block (the last may hold fewer), whatever their size. */
  readonly records?: number;
  /**
   * The bytes that end a record (`--recend`): `\n`, or NUL with `-0`; empty when only
   * `recstart` marks records. A byte is one byte.
   */
  readonly recend: Buffer | number;
  /**
   * The bytes that start a record (`--recstart`), empty or absent: any. A record boundary is where
   * `recend` ends and `recstart` begins, as GNU parallel cuts; one of the two is not empty.
   */
  readonly recstart?: Buffer;
  /** `--header`: the first line (ended by `headerEnd`) is prepended to every block (and is no block itself). */
  readonly header?: boolean;
  /**
   * `--round-robin`: the header is handed to this once read, and not prepended to the blocks
   * (each job takes it once, before its first block).
   */
  readonly onHeader?: (header: Buffer) => void;
  /** The byte that ends the header's line: `\n`, or NUL with `-0`. @default the recend byte, else `\n` */
  readonly headerEnd?: number;
  /**
   * `--remove-rec-sep`: from each block (not the header) every `recend` + `recstart` is removed,
   * then a `recstart` at its start and a `recend` at its end (or before its last newline), as GNU
   * parallel's `--rrs` removes them.
   */
  readonly removeSeparators?: boolean;
}

const asBytes = (separator: Buffer | number | undefined): Buffer => (separator === undefined ? Buffer.alloc(0) : typeof separator === 'number' ? Buffer.from([separator]) : separator);

/** A block without its record separators (`--rrs`), as GNU parallel's `remove_rec_sep`. */
export function removeSeparators(block: Buffer, recend: Buffer, recstart: Buffer): Buffer {
  const both = Buffer.concat([recend, recstart]);
  const kept: Buffer[] = [];
  let from = 0;
  for (let at = block.indexOf(both); at >= 0; at = block.indexOf(both, at + both.length)) {
    kept.push(block.subarray(from, at));
    from = at + both.length;
  }
  kept.push(block.subarray(from));
  let out = kept.length === 1 ? block : Buffer.concat(kept);
  if (recstart.length > 0 && out.subarray(0, recstart.length).equals(recstart)) out = out.subarray(recstart.length);
  if (recend.length > 0) {
    // Perl's `$`: the end, or before a newline that ends the block.
    const ends = (at: number): boolean => at >= 0 && out.subarray(at, at + recend.length).equals(recend);
    if (ends(out.length - recend.length)) out = out.subarray(0, out.length - recend.length);
    else if (out[out.length - 1] === 0x0a && ends(out.length - 1 - recend.length)) out = Buffer.concat([out.subarray(0, out.length - 1 - recend.length), out.subarray(out.length - 1)]);
  }
  return out;
}

/**
 * `--skip-first-line` with `--pipe`: `input` from past its first newline (GNU parallel reads that
 * line away before the blocks; an input of one line without a newline is all skipped).
 */
export async function* withoutFirstLine(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let skipping = true;
  for await (const chunk of input) {
    if (!skipping) {
      yield chunk;
      continue;
    }
    const newline = chunk.indexOf(0x0a);
    if (newline < 0) continue;
    skipping = false;
    if (newline + 1 < chunk.length) yield chunk.subarray(newline + 1);
  }
}

/** `block`, unless there is none. */
function* some(block: Buffer | undefined): Generator<Buffer> {
  if (block !== undefined) yield block;
}

/**
 * `--pipe`: the input cut into blocks of whole records, as GNU parallel cuts it — each at most
 * `blockBytes`, ending at its last record boundary (`--block`), or n records each (`-N n`); the
 * input's last bytes, a record's end or not, are the last block. A boundary is where `recend`
 * ends and `recstart` begins, past the block's first byte — so with `-N` an empty record (a
 * separator at a block's first byte) joins the next, as GNU parallel's search from the block's
 * second byte does; a block `--rrs` leaves empty is no block. What is held is copied once per
 * block, and a long record's bytes are searched once (each new chunk, with the few bytes before
 * it that a separator could span).
 */
export async function* blocksOf(input: AsyncIterable<Piece>, options: BlockOptions): AsyncGenerator<Buffer> {
  const { blockBytes, records } = options;
  const recend = asBytes(options.recend);
  const recstart = asBytes(options.recstart);
  // A boundary is an occurrence of recend + recstart, recend's length into it.
  const needle = Buffer.concat([recend, recstart]);
  if (needle.length === 0) throw new RangeError('blocksOf: recend and recstart are both empty');
  const [E, N] = [recend.length, needle.length];
  // One byte is looked for as a number: Buffer's memchr path, several times faster than a 1-byte Buffer's.
  const probe = N === 1 ? (needle[0] as number) : needle;
  const headerEnd = options.headerEnd ?? (typeof options.recend === 'number' ? options.recend : 0x0a);
  let header: Buffer | undefined;
  let needHeader = options.header === true;
  let chunks: Buffer[] = [];
  // `start`: the input position of what is held's first byte (the next block's); `held`: its bytes.
  let start = 0;
  let held = 0;
  // -N and a long record: boundaries found past `start` (input positions, from `first`), and the
  // position from which the needle is still to be looked for.
  let bounds: number[] = [];
  let first = 0;
  let scanFrom = 0;
  // Set while what is held is one record longer than a block, its boundary not read yet.
  let inLongRecord = false;
  /** The held bytes between input positions `from` and `to`, copied only if they span chunks. */
  const bytes = (from: number, to: number): Buffer => {
    const parts: Buffer[] = [];
    let base = start;
    for (const chunk of chunks) {
      const [lo, hi] = [Math.max(from - base, 0), Math.min(to - base, chunk.length)];
      if (lo < hi) parts.push(lo === 0 && hi === chunk.length ? chunk : chunk.subarray(lo, hi));
      base += chunk.length;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  };
  /**
   * Cuts what is held at input position `end`: the block before it (with the header), the rest
   * kept; `undefined` for a block that `--rrs` left empty (GNU parallel runs no job for it).
   */
  const take = (end: number): Buffer | undefined => {
    const whole = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, held);
    const rest = whole.subarray(end - start);
    chunks = rest.length > 0 ? [rest] : [];
    held = rest.length;
    start = end;
    let block = whole.subarray(0, whole.length - rest.length);
    if (options.removeSeparators === true) {
      block = removeSeparators(block, recend, recstart);
      if (block.length === 0) return undefined;
    }
    return header === undefined || options.onHeader !== undefined ? Buffer.from(block) : Buffer.concat([header, block]);
  };
  /** Looks for boundaries in what came since the last look (and the needle's length before it). */
  const scan = (): void => {
    const end = start + held;
    const from = Math.max(scanFrom, start);
    if (end - from < N) return;
    const window = bytes(from, end);
    let last = -1;
    for (let at = window.indexOf(probe); at >= 0; at = window.indexOf(probe, at + 1)) {
      last = at;
      // A separator that begins at the block's first byte is not one (GNU parallel looks for the
      // Nth from the block's second byte): an empty record joins the next one.
      if (from + at > start) bounds.push(from + at + E);
    }
    scanFrom = Math.max(last >= 0 ? from + last + 1 : from, end - N + 1);
  };
  /** Drops the boundaries taken with a block, and one whose separator begins at the next block's first byte (see `scan`). */
  const forget = (): void => {
    while (first < bounds.length && (bounds[first] as number) - E <= start) first += 1;
    if (first > 1024 && first * 2 > bounds.length) {
      bounds = bounds.slice(first);
      first = 0;
    }
  };
  /** Every block that can be cut from what is held; at the input's end (`last`), all of it. */
  function* cut(last: boolean): Generator<Buffer> {
    for (;;) {
      if (held === 0) return;
      if (records !== undefined) {
        scan();
        if (bounds.length - first < records) break;
        const end = bounds[first + records - 1] as number;
        yield* some(take(end));
        forget();
        continue;
      }
      if (inLongRecord) {
        scan();
        if (first >= bounds.length) break;
        inLongRecord = false;
        yield* some(take(bounds[first] as number));
        bounds = [];
        first = 0;
        continue;
      }
      if (held < blockBytes) break;
      const whole = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, held);
      chunks = [whole];
      // The last boundary whose recend and recstart lie within the block's size (GNU parallel's,
      // which looks for them in a block's worth read); else the first after it (a long record).
      let at = blockBytes - N >= 0 ? whole.lastIndexOf(probe, blockBytes - N) : -1;
      if (at >= 0 && at + E > 0) {
        yield* some(take(start + at + E));
        continue;
      }
      // (Never at the block's first byte: a block smaller than the separators holds a record all the same.)
      at = whole.indexOf(probe, Math.max(blockBytes - N + 1, 1 - E, 0));
      if (at >= 0) {
        yield* some(take(start + at + E));
        continue;
      }
      // A record longer than the block, its end not read yet: looked for in what comes next only.
      inLongRecord = true;
      scanFrom = start + Math.max(held - N + 1, 0);
      break;
    }
    if (last && held > 0) yield* some(take(start + held));
  }
  /**
   * `--block-timeout`: what is held up to its last record boundary, as a block (nothing before the
   * header, with `-N`, whose blocks are N records, or when no record is complete).
   */
  function* flushed(): Generator<Buffer> {
    if (needHeader || records !== undefined || held === 0) return;
    const whole = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, held);
    chunks = [whole];
    const at = whole.lastIndexOf(probe);
    if (at < 0 || at + E === 0) return;
    inLongRecord = false;
    yield* some(take(start + at + E));
  }
  for await (const piece of input) {
    if (piece === FLUSH) {
      yield* flushed();
      continue;
    }
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    if (chunk.length === 0) continue;
    chunks.push(chunk);
    held += chunk.length;
    if (needHeader) {
      // Only the newest chunk can end it: what was held before had no header end.
      const inChunk = chunk.indexOf(headerEnd);
      if (inChunk < 0) continue;
      const at = held - chunk.length + inChunk;
      // Cut as a block is (no header yet to put before it, no separators removed), and kept.
      header = Buffer.from(bytes(start, start + at + 1));
      chunks = held > at + 1 ? [bytes(start + at + 1, start + held)] : [];
      start += at + 1;
      held -= at + 1;
      scanFrom = start;
      needHeader = false;
      options.onHeader?.(header);
    }
    yield* cut(false);
  }
  // The whole input is one line without an end: GNU parallel passes it on as a block of its own
  // (a header line with its end and nothing after it makes no block).
  if (needHeader) {
    if (held > 0) yield Buffer.from(bytes(start, start + held));
    return;
  }
  yield* cut(true);
}

/**
 * The record separators `--pipe` cuts at, from the options as given (GNU parallel's defaults):
 * neither given, records end with a newline (NUL with `-0`); one given, the other is empty.
 */
export function separators(options: { readonly recstart?: Buffer | undefined; readonly recend?: Buffer | undefined; readonly nullSeparated?: boolean }): Pick<BlockOptions, 'recend' | 'recstart'> {
  const { recstart, recend } = options;
  if (recstart === undefined && recend === undefined) return { recend: options.nullSeparated === true ? 0 : 0x0a };
  return { recend: recend ?? Buffer.alloc(0), recstart: recstart ?? Buffer.alloc(0) };
}

/** What `--cat` puts in a command for the file holding its block: the shell variable the file's name is in (GNU parallel's). */
export const CAT_FILE = '$PARALLEL_TMP';

/**
 * `--pipe`: a job per block, the template its command (`{#}` its number; no arguments), the block
 * its stdin. With `inFile` (`--cat`, `--fifo`), the block goes to a file (or a FIFO) instead (the
 * caller writes it) and the command names it as {@link CAT_FILE}: in place of `{}`, else at its
 * end — as GNU parallel does.
 */
export async function* jobsFromBlocks(blocks: AsyncIterable<Buffer>, template: string, inFile = false, perlOf?: (seq: number, args: readonly string[]) => PerlJob): AsyncGenerator<Job> {
  let seq = 0;
  for await (const input of blocks) {
    seq += 1;
    // `{= =}`: `$_` is empty (a block has no argument), as GNU parallel's.
    const perl = perlOf?.(seq, []);
    yield withPerlValues({ seq, command: blockCommand(template, seq, inFile, perl), tag: '', args: [], attempt: 1, input }, perl);
  }
}

/**
 * The command of `--pipe`'s job `seq`: the template filled with no argument; with `inFile`
 * (`--cat`, `--fifo`), its file `$PARALLEL_TMP` in place of `{}` (appended if there is none).
 */
export function blockCommand(template: string, seq: number, inFile = false, perl?: PerlJob): string {
  if (!inFile) return fillTemplate(template, [], seq, false, false, perl);
  return hasReplacement(template) ? fillPath(template, [CAT_FILE], seq, perl) : `${template} ${CAT_FILE}`;
}
