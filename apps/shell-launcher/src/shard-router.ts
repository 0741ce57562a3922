// --pipe --shard / --bin: each input line to one of a fixed set of jobs, chosen by a column's value.
import type { FifoFeed } from './fifo-feed.js';
import { splitColumns } from './job-source.js';

/** How `--shard` and `--bin` pick a line's job from its key (the value of the key column). */
export type ShardRule = 'shard' | 'bin';

/** The column `--shard`/`--bin` keys on: its number (from 1), or its name in the header. */
export type KeyColumn = number | string;

/**
 * The key column of `--shard COL`/`--bin COL` as given: a number from 1, or a name (letters,
 * digits, `_`; not starting with a digit) looked up in the input's header.
 * @throws RangeError naming the option, what it expects and what it got — GNU parallel's Perl
 * expressions (`3 $_%=100`) included, which spm-shell does not run.
 */
export function keyColumn(flag: string, value: string | undefined): KeyColumn {
  if (value === undefined || value === '') throw new RangeError(`Expected \`${flag}\` to be followed by a column: its number (from 1) or its name in the header, got nothing`);
  if (/^[0-9]+$/.test(value)) {
    const column = Number(value);
    if (column >= 1 && Number.isSafeInteger(column)) return column;
    throw new RangeError(`Expected \`${flag}\`'s column number to be at least 1, got \`${value}\``);
  }
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) return value;
  const perl = /^\S+\s/.test(value) ? ` (GNU parallel's Perl expression after the column, \`${value.replace(/^\S+\s+/, '')}\`, is not run by spm-shell)` : '';
  throw new RangeError(`Expected \`${flag}\` to be a column number (from 1) or a column name (letters, digits, _), got \`${value}\`${perl}`);
}

/**
 * The number (from 1) of the column named `name` in the header line `header` (without its end),
 * split at `colsep`.
 * @throws RangeError naming the column and the header's columns when it has none of that name.
 */
