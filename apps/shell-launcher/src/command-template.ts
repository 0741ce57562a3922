/**
 * Turning input into command lines, as GNU parallel does: a template with replacement strings
 * (`{}`, `{.}`, `{/}`, `{//}`, `{/.}`, `{#}`, `{1}`, `{-1}`…) filled with shell-quoted
 * arguments, or, without a template, each input line taken as a whole command. The path
 * modifiers follow GNU parallel's rules to the letter (checked against it), quirks included:
 * `{.}` of `.bashrc` is empty, `{//}` of `a/` is `.`.
 */

import { isPositional, type PerlJob, type PerlValue } from './perl-eval.js';
import { COUNT_MARK, PLUS_MARK, plusOperation } from './plus-strings.js';

/** The characters GNU parallel (20221122, a Bourne shell) leaves bare in a word. */
const SAFE_WORD = /^[A-Za-z0-9_.+/-]+$/;

/**
 * Quotes `value` as one POSIX shell word exactly as GNU parallel does for a Bourne shell: bare
 * when it is made of `A-Za-z0-9_.+/-` only; `''` when empty; else in single quotes with each
 * embedded `'` written `'"'"'`, and an empty `''` left at either end dropped (`'a` is
 * `"'"'a'`). Until 2026-11-22 `@%=:,^` were left bare too: equivalent for the shell, but the
 * command shown (`--dry-run`, the job log, `--json`) differed from GNU parallel's.
 */
export function shellQuote(value: string): string {
  if (value === '') return "''";
  if (SAFE_WORD.test(value)) return value;
  let quoted = `'${value.replaceAll("'", `'"'"'`)}'`;
  if (quoted.startsWith("''")) quoted = quoted.slice(2);
  if (quoted.endsWith("''")) quoted = quoted.slice(0, -2);
  return quoted;
}

