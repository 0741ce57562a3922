// --pipe --group-by: records are runs of lines with the same value in a column.
import { randomBytes } from 'node:crypto';
import { lineText, linesByChunk } from './shard-router.js';

const MARK_CHARACTERS = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * A record start for `--group-by` to put before each group: 20 random letters and digits (119
 * bits, as GNU parallel's), which no input holds but by a chance of one in 2¹¹⁹ — and it is
 * removed from the blocks, as `--rrs` removes separators.
 */
export function groupMark(): Buffer {
  return Buffer.from(Array.from(randomBytes(20), (byte) => MARK_CHARACTERS[byte % MARK_CHARACTERS.length]).join(''));
}

/** How {@link markGroups} finds the groups. */
export interface GroupOptions {
  /** The byte that ends a line: `\n`, or NUL with `-0`. */
  readonly lineEnd: number;
  /** A line's key (its text without its end given): a group is a run of lines with equal keys. */
  readonly keyOf: (line: string) => string;
  /** What goes before each group's first line ({@link groupMark}). */
  readonly mark: Buffer;
}

/**
 * `--group-by`: `input` as it comes, `mark` put before the first line of each group — each line
 * whose key differs from the line's before it, and the first — so that `--pipe`'s blocks cut
 * only between groups (records start with the mark; `--rrs` takes the marks out again). GNU
 * parallel does the same with a Perl filter.
 */
export async function* markGroups(input: AsyncIterable<Buffer | string>, options: GroupOptions): AsyncGenerator<Buffer> {
  const { lineEnd, keyOf, mark } = options;
  let last: string | undefined;
  for await (const lines of linesByChunk(input, lineEnd)) {
    if (lines.length === 0) continue;
    const parts: Buffer[] = [];
    for (const line of lines) {
      const key = keyOf(lineText(line, lineEnd));
      if (key !== last) parts.push(mark);
      last = key;
      parts.push(line);
    }
    yield Buffer.concat(parts);
  }
}
