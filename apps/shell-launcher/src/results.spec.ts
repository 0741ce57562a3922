import { describe, it, expect, afterAll } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outcome } from '../test/fixtures/outcome.js';
import { SLOT } from './command-template.js';
import { escapeValue, resultsPaths, writeResults } from './results.js';

const dir = mkdtempSync(join(tmpdir(), 'spm-results-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const jobOf = (seq: number, args: string[], command = 'echo'): ReturnType<typeof outcome> => outcome({ seq, job: { seq, command, tag: args.join(' '), args, attempt: 1 } });

describe('escapeValue', () => {
  it('escapes as GNU parallel does, and gives an empty value, . and .. a directory of their own', () => {
    expect(['a', 'a/b', 'x\\y', 'a b', '', '.', '..', '...', '\\'].map(escapeValue)).toEqual(['a', 'a\\_b', 'x\\\\y', 'a b', '\\', '\\.', '\\..', '...', '\\\\']);
    // A tab is `\t` (backslash, t), after the backslashes are doubled: `a\tb` and a real tab differ.
    expect(['x\ty', 'x\\ty', '\t/'].map(escapeValue)).toEqual(['x\\ty', 'x\\\\ty', '\\t\\_']);
  });
});

describe('resultsPaths', () => {
  it('makes a tree of argument positions and values without replacement strings; --header names the levels', () => {
    expect(resultsPaths('out', jobOf(3, ['a', 'b/c']))).toEqual({ stdout: 'out/1/a/2/b\\_c/stdout', stderr: 'out/1/a/2/b\\_c/stderr', seq: 'out/1/a/2/b\\_c/seq' });
    expect(resultsPaths('out', jobOf(3, ['I', 'III']), ['a', 'b']).stdout).toBe('out/a/I/b/III/stdout');
  });

  it('cuts a value’s directory name to 255 bytes, on a UTF-8 character’s boundary (until session 44: ENAMETOOLONG)', () => {
    const level = (value: string): string => resultsPaths('out', jobOf(1, [value])).stdout.split('/')[2] ?? '';
    expect(level('x'.repeat(300))).toBe('x'.repeat(255));
    expect(level('x'.repeat(255))).toBe('x'.repeat(255));
    // é is 2 bytes: 127 of them are 254, the 128th would pass 255.
    expect(level('é'.repeat(200))).toBe('é'.repeat(127));
    // Cut after escaping, as GNU parallel: `/` is `\_`, and the cut may leave half of one.
    expect(level('/'.repeat(200))).toBe(`${'\\_'.repeat(127)}\\`);
  });

  it('names a level of a job of several records (-N, -X) by the value’s place in its record, as GNU parallel', () => {
    const several = (args: string[], places: number[]): ReturnType<typeof outcome> => outcome({ seq: 1, job: { seq: 1, command: 'echo', tag: args.join(' '), args, places, attempt: 1 } });
    expect(resultsPaths('out', several(['a', 'b'], [1, 1])).stdout).toBe('out/1/a/1/b/stdout');
    expect(resultsPaths('out', several(['a', 'x', 'a', 'y'], [1, 2, 1, 2])).stdout).toBe('out/1/a/2/x/1/a/2/y/stdout');
    expect(resultsPaths('out', several(['I', 'III', 'II', 'IV'], [1, 2, 1, 2]), ['a', 'b']).stdout).toBe('out/a/I/b/III/a/II/b/IV/stdout');
  });

  it('fills a name with replacement strings unquoted: a file (.err, .seq beside it), or a directory when it ends in /', () => {
    expect(resultsPaths('res_{}_{#}', jobOf(2, ["it's"]))).toEqual({ stdout: "res_it's_2", stderr: "res_it's_2.err", seq: "res_it's_2.seq" });
    expect(resultsPaths('out/{2}/{1}/', jobOf(1, ['a', 'b/c']))).toEqual({ stdout: 'out/b/c/a/stdout', stderr: 'out/b/c/a/stderr', seq: 'out/b/c/a/seq' });
    // {%}: the slot of the spoke that ran it.
    expect(resultsPaths('slot{%}/', { ...jobOf(1, ['a']), spoke: 'local:4' }).stdout).toBe('slot4/stdout');
    expect(resultsPaths('slot{%}/', { ...jobOf(1, ['a']), spoke: 'local:4' }).stdout).not.toContain(SLOT);
  });
});

describe('writeResults', () => {
  it('writes the whole output — the kept part, then the spill file’s bytes — and the seq, leaving the spill file', () => {
    const spill = join(dir, 'spilled');
    writeFileSync(spill, 'rest of it\n');
    const paths = writeResults(join(dir, 'out'), { ...jobOf(7, ['x']), stdout: 'kept ', stdoutFile: spill, stderr: 'e\n' });
    expect(readFileSync(paths.stdout, 'utf8')).toBe('kept rest of it\n');
    expect(readFileSync(paths.stderr, 'utf8')).toBe('e\n');
    expect(readFileSync(paths.seq, 'utf8')).toBe('7');
    expect(readFileSync(spill, 'utf8')).toBe('rest of it\n');
  });

  it('names the file it could not write', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    expect(() => writeResults(join(file, 'out'), jobOf(1, ['x']))).toThrow(`cannot write \`${join(file, 'out', '1', 'x')}\`: ENOTDIR`);
  });
});
