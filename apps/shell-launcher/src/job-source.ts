import { combinations, fillTemplate } from './command-template.js';
import type { InputLine } from './input-lines.js';
import type { Job } from './job-outcome.js';

function job(seq: number, args: readonly string[], template: string | undefined): Job {
  // Without a template the arguments are the command itself, as GNU parallel runs them.
  const command = template === undefined ? args.join(' ') : fillTemplate(template, args, seq);
  return { seq, command, tag: args.join(' '), attempt: 1 };
}

/**
 * Jobs from combined sources (`:::` words, the lines of `-a`/`::::` files): every combination, in
 * GNU parallel's order. A combination holding a refused line (see {@link InputLine}) is a job that
 * is not run, refused for the first such line.
 */
export function* jobsFromArgs(template: string | undefined, groups: readonly (readonly InputLine[])[]): Generator<Job> {
  let seq = 0;
  for (const lines of combinations(groups)) {
    const made = job(++seq, lines.map((line) => line.text), template);
    const refused = lines.find((line) => line.refused !== undefined)?.refused;
    yield refused === undefined ? made : { ...made, refused };
  }
}

/**
 * Jobs from input lines (stdin or one file): each line is a command, or the argument of
 * `template`. A refused line (see {@link InputLine}) is a job that is not run, shown with its text.
 */
export async function* jobsFromLines(lines: AsyncIterable<InputLine>, template: string | undefined): AsyncGenerator<Job> {
  let seq = 0;
  for await (const line of lines) {
    const made = job(++seq, [line.text], template);
    yield line.refused === undefined ? made : { ...made, refused: line.refused };
  }
}
