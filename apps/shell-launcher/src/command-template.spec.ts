import { describe, it, expect } from '@jest/globals';
import { withPlusStrings } from './plus-strings.js';
import { combinations, fillTemplate, hasReplacement, holdsSlot, leadsWithReplacement, nameColumns, shellQuote, SLOT, slotChoice, slotOf, trimmed, withoutSlot, withRenamedStrings, withSlot, WORD_BREAK } from './command-template.js';
import type { PerlJob, PerlValue } from './perl-eval.js';

describe('shellQuote', () => {
  it('leaves safe words bare and single-quotes the rest the way GNU parallel does', () => {
    expect(shellQuote('/x/y.z')).toBe('/x/y.z');
    expect(shellQuote('a-b_c.1+2/Z')).toBe('a-b_c.1+2/Z');
    // GNU parallel 20221122 quotes these (its Bourne-shell rule), so the commands read the same.
    for (const word of ['a=b', 'c:d', 'p,q', '@x', '%', '^', '~', 'é']) expect(shellQuote(word)).toBe(`'${word}'`);
    // An empty '' at either end is dropped, as GNU parallel writes it.
    expect(shellQuote("'a")).toBe(`"'"'a'`);
    expect(shellQuote("a'")).toBe(`'a'"'"`);
    expect(shellQuote("'")).toBe(`"'"`);
    expect(shellQuote("''")).toBe(`"'"''"'"`);
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
  });

  it('follows GNU parallel 20221122 on the path modifiers’ edge cases (each checked against it)', () => {
    // What the shell prints for `echo [<value>]` (an empty value is quoted as '').
    const value = (template: string, arg: string): string => fillTemplate(`[${template}]`, [arg], 1).replace(`['']`, '[]').slice(1, -1);
    // {.}: the last `.` to the end, when no `/` follows it — a dot file's whole name.
    expect(['.bashrc', 'dir/.hidden', 'x.tar.gz', 'a.b/c'].map((arg) => value('{.}', arg))).toEqual(['', 'dir/', 'x.tar', 'a.b/c']);
    expect(value('{/.}', '.bashrc')).toBe('');
    // {//}: Perl's dirname — a trailing slash does not make a component.
    expect(['a/', 'a/b/', '/a', '//', 'a', 'a//b', '', '/'].map((arg) => value('{//}', arg))).toEqual(['.', 'a', '/', '/', '.', 'a', '.', '/']);
    expect(['a/', 'a/b', '/'].map((arg) => value('{/}', arg))).toEqual(['', 'b', '']);
  });

  it('fills positional arguments, the sequence number, and {} with all arguments', () => {
    expect(fillTemplate('cp {1} {2}.bak # {#}', ['a', 'b c'], 7)).toBe(`cp a 'b c'.bak # 7`);
    expect(fillTemplate('echo {}', ['a', 'b'], 1)).toBe('echo a b');
    expect(fillTemplate('echo {3}', ['a'], 1)).toBe('echo ');
  });

  it('leaves {%} (the job slot) for the spoke that runs the command, which fills it', () => {
    const filled = fillTemplate('CUDA_VISIBLE_DEVICES={%} run {} # {%}', ['{%}'], 1);
    // An argument that reads `{%}` is text, quoted; only the template's own {%} is the slot.
    expect(filled).toBe(`CUDA_VISIBLE_DEVICES=${SLOT} run '{%}' # ${SLOT}`);
    expect(withSlot(filled, slotOf('local:2'))).toBe(`CUDA_VISIBLE_DEVICES=2 run '{%}' # 2`);
    expect(withSlot(filled, '{%}')).toBe(`CUDA_VISIBLE_DEVICES={%} run '{%}' # {%}`);
    expect(withSlot('echo a', 3)).toBe('echo a');
    expect([slotOf('local:1'), slotOf('local:12'), slotOf('elsewhere')]).toEqual([1, 12, 1]);
    expect(hasReplacement('echo {%}')).toBe(true);
    expect(fillTemplate('echo {1%}', ['a'], 1)).toBe('echo {1%}');
    // Argument 0 is all of them: `{0#}` and `{0%}` are `{#}` and `{%}` (GNU parallel's, without --plus).
    expect(fillTemplate('echo {0#} {00#} {0%}', ['a'], 7)).toBe(`echo 7 7 ${SLOT}`);
  });

  it('leaves a Perl string’s value that depends on the slot (it names slot()) for the spoke to choose, quoted as it will run', () => {
    // `{= … =}` as perl-strings.ts writes it: the expression's number between --plus marks.
    const perlMark = (expression: number, position = ''): string => `{${position}\u0003=${expression}\u0003}`;
    const bySlot = (texts: readonly string[], bare = false): PerlValue => ({ text: '{= $_ = slot() =}', bare: true, bySlot: texts.map((text) => ({ text, bare })) });
    const perl: PerlJob = {
      skipped: false,
      at: (expression, i) => (expression === 0 ? bySlot([`${i}a`, "it's"]) : { text: 'once', bare: false }),
      positional: () => bySlot(['$x', 'y z'], true),
    };
    const filled = fillTemplate(`GPU=${perlMark(0)} run {%} ${perlMark(1)} ${perlMark(2, '1')}`, ['p', 'q'], 1, false, false, perl);
    expect(filled).toBe(`GPU=${slotChoice('{= $_ = slot() =}', ['0a', `'it'"'"'s'`])} ${slotChoice('{= $_ = slot() =}', ['1a', `'it'"'"'s'`])} run ${SLOT} once once ${slotChoice('{= $_ = slot() =}', ['$x', 'y z'])}`);
    expect(withSlot(filled, 1)).toBe('GPU=0a 1a run 1 once once $x');
    expect(withSlot(filled, 2)).toBe(`GPU='it'"'"'s' 'it'"'"'s' run 2 once once y z`);
    // Before it runs, as written; past the slots it was made for (measured at its longest), the longest.
    expect(withSlot(filled, '{%}')).toBe('GPU={= $_ = slot() =} {= $_ = slot() =} run {%} once once {= $_ = slot() =}');
    expect(withSlot(filled, 99_999, 5)).toBe(`GPU='it'"'"'s' 'it'"'"'s' run 99999 once once y z`);
    expect(withoutSlot(filled)).toBe('GPU=  run  once once ');
    expect(holdsSlot(slotChoice('x', ['1']))).toBe(true);
    // -q: the word quoted whole, each choice inside it as it will run.
    const word = fillTemplate(['echo', `<${perlMark(0)}>`, ''].join(WORD_BREAK), ['p'], 1, false, false, perl);
    expect([1, 2].map((slot) => withSlot(word, slot))).toEqual([`echo '<0a>'`, `echo '<it'"'"'s>'`]);
  });

  it('counts {-n} from the end and takes {0} for all arguments, as GNU parallel does', () => {
    // Past the start it wraps once (Perl's negative index): checked against GNU parallel 20221122.
    expect(fillTemplate('[{0}] [{-1}] [{-2}] [{-3}] [{-4}] [{-5}]', ['a', 'b'], 1)).toBe('[a b] [b] [a] [b] [a] []');
    expect(fillTemplate('{-4} {-6} [{-7}] {-5.}', ['a', 'b.x', 'c'], 1)).toBe('c a [] b');
    expect(fillTemplate('[{0.}] [{-1/}]', ['x/a.b', 'y/c.d'], 1)).toBe('[x/a y/c] [c.d]');
  });

  it('with context (-N), repeats each run of non-blanks holding {} or {0} per argument, as GNU parallel', () => {
    expect(fillTemplate('echo x{}y', ['a', 'b'], 1, true)).toBe('echo xay xby');
    expect(fillTemplate('echo x{}y{1}{#} z{.}', ['a.c', 'b'], 7, true)).toBe('echo xa.cya.c7 xbya.c7 za zb');
    expect(fillTemplate("echo 'x {} y'", ['a', 'b'], 1, true)).toBe("echo 'x a b y'");
    expect(fillTemplate('echo  x{0}y  [{2}]', ['a b', 'c'], 1, true)).toBe("echo  x'a b'y xcy  [c]");
    expect(fillTemplate('echo {} x', [], 1, true)).toBe('echo  x');
    // -N 0: one empty argument per source, inserted bare.
    expect(fillTemplate('echo [{}] {1//}', ['', ''], 1, true, true)).toBe('echo [] [] .');
    expect(fillTemplate('echo', ['', ''], 1, true, true)).toBe('echo  ');
  });

  it('appends the quoted arguments when the template has no replacement string', () => {
    expect(hasReplacement('gzip -9')).toBe(false);
    expect(fillTemplate('gzip -9', ['x y'], 1)).toBe(`gzip -9 'x y'`);
    expect(hasReplacement('echo {}')).toBe(true);
    // `{-}` is no replacement string (GNU parallel appends the arguments to it).
    expect(fillTemplate('echo {-}', ['x y'], 1)).toBe(`echo {-} 'x y'`);
  });

  it('puts arguments in as they are when the command begins with a replacement string (GNU parallel’s quote_replace)', () => {
    // The first word holds one before any blank or `=`: the argument is (part of) the command.
    expect(leadsWithReplacement('{}')).toBe(true);
    expect(fillTemplate('{} {}', ['echo a  b'], 1)).toBe('echo a  b echo a  b');
    expect(fillTemplate('x{}', ['a b'], 1)).toBe('xa b');
    expect(fillTemplate('$({1}) {2}', ['a b', 'c d'], 1)).toBe('$(a b) c d');
    expect(fillTemplate('{#}{}', ['a b'], 4)).toBe('4a b');
    expect(fillTemplate('{}', ['a b', 'c d'], 1, true)).toBe('a b c d');
    // Not when a blank or `=` comes first, nor with a plain `{` only.
    for (const [template, filled] of [
      ['X={} {}', "X='a b' 'a b'"],
      [' {}', " 'a b'"],
      ['echo {}', "echo 'a b'"],
      ['{-} {}', "{-} 'a b'"],
    ]) {
      expect(fillTemplate(template as string, ['a b'], 1)).toBe(filled);
    }
    expect(fillTemplate(withRenamedStrings('{}@', [['{}', '@']]), ['a b'], 1)).toBe('{}a b');
    expect(fillTemplate(withRenamedStrings('{} @', [['{}', '@']]), ['a b'], 1)).toBe("{} 'a b'");
  });
});

