import { describe, it, expect } from '@jest/globals';
import { CsvColumns } from './csv-columns.js';
import { jobsFromArgs, jobsFromLines, recordCount, shuffled, withEmptySourcesBlank, withHeader } from './job-source.js';
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

  it('with --csv, makes the fields of each record the arguments; a record that is not CSV is a job refused, saying why (the others run)', () => {
    const csv = new CsvColumns();
    const jobs = [...jobsFromArgs('echo {2} {1}', [lines('a,"b c"', 'x"y,z', '"q""r",', '"multi\nline",w')], csv)];
    expect(jobs.map((job) => [job.seq, job.command, job.refused])).toEqual([
      [1, "echo 'b c' a", undefined],
      [2, 'x"y,z', 'its record is not CSV (--csv): field 1 holds a `"` (at character 2) without being quoted; write it as `""` in a field quoted whole'],
      [3, "echo '' 'q\"r'", undefined],
      [4, "echo w 'multi\nline'", undefined],
    ]);
    expect(jobs[0]?.args).toEqual(['a', 'b c']);
    // -N 2: the job of two records names the one that is not CSV.
    const paired = [...jobsFromArgs('echo {1} {2}', [lines('a,b', '"open')], csv, 2)];
    expect(paired.map((job) => job.refused)).toEqual(['its record "\\"open" is not CSV (--csv): field 1\'s quote (at character 1) is never closed']);
  });

  it('with --csv and --header, names the columns by the header’s fields, and refuses a header that is not CSV', () => {
    const csv = new CsvColumns(';');
    expect(withHeader('cp {src dir} {dst}', ['"src dir";dst'], csv)).toBe('cp {1} {2}');
    expect(() => withHeader('cp {a}', ['a"b'], csv)).toThrow('Expected the header (--header) to be a CSV record (--csv), got "a\\"b": field 1 holds a `"` (at character 2) without being quoted');
  });

  it('with an empty --colsep, splits between characters, a character outside the BMP whole', () => {
    expect([...jobsFromArgs('printf %s {2}', [lines('a😀b')], new RegExp(''))].map((job) => job.command)).toEqual(['printf %s \'😀\'']);
  });
});

describe('jobsFromArgs with linked sources', () => {
  const commands = (groups: InputLine[][], links: { linked?: boolean[]; all?: boolean }, maxArgs?: number): string[] => [...jobsFromArgs('echo', groups, undefined, maxArgs, links)].map((job) => job.command);

  it('takes :::+ sources side by side with the one before, the shortest giving the count, and combines the runs', () => {
    const groups = [lines('a', 'b', 'c'), lines('1', '2', '3'), lines('X', 'Y'), lines('11', '22', '33')];
    const links = { linked: [false, true, false, true] };
    expect(commands(groups, links)).toEqual(['echo a 1 X 11', 'echo a 1 Y 22', 'echo b 2 X 11', 'echo b 2 Y 22', 'echo c 3 X 11', 'echo c 3 Y 22']);
    expect(recordCount(groups, links)).toBe(6);
    expect(commands([lines('a', 'b', 'c'), lines('1', '2')], { linked: [false, true] })).toEqual(['echo a 1', 'echo b 2']);
    // A first source marked linked has nothing to link to.
    expect(commands([lines('a', 'b'), lines('1')], { linked: [true, false] })).toEqual(['echo a 1', 'echo b 1']);
  });

  it('with --link, takes every source side by side, the longest giving the count, the shorter wrapping', () => {
    const groups = [lines('a', 'b'), lines('1', '2', '3', '4', '5'), lines('x', 'y', 'z')];
    expect(commands(groups, { all: true })).toEqual(['echo a 1 x', 'echo b 2 y', 'echo a 3 z', 'echo b 4 x', 'echo a 5 y']);
    expect(recordCount(groups, { all: true })).toBe(5);
    // -N groups the linked records.
    expect(commands(groups, { all: true }, 2)).toEqual(['echo a 1 x b 2 y', 'echo a 3 z b 4 x', 'echo a 5 y']);
  });

  it('makes nothing of an empty source, linked or not', () => {
    expect(commands([lines('a', 'b'), []], { linked: [false, true] })).toEqual([]);
    expect(commands([lines('a', 'b'), []], { all: true })).toEqual([]);
    expect(recordCount([lines('a', 'b'), []], { all: true })).toBe(0);
  });
});

