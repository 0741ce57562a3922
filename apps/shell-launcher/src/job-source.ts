import { combinations, fillTemplate } from './command-template.js';
import type { InputLine } from './input-lines.js';
import type { Job } from './job-outcome.js';

function job(seq: number, args: readonly string[], template: string | undefined): Job {
  // Without a template the arguments are the command itself, as GNU parallel runs them.
  const command = template === undefined ? args.join(' ') : fillTemplate(template, args, seq);
  return { seq, command, tag: args.join(' '), attempt: 1 };
}

/** Jobs from `:::` groups: every combination, in GNU parallel's order. */
export function* jobsFromArgs(template: string | undefined, groups: readonly (readonly string[])[]): Generator<Job> {
  let seq = 0;
  for (const args of combinations(groups)) yield job(++seq, args, template);
}

/**
 * Jobs from input lines (stdin or `--file`): each line is a command, or the argument of
 * `template`. A refused line (see {@link InputLine}) is a job that is not run, shown with its text.
 */
export async function* jobsFromLines(lines: AsyncIterable<InputLine>, template: string | undefined): AsyncGenerator<Job> {
  let seq = 0;
  for await (const line of lines) {
    const made = job(++seq, [line.text], template);
    yield line.refused === undefined ? made : { ...made, refused: line.refused };
  }
}
