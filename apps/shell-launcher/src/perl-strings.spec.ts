import { describe, it, expect } from '@jest/globals';
import { SPMError } from '@spm/exceptions';
import { PLUS_MARK } from './plus-strings.js';
import type { PerlExpression } from './perl-eval.js';
import { DEFAULT_PERL_RULES, parensOf, rplRule, withPerlStrings, type PerlRules } from './perl-strings.js';

/** `text` marked with `rules`, the mark written `<N@P>` (N its expression, P its position), and the expressions found. */
function marked(text: string, rules: Partial<PerlRules> = {}, natives: readonly string[] = []): { text: string; expressions: PerlExpression[] } {
  const expressions: PerlExpression[] = [];
  const out = withPerlStrings(text, { ...DEFAULT_PERL_RULES, ...rules }, expressions, 'the command', natives);
  const mark = new RegExp(`\\{(-?\\d*)${PLUS_MARK}=(\\d+)${PLUS_MARK}\\}`, 'g');
  return { text: out.replace(mark, (_whole, position: string, n: string) => `<${n}@${position}>`), expressions };
}

describe('{= perl expression =} in a template', () => {
  it('marks each expression, its position the digits after {=, its code without them and the blanks before it', () => {
    const { text, expressions } = marked('echo {= s/a/b/ =} x{=2 $_++ =}y {=0 uc=}');
    expect(text).toBe('echo <0@> x<1@2>y <2@0>');
    expect(expressions.map(({ position, code, written }) => [position, code, written])).toEqual([
      ['', 's/a/b/ ', '{= s/a/b/ =}'],
      ['2', '$_++ ', '{=2 $_++ =}'],
      ['0', 'uc', '{=0 uc=}'],
    ]);
  });

  it('takes the innermost, shortest expression, so one may hold {} and braces untouched (GNU parallel’s rule)', () => {
    expect(marked('echo {= $_ = "{}" =} {}').text).toBe('echo <0@> {}');
    // `{={==}`: the inner `{==}` is the expression (empty code); the outer `{=` is text.
    const nested = marked('{={==}');
    expect(nested.text).toBe('{=<0@>');
    expect(nested.expressions[0]?.code).toBe('');
    expect(marked('a {= 1 =} b {= 2 =}').text).toBe('a <0@> b <1@>');
  });

  it('reads other parentheses with --parens, and leaves a template without any as it is', () => {
    expect(marked('echo ,,s/I/O/g,, {=x=}', { parens: parensOf(',,,,') }).text).toBe('echo <0@> {=x=}');
    expect(marked('echo {} {.}').text).toBe('echo {} {.}');
  });

  it('joins the words of a -q template an expression spans (GNU parallel’s merge_rpl_parts)', () => {
    const { text, expressions } = marked('echo\u0002{=\u0002s/a/b/\u0002=}\u0002{}');
    expect(text).toBe('echo\u0002<0@>\u0002{}');
    expect(expressions[0]?.code).toBe('s/a/b/ ');
  });

  it('refuses a template that holds a mark of its own', () => {
    expect(() => marked(`echo {${PLUS_MARK}=0${PLUS_MARK}} {= 1 =}`)).toThrow(SPMError);
  });
});

describe('--rpl', () => {
  it('splits TAG and CODE at the first blank; a TAG alone stands for the argument', () => {
    expect(rplRule('{odd} $_ = seq() % 2 ? "odd" : "even"')).toEqual(['{odd}', '$_ = seq() % 2 ? "odd" : "even"']);
    expect(rplRule('{x}')).toEqual(['{x}', '']);
    expect(() => rplRule(undefined)).toThrow(/--rpl.*got nothing/);
    expect(() => rplRule(' s/a/b/')).toThrow(SPMError);
    expect(() => rplRule('{(a[)} s/x/y/')).toThrow(/group `\(a\[\)` of `--rpl`'s string `\{\(a\[\)\}`/);
  });

  it('marks each string, and its positional form when it begins with {', () => {
    const rules = { rpl: [rplRule('{odd} $_ = seq() % 2')] };
    const { text, expressions } = marked('echo {odd} {2odd} {-1 odd} odd', rules);
    expect(text).toBe('echo <0@> <1@2> <2@-1> odd');
    expect(expressions.map((e) => e.code)).toEqual(['$_ = seq() % 2', '$_ = seq() % 2', '$_ = seq() % 2']);
    expect(expressions.map((e) => e.written)).toEqual(['{odd}', '{2odd}', '{-1 odd}']);
  });

  it('sets its groups’ matches, perl-quoted, as $$1…, up to the first that matched nothing', () => {
    const { text, expressions } = marked('echo {/a"$b/c} {/x/}', { rpl: [rplRule('{/(.+?)/(.*?)} s/$$1/$$2/;')] });
    expect(text).toBe('echo <0@> <1@>');
    expect(expressions[0]?.code).toBe('$_pAr_gRp1 = "a\\"\\$b";$_pAr_gRp2 = "c";s/$_pAr_gRp1/$_pAr_gRp2/;');
    expect(expressions[1]?.code).toBe('$_pAr_gRp1 = "x";$_pAr_gRp2 = "";s/$_pAr_gRp1/$_pAr_gRp2/;');
  });

  it('takes code that begins with a number and a blank as a position, as GNU parallel (its own {#} is `1 $_=$job->seq()`)', () => {
    const { text, expressions } = marked('{odd}', { rpl: [rplRule('{odd} 1 $_ = seq()')] });
    expect(text).toBe('<0@1>');
    expect(expressions[0]?.code).toBe('$_ = seq()');
  });

  it('finds the longest strings first, the last definition of a tag winning, and never inside an expression', () => {
    const rules = { rpl: [rplRule('% s/a/b/'), rplRule('%% s/b/a/'), rplRule('%% s/c/d/')] };
    const { text, expressions } = marked('%%% {= "%" =}', rules);
    expect(text).toBe('<1@><2@> <0@>');
    expect(expressions.map((e) => e.code)).toEqual(['"%" ', 's/c/d/', 's/a/b/']);
  });

  it('leaves a longer built-in or renamed string where a shorter one would be found, and overrides one of the same length', () => {
    expect(marked('{%} % {}', { rpl: [rplRule('% s/a/b/')] }).text).toBe('{%} <0@> {}');
    expect(marked('{} {1} {.}', { rpl: [rplRule('{} s/a/b/')] }).text).toBe('<0@> <1@1> {.}');
    expect(marked('@@ @', { rpl: [rplRule('@ s/a/b/')] }, ['@@']).text).toBe('@@ <0@>');
  });
});

describe('--parens', () => {
  it('takes two halves of the same length, refusing anything else', () => {
    expect(parensOf('{==}')).toEqual(['{=', '=}']);
    expect(parensOf(',,,,')).toEqual([',,', ',,']);
    for (const bad of [undefined, '', '{', '{=}']) expect(() => parensOf(bad)).toThrow(/--parens/);
  });
});
