import { describe, it, expect } from '@jest/globals';
import { SHAPES } from './perl-shapes.js';
import { countsAddUpTo, lineCount, noOutput, verifyRun } from './run-checks.js';
import type { RaceRun } from './shell-race.js';

const run = (code: number | null, stdout: string): RaceRun => ({ ms: 20, cpuMs: 5, cpuCounted: 'cgroup', code, stderr: 'parallel: Error: …', stdout });
const echo = (jobs: number[]): string => jobs.map((j) => `echo ${j}\n`).join('');
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
const shape = (name: string): (typeof SHAPES)[number] => SHAPES.find((s) => s.name.startsWith(name)) as (typeof SHAPES)[number];

describe('the checks of a launcher’s output', () => {
  it('count lines, add up `wc -l` counts, or expect nothing', () => {
    expect(lineCount(3)('a\nb\nc\n')).toBeUndefined();
    expect(lineCount(3)('a\nb\n')).toBe('printed 2 line(s), expected 3');
    expect(lineCount(1, 2)('')).toBe('printed 0 line(s), expected 1 or 2');
    expect(countsAddUpTo(10)('      7\n3\n')).toBeUndefined();
    expect(countsAddUpTo(10)('7\n')).toBe('printed counts adding up to 7, expected 10');
    expect(countsAddUpTo(10)('7\nwc: oops\n')).toBe('printed `wc: oops` where a count was expected');
    expect(countsAddUpTo(10)('')).toBe('printed counts adding up to 0, expected 10');
    expect(noOutput('')).toBeUndefined();
    expect(noOutput('x\n')).toBe('printed 1 line(s), expected none');
  });

  it('fail a run that exits otherwise, or prints otherwise, naming the launcher and its stderr', () => {
    const expectation = { codes: [0], output: lineCount(2) };
    expect(verifyRun('spm-shell', 'echo {}', run(0, 'a\nb\n'), expectation).ms).toBe(20);
    expect(() => verifyRun('GNU parallel', 'echo {}', run(25, ''), expectation)).toThrow('GNU parallel on echo {}: exited 25, expected 0; stderr:\nparallel: Error: …');
    expect(() => verifyRun('GNU parallel', 'echo {}', run(null, ''), expectation)).toThrow('exited null, expected 0');
    expect(() => verifyRun('spm-shell', 'echo {}', run(0, 'a\n'), expectation)).toThrow('spm-shell on echo {}: printed 1 line(s), expected 2');
  });
});

describe('the Perl benchmark’s shapes', () => {
  it('refuse GNU parallel exiting with a count outside --filter (it exits 25 when a {= =} expression dies)', () => {
    for (const name of ['echo {}', 'echo {=']) {
      const expectation = shape(name).expect('GNU parallel', 2000);
      expect(expectation.codes).toEqual([0]);
      expect(() => verifyRun('GNU parallel', name, run(25, ''), expectation)).toThrow('exited 25, expected 0');
      expect(verifyRun('GNU parallel', name, run(0, echo(range(2000))), expectation).code).toBe(0);
    }
  });

  it('take from GNU parallel under --filter only the count of jobs it passes over (≤ 101), and every job or the odd ones printed', () => {
    const gnu = shape('--filter').expect('GNU parallel', 2000);
    expect(gnu.codes).toEqual([0, 101]);
    expect(verifyRun('GNU parallel', '--filter', run(101, echo(range(2000))), gnu).code).toBe(101);
    expect(() => verifyRun('GNU parallel', '--filter', run(25, echo(range(2000))), gnu)).toThrow('exited 25, expected 0 or 101');
    expect(() => verifyRun('GNU parallel', '--filter', run(101, ''), gnu)).toThrow('printed 0 line(s), expected 1,000 or 2,000');
    expect(shape('--filter').expect('GNU parallel', 2).codes).toEqual([0, 1]); // the warm-up's 2 jobs
  });

  it('expect spm-shell to print the odd jobs under --filter and exit 0', () => {
    const ours = shape('--filter').expect('spm-shell', 5);
    expect(verifyRun('spm-shell', '--filter', run(0, echo([1, 3, 5])), ours).code).toBe(0);
    expect(() => verifyRun('spm-shell', '--filter', run(0, echo(range(5))), ours)).toThrow('printed 5 line(s), expected 3');
  });
});
