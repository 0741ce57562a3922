import { open, stat } from 'node:fs/promises';
import type { RecordPattern } from './record-pattern.js';

/**
 * `--pipe-part`: parts of a seekable file, each the stdin of one job — found as GNU parallel
 * finds them (its `find_split_positions`), without reading the file through: only a window after
 * each border is read, to put the cut at the next record's end.
 */

/** One job's part: `header` (the file's first line with `--header :`), then bytes `start` to `end` of `path`. */
export interface FilePart {
  readonly path: string;
  readonly header: Buffer;
  readonly start: number;
  readonly end: number;
}

/** How `--pipe-part` cuts. */
export interface PartOptions {
  /** The size of a part in bytes (the least: a part ends at the record end after it). */
  readonly blockBytes?: number;
  /** `--block -N`: N parts per job slot, i.e. a part size of 1 + ⌊total size / jobs / N⌋ (GNU parallel's). */
  readonly partsPerSlot?: number;
  /** The job slots (`-j`), for `partsPerSlot`. */
  readonly jobs: number;
  /** `--header :`: each file's first line goes before each of its parts. */
  readonly header: boolean;
  /** `--skip-first-line`: each file's first line (all of a file without a newline) is in no part, and `header` is the line after it. */
  readonly skipFirstLine?: boolean;
  /** A record ends with these bytes… */
  readonly recend: Buffer;
  /** …and the next starts with these: a part is cut only between the two. Both empty: anywhere. */
  readonly recstart: Buffer;
  /** `--regexp`: the boundaries are this pattern's (`recend` and `recstart` are then not used). */
  readonly pattern?: RecordPattern;
}

/** How much is read at a time while looking for a record's end past a border (GNU parallel's 128 KiB). */
const WINDOW_BYTES = 128 * 1024;

/** Why a file cannot be cut: said to the user as it is. */
export class PartError extends Error {}

/**
 * The parts of `paths`, file after file, in order. A file that is not a regular file or a block
 * device (a pipe, a FIFO, a directory) cannot be cut: {@link PartError}.
 */
export async function filePartsOf(paths: readonly string[], options: PartOptions): Promise<FilePart[]> {
  const sizes: number[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      throw new PartError(`cannot read \`${path}\`: ${(error as Error).message}`);
    }
    if (!info.isFile() && !info.isBlockDevice()) throw new PartError(`\`${path}\` is not a seekable file (a pipe, a FIFO or a stream cannot be cut in parts: use --pipe)`);
    sizes.push(info.size);
  }
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const block = options.partsPerSlot !== undefined ? 1 + Math.floor(total / options.jobs / options.partsPerSlot) : (options.blockBytes ?? 1);
  const parts: FilePart[] = [];
  for (const [i, path] of paths.entries()) parts.push(...(await partsOfFile(path, sizes[i] ?? 0, block, options)));
  return parts;
}

async function partsOfFile(path: string, size: number, block: number, options: PartOptions): Promise<FilePart[]> {
  const file = await open(path, 'r');
  try {
    const skipped = options.skipFirstLine === true ? (await firstLine(file)).length || size : 0;
    const header = options.header ? await firstLine(file, skipped) : Buffer.alloc(0);
    const separator = Buffer.concat([options.recend, options.recstart]);
    const pattern = options.pattern;
    const cutAfter: CutAfter =
      pattern !== undefined ? (pos) => patternCut(file, size, pos, pattern) : separator.length === 0 ? async (pos) => pos : (pos) => separatorCut(file, pos, separator, options.recend.length);
    const positions = await splitPositions(size, Math.max(1, Math.floor(block)), skipped + header.length, cutAfter);
    const parts: FilePart[] = [];
    for (let i = 0; i + 1 < positions.length; i++) parts.push({ path, header, start: positions[i] as number, end: positions[i + 1] as number });
    return parts;
  } finally {
    await file.close();
  }
}