// One replacement string: `{}`, `{.}`, `{/}`, `{//}`, `{/.}`, `{#}`, `{%}`, or the same with a
// positional argument number (`{2}`, `{2.}`, `{2/}`, …), counted from the end when negative
// (`{-1}` is the last); `{0}` is all of them, as `{}`.
// The mark of a `{` that is plain text ({@link PLAIN_BRACES}) is matched too, and filled with
// `{`; and a `--plus` string, its operation between two PLUS_MARKs (see plus-strings.ts).
// eslint-disable-next-line no-control-regex -- those marks are control characters on purpose
const REPLACEMENT = /\{(-?\d*)(?:(\.|\/\/|\/\.|\/|#|%)|\u0003([^\u0003]*)\u0003)?\}|\u0001/g;

/**
 * What stands in a template for the `{` of a replacement string that is plain text: `-I R` makes
 * `R` the replacement string, and the template's own `{}` then stays as it is (GNU parallel's
 * `-I`; the other renames alike: {@link withRenamedStrings}). A control character no template
 * holds (one that does is refused with a rename); arguments are never scanned for it, so
 * theirs stay as they are.
 */
export const PLAIN_BRACES = '\u0001';

/**
 * Between the words of a `-q` template: each word is shell-quoted whole once filled (GNU
 * parallel's `-q`: `-q printf '[%s]\n' {}` runs `printf '[%s]\n' 'a b'`). A control character
 * no such template holds (one that does is refused).
 */
export const WORD_BREAK = '\u0002';

/** What a replacement string stands for, as GNU parallel's options rename them (its `%Global::rpl` keys). */
export type Builtin = '{}' | '{.}' | '{/}' | '{//}' | '{/.}' | '{#}' | '{%}';

const BUILTINS: readonly Builtin[] = ['{}', '{.}', '{/}', '{//}', '{/.}', '{#}', '{%}'];

/** A `--plus` string as marked, with or without a position. */
// eslint-disable-next-line no-control-regex -- the --plus mark is a control character on purpose
const PLUS_MARKED = /\{-?\d*\u0003[^\u0003]*\u0003\}/g;

const escapeRegExp = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/**
 * A replacement string and, when it starts with `{`, its positional forms (`{2.}` of `{.}`;
 * the position is the first group), as a regular expression's source.
 */
const stringSource = (string: string): string => `${escapeRegExp(string)}${string.startsWith('{') ? `|\\{(-?\\d+)\\s*${escapeRegExp(string.slice(1))}` : ''}`;

/**
 * GNU parallel's renamed replacement strings (`-I`, `--er`, `--bnr`, `--dnr`, `--bner`,
 * `--seqreplace`, `--slotreplace`): `text` with each given string written as what it stands for,
 * and the strings renamed away made plain text. As GNU parallel 20221122 does it: the renames
 * apply in `renames`' order, each making its string stand for what `old` stood for and `old`
 * stand for nothing (`--er '{}'` makes `{}` the argument without extension, `{.}` plain text);
 * then the strings are found longest first, each where no longer one was; a string that starts
 * with `{` has positional forms (`{2.}` of `{.}`), the others none — so `-I @` leaves `{1}` plain
 * text. `--plus`' strings (marked) keep their meaning; a string renamed from one renamed away
 * stands for nothing (it is removed).
 */
export function withRenamedStrings(text: string, renames: readonly (readonly [old: Builtin, string: string])[]): string {
  if (renames.length === 0) return text;
  const keys = new Map<string, Builtin | undefined>(BUILTINS.map((builtin) => [builtin, builtin]));
  for (const [old, string] of renames) {
    if (string === old) continue;
    keys.set(string, keys.get(old));
    keys.delete(old);
  }
  type Piece = { readonly text: string; readonly filled: boolean };
  let pieces: Piece[] = [];
  let last = 0;
  // A `--plus` string keeps its meaning — unless a rename took its string (`--er '{..}'`).
  const renamed = renames.map(([, string]) => new RegExp(`^(?:${stringSource(string)})$`));
  for (const match of text.matchAll(PLUS_MARKED)) {
    const plain = match[0].replaceAll(PLUS_MARK, '');
    const taken = renamed.some((pattern) => pattern.test(plain));
    pieces.push({ text: text.slice(last, match.index), filled: false }, taken ? { text: plain, filled: false } : { text: match[0], filled: true });
    last = match.index + match[0].length;
  }
  pieces.push({ text: text.slice(last), filled: false });
  for (const key of [...keys.keys()].sort((a, b) => b.length - a.length)) {
    const stands = keys.get(key);
    const pattern = new RegExp(stringSource(key), 'g');
    pieces = pieces.flatMap((piece) => {
      if (piece.filled) return [piece];
      const cut: Piece[] = [];
      let from = 0;
      for (const match of piece.text.matchAll(pattern)) {
        const position = match[1] ?? '';
        cut.push({ text: piece.text.slice(from, match.index), filled: false }, { text: stands === undefined ? '' : `{${position}${stands.slice(1)}`, filled: true });
        from = match.index + match[0].length;
      }
      cut.push({ text: piece.text.slice(from), filled: false });
      return cut;
    });
  }
  // What is left as text is plain, even where it reads as a replacement string.
  return pieces.map((piece) => (piece.filled ? piece.text : piece.text.replace(REPLACEMENT, (whole) => PLAIN_BRACES + whole.slice(1)))).join('');
}

/**
 * Where `{%}` (the job slot) goes in a filled command: the slot is known only on the spoke that
 * runs it ({@link withSlot}). NUL cannot come from the input (a command holding one is refused),
 * so it cannot be confused with an argument's text; every NUL in a filled command begins a mark
 * of two characters, this one or {@link PADDED_SLOT}.
 */
export const SLOT = '\0%';

/** Where `--plus`' `{0%}` goes: the job slot zero-padded to the digits of the number of slots. */
export const PADDED_SLOT = '\x000';

/** Both marks. */
const SLOTS = /\0([%0])/g;

/**
 * A value that depends on the job slot (a Perl string naming `slot()`, see perl-eval.ts): what is
 * shown before the job runs, then its text in each slot, 1 to `-j`, in a mark the spoke chooses
 * from as it fills `{%}` ({@link withSlot}). None of them holds NUL (such a value fails its job).
 */
export function slotChoice(shown: string, bySlot: readonly string[]): string {
  return `\0[${shown}${bySlot.map((text) => `\0|${text}`).join('')}\0]`;
}

/** A {@link slotChoice} mark: what it shows, then `\0|` and each slot's text. */
const SLOT_CHOICES = /\0\[([^\0]*)((?:\0\|[^\0]*)*)\0\]/g;

/**
 * The text of a {@link slotChoice} in job slot `slot`; past the slots it was made for, the
 * longest one (job-source.ts measures a command for the longest it can be with slot 99,999).
 */
function chosen(texts: string, slot: number): string {
  const each = texts.split('\0|').slice(1);
  return each[slot - 1] ?? each.reduce((longest, text) => (Buffer.byteLength(text) > Buffer.byteLength(longest) ? text : longest), '');
}

/** True when `text` (a filled command or tag) holds a job slot mark, `{%}`'s or `{0%}`'s. */
export function holdsSlot(text: string): boolean {
  return text.includes('\0');
}

/** The job slot of the spoke `spokeId` (`local:3` → 3): GNU parallel's `{%}`, 1 to `-j`. */
export function slotOf(spokeId: string): number {
  const n = /:(\d+)$/.exec(spokeId)?.[1];
  return n === undefined ? 1 : Number(n);
}

/**
 * How many digits `{0%}` pads the slot to, with `slots` job slots: GNU parallel's
 * `1 + int(log10(slots))` (`-j 10` gives `01`…`10`; `-j 9`, `1`…`9`).
 */
export function slotWidthOf(slots: number): number {
  return String(Math.max(1, Math.floor(slots))).length;
}

/**
 * `command` as run in job slot `slot` (each `{%}` filled, and each `{0%}` padded to `width`
 * digits), or as shown before it runs (`{%}` and `{0%}` written back).
 */
export function withSlot(command: string, slot: number | '{%}', width = 1): string {
  if (!holdsSlot(command)) return command;
  if (slot === '{%}') return command.replace(SLOT_CHOICES, (_mark, shown: string) => shown).replace(SLOTS, (_mark, kind: string) => (kind === '%' ? '{%}' : '{0%}'));
  const [plain, padded] = [String(slot), String(slot).padStart(width, '0')];
  return command.replace(SLOT_CHOICES, (_mark, _shown: string, texts: string) => chosen(texts, slot)).replace(SLOTS, (_mark, kind: string) => (kind === '%' ? plain : padded));
}

/** `text` without its job slot marks (`--wd`: the slot is not known when the job is made). */
export function withoutSlot(text: string): string {
  return text.replace(SLOT_CHOICES, '').replace(SLOTS, '');
}

/** GNU parallel's `{.}`: from the last `.` to the end, when no `/` follows it (`s:\.[^/.]*$::`). */
function withoutExtension(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') ? path.slice(0, dot) : path;
}

/** GNU parallel's `{/}`: what follows the last `/` (all of it when there is none). */
function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** GNU parallel's `{//}`, Perl's `dirname`: trailing slashes do not make a component (`a/` → `.`). */
function dirname(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return path.startsWith('/') ? '/' : '.';
  const slash = trimmed.lastIndexOf('/');
  if (slash < 0) return '.';
  const parent = trimmed.slice(0, slash).replace(/\/+$/, '');
  return parent === '' ? '/' : parent;
}

function transform(value: string, modifier: string | undefined, plus?: string): string {
  if (plus !== undefined) return plusOperation(plus)(value);
  switch (modifier) {
    case '.':
      return withoutExtension(value);
    case '/':
      return basename(value);
    case '//':
      return dirname(value);
    case '/.':
      return withoutExtension(basename(value));
    default:
      return value;
  }
}

/** True if `template` contains a replacement string (else arguments are appended, GNU-style). */
export function hasReplacement(template: string): boolean {
  return shapeOf(template).replaces;
}

/**
 * True when `template` begins with a replacement string, or with one in its first word before
 * any `=` (`{}`, `x{}`, `$({})`; not `X={}`, ` {}`): the arguments are then put in as they are,
 * not quoted — GNU parallel's rule (its `quote_replace`): the argument is (part of) the command.
 */
export function leadsWithReplacement(template: string): boolean {
  return shapeOf(template).leads;
}

/** What {@link hasReplacement} and {@link leadsWithReplacement} answer of a template. */
interface Shape {
  readonly replaces: boolean;
  readonly leads: boolean;
}

function shapeOf(template: string): Shape {
  // Asked once per command filled, of the few templates a run has: remembered.
  let known = SHAPES.get(template);
  if (known === undefined) {
    // `{-}` (a position with no number) is no replacement string: GNU parallel appends the arguments to it.
    const first = [...template.matchAll(REPLACEMENT)].find((match) => match[0] !== PLAIN_BRACES && match[1] !== '-');
    known = { replaces: first !== undefined, leads: first !== undefined && !/[ \t\n=]/.test(template.slice(0, first.index)) };
    if (SHAPES.size < 64) SHAPES.set(template, known);
  }
  return known;
}

/** {@link shapeOf}'s answers for the templates met so far (a few: the command, --tagstring, --wd, a -q template's words). */
const SHAPES = new Map<string, Shape>();

/**
 * Fills `template` for one job: `{}` (and `{0}`) is all arguments (each quoted, space-separated),
 * `{n}` the n-th (1-based; `{-n}` the n-th from the end), with the path modifiers `.` (no
 * extension), `/` (basename), `//` (dirname), `/.` (basename without extension); `{#}` is the
 * job's sequence number; `{%}` its job slot, left as {@link SLOT} for the spoke to fill. A
 * template with no replacement string gets the quoted arguments appended, as in GNU parallel.
 * When the template begins with a replacement string ({@link leadsWithReplacement}: `{}`,
 * `x{}`), the arguments go in as they are, not quoted: each is (part of) the command.
 *
 * With `context` (`-N`, several arguments per job), GNU parallel's context replace: each run of
 * non-blank characters holding `{}` or `{0}` (with or without a modifier) is written once per
 * argument, space-separated, those strings filled with that argument alone (`x{}y` of `a b` is
 * `xay xby`; no argument, nothing); positional strings, `{#}` and `{%}` as usual.
 */
export function fillTemplate(template: string, args: readonly string[], seq: number, context = false, emptyBare = false, perl?: PerlJob): string {
  // `-q`'s words each end with a WORD_BREAK (cli-options.ts): the last piece is empty.
  if (template.includes(WORD_BREAK)) return fillQuotedWords(template.split(WORD_BREAK).slice(0, -1), args, seq, context, emptyBare ? quoteNotEmpty : shellQuote, perl);
  // `-N 0`: GNU parallel's arguments are then empty and inserted bare (nothing, not '').
  const quote = leadsWithReplacement(template) ? asItIs : emptyBare ? quoteNotEmpty : shellQuote;
  if (!hasReplacement(template)) return [template.replaceAll(PLAIN_BRACES, '{'), ...args.map(quote)].join(' ');
  if (!context) return fillRun(template, args, seq, undefined, quote, perl);
  return template.replace(/\S+/g, (run) => (ALL_ARGS.test(run) ? args.map((_, i) => fillRun(run, args, seq, i, quote, perl)).join(' ') : fillRun(run, args, seq, undefined, quote, perl)));
}

/** How a counted `{##}` begins inside its marks (plus-strings.ts' withJobCount). */
const COUNTED_JOBS = `##${COUNT_MARK}`;

const asItIs = (arg: string): string => arg;
const quoteNotEmpty = (arg: string): string => (arg === '' ? '' : shellQuote(arg));

/**
 * `-q`: each word filled with the arguments as they are, then shell-quoted whole (with context
 * replace, each repetition of a word holding `{}` quoted on its own); no replacement string in
 * any word: the quoted arguments appended.
 */
function fillQuotedWords(words: readonly string[], args: readonly string[], seq: number, context: boolean, quote: (arg: string) => string, perl: PerlJob | undefined): string {
  // A `{%}` (SLOT) inside a quoted word is filled with the slot's digits later: quoted or not, the same.
  if (!words.some(hasReplacement)) return [...words.map((word) => shellQuote(word.replaceAll(PLAIN_BRACES, '{'))), ...args.map(quote)].join(' ');
  return words
    .flatMap((word) => (context && ALL_ARGS.test(word) ? args.map((_, i) => quotedPieces(fillRun(word, args, seq, i, marked, perl))) : [quotedPieces(fillRun(word, args, seq, undefined, marked, perl))]))
    .join(' ');
}

/** Marks where each argument filled into a `-q` word begins and ends (see {@link quotedPieces}). */
const ARG_OPEN = '\u0004';
const ARG_CLOSE = '\u0005';
const marked = (arg: string): string => `${ARG_OPEN}${arg}${ARG_CLOSE}`;
const BETWEEN_ARGS = `${ARG_CLOSE} ${ARG_OPEN}`;
// eslint-disable-next-line no-control-regex -- those marks are control characters on purpose
const ARG_MARKS = /[\u0004\u0005]/g;

/**
 * A `-q` word once filled: where a replacement string stood for several arguments (several
 * sources, `--colsep` columns, `-m`, a Perl string over several arguments), each argument is a
 * word of its own — the text before the string joins the first, the text after the last — each
 * shell-quoted, as GNU parallel does (`x{}y ::: a ::: 'b c'` → `xa 'b cy'`; they were one
 * word, `'xa b cy'`).
 */
function quotedPieces(filled: string): string {
  return filled
    .split(BETWEEN_ARGS)
    .map((piece) => shellQuote(piece.replace(ARG_MARKS, '')))
    .join(' ');
}

/**
 * Fills `template` as a path (`--results`): as {@link fillTemplate}, but the arguments go in as
 * they are, not shell-quoted (nothing is appended when it has no replacement string).
 */
export function fillPath(template: string, args: readonly string[], seq: number, perl?: PerlJob): string {
  return fillRun(template, args, seq, undefined, asItIs, perl);
}

/** `{}` or `{0}`, with or without a path modifier or a `--plus` operation on arguments (not `{##}`, `{0#}`): the strings context replace repeats a word for. */
// eslint-disable-next-line no-control-regex -- the --plus mark is a control character on purpose
const ALL_ARGS = /\{0?(?:\.|\/\/|\/\.|\/|\u0003(?!##(?:\u0006\d*)?\u0003|0#\d*\u0003|0%\u0003)[^\u0003]*\u0003)?\}/;

/**
 * Fills `text`; with `only`, `{}` and `{0}` stand for that one argument, the `only`th (context
 * replace). A Perl string's mark (perl-strings.ts) is filled with `perl`'s value for it.
 */
function fillRun(text: string, args: readonly string[], seq: number, only: number | undefined, quote: (arg: string) => string, perl?: PerlJob): string {
  return text.replace(REPLACEMENT, (whole, position: string | undefined, modifier: string | undefined, plus: string | undefined) => {
    if (whole === PLAIN_BRACES) return '{';
    if (position === undefined) return '{}';
    if (plus?.startsWith('=') === true) return perlFill(Number(plus.slice(1)), position, args.length, only, quote, perl);
    // --plus' `{##}` in a command, the number of jobs written in by withJobCount.
    if (plus?.startsWith(COUNTED_JOBS) === true) return plus.slice(COUNTED_JOBS.length);
    // --plus' `{0#}`, its width written in by withJobCount: the job's number, zero-padded.
    if (plus?.startsWith('0#') === true) return String(seq).padStart(Number(plus.slice(2)), '0');
    // --plus' `{0%}`: the padded job slot, filled by the spoke.
    if (plus === '0%') return PADDED_SLOT;
    // `{0#}`, `{0%}` (no --plus): argument 0 is all of them, so GNU parallel's `{#}` and `{%}`.
    if (modifier === '#' || modifier === '%') {
      if (position !== '' && !/^0+$/.test(position)) return whole;
      return modifier === '#' ? String(seq) : SLOT;
    }
    if (position === '-') return whole;
    if (position === '' || Number(position) === 0) return (only === undefined ? args : [args[only] as string]).map((arg) => quote(transform(arg, modifier, plus))).join(' ');
    const n = Number(position);
    // Past the start, GNU parallel (Perl: a negative index counts from the end) wraps once:
    // with 2 arguments `{-3}` is the last, `{-5}` nothing.
    const back = args.length + n < 0 ? 2 * args.length + n : args.length + n;
    const arg = n > 0 ? args[n - 1] : args[back];
    return arg === undefined ? '' : quote(transform(arg, modifier, plus));
  });
}

/**
 * A Perl string's value (expression `expression` of the run): positional (`{=2 …=}`), that
 * argument's; else each argument's, space-separated (the `only`th alone in context replace; with
 * no arguments, that of `""`). Shell-quoted as arguments are, unless its code called `uq()`.
 */
function perlFill(expression: number, position: string, count: number, only: number | undefined, quote: (arg: string) => string, perl: PerlJob | undefined): string {
  // uq() leaves a value unquoted — except in a `-q` word, which is quoted whole anyway: there its
  // value is an argument of its own like any other (marked: see quotedPieces).
  const text = (value: PerlValue): string => (value.bare && quote !== marked ? value.text : quote(value.text));
  // Naming slot(): a value for each job slot, the spoke's to choose.
  const put = (value: PerlValue | undefined): string => (value === undefined ? '' : value.bySlot !== undefined ? slotChoice(value.text, value.bySlot.map(text)) : text(value));
  if (isPositional(position)) return put(perl?.positional(expression));
  if (only !== undefined) return put(perl?.at(expression, only));
  return Array.from({ length: Math.max(count, 1) }, (_, i) => put(perl?.at(expression, i))).join(' ');
}

/** Names a header cannot give a column: they are replacement strings of their own (or nothing). */
const NOT_A_NAME = /^(-?\d*|\.|\/|\/\/|\/\.|#|%)$/;

/**
 * `--header`: `template` with each `{name}` of a column `names` gives — with a path modifier or
 * not (`{name.}`, `{name/}`, `{name//}`, `{name/.}`) — written as that column's position
 * (`{3}`, `{3.}`…), the first column being 1; other braces are left as they are (GNU parallel
 * leaves an unknown `{name}` in the command). A name given twice stands for its first column.
 */
export function nameColumns(template: string, names: readonly string[]): string {
  const position = new Map<string, number>();
  names.forEach((name, i) => {
    if (!NOT_A_NAME.test(name) && !/[{}]/.test(name) && !position.has(name)) position.set(name, i + 1);
  });
  if (position.size === 0) return template;
  // Longest first: a name that begins another (`f` and `f.x`) does not take its place.
  const alternatives = [...position.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const named = new RegExp(`\\{(${alternatives.join('|')})(\\.|\\/\\/|\\/\\.|\\/)?\\}`, 'g');
  return template.replace(named, (_whole, name: string, modifier: string | undefined) => `{${String(position.get(name))}${modifier ?? ''}}`);
}

/**
 * Every combination of the `:::` groups, first group outermost (GNU parallel's order):
 * `[[a, b], [1, 2]]` → `[a, 1], [a, 2], [b, 1], [b, 2]`.
 */
export function* combinations<T>(groups: readonly (readonly T[])[]): Generator<T[]> {
  if (groups.length === 0 || groups.some((g) => g.length === 0)) return;
  const index = groups.map(() => 0);
  for (;;) {
    yield groups.map((group, i) => group[index[i] as number] as T);
    let i = groups.length - 1;
    while (i >= 0) {
      index[i] = (index[i] as number) + 1;
      if ((index[i] as number) < (groups[i] as readonly T[]).length) break;
      index[i] = 0;
      i -= 1;
    }
    if (i < 0) return;
  }
}

/** `--trim`: `value` without the whitespace at its left (`l`), right (`r`) or both ends (`lr`); `n`: as it is. */
export function trimmed(value: string, ends: 'l' | 'r' | 'lr' | 'n'): string {
  // Perl's \s, as GNU parallel trims: space, \t, \n, \r, \f, \v.
  if (ends === 'l' || ends === 'lr') value = value.replace(/^[ \t\n\r\f\v]+/, '');
  if (ends === 'r' || ends === 'lr') value = value.replace(/[ \t\n\r\f\v]+$/, '');
  return value;
}
