/**
 * GNU parallel's Perl replacement strings in a template: `{= perl expression =}` (`{=3 … =}` on
 * the third argument; other parentheses with `--parens`) and the strings `--rpl 'TAG CODE'`
 * defines (`--rpl '{odd} $_ = seq() % 2 ? "odd" : "even"'`, with regular-expression groups as
 * `$$1`…: `--rpl '{/(.+?)/(.*?)} s/$$1/$$2/'`). Each one found is replaced by a mark — written
 * as a `--plus` string is (`{3` U+0003 `=N` U+0003 `}`, see plus-strings.ts), N its place in the
 * run's list of expressions — that fillTemplate fills with what Perl made of it (perl-eval.ts).
 *
 * Found as GNU parallel 20221122 finds them: `{= =}` first, the innermost and shortest (so an
 * expression may hold `{}` or another `--rpl` string untouched); then each `--rpl` string,
 * longest first, outside the marks, and — when it starts with `{` — in its positional form
 * (`{2odd}`); its groups' matches set `$_pAr_gRp1`… (perl-quoted) before its code, `$$1` read
 * as `$_pAr_gRp1`. A position is the digits right after `{=` (or a positional form's); code
 * that begins with digits and a blank (`--rpl '{odd} 1 $_=…'`, as GNU parallel's own `{#}`
 * does) takes them for a position, as GNU parallel does: evaluated once per job, on argument 1.
 */

import { SPMError } from '@spm/exceptions';
import type { PerlExpression } from './perl-eval.js';
import { PLUS_MARK, holdsMark } from './plus-strings.js';
import { WORD_BREAK } from './command-template.js';

/** What defines a run's Perl strings: `--parens`' two halves and the `--rpl` strings, in the order given. */
export interface PerlRules {
  readonly parens: readonly [left: string, right: string];
  readonly rpl: readonly (readonly [tag: string, code: string])[];
}

/** GNU parallel's defaults: `{= =}`, no `--rpl`. */
export const DEFAULT_PERL_RULES: PerlRules = { parens: ['{=', '=}'], rpl: [] };

