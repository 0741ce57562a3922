import { combinations, fillTemplate } from './command-template.js';
import type { InputLine } from './input-lines.js';
import type { Job } from './job-outcome.js';

/**
 * The job `seq` of `args`: with `colsep` (`--colsep`), each argument is split into columns
 * there, and the columns are the arguments (GNU parallel's: an empty column stays, `,a` is `''`
 * and `a`; an empty separator splits between characters).
 */
function job(seq: number, given: readonly string[], template: string | undefined, colsep: RegExp | undefined): Job {
  // An empty separator splits between characters (not between a surrogate pair's halves).
  const args = colsep === undefined ? given : given.flatMap((arg) => (colsep.source === '(?:)' ? (arg === '' ? [''] : Array.from(arg)) : arg.split(colsep)));
  // Without a template the arguments are the command itself, as GNU parallel runs them.
  const command = template === undefined ? args.join(' ') : fillTemplate(template, args, seq);
  return { seq, command, tag: args.join(' '), attempt: 1 };
}

/**
 * Jobs from combined sources (`:::` words, the lines of `-a`/`::::` files): every combination, in
 * GNU parallel's order. A combination holding a refused line (see {@link InputLine}) is a job that
 * is not run, refused for the first such line.
 */
export function* jobsFromArgs(template: string | undefined, groups: readonly (readonly InputLine[])[], colsep?: RegExp): Generator<Job> {
  let seq = 0;
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
export async function* jobsFromLines(lines: AsyncIterable<InputLine>, template: string | undefined, colsep?: RegExp): AsyncGenerator<Job> {
  let seq = 0;
  for await (const line of lines) {
    const made = job(++seq, [line.text], template, colsep);
    yield line.refused === undefined ? made : { ...made, refused: line.refused };
  }
}