describe('--shuf', () => {
  it('shuffles with the random source given (Fisher–Yates): every order reachable, each item once', () => {
    expect(shuffled([1, 2, 3, 4], () => 0)).toEqual([2, 3, 4, 1]);
    expect(shuffled([1, 2, 3, 4], () => 0.999)).toEqual([1, 2, 3, 4]);
    const orders = new Set<string>();
    let state = 7;
    const lcg = (): number => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 2000; i++) orders.add(shuffled(['a', 'b', 'c', 'd'], lcg).join(''));
    expect(orders.size).toBe(24);
  });

  it('numbers the jobs in the shuffled order, -N chunks taken after shuffling', () => {
    const jobs = [...jobsFromArgs('echo {#} {}', [lines('a', 'b', 'c', 'd')], undefined, undefined, {}, () => 0)];
    expect(jobs.map((job) => job.command)).toEqual(['echo 1 b', 'echo 2 c', 'echo 3 d', 'echo 4 a']);
    expect([...jobsFromArgs('echo', [lines('a', 'b', 'c', 'd')], undefined, 2, {}, () => 0)].map((job) => job.command)).toEqual(['echo b c', 'echo d a']);
  });
});

describe('withHeader', () => {
  it('names the columns of every source’s header, split as values are, numbered across sources', () => {
    expect(withHeader('echo {n} {m} {k}', ['n,m', 'k'], /,/)).toBe('echo {1} {2} {3}');
    expect(withHeader(undefined, ['n'], undefined)).toBeUndefined();
  });
});