const escapeRegExp = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/** GNU parallel's `perl_quote_scalar`: `\`, `"`, `$`, `@` escaped, for a value put in a "…" string of Perl. */
function perlQuote(value: string): string {
  return value.replace(/[\\"$@]/g, '\\$&');
}

/** The built-in strings (and their positional forms): an `--rpl` string shorter than one is not looked for inside it. */
const BUILTIN = /\{-?\d*(?:\.|\/\/|\/\.|\/|#|%)?\}/g;

/**
 * `--rpl`'s value, `TAG CODE` (split at the first blank, as GNU parallel splits it): the tag and
 * its Perl code (none: the tag stands for the argument as it is, as GNU parallel's does). Throws
 * an SPMError naming the option when the tag is empty, or when its group is not a regular
 * expression JavaScript reads.
 */
export function rplRule(value: string | undefined): readonly [tag: string, code: string] {
  const at = value === undefined ? -1 : value.search(/\s/);
  if (value === undefined || at === 0 || value === '') {
    throw new SPMError(`Expected \`--rpl\` to be followed by a replacement string, a blank and its Perl code (e.g. --rpl '{..} s:\\.[^/.]+$::;s:\\.[^/.]+$::'), got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
  }
  const tag = at < 0 ? value : value.slice(0, at);
  if (tag.includes(PLUS_MARK) || tag.includes('\u0001') || tag.includes(WORD_BREAK)) throw new SPMError(`Expected \`--rpl\`'s string to hold no U+0001 to U+0003 character, got ${JSON.stringify(tag)}`);
  const { group } = tagParts(tag);
  try {
    new RegExp(group);
  } catch (error) {
    throw new SPMError(`Expected the group \`${group}\` of \`--rpl\`'s string \`${tag}\` to be a regular expression (JavaScript's), got ${(error as Error).message}`);
  }
  return [tag, at < 0 ? '' : value.slice(at + 1)];
}

/** `--parens`' value: two halves of the same length (`{==}`, `,,,,`), the left one opening an expression. */
export function parensOf(value: string | undefined): readonly [string, string] {
  if (value === undefined || value.length < 2 || value.length % 2 !== 0) {
    throw new SPMError(`Expected \`--parens\` to be the left and right parentheses of a perl expression, of the same length (e.g. ,,,, for ,,s/a/b/,,), got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
  }
  return [value.slice(0, value.length / 2), value.slice(value.length / 2)];
}

/** A tag's parts, as GNU parallel cuts it: what comes before its `(…)` group, the group, what follows. */
function tagParts(tag: string): { prefix: string; group: string; postfix: string } {
  const match = /^([^(]*)(\(.*\))?([^)]*)$/s.exec(tag);
  // A tag no cut fits (a `)` before the group, …) is looked for as it is.
  if (match === null) return { prefix: tag, group: '', postfix: '' };
  return { prefix: match[1] ?? '', group: match[2] ?? '', postfix: match[3] ?? '' };
}

type Piece = { readonly text: string; readonly marked: boolean };

/**
 * `text` (a command, `--tagstring`, `--wd`, `--results` or `--template` text; `where` names it)
 * with its Perl strings marked, their expressions appended to `expressions` (numbered across a
 * run's templates). `natives` are the other replacement strings in force (`-I`'s…): an `--rpl`
 * string shorter than one of them is not looked for inside it.
 */
export function withPerlStrings(text: string, rules: PerlRules, expressions: PerlExpression[], where: string, natives: readonly string[] = []): string {
  const [left, right] = rules.parens;
  if (holdsMark(text)) throw new SPMError(`Expected ${where} to hold no U+0003 character inside braces, got one`);
  if (!text.includes(left) && rules.rpl.length === 0) return text;
  const mark = (written: string, inner: string): string => {
    // Its position: the digits right after the left parenthesis; then, as GNU parallel's
    // `s/^(-?\d+)? *//`, digits and blanks again off the code. (-q's words joined by blanks.)
    const joined = inner.replaceAll(WORD_BREAK, ' ');
    const position = /^-?\d+/.exec(joined)?.[0] ?? '';
    const code = joined.slice(position.length).replace(/^(-?\d+)? */, '');
    expressions.push({ position, code, written, where });
    return `{${position}${PLUS_MARK}=${expressions.length - 1}${PLUS_MARK}}`;
  };
  // `{= =}`: the innermost, shortest (the code holds neither parenthesis).
  const [l, r] = [escapeRegExp(left), escapeRegExp(right)];
  const parenthesized = new RegExp(`${l}((?:(?!${l}|${r})[\\s\\S])*?)${r}`, 'g');
  let pieces: Piece[] = [];
  let last = 0;
  for (const match of text.matchAll(parenthesized)) {
    pieces.push({ text: text.slice(last, match.index), marked: false }, { text: mark(match[0].replaceAll(WORD_BREAK, ' '), match[1] ?? ''), marked: true });
    last = match.index + match[0].length;
  }
  pieces.push({ text: text.slice(last), marked: false });
  // `--rpl` strings, longest first (a later one of the same tag replaces an earlier one, as GNU parallel's hash).
  const defined = new Map(rules.rpl.map(([tag, code]) => [tag, code]));
  for (const [tag, code] of [...defined].sort(([a], [b]) => b.length - a.length)) {
    const { prefix, group, postfix } = tagParts(tag);
    const groups = (new RegExp(`${group}|`).exec('')?.length ?? 1) - 1;
    // A longer replacement string where the tag would be found is left alone (it is found later:
    // GNU parallel looks for the longest first): a renamed one (`-I @@`) looked for before the
    // tag, a built-in one after it (the tag overrides one of its own length: `--rpl '{} …'`).
    const longerNatives = natives.filter((native) => native.length > tag.length).map(escapeRegExp);
    const before = longerNatives.length > 0 ? `(?<native>${longerNatives.join('|')})|` : '';
    const after = tag.length < 4 ? `|(?<builtin>${BUILTIN.source})` : '';
    const forms = [new RegExp(`${before}${escapeRegExp(prefix)}${group}${escapeRegExp(postfix)}${after}`, 'g')];
    if (prefix.startsWith('{')) forms.push(new RegExp(`${before}\\{(?<position>-?\\d+)\\s*${escapeRegExp(prefix.slice(1))}${group}${escapeRegExp(postfix)}${after}`, 'g'));
    /** Where the tag's own groups begin in a match of a form (after `native`'s and `position`'s). */
    const first = (positional: number): number => 1 + (before === '' ? 0 : 1) + positional;
    const setCode = code.replace(/\$\$(\d+)/g, '$_pAr_gRp$1');
    for (const [positional, form] of forms.entries()) {
      pieces = pieces.flatMap((piece) => {
        if (piece.marked) return [piece];
        const cut: Piece[] = [];
        let from = 0;
        for (const match of piece.text.matchAll(form)) {
          if (match.groups?.['native'] !== undefined || match.groups?.['builtin'] !== undefined) continue;
          const position = match.groups?.['position'] ?? '';
          // The tag's own groups, as GNU parallel sets them: in order, up to the first that matched nothing.
          let setArgs = '';
          for (const [i, value] of match.slice(first(positional), first(positional) + groups).entries()) {
            if (value === undefined) break;
            setArgs += `$_pAr_gRp${i + 1} = "${perlQuote(value)}";`;
          }
          cut.push({ text: piece.text.slice(from, match.index), marked: false }, { text: mark(match[0], `${position}${setArgs}${setCode}`), marked: true });
          from = match.index + match[0].length;
        }
        cut.push({ text: piece.text.slice(from), marked: false });
        return cut;
      });
    }
  }
  return pieces.map((piece) => piece.text).join('');
}
