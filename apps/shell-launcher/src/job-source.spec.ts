import { describe, it, expect } from '@jest/globals';
import { jobsFromArgs, jobsFromLines } from './job-source.js';
import type { InputLine } from './input-lines.js';

const lines = (...texts: string[]): InputLine[] => texts.map((text) => ({ text }));

describe('jobsFromArgs', () => {
  it('makes every combination in GNU parallel order; a combination with a refused line is refused for it', () => {
    const jobs = [...jobsFromArgs('echo {1} {2}', [lines('a', 'b'), [{ text: 'x' }, { text: 'bad', refused: 'line 2 of `f` is not valid UTF-8' }]])];
    expect(jobs.map((job) => [job.seq, job.command, job.refused])).toEqual([
      [1, 'echo a x', undefined],
      [2, 'echo a bad', 'line 2 of `f` is not valid UTF-8'],
      [3, 'echo b x', undefined],
      [4, 'echo b bad', 'line 2 of `f` is not valid UTF-8'],
    ]);
  });

  it('with --colsep, makes the columns of every source the arguments, numbered across sources', () => {
    const jobs = [...jobsFromArgs('echo [{}] {1} {3} {4}', [lines('a,b', ',c', 'd,'), lines('x')], /,/)];
    expect(jobs.map((job) => job.command)).toEqual(["echo [a b x] a x ", "echo ['' c x] '' x ", "echo [d '' x] d x "]);
    expect(jobs.map((job) => job.tag)).toEqual(['a b x', ' c x', 'd  x']);
    // No template: the columns are the command's words.
    expect([...jobsFromArgs(undefined, [lines('echo,hi there')], /,/)].map((job) => job.command)).toEqual(['echo hi there']);
  });

  it('with an empty --colsep, splits between characters, a character outside the BMP whole', () => {
    expect([...jobsFromArgs('printf %s {2}', [lines('a😀b')], new RegExp(''))].map((job) => job.command)).toEqual(['printf %s \'😀\'']);
  });
});

describe('jobsFromArgs with -N', () => {
  it('takes N records per job (combinations of the sources, flattened), the last one fewer', () => {
    expect([...jobsFromArgs('echo [{}] {3}', [lines('a', 'b'), lines('1', '2')], undefined, 2)].map((job) => [job.seq, job.command, job.tag])).toEqual([
      [1, 'echo [a] [1] [a] [2] a', 'a 1 a 2'],
      [2, 'echo [b] [1] [b] [2] b', 'b 1 b 2'],
    ]);
    expect([...jobsFromArgs('echo', [lines('a', 'b', 'c')], undefined, 2)].map((job) => job.command)).toEqual(['echo a b', 'echo c']);
  });

  it('with -N 0, makes a job per record with one empty argument per source, inserted bare', () => {
    expect([...jobsFromArgs('echo {} x', [lines('a', 'b')], undefined, 0)].map((job) => job.command)).toEqual(['echo  x', 'echo  x']);
    expect([...jobsFromArgs('echo', [lines('a'), lines('1')], /,/, 0)].map((job) => job.command)).toEqual(['echo  ']);
  });

  it('refuses a job holding a refused line', () => {
    const jobs = [...jobsFromArgs('echo', [[{ text: 'a' }, { text: 'b', refused: 'bad' }, { text: 'c' }]], undefined, 2)];
    expect(jobs.map((job) => [job.command, job.refused])).toEqual([
      ['echo a b', 'bad'],
      ['echo c', undefined],
    ]);
  });
});

describe('jobsFromLines', () => {
  it('splits each line into columns with --colsep', async () => {
    async function* input(): AsyncGenerator<InputLine> {
      yield* lines('h1\th2', 'v1\tv 2');
    }
    const jobs = [];
    for await (const job of jobsFromLines(input(), 'cp {1} {2}', /\t/)) jobs.push(job.command);
    expect(jobs).toEqual(['cp h1 h2', "cp v1 'v 2'"]);
  });

  it('takes N lines per job with -N', async () => {
    async function* input(): AsyncGenerator<InputLine> {
      yield* lines('l1', 'l2', 'l3');
    }
    const jobs = [];
    for await (const job of jobsFromLines(input(), 'echo x{}y {#}', undefined, 2)) jobs.push(job.command);
    expect(jobs).toEqual(['echo xl1y xl2y 1', 'echo xl3y 2']);
  });
});
