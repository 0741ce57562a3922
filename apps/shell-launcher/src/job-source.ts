import { combinations, fillTemplate } from './command-template.js';
import type { InputLine } from './input-lines.js';
import type { Job } from './job-outcome.js';

/**
 * The job `seq` of `args`: with `colsep` (`--colsep`), each argument is split into columns
 * there, and the columns are the arguments (GNU parallel's: an empty column stays, `,a` is `''`
 * and `a`; an empty separator splits between characters).
 */
function job(seq: number, given: readonly string[], template: string | undefined, colsep: RegExp | undefined, context = false, blank = false): Job {
  // An empty separator splits between characters (not between a surrogate pair's halves).
  const columns = colsep === undefined ? given : given.flatMap((arg) => (colsep.source === '(?:)' ? (arg === '' ? [''] : Array.from(arg)) : arg.split(colsep)));
  // `-N 0`: GNU parallel inserts an empty argument, bare, for each one it read.
  const args = blank ? columns.map(() => '') : columns;
  // Without a template the arguments are the command itself, as GNU parallel runs them.
  const command = template === undefined ? args.join(' ') : fillTemplate(template, args, seq, context, blank);
  return { seq, command, tag: args.join(' '), attempt: 1 };
}

/**
 * `-N n` (GNU parallel's): each job takes `n` records (input lines, or combinations of the
 * sources), their values its arguments, in order; the last job may take fewer. `-N 0`: a job per
 * record, with no argument. `{}` is then context-replaced (see fillTemplate).
 */
function* chunks<T>(records: Iterable<T>, n: number): Generator<T[]> {
  let chunk: T[] = [];
  for (const record of records) {
    chunk.push(record);
    if (chunk.length >= Math.max(n, 1)) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * The job of a chunk of records (`-N`), refused for its first refused line. With `-N 0` (one
 * record), GNU parallel's arguments are one empty string per value (per column with `--colsep`),
 * inserted bare.
 */
function jobOfChunk(seq: number, chunk: readonly (readonly InputLine[])[], template: string | undefined, colsep: RegExp | undefined, maxArgs: number): Job {
  const made = job(seq, chunk.flat().map((line) => line.text), template, colsep, true, maxArgs === 0);
  const refused = chunk.flat().find((line) => line.refused !== undefined)?.refused;
  return refused === undefined ? made : { ...made, refused };
}

/**
 * Jobs from combined sources (`:::` words, the lines of `-a`/`::::` files): every combination, in
 * GNU parallel's order. A combination holding a refused line (see {@link InputLine}) is a job that
 * is not run, refused for the first such line.
 */
export function* jobsFromArgs(template: string | undefined, groups: readonly (readonly InputLine[])[], colsep?: RegExp, maxArgs?: number): Generator<Job> {
  let seq = 0;
  if (maxArgs !== undefined) {
    for (const chunk of chunks(combinations(groups), maxArgs)) yield jobOfChunk(++seq, chunk, template, colsep, maxArgs);
    return;
  }
  for (const lines of combinations(groups)) {
    const made = job(++seq, lines.map((line) => line.text), template, colsep);
    const refused = lines.find((line) => line.refused !== undefined)?.refused;
    yield refused === undefined ? made : { ...made, refused };
  }
}

/**
 * Jobs from input lines (stdin or one file): each line is a command, or the argument of
 * `template`. A refused line (see {@link InputLine}) is a job that is not run, shown with its text.
 */
export async function* jobsFromLines(lines: AsyncIterable<InputLine>, template: string | undefined, colsep?: RegExp, maxArgs?: number): AsyncGenerator<Job> {
  let seq = 0;
  if (maxArgs !== undefined) {
    let chunk: InputLine[][] = [];
    for await (const line of lines) {
      chunk.push([line]);
      if (chunk.length >= Math.max(maxArgs, 1)) {
        yield jobOfChunk(++seq, chunk, template, colsep, maxArgs);
        chunk = [];
      }
    }
    if (chunk.length > 0) yield jobOfChunk(++seq, chunk, template, colsep, maxArgs);
    return;
  }
  for await (const line of lines) {
    const made = job(++seq, [line.text], template, colsep);
    yield line.refused === undefined ? made : { ...made, refused: line.refused };
  }
}
