// The shapes of the Perl strings benchmark (perl-bench.ts), and what each run of each tool must
// print and exit with.
import { lineCount, type Expectation } from './run-checks.js';

/** One shape: the arguments after `--dry-run -k` that every contender gets, the jobs' lines on stdin. */
export interface Shape {
  readonly name: string;
  readonly args: readonly string[];
  /** What a run of `tool` on the jobs 1…`jobs` must end with. */
  readonly expect: (tool: string, jobs: number) => Expectation;
}

/** Every job's command printed, exit 0. */
const everyJob = (_tool: string, jobs: number): Expectation => ({ codes: [0], output: lineCount(jobs) });

/** The three shapes: each tool's floor, a `{= =}` expression, and `--filter`. */
export const SHAPES: readonly Shape[] = [
  { name: 'echo {} (no Perl: the floor)', args: ['echo', '{}'], expect: everyJob },
  { name: 'echo {= s/1/x/ =}', args: ['echo', '{= s/1/x/ =}'], expect: everyJob },
  {
    name: "--filter '{} % 2' echo {}",
    args: ['--filter', '{} % 2', 'echo', '{}'],
    // spm-shell prints the odd jobs. GNU parallel (20221122) prints every job under --dry-run,
    // the ones --filter passes over too, and counts those as failed: its exit status is their
    // number (≤ 101). Either printing is taken from it, and only that status or 0.
    expect: (tool, jobs) => {
      const odd = Math.ceil(jobs / 2);
      return tool === 'GNU parallel' ? { codes: [0, Math.min(jobs - odd, 101)], output: lineCount(odd, jobs) } : { codes: [0], output: lineCount(odd) };
    },
  },
];