export function columnNamed(flag: string, name: string, header: string, colsep: RegExp): number {
  const names = splitColumns(header, colsep);
  const at = names.indexOf(name);
  if (at >= 0) return at + 1;
  throw new RangeError(`\`${flag} ${name}\`: the header has no column \`${name}\` (its columns, split at ${String(colsep)}: ${names.map((n) => `\`${n}\``).join(', ')})`);
}

/** The value of column `column` (from 1) of `line`, split at `colsep` as `--colsep` splits; '' if it has fewer. */
export function columnOf(line: string, colsep: RegExp, column: number): string {
  return splitColumns(line, colsep, column)[column - 1] ?? '';
}

/**
 * `--shard`'s job (from 0) for the key `value` among `jobs`: a hash of it (32-bit FNV-1a over its
 * UTF-16 code units), modulo `jobs` — the same key to the same job, in every run.
 */
export function shardOf(value: string, jobs: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) hash = Math.imul(hash ^ value.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % jobs;
}

/** A number as Perl reads the start of a string: leading whitespace, a sign, digits, a fraction, an exponent. */
const PERL_NUMBER = /^[ \t\n\r\f\v]*([+-]?)(\d*)(\.\d*)?([eE][+-]?\d+)?/;

/**
 * `--bin`'s job (from 0) for the key `value` among `jobs`: the value read as Perl reads a number
 * (the digits it starts with, after whitespace and a sign; a fraction or exponent counted; else
 * 0), its integer part modulo `jobs`, as Perl's `%` (never negative): 1 → job 1 … `jobs` → the last,
 * 0 and `jobs` → the last, −1 → the one before it. An integer of any length is exact.
 */
export function binOf(value: string, jobs: number): number {
  const match = PERL_NUMBER.exec(value) as RegExpExecArray;
  const [, sign, digits = '', fraction, exponent] = match;
  let rest: number;
  if (exponent !== undefined && (digits !== '' || (fraction ?? '').length > 1)) {
    // 1e3, 2.5e1: a number to evaluate (beyond 2^53 only as exact as a double).
    const number = Math.trunc(Number(`${digits}${fraction ?? ''}${exponent}`));
    rest = Number.isFinite(number) ? number % jobs : 0;
  } else {
    rest = 0;
    for (let i = 0; i < digits.length; i++) rest = (rest * 10 + digits.charCodeAt(i) - 48) % jobs;
  }
  if (sign === '-') rest = -rest;
  // Job n takes the multiples of n (GNU parallel's last FIFO is its 0th).
  const bin = ((rest % jobs) + jobs) % jobs;
  return (bin + jobs - 1) % jobs;
}

/** How {@link routeLines} cuts and routes the input. */
export interface RouteOptions {
  /** The byte that ends a line: `\n`, or NUL with `-0`. @default 0x0a */
  readonly lineEnd?: number;
  /** The job (an index into the feeds) of a line, given its text (UTF-8, without its end). */
  readonly jobOf: (line: string) => number;
}

/**
 * Splits off the input's first line (with its end) as its header; the rest of the input follows.
 * An input without a line end is all header.
 */
export async function splitHeader(input: AsyncIterable<Buffer | string>, lineEnd = 0x0a): Promise<{ header: Buffer | undefined; rest: AsyncIterable<Buffer> }> {
  const iterator = input[Symbol.asyncIterator]();
  const held: Buffer[] = [];
  for (let step = await iterator.next(); step.done !== true; step = await iterator.next()) {
    const chunk = typeof step.value === 'string' ? Buffer.from(step.value) : step.value;
    const at = chunk.indexOf(lineEnd);
    if (at < 0) {
      held.push(chunk);
      continue;
    }
    held.push(chunk.subarray(0, at + 1));
    const after = chunk.subarray(at + 1);
    const rest = (async function* (): AsyncGenerator<Buffer> {
      if (after.length > 0) yield after;
      for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    })();
    return { header: Buffer.concat(held), rest };
  }
  const nothing: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve({ value: undefined, done: true }) }) };
  return { header: held.length > 0 ? Buffer.concat(held) : undefined, rest: nothing };
}

/**
 * The lines of `input`, each with its end (`lineEnd`), as they come: those completed by each
 * chunk read, together (none for a chunk that ends no line). A line cut across chunks is joined
 * once its end comes; the input's last line, without an end, comes last as it is.
 */
export async function* linesByChunk(input: AsyncIterable<Buffer | string>, lineEnd = 0x0a): AsyncGenerator<Buffer[]> {
  // The start of a line that a chunk before cut: its pieces, until its end comes.
  let carry: Buffer[] = [];
  for await (const piece of input) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    const lines: Buffer[] = [];
    let from = 0;
    for (let at = chunk.indexOf(lineEnd); at >= 0; at = chunk.indexOf(lineEnd, from)) {
      if (carry.length > 0) {
        carry.push(chunk.subarray(0, at + 1));
        lines.push(Buffer.concat(carry));
        carry = [];
      } else lines.push(chunk.subarray(from, at + 1));
      from = at + 1;
    }
    if (from < chunk.length) carry.push(chunk.subarray(from));
    yield lines;
  }
  if (carry.length > 0) yield [Buffer.concat(carry)];
}

/** A line's text (UTF-8), without its end. */
export const lineText = (line: Buffer, lineEnd: number): string => line.toString('utf8', 0, line.length - (line[line.length - 1] === lineEnd ? 1 : 0));

/**
 * `--shard`, `--bin`: every line of `input` (with its end) to the feed `jobOf` picks for it, as
 * it comes. The lines of a chunk of input are written together, one write per feed; the next
 * chunk waits until every feed written is ready again (its command took them) — a command that
 * does not read holds the input, as a pipe does. A feed that is over (its command exited) takes
 * nothing more: its lines are dropped. Once every feed is over, the rest of the input is not read.
 * The input's last line, without an end, is routed as it is. Every feed is ended at the input's end.
 */
export async function routeLines(input: AsyncIterable<Buffer | string>, feeds: readonly FifoFeed[], options: RouteOptions): Promise<void> {
  const lineEnd = options.lineEnd ?? 0x0a;
  const { jobOf } = options;
  try {
    for await (const lines of linesByChunk(input, lineEnd)) {
      if (feeds.every((feed) => feed.over)) return;
      const parts: Buffer[][] = feeds.map(() => []);
      for (const line of lines) {
        const job = jobOf(lineText(line, lineEnd));
        if (!Number.isInteger(job) || job < 0 || job >= feeds.length) throw new RangeError(`routeLines: a line was routed to job ${job}, not one of 0…${feeds.length - 1}`);
        (parts[job] as Buffer[]).push(line);
      }
      const written: FifoFeed[] = [];
      parts.forEach((pieces, job) => {
        if (pieces.length === 0) return;
        const feed = feeds[job] as FifoFeed;
        feed.write(pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces));
        written.push(feed);
      });
      await Promise.all(written.map((feed) => feed.whenReady()));
    }
  } finally {
    for (const feed of feeds) feed.end();
  }
}
