import { describe, it, expect } from '@jest/globals';
import { combinations, fillTemplate, hasReplacement, shellQuote } from './command-template.js';

describe('shellQuote', () => {
  it('leaves safe words bare and single-quotes the rest the way GNU parallel does', () => {
    expect(shellQuote('/x/y.z')).toBe('/x/y.z');
    expect(shellQuote('a-b_c=1,2:3@%+^')).toBe('a-b_c=1,2:3@%+^');
    expect(shellQuote('a b')).toBe(`'a b'`);
    expect(shellQuote("it's")).toBe(`'it'"'"'s'`);
    expect(shellQuote('$HOME')).toBe(`'$HOME'`);
    expect(shellQuote('')).toBe(`''`);
  });
});

describe('fillTemplate', () => {
  it('replaces {} and the path modifiers with quoted arguments', () => {
    expect(fillTemplate('echo {} {.} {/}', ["it's"], 1)).toBe(`echo 'it'"'"'s' 'it'"'"'s' 'it'"'"'s'`);
    expect(fillTemplate('echo {} {.} {/}', ['a b.txt'], 1)).toBe(`echo 'a b.txt' 'a b' 'a b.txt'`);
    expect(fillTemplate('echo {} {.} {/} {//} {/.}', ['/x/y.z'], 1)).toBe('echo /x/y.z /x/y y.z /x y');
    expect(fillTemplate('echo {.}', ['.hidden'], 1)).toBe('echo .hidden');
  });

  it('fills positional arguments, the sequence number, and {} with all arguments', () => {
    expect(fillTemplate('cp {1} {2}.bak # {#}', ['a', 'b c'], 7)).toBe(`cp a 'b c'.bak # 7`);
    expect(fillTemplate('echo {}', ['a', 'b'], 1)).toBe('echo a b');
    expect(fillTemplate('echo {3}', ['a'], 1)).toBe('echo ');
  });

  it('appends the quoted arguments when the template has no replacement string', () => {
    expect(hasReplacement('gzip -9')).toBe(false);
    expect(fillTemplate('gzip -9', ['x y'], 1)).toBe(`gzip -9 'x y'`);
    expect(hasReplacement('echo {}')).toBe(true);
  });
});

describe('combinations', () => {
  it('combines ::: groups first group outermost, as GNU parallel orders them', () => {
    expect([...combinations([['a', 'b'], ['1', '2']])]).toEqual([
      ['a', '1'],
      ['a', '2'],
      ['b', '1'],
      ['b', '2'],
    ]);
    expect([...combinations([['x']])]).toEqual([['x']]);
    expect([...combinations([['x'], []])]).toEqual([]);
  });
});