describe('nameColumns (--header)', () => {
  it('writes each {name} of a header column as its position, with the path modifiers', () => {
    expect(nameColumns('cp {src} {dst/} {src.} {dst//} {dst/.} {#} {%} {}', ['src', 'dst'])).toBe('cp {1} {2/} {1.} {2//} {2/.} {#} {%} {}');
  });

  it('leaves unknown names, numbers and built-in strings alone; a name given twice is its first column', () => {
    expect(nameColumns('echo {foo} {1} {a}', ['a', 'a', '2', '#', ''])).toBe('echo {foo} {1} {1}');
    expect(nameColumns('echo {#} {%}', ['#', '%'])).toBe('echo {#} {%}');
  });

  it('takes names with regexp characters literally, the longest first', () => {
    expect(nameColumns('echo {a.b} {c+d} {(x)} {a.b.} {a}', ['a', 'a.b', 'c+d', '(x)'])).toBe('echo {2} {3} {4} {2.} {1}');
    expect(nameColumns('echo {axb}', ['a.b'])).toBe('echo {axb}');
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

describe('withRenamedStrings (-I, --er, --bnr, --dnr, --bner, --seqreplace, --slotreplace)', () => {
  const withReplaceString = (text: string, string: string): string => withRenamedStrings(text, [['{}', string]]);

  it('-I: writes the string as {} and keeps the template’s own {} as plain text; the other strings keep their meaning', () => {
    const template = withReplaceString('echo ,, {} {.} {#} x,,y', ',,');
    expect(fillTemplate(template, ['a.b'], 7)).toBe('echo a.b {} a 7 xa.by');
    expect(hasReplacement(withReplaceString('echo {}', '@'))).toBe(false);
    // No replacement string left: the arguments are appended, the plain {} shown as {}.
    expect(fillTemplate(withReplaceString('echo {}', '@'), ['a b'], 1)).toBe("echo {} 'a b'");
    // An argument is never scanned: its own braces and control characters stay as they are.
    expect(fillTemplate(withReplaceString('echo @', '@'), ['{}\u0001'], 1)).toBe("echo '{}\u0001'");
    expect(fillTemplate(withReplaceString('echo x@y {}', '@'), ['a', 'b'], 1, true)).toBe('echo xay xby {}');
    // The other replacement strings stay whole (GNU parallel's: `-I % echo % {%}` runs `echo a 1`).
    expect(withSlot(fillTemplate(withReplaceString('echo % {%} {#}', '%'), ['a'], 1), 1)).toBe('echo a 1 1');
    expect(fillTemplate(withReplaceString('echo . {.}', '.'), ['a.b'], 1)).toBe('echo a.b a');
    expect(withReplaceString('echo {} x{}y', '{}')).toBe('echo {} x{}y');
    // {}'s positional forms go with it: `{1}`, `{0}` are plain text (GNU parallel 20221122's; until
    // 2026-11-23 they were still filled here); a string not starting with `{` has none (`@1`).
    expect(fillTemplate(withReplaceString('echo @ {1} {0} @1 {2.}', '@'), ['a.b', 'c.d'], 1, true)).toBe('echo a.b c.d {1} {0} a.b1 c.d1 c');
    expect(fillTemplate(withReplaceString('echo {x} {x1} {1x}', '{x}'), ['a', 'b'], 1)).toBe('echo a b {x1} a');
  });

  it('renames the other strings alike, in the order given; a rename onto another’s string takes it', () => {
    const filled = (text: string, renames: Parameters<typeof withRenamedStrings>[1], args: readonly string[] = ['d/a.b']): string => withSlot(fillTemplate(withRenamedStrings(text, renames), args, 7), 2);
    expect(filled('echo @ {.} {1.} {}', [['{.}', '@']])).toBe('echo d/a {.} {1.} d/a.b');
    expect(filled('echo @ {/} @ {//} {/.}', [['{/}', '@']])).toBe('echo a.b {/} a.b d a');
    expect(filled('echo D {//} B {/.}', [['{//}', 'D'], ['{/.}', 'B']])).toBe('echo d {//} a {/.}');
    expect(filled('echo S {#} T {%}', [['{#}', 'S'], ['{%}', 'T']])).toBe('echo 7 {#} 2 {%}');
    // --er '{}': {} is now the argument without extension, {.} plain text.
    expect(filled('echo {} {.}', [['{.}', '{}']])).toBe('echo d/a {.}');
    // --bnr '{.}': {.} is the basename.
    expect(filled('echo {.}', [['{/}', '{.}']])).toBe('echo a.b');
    // Longest first: -I @ --er @@.
    expect(filled('echo @ @@', [['{}', '@'], ['{.}', '@@']])).toBe('echo d/a.b d/a');
    // A string renamed onto one renamed away stands for nothing: -I @ --er '{}' (GNU's `rpl`).
    expect(filled('echo [{}] [@]', [['{}', '@'], ['{.}', '{}']])).toBe('echo [d/a] [d/a.b]');
  });

  it('keeps --plus’ strings, unless a rename takes one’s string', () => {
    const plussed = withPlusStrings('echo @ {..} {1..}', 'the command');
    expect(fillTemplate(withRenamedStrings(plussed, [['{}', '@']]), ['a.b.c'], 1)).toBe('echo a.b.c a a');
    const taken = withPlusStrings('echo {..} {1..}', 'the command');
    expect(fillTemplate(withRenamedStrings(taken, [['{.}', '{..}']]), ['a.b.c'], 1)).toBe('echo a.b a.b');
  });
});

describe('-q and --trim', () => {
  it('-q: quotes each word whole once filled with the arguments as they are; context replace quotes each repetition', () => {
    // (As cli-options.ts keeps them: each word ends with a WORD_BREAK.)
    const q = (...words: string[]): string => words.map((word) => `${word}${WORD_BREAK}`).join('');
    expect(fillTemplate(q('echo', 'x {} y', 'a{}b', '$HOME', "it's"), ['p q'], 1)).toBe(`echo 'x p q y' 'ap qb' '$HOME' 'it'"'"'s'`);
    expect(fillTemplate(q('printf', '[%s]\\n', '{}'), ['a;b'], 1)).toBe("printf '[%s]\\n' 'a;b'");
    expect(fillTemplate(q('echo a', '{.}', '{#}'), ['p.q'], 3)).toBe("'echo a' p 3");
    // No replacement string: the quoted arguments appended.
    expect(fillTemplate(q('echo', 'x y'), ['p q'], 1)).toBe("echo 'x y' 'p q'");
    expect(fillTemplate(q('echo', 'x{}y'), ['a b', 'c'], 1, true)).toBe("echo 'xa by' xcy");
    // {%} stays the spoke's to fill.
    expect(withSlot(fillTemplate(q('echo', 's{%} {}'), ['a'], 1), 4)).toBe("echo 's4 a'");
    // One word, quoted whole too (it names a program with a blank in its name); an empty last word is kept.
    expect(fillTemplate(q('echo {.}'), ["j'k.x"], 1)).toBe(`'echo j'"'"'k'`);
    expect(fillTemplate(q('echo', '{}', ''), ['a'], 1)).toBe("echo a ''");
  });

  it('-q: a replacement string standing for several arguments makes a word of each, the text around it joining the first and the last (GNU parallel; they were one word)', () => {
    const q = (...words: string[]): string => words.map((word) => `${word}${WORD_BREAK}`).join('');
    // Two sources (or --colsep columns, or -m): `{}` is both arguments.
    expect(fillTemplate(q('printf', '[%s]\n', '{}'), ['a', 'b c'], 1)).toBe("printf '[%s]\n' a 'b c'");
    expect(fillTemplate(q('printf', '[%s]\n', 'x{}y'), ['a', 'b c'], 1)).toBe("printf '[%s]\n' xa 'b cy'");
    expect(fillTemplate(q('echo', '{}'), ['', 'b'], 1)).toBe("echo '' b");
    // Positional strings are one argument each: one word, as before.
    expect(fillTemplate(q('echo', '{1}-{2}'), ['a', 'b c'], 1)).toBe("echo 'a-b c'");
  });

  it('--trim: Perl\'s whitespace at the left, right or both ends', () => {
    expect(['l', 'r', 'lr', 'n'].map((ends) => trimmed(' \t a b \n\r\f\v', ends as 'l' | 'r' | 'lr' | 'n'))).toEqual(['a b \n\r\f\v', ' \t a b', 'a b', ' \t a b \n\r\f\v']);
  });
});