/** The file's first line from byte `from`, its newline included; none (empty) if no newline follows, as GNU parallel's `(.*\n)`. */
async function firstLine(file: Awaited<ReturnType<typeof open>>, from = 0): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let at = from; ; ) {
    const buffer = Buffer.alloc(WINDOW_BYTES);
    const { bytesRead } = await file.read(buffer, 0, WINDOW_BYTES, at);
    if (bytesRead === 0) return Buffer.alloc(0);
    const piece = buffer.subarray(0, bytesRead);
    const newline = piece.indexOf(0x0a);
    if (newline >= 0) return Buffer.concat([...chunks, piece.subarray(0, newline + 1)]);
    chunks.push(piece);
    at += bytesRead;
  }
}

/** Where the part that reaches border `pos` ends: at a record boundary at or past it; none after it, `undefined`. */
type CutAfter = (pos: number) => Promise<number | undefined>;

/**
 * GNU parallel's cut: from `skip` (past the header), a border every `block` bytes from the last
 * cut; at each, the cut goes to the record boundary `cutAfter` finds at or past it (a border
 * with none after it cuts nothing more: the rest is the last part). The file's size ends the
 * last part.
 */
async function splitPositions(size: number, block: number, skip: number, cutAfter: CutAfter): Promise<number[]> {
  const positions = [skip];
  for (let border = skip + block; border < size; ) {
    const pos = await cutAfter(border);
    if (pos === undefined) break;
    positions.push(pos);
    border = pos + block;
  }
  if (positions[positions.length - 1] !== size) positions.push(size);
  return positions;
}

/**
 * After the first `recend` of a `recend`+`recstart` (`separator`) at or past `pos`. Each window
 * read is searched with the last separator-length − 1 bytes of the one before (a separator may
 * straddle two reads), never all that was read: a long record past a border is read once, not
 * copied over and over (GNU parallel searches its whole growing buffer each time).
 */
async function separatorCut(file: Awaited<ReturnType<typeof open>>, pos: number, separator: Buffer, recendLength: number): Promise<number | undefined> {
  let carry = Buffer.alloc(0);
  for (let at = pos; ; ) {
    const buffer = Buffer.alloc(WINDOW_BYTES);
    const { bytesRead } = await file.read(buffer, 0, WINDOW_BYTES, at);
    if (bytesRead === 0) return undefined;
    const window = carry.length === 0 ? buffer.subarray(0, bytesRead) : Buffer.concat([carry, buffer.subarray(0, bytesRead)]);
    const found = window.indexOf(separator);
    // The window begins carry.length bytes before `at`.
    if (found >= 0) return at - carry.length + found + recendLength;
    carry = window.subarray(window.length - Math.min(window.length, separator.length - 1));
    at += bytesRead;
  }
}

/** What `--regexp` reads before a border, so that `^` and a look-behind there see the bytes before it. */
const CONTEXT_BYTES = 256;

/**
 * `--regexp`: the first boundary of `pattern` at or past `pos` whose recend begins at or past it.
 * A regular expression cannot be searched piecewise: what is read past the border is searched
 * whole, each read as long as all read before (so a long record costs a few searches, not one
 * per window).
 */
async function patternCut(file: Awaited<ReturnType<typeof open>>, size: number, pos: number, pattern: RecordPattern): Promise<number | undefined> {
  const before = Math.min(pos, CONTEXT_BYTES);
  let text = '';
  for (let at = pos - before; ; ) {
    const want = Math.max(WINDOW_BYTES, Math.min(text.length, 64 * 1024 * 1024));
    const buffer = Buffer.alloc(want);
    const { bytesRead } = await file.read(buffer, 0, want, at);
    at += bytesRead;
    text += buffer.toString('latin1', 0, bytesRead);
    const whole = bytesRead === 0 || at >= size;
    // Interrupted (Ctrl-C): no cut; the run is stopping.
    const found = pattern.searching(() => pattern.next(text, before, before - 1, whole) ?? null);
    if (found === undefined) return undefined;
    if (found !== null) return pos - before + found.at;
    if (whole) return undefined;
  }
}

/** Opens `part`'s file for reading (rejects, with the system's reason, if it cannot be): the hub's check, when its job is handed out, that the file is there. */
export function openPart(part: FilePart): ReturnType<typeof open> {
  return open(part.path, 'r');
}
