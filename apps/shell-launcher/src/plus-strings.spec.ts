import { describe, it, expect } from '@jest/globals';
import { SPMError } from '@spm/exceptions';
import { fillTemplate, holdsSlot, slotWidthOf, withSlot } from './command-template.js';
import { needsJobCount, PLUS_MARK, plusFilterOf, plusOperation, ungreedy, withJobCount, withPlusStrings } from './plus-strings.js';

/**
 * `template` read with --plus and filled for one job — as an argument of `:`, so that the
 * arguments are quoted even where `template` begins with a replacement string (leadsWithReplacement).
 */
const fill = (template: string, args: readonly string[], context = false): string => fillTemplate(withPlusStrings(`: ${template}`, 'the command'), args, 1, context).slice(2);

describe('--plus replacement strings', () => {
  it('take extensions and directories off as GNU parallel’s table does', () => {
    const path = 'dir/sub/foo.tar.gz.x';
    const cases: readonly [string, string][] = [
      ['{..}', 'dir/sub/foo.tar'],
      ['{...}', 'dir/sub/foo'],
      ['{/..}', 'foo.tar'],
      ['{/...}', 'foo'],
      ['{+/}', 'dir/sub'],
      ['{+.}', 'x'],
      ['{+..}', 'gz.x'],
      ['{+...}', 'tar.gz.x'],
    ];
    for (const [string, expected] of cases) expect([string, fill(`echo ${string}`, [path])]).toEqual([string, `echo ${expected}`]);
    // Too few extensions: nothing removed, nothing taken; no directory: `{+/}` is empty.
    expect(fill('{...}|{+...}|{+/}|{+.}', ['a.b'])).toBe("a.b|''|''|b");
    // `{} = {+/}/{/}` and `{.}.{+.}`, as the table says.
    expect(fill('{+/}/{/} {..}.{+..}', [path])).toBe(`${path} ${path}`);
  });

  it('take bash’s substitutions: defaults, substrings, shortest and longest prefix and suffix, replacement, case', () => {
    const cases: readonly [string, string, string][] = [
      ['{:-none}', '', 'none'],
      ['{:-none}', '0', 'none'], // Perl's `||=`: 0 is false
      ['{:-none}', 'x', 'x'],
      ['{:2}', 'abcdef', 'cdef'],
      ['{:2:3}', 'abcdef', 'cde'],
      ['{:9:3}', 'abc', "''"],
      ['{#[a-z]+}', 'ab.c', 'b.c'], // the shortest: one letter
      ['{##[a-z.]+}', 'ab.c1', '1'],
      ['{#a.*b}', 'axbxb1', 'xb1'],
      ['{##a.*b}', 'axbxb1', '1'],
      ['{%.gz}', 'f.tar.gz', 'f.tar'],
      ['{%\\.[a-z]*}', 'f.tar.gz', 'f.tar'],
      ['{%%\\.[a-z.]*}', 'f.tar.gz', 'f'],
      ['{/o/0}', 'foo', 'f0o'],
      ['{//o/0}', 'foo', 'f00'],
      ['{/#f/F}', 'foof', 'Foof'],
      ['{/%f/F}', 'foof', 'fooF'],
      ['{/o/}', 'foo', 'fo'],
      ['{^f}', 'foo', 'Foo'],
      ['{^^o}', 'foo', 'fOO'],
      ['{,F}', 'FOO', 'fOO'],
      ['{,,O}', 'FOO', 'Foo'],
      ['{,,[A-Z]}', 'FoO', 'foo'],
    ];
    for (const [string, value, expected] of cases) expect([string, value, fill(string, [value])]).toEqual([string, value, expected]);
  });

  it('are positional too ({2..}, {-1%.gz}) and repeat a word with -X’s context replace', () => {
    expect(fill('cp {1} {2..}.{1+.}', ['a.txt', 'b.tar.gz'])).toBe('cp a.txt b.txt');
    expect(fill('{-1%.gz}', ['x.gz', 'y.gz'])).toBe('y');
    expect(fill('gunzip -c x{%.gz}y', ['a.gz', 'b.gz'], true)).toBe('gunzip -c xay xby');
    // The arguments are quoted after the operation.
    expect(fill('{/_/ }', ['a_b'])).toBe("'a b'");
  });

  it('leave the strings that are not theirs: {}, {.}, {/.}, {#}, {%}, {:-}, {%%}’s own literal', () => {
    expect(withPlusStrings('{} {.} {/.} {//} {#} {%} {:-} {3}', 'the command')).toBe('{} {.} {/.} {//} {#} {%} {:-} {3}');
    expect(withPlusStrings('{..}', 'the command')).toBe(`{${PLUS_MARK}..${PLUS_MARK}}`);
    // `{%%}`: `%` then the expression `%` (GNU parallel 20221122 reads it so: nothing removed from `a.o`).
    expect(fill('{%%}', ['a.o'])).toBe('a.o');
  });

  it('{slot} is {%}, the job slot (GNU parallel’s $PARALLEL_JOBSLOT), filled by the spoke', () => {
    expect(withPlusStrings('gpu={slot} {}', 'the command')).toBe('gpu={%} {}');
    expect(withSlot(fill('gpu={slot} {}', ['a']), 3)).toBe('gpu=3 a');
  });

  it('{##} is the number of jobs and {0#} the job’s number padded to its digits, once the jobs are counted; -X repeats neither', () => {
    const read = withPlusStrings('echo {#}/{##} {0#} {}', 'the command');
    expect([needsJobCount(read), needsJobCount(withPlusStrings('echo {..} {#}', 'the command')), needsJobCount(undefined)]).toEqual([true, false, false]);
    const counted = (jobs: number): string => withJobCount(read, jobs);
    expect(fillTemplate(counted(12), ['a'], 7)).toBe('echo 7/12 07 a');
    expect(fillTemplate(counted(9), ['a'], 7)).toBe('echo 7/9 7 a');
    expect(fillTemplate(counted(100), ['a'], 7)).toBe('echo 7/100 007 a');
    expect(fillTemplate(withJobCount(withPlusStrings('x{0#}y{}z', 'the command'), 10), ['a', 'b'], 3, true)).toBe('x03yaz x03ybz');
    // In the command, {##} is a replacement string: one that holds only it gets no arguments appended (as GNU parallel).
    expect(fillTemplate(withJobCount(withPlusStrings('echo {##}', 'the command'), 2, true), ['a'], 1)).toBe('echo 2');
    expect(fillTemplate(withJobCount(withPlusStrings('echo {##}{}', 'the command'), 2, true), ['a', 'b'], 1, true)).toBe('echo 2a 2b');
    // Elsewhere (a --tagstring, a --results path) it is written in as the number.
    expect(withJobCount(withPlusStrings('n={##}', 'the command'), 2)).toBe('n=2');
  });

  it('{0%} is the job slot zero-padded to the digits of the number of slots, filled by the spoke as {%} is', () => {
    const filled = fill('gpu={0%} slot={%} {}', ['a']);
    expect(holdsSlot(filled)).toBe(true);
    expect([slotWidthOf(1), slotWidthOf(9), slotWidthOf(10), slotWidthOf(12), slotWidthOf(100), slotWidthOf(1024)]).toEqual([1, 1, 2, 2, 3, 4]);
    expect(withSlot(filled, 3, slotWidthOf(12))).toBe('gpu=03 slot=3 a');
    expect(withSlot(filled, 3, slotWidthOf(100))).toBe('gpu=003 slot=3 a');
    expect(withSlot(filled, 12, slotWidthOf(12))).toBe('gpu=12 slot=12 a');
    // Shown before it runs (a job that never ran, in the job log).
    expect(withSlot(filled, '{%}')).toBe('gpu={0%} slot={%} a');
    // Slots side by side, and digits of the text between them, stay apart.
    expect(withSlot(fill('{%}{0%}0{%}{0%}', []), 7, 2)).toBe('7' + '07' + '0' + '7' + '07');
    // Not context-replaced with -N (it is no argument): once, as {%}.
    expect(withSlot(fillTemplate(withPlusStrings('x{}y {0%}', 'the command'), ['a', 'b'], 1, true), 4, 2)).toBe('xay xby 04');
    // Without --plus, `{0%}` is `{%}` of argument 0 (all of them): the slot, unpadded, as GNU parallel 20221122 fills it.
    expect(withSlot(fillTemplate('{0%}', ['a'], 1), 4, 2)).toBe('4');
  });

  it('{choose_k} and {uniq} are the arguments, and pass over a job whose arguments are not in increasing order, or not all different', () => {
    expect(fill('echo {choose_k} {uniq} {2choose_k} {-1uniq}', ['a', 'b c'])).toBe("echo a 'b c' a 'b c' 'b c' 'b c'");
    const passOver = (template: string, args: readonly string[]): boolean | undefined => plusFilterOf([undefined, withPlusStrings(template, 'the command')])?.(args);
    expect(passOver('echo {}', ['a', 'a'])).toBeUndefined();
    // {choose_k}: strictly increasing, so each k-subset once (`::: A B C ::: A B C` keeps A B, A C, B C).
    expect([['A', 'B'], ['A', 'C'], ['B', 'A'], ['B', 'B'], ['A', 'B', 'C'], ['A', 'C', 'B'], ['x'], []].map((args) => passOver('{choose_k}', args))).toEqual([false, false, true, true, false, true, false, false]);
    // Byte order, as GNU parallel's `ge` on undecoded UTF-8 (UTF-16 would put U+1F600 before U+FFFD).
    expect([passOver('{choose_k}', ['\uFFFD', '\u{1F600}']), passOver('{choose_k}', ['\u{1F600}', '\uFFFD']), passOver('{choose_k}', ['10', '9'])]).toEqual([false, true, false]);
    // {uniq}: all different, in any order.
    expect([['A', 'B'], ['B', 'A'], ['A', 'A'], ['A', 'B', 'A'], ['x']].map((args) => passOver('{1uniq}', args))).toEqual([false, false, true, true, false]);
    // Both: both rules; found in any template given (--tagstring here).
    const both = plusFilterOf([withPlusStrings('echo {choose_k}', 'the command'), withPlusStrings('{uniq}', '`--tagstring`')]);
    expect([both?.(['a', 'b']), both?.(['b', 'a']), both?.(['a', 'a'])]).toEqual([false, true, true]);
    // Without --plus, text.
    expect(plusFilterOf(['echo {choose_k} {uniq}'])).toBeUndefined();
  });

  it('refuse a bad regular expression when the options are read, naming the string and where it is', () => {
    expect(() => withPlusStrings('echo {%[a-}', 'the command')).toThrow(SPMError);
    expect(() => withPlusStrings('echo {%[a-}', 'the command')).toThrow(/^Expected `\{%\[a-\}` in the command to hold a regular expression \(JavaScript's\), got Invalid regular expression/);
    expect(() => withPlusStrings(`x {1${PLUS_MARK}..${PLUS_MARK}}`, '`--tagstring`')).toThrow('Expected `--tagstring` to hold no U+0003 character inside braces, got one');
  });

  it('make quantifiers lazy as GNU parallel’s make_regexp_ungreedy does: not in classes, not escaped, not twice', () => {
    expect(ungreedy('a*b+c{2,3}')).toBe('a*?b+?c{2,3}?');
    expect(ungreedy('[*+]\\*x*?')).toBe('[*+]\\*x*?');
    expect(ungreedy('.*')).toBe('.*?');
    expect(() => plusOperation('nope')).toThrow(RangeError);
  });
});
