import { fillPath, fillTemplate, hasReplacement } from './command-template.js';
import type { Job } from './job-outcome.js';

/** How `--pipe` cuts its input into blocks, one per job. */
export interface BlockOptions {
  /**
   * The most bytes a block holds (`--block`): it ends after the last whole record that fits. A
   * record longer than this is a block of its own, whole.
   */
  readonly blockBytes: number;
  /** `-N n`: exactly n records per block (the last may hold fewer), whatever their size. */
  readonly records?: number;
  /** The byte that ends a record: `\n`, or NUL with `-0`. */
  readonly recend: number;
  /** `--header`: the first record is prepended to every block (and is no block itself). */
  readonly header?: boolean;
}

/**
 * `--pipe`: the input cut into blocks of whole records, as GNU parallel cuts it — each at most
 * `blockBytes`, ending after its last record end (`--block`), or n records each (`-N n`); the
 * input's last bytes, a record end or not, are the last block. Chunks are copied once per block.
 */
export async function* blocksOf(input: AsyncIterable<Buffer | string>, options: BlockOptions): AsyncGenerator<Buffer> {
  const { blockBytes, records, recend } = options;
  let header: Buffer | undefined;
  let needHeader = options.header === true;
  let chunks: Buffer[] = [];
  let held = 0;
  // -N: record ends counted in what is held.
  let ends = 0;
  // Set while what is held is one record longer than a block, its end not read yet.
  let inLongRecord = false;
  const take = (end: number): Buffer => {
    const whole = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, held);
    const rest = whole.subarray(end);
    chunks = rest.length > 0 ? [rest] : [];
    held = rest.length;
    const block = whole.subarray(0, end);
    return header === undefined ? Buffer.from(block) : Buffer.concat([header, block]);
  };
  /** Where the nth record end is in what is held (the index after it), or -1. */
  const afterNthEnd = (n: number): number => {
    let seen = 0;
    let base = 0;
    for (const chunk of chunks) {
      for (let at = chunk.indexOf(recend); at >= 0; at = chunk.indexOf(recend, at + 1)) {
        seen += 1;
        if (seen === n) return base + at + 1;
      }
      base += chunk.length;
    }
    return -1;
  };
  for await (const piece of input) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    if (chunk.length === 0) continue;
    chunks.push(chunk);
    held += chunk.length;
    if (records !== undefined) {
      for (let at = chunk.indexOf(recend); at >= 0; at = chunk.indexOf(recend, at + 1)) ends += 1;
    }
    if (needHeader) {
      const end = afterNthEnd(1);
      if (end < 0) continue;
      // Taken as a block is (no header yet to put before it), and kept.
      header = take(end);
      ends -= records !== undefined ? 1 : 0;
      needHeader = false;
    }
    for (;;) {
      if (records !== undefined) {
        if (ends < records) break;
        const end = afterNthEnd(records);
        ends -= records;
        yield take(end);
        continue;
      }
      if (inLongRecord) {
        // Only the newest chunk can end it: what was held before had no record end.
        const at = chunk.indexOf(recend);
        if (at < 0) break;
        inLongRecord = false;
        yield take(held - chunk.length + at + 1);
        continue;
      }
      if (held < blockBytes) break;
      const whole = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, held);
      chunks = [whole];
      // The last record end within the block's size; else the end of the (long) first record.
      let end = whole.lastIndexOf(recend, blockBytes - 1) + 1;
      if (end === 0) end = whole.indexOf(recend, blockBytes) + 1;
      if (end === 0) {
        inLongRecord = true; // a record longer than the block, not ended yet
        break;
      }
      yield take(end);
    }
  }
  if (needHeader && held > 0) {
    // The whole input is one record without an end: the header, and no block.
    return;
  }
  if (held > 0) yield take(held);
}

/** What `--cat` puts in a command for the file holding its block: the shell variable the file's name is in (GNU parallel's). */
export const CAT_FILE = '$PARALLEL_TMP';

/**
 * `--pipe`: a job per block, the template its command (`{#}` its number; no arguments), the block
 * its stdin. With `cat` (`--cat`), the block goes to a file instead (the caller writes it) and the
 * command names it as {@link CAT_FILE}: in place of `{}`, else at its end — as GNU parallel does.
 */
export async function* jobsFromBlocks(blocks: AsyncIterable<Buffer>, template: string, cat = false): AsyncGenerator<Job> {
  const command = (seq: number): string => {
    if (!cat) return fillTemplate(template, [], seq);
    return hasReplacement(template) ? fillPath(template, [CAT_FILE], seq) : `${template} ${CAT_FILE}`;
  };
  let seq = 0;
  for await (const input of blocks) {
    seq += 1;
    yield { seq, command: command(seq), tag: '', args: [], attempt: 1, input };
  }
}