describe('withEmptySourcesBlank', () => {
  const lines = (...texts: string[]): InputLine[] => texts.map((text) => ({ text }));
  it('gives a source without values one empty value when another has some (GNU parallel’s combination), else leaves them', () => {
    expect(withEmptySourcesBlank([lines(), lines('a', 'b')])).toEqual([lines(''), lines('a', 'b')]);
    expect(withEmptySourcesBlank([lines('a'), lines(), lines('c')])).toEqual([lines('a'), lines(''), lines('c')]);
    // All empty, or one source: nothing to pad.
    expect(withEmptySourcesBlank([lines(), lines()])).toEqual([lines(), lines()]);
    expect(withEmptySourcesBlank([lines()])).toEqual([lines()]);
    // Linked (:::+): one record, the shortest source's count; --link: the empty value wraps around.
    const linked = withEmptySourcesBlank([lines('p', 'q'), lines()]);
    expect([...jobsFromArgs('echo [{1}] [{2}]', linked, undefined, undefined, { linked: [false, true] })].map((job) => job.command)).toEqual(["echo [p] ['']"]);
    expect([...jobsFromArgs('echo [{1}] [{2}]', linked, undefined, undefined, { all: true })].map((job) => job.command)).toEqual(["echo [p] ['']", "echo [q] ['']"]);
    expect([...jobsFromArgs('echo [{1}] [{2}]', withEmptySourcesBlank([lines(), lines('a', 'b')]))].map((job) => job.command)).toEqual(["echo [''] [a]", "echo [''] [b]"]);
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

  it('with --header, names the columns by the first line, which is no job', async () => {
    async function* input(): AsyncGenerator<InputLine> {
      yield* lines('src\tdst', 'a\tb', 'c\td');
    }
    const jobs = [];
    let names: readonly string[] | undefined;
    for await (const job of jobsFromLines(input(), 'cp {src} {dst} {#}', /\t/, undefined, (header) => (names = header))) jobs.push(job.command);
    expect(jobs).toEqual(['cp a b 1', 'cp c d 2']);
    expect(names).toEqual(['src', 'dst']);
  });

  it('takes N lines per job with -N', async () => {
    async function* input(): AsyncGenerator<InputLine> {
      yield* lines('l1', 'l2', 'l3');
    }
    const jobs = [];
    for await (const job of jobsFromLines(input(), 'echo x{}y {#}', undefined, 2)) jobs.push(job.command);
    expect(jobs).toEqual(['echo xl1y xl2y 1', 'echo xl3y 2']);
  });

  it('packs lines into commands with -X, -m, --xargs; a refused line is a job of its own; -r passes over blank lines', async () => {
    const from = async (texts: readonly (string | InputLine)[], grouping: Parameters<typeof jobsFromLines>[3], template = 'echo'): Promise<string[]> => {
      async function* input(): AsyncGenerator<InputLine> {
        for (const text of texts) yield typeof text === 'string' ? { text } : text;
      }
      const jobs: string[] = [];
      for await (const job of jobsFromLines(input(), template, undefined, grouping)) jobs.push(job.refused === undefined ? job.command : `refused: ${job.refused}`);
      return jobs;
    };
    expect(await from(['a', 'b', 'c', 'd', 'e'], { context: true, pack: { maxChars: 131_071, slots: 2 } }, 'echo x{}y')).toEqual(['echo xay xby xcy', 'echo xdy xey']);
    expect(await from(['a', 'b', 'c', 'd', 'e'], { context: false, pack: { maxChars: 131_071, slots: 2 } }, 'echo x{}y')).toEqual(['echo xa b cy', 'echo xd ey']);
    // -s counts the terminating NUL (xargs', GNU parallel's): `echo a b` takes 9.
    expect(await from(['a', 'b', 'c'], { pack: { maxChars: 9 } })).toEqual(['echo a b', 'echo c']);
    expect(await from(['a', 'b', 'c'], { pack: { maxChars: 8 } })).toEqual(['echo a', 'echo b', 'echo c']);
    expect(await from(['a', { text: 'bad', refused: 'line 2 is not valid UTF-8' }, 'c'], { pack: { maxChars: 100 } })).toEqual(['refused: line 2 is not valid UTF-8', 'echo a c']);
    expect(await from(['a', 'x'.repeat(20), 'c'], { pack: { maxChars: 10 } })).toEqual(['echo a', expect.stringMatching(/^refused: its command would be 25 bytes long, more than -s 10/) as unknown as string, 'echo c']);
    expect(await from([' ', '', 'a', '\t'], { skipBlank: true }, 'echo [{}]')).toEqual(['echo [a]']);
    // -n: the arguments in place of {}, no context replace.
    expect(await from(['a', 'b', 'c'], { maxArgs: 2, context: false }, 'echo x{}y')).toEqual(['echo xa by', 'echo xcy']);
  });

  it('packs ::: arguments as GNU parallel spreads them over the job slots', () => {
    const commands = [...jobsFromArgs('echo', [lines('1', '2', '3', '4', '5', '6', '7')], undefined, { context: true, pack: { maxChars: 131_071, slots: 3 } })].map((job) => job.command);
    expect(commands).toEqual(['echo 1 2 3', 'echo 4 5 6', 'echo 7']);
    // Each argument's place in its record, for --results' levels: one line a record here.
    expect([...jobsFromArgs('echo', [lines('1', '2', '3')], undefined, { context: true, pack: { maxChars: 100, slots: 1 } })].map((job) => job.places)).toEqual([[1, 1, 1]]);
    expect([...jobsFromArgs('echo', [lines('a', 'b'), lines('x')], undefined, 2)].map((job) => job.places)).toEqual([[1, 2, 1, 2]]);
    expect([...jobsFromArgs('echo', [lines('a'), lines('x')])].map((job) => job.places)).toEqual([undefined]);
    expect([...jobsFromArgs('echo', [lines('a', ' ', 'b')], undefined, { skipBlank: true })].map((job) => job.command)).toEqual(['echo a', 'echo b']);
    // -r drops each source's blank values before combining (GNU parallel's): a source left with
    // none is one empty value; blank is ASCII white space only (U+00A0 is kept).
    const r = (groups: InputLine[][]): string[] => [...jobsFromArgs('echo [{1}] [{2}]', groups, undefined, { skipBlank: true })].map((job) => job.command);
    expect(r([lines('a', 'b'), lines('x', '', 'y')])).toEqual(['echo [a] [x]', 'echo [a] [y]', 'echo [b] [x]', 'echo [b] [y]']);
    expect(r([lines('a', 'b'), lines(' ', '\t')])).toEqual(["echo [a] ['']", "echo [b] ['']"]);
    expect(r([lines(' '), lines('\v\f\r')])).toEqual([]);
    expect([...jobsFromArgs('echo', [lines('\u00a0', '\v')], undefined, { skipBlank: true })].map((job) => job.args)).toEqual([['\u00a0']]);
  });

  it('trims arguments and columns with --trim, and stops at -E’s line', async () => {
    expect([...jobsFromArgs('echo [{1}][{2}]', [lines(' a , b ')], /,/, { trim: 'lr' })].map((job) => job.command)).toEqual(['echo [a][b]']);
    expect([...jobsFromArgs(undefined, [lines(' echo a ')], undefined, { trim: 'lr' })].map((job) => job.command)).toEqual(['echo a']);
    async function* input(): AsyncGenerator<InputLine> {
      yield* lines('a', 'STOP', 'b');
    }
    const jobs: string[] = [];
    for await (const job of jobsFromLines(input(), 'echo', undefined, { eof: 'STOP' })) jobs.push(job.command);
    expect(jobs).toEqual(['echo a']);
  });
});
