// What a benchmark's run must have done besides exiting: the pipe and Perl benchmarks check each
// launcher's output, so that a launcher that crashes, or stops early, is not reported as a fast
// run (GNU parallel exits 25 when a `{= =}` expression dies).
import type { RaceRun } from './shell-race.js';

/** What one run of a launcher must end with. */
export interface Expectation {
  /** The exit statuses it may end with. */
  readonly codes: readonly number[];
  /** What is wrong with its stdout, or `undefined` when it is as expected. */
  readonly output: (stdout: string) => string | undefined;
}

/** Numbers as the tables print them: `2,000`. */
const n = (value: number): string => value.toLocaleString('en-US');

/** The lines of `stdout` (a last line without its newline counts). */
function linesOf(stdout: string): string[] {
  if (stdout === '') return [];
  return (stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout).split('\n');
}

/** Expects one of `counts` lines on stdout. */
export function lineCount(...counts: number[]): Expectation['output'] {
  return (stdout) => {
    const lines = linesOf(stdout).length;
    return counts.includes(lines) ? undefined : `printed ${n(lines)} line(s), expected ${counts.map(n).join(' or ')}`;
  };
}

/** Expects `wc -l` outputs (one count a line) adding up to `total`. */
export function countsAddUpTo(total: number): Expectation['output'] {
  return (stdout) => {
    const lines = linesOf(stdout);
    const bad = lines.find((line) => !/^\s*\d+\s*$/.test(line));
    if (bad !== undefined) return `printed \`${bad.slice(0, 60)}\` where a count was expected`;
    const sum = lines.reduce((s, line) => s + Number(line), 0);
    return sum === total ? undefined : `printed counts adding up to ${n(sum)}, expected ${n(total)}`;
  };
}

/** Expects nothing on stdout. */
export const noOutput: Expectation['output'] = (stdout) => (stdout === '' ? undefined : `printed ${n(linesOf(stdout).length)} line(s), expected none`);

/** Returns `run` if it ended as `expectation` says; else throws, naming `launcher`, what it ran, and the run's stderr. */
export function verifyRun(launcher: string, what: string, run: RaceRun, expectation: Expectation): RaceRun {
  const wrong = run.code === null || !expectation.codes.includes(run.code) ? `exited ${String(run.code)}, expected ${expectation.codes.join(' or ')}` : expectation.output(run.stdout);
  if (wrong !== undefined) throw new Error(`${launcher} on ${what}: ${wrong}; stderr:\n${run.stderr}`);
  return run;
}
