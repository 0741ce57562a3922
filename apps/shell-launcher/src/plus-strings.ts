import { SPMError } from '@spm/exceptions';

/**
 * GNU parallel's `--plus` replacement strings (20221122's table), each with or without a
 * positional argument number (`{2..}`, `{-1%.gz}`):
 *
 * - paths: `{..}` and `{...}` (two or three extensions removed), `{/..}`, `{/...}` (of the
 *   basename), `{+/}` (the directory part: what `{/}` drops), `{+.}`, `{+..}`, `{+...}` (the
 *   extensions the others drop);
 * - bash's: `{:-STR}` (STR when the value is empty or `0`), `{:N}`, `{:N:M}` (substrings),
 *   `{#RE}` / `{##RE}` (the shortest / longest leading match of RE removed), `{%RE}` / `{%%RE}`
 *   (trailing), `{/RE/STR}` (the first match replaced by STR), `{//RE/STR}` (all), `{/#RE/STR}`
 *   (at the start), `{/%RE/STR}` (at the end), `{^RE}` / `{^^RE}` (the leading / every match
 *   upper-cased), `{,RE}` / `{,,RE}` (lower-cased).
 *
 * - the run's: `{##}` (the number of jobs) and `{0#}` (the job's number, zero-padded to as many
 *   digits): filled once the input is read whole ({@link withJobCount}); `{0%}` (the job slot,
 *   zero-padded to as many digits as `-j` has): filled by the spoke, as `{%}` is.
 * - filters: `{choose_k}` and `{uniq}` are the arguments, as `{}` (with a position, that
 *   argument), and pass over a job whose arguments are not in strictly increasing order (byte
 *   order: GNU parallel's `ge`), or not all different ({@link plusFilterOf}).
 *
 * RE is a JavaScript regular expression (GNU parallel's are Perl's; simple ones read the same);
 * STR is taken literally. `{slot}` is `{%}` (GNU parallel's `$PARALLEL_JOBSLOT`, the same here).
 * `{host}` is not done (spokes are local: GNU parallel's is empty without `--sshlogin`).
 */

/** `{##}` and `{0#}` (they need the number of jobs), and `{0%}` (the padded job slot). */
const COUNTED = /\{(##|0#|0%)\}/g;

/** A `--plus` string in a template, as written (the position, the operation); never across a Perl string's mark (U+0003). */
// eslint-disable-next-line no-control-regex -- the mark is a control character on purpose
const PLUS = /\{((?:-?\d+)?)(choose_k|uniq|\+\/|\+\.\.\.|\+\.\.|\+\.|\.\.\.|\.\.|\/\.\.\.|\/\.\.|:-[^\u0003}]+?|:\d+:\d+|:\d+|##[^\u0003#}][^\u0003}]*?|#[^\u0003#}][^\u0003}]*?|%%[^\u0003}]+?|%[^\u0003}]+?|\/#[^\u0003}]+?\/[^\u0003}]*?|\/%[^\u0003}]+?\/[^\u0003}]*?|\/\/[^\u0003}]+?\/[^\u0003}]*?|\/[^\u0003#%}/]+?\/[^\u0003}]*?|\^\^[^\u0003}]+?|\^[^\u0003}]+?|,,[^\u0003}]+?|,[^\u0003}]+?)\}/g;

/**
 * Around a `--plus` operation in a template once read (`{2..}` is `{2` U+0003 `..` U+0003 `}`),
 * so that the replacement strings' one pattern (command-template.ts) knows it from the others.
 */
export const PLUS_MARK = '\u0003';

/**
 * A rewritten `--plus` string, as the template holds it: what {@link withPlusStrings} would refuse
 * in a template. Not a Perl string's mark (`=N`, perl-strings.ts): those are written before.
 */
// eslint-disable-next-line no-control-regex -- the mark is a control character on purpose
const MARKED = /\{-?\d*\u0003(?!=)[^\u0003]*\u0003\}/;

/** A marked string of either kind, `--plus`' or Perl's (`=N`): what a template as given may not hold. */
// eslint-disable-next-line no-control-regex -- the mark is a control character on purpose
const ANY_MARKED = /\{-?\d*\u0003[^\u0003]*\u0003\}/;

/** True when `text` holds what only {@link withPlusStrings} or perl-strings.ts may write: a template given it is refused. */
export function holdsMark(text: string): boolean {
  return ANY_MARKED.test(text);
}

/**
 * `--plus`: `text` (a command, `--tagstring`, `--wd` or `--results` template) with each `--plus`
 * string marked ({@link PLUS_MARK}); each one's regular expression is checked here, so a bad one
 * is a usage error naming it, not a failed job. `option` names the text in errors.
 */
export function withPlusStrings(text: string, option: string): string {
  if (MARKED.test(text)) throw new SPMError(`Expected ${option} to hold no U+0003 character inside braces, got one`);
  // `{slot}`: GNU parallel's `$PARALLEL_JOBSLOT`, which is `{%}` here (a run again is given its slot anew).
  const counted = text.replaceAll('{slot}', '{%}').replace(COUNTED, (_whole, operation: string) => `{${PLUS_MARK}${operation}${PLUS_MARK}}`);
  return counted.replace(PLUS, (whole, position: string, operation: string) => {
    try {
      plusOperation(operation);
    } catch (error) {
      throw new SPMError(`Expected \`${whole}\` in ${option} to hold a regular expression (JavaScript's), got ${(error as Error).message}`);
    }
    return `{${position}${PLUS_MARK}${operation}${PLUS_MARK}}`;
  });
}

/** The marked `{##}` and `{0#}` of a template read with `--plus`. */
// eslint-disable-next-line no-control-regex -- the mark is a control character on purpose
const MARKED_COUNTED = /\{\u0003(##|0#)\u0003\}/g;

/** True when `text` (a template read with `--plus`) holds `{##}` or `{0#}`: the jobs must be counted first. */
export function needsJobCount(text: string | undefined): boolean {
  return text !== undefined && text.search(MARKED_COUNTED) >= 0;
}

/** In a command template, what `{##}` becomes once the jobs are counted: `{\u0003##\u0006N\u0003}`, filled with N. */
export const COUNT_MARK = '\u0006';

/**
 * `text` with `{##}` written as the number of jobs, and `{0#}` as the job's number padded to its
 * digits (GNU parallel's: `1 + int(log10(jobs))`, so 10 jobs give `01`…`10`). In the `command`
 * template `{##}` stays a replacement string (filled with the count): a command whose only one it
 * was had the arguments appended, as one without any (GNU parallel appends nothing).
 */
export function withJobCount(text: string, jobs: number, command = false): string {
  const width = String(Math.max(jobs, 1)).length;
  return text.replace(MARKED_COUNTED, (_whole, operation: string) =>
    operation === '0#' ? `{${PLUS_MARK}0#${width}${PLUS_MARK}}` : command ? `{${PLUS_MARK}##${COUNT_MARK}${jobs}${PLUS_MARK}}` : String(jobs),
  );
}

/** The marked `{choose_k}` and `{uniq}` (with a position or not) of a template read with `--plus`. */
// eslint-disable-next-line no-control-regex -- the mark is a control character on purpose
const MARKED_FILTER = /\{-?\d*\u0003(choose_k|uniq)\u0003\}/g;

/** Byte order of two strings' UTF-8 (Perl's `ge` on GNU parallel's undecoded bytes), not UTF-16's. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * `--plus`' filters in `texts` (templates read with `--plus`: the command, `--tagstring`, `--wd`,
 * `--results`): whether a job of these arguments is passed over — with `{choose_k}`, unless each
 * argument is after the one before in byte order (`::: A B C ::: A B C` keeps `A B`, `A C`, `B C`:
 * the 2-subsets, once each); with `{uniq}`, unless no two are equal. Undefined: none there.
 */
export function plusFilterOf(texts: readonly (string | undefined)[]): ((args: readonly string[]) => boolean) | undefined {
  const kinds = new Set(texts.flatMap((text) => (text === undefined ? [] : [...text.matchAll(MARKED_FILTER)].map((match) => match[1] as string))));
  if (kinds.size === 0) return undefined;
  const [chooseK, uniq] = [kinds.has('choose_k'), kinds.has('uniq')];
  return (args) => {
    if (chooseK) for (let i = 1; i < args.length; i++) if (byteOrder(args[i - 1] as string, args[i] as string) >= 0) return true;
    return uniq && new Set(args).size !== args.length;
  };
}

/**
 * GNU parallel's `make_regexp_ungreedy`: each quantifier (`*`, `+`, `{…}`) outside a class or
 * an escape made lazy.
 */
export function ungreedy(re: string): string {
  let out = '';
  let [inClass, escaped, quantified] = [false, false, false];
  for (const c of re) {
    if (quantified && c !== '?') out += '?';
    quantified = false;
    out += c;
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (c === '[') inClass = true;
    else if (inClass) inClass = c !== ']';
    else if (c === '*' || c === '}' || c === '+') quantified = true;
  }
  return quantified ? `${out}?` : out;
}

/** GNU parallel's `{/}`. */
const basename = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
/** The last `n` extensions of a path's last component (`\.[^/.]*` n times at the end). */
const extensions = (n: number): RegExp => new RegExp(`${'\\.[^/.]*'.repeat(n)}$`);
const [TWO, THREE] = [extensions(2), extensions(3)];

/** Each operation's function, made once (a job fills a template's strings many times). */
const OPERATIONS = new Map<string, (value: string) => string>();

/** The function of one `--plus` operation (the text between the braces, without the position). */
export function plusOperation(operation: string): (value: string) => string {
  let known = OPERATIONS.get(operation);
  if (known === undefined) {
    known = makeOperation(operation);
    if (OPERATIONS.size < 256) OPERATIONS.set(operation, known);
  }
  return known;
}

function makeOperation(op: string): (value: string) => string {
  switch (op) {
    // Filters: the value as it is (the job is passed over or not by plusFilterOf).
    case 'choose_k':
    case 'uniq':
      return (v) => v;
    case '+/':
      return (v) => (v.includes('/') ? v.slice(0, v.lastIndexOf('/')) : '');
    case '+.':
      return (v) => (v.includes('.') ? v.slice(v.lastIndexOf('.') + 1) : '');
    case '+..':
      return (v) => TWO.exec(v)?.[0].slice(1) ?? '';
    case '+...':
      return (v) => THREE.exec(v)?.[0].slice(1) ?? '';
    case '..':
      return (v) => v.replace(TWO, '');
    case '...':
      return (v) => v.replace(THREE, '');
    case '/..':
      return (v) => basename(v).replace(TWO, '');
    case '/...':
      return (v) => basename(v).replace(THREE, '');
  }
  let m: RegExpExecArray | null;
  if ((m = /^:-(.+)$/s.exec(op)) !== null) {
    const fallback = m[1] as string;
    // Perl's `||=`: an empty value and `0` are false.
    return (v) => (v === '' || v === '0' ? fallback : v);
  }
  if ((m = /^:(\d+):(\d+)$/.exec(op)) !== null) {
    const [from, length] = [Number(m[1]), Number(m[2])];
    return (v) => [...v].slice(from, from + length).join('');
  }
  if ((m = /^:(\d+)$/.exec(op)) !== null) {
    const from = Number(m[1]);
    return (v) => [...v].slice(from).join('');
  }
  const literally = (text: string) => (): string => text;
  const rules: readonly [RegExp, (re: string, str: string) => (value: string) => string][] = [
    [/^##(.+)$/s, (re) => replacer(`^(?:${re})`, '', literally(''))],
    [/^#(.+)$/s, (re) => replacer(`^(?:${ungreedy(re)})`, '', literally(''))],
    [/^%%(.+)$/s, (re) => replacer(`(?:${re})$`, '', literally(''))],
    // Perl's `s/(.*)RE$/$1/`: the shortest match at the end.
    [/^%(.+)$/s, (re) => replacer(`(.*)(?:${ungreedy(re)})$`, '', (_match, kept: string) => kept)],
    [/^\/#([^}]+?)\/(.*)$/s, (re, str) => replacer(`^(?:${re})`, 'g', literally(str))],
    [/^\/%([^}]+?)\/(.*)$/s, (re, str) => replacer(`(?:${re})$`, 'g', literally(str))],
    [/^\/\/([^}]+?)\/(.*)$/s, (re, str) => replacer(re, 'g', literally(str))],
    [/^\/([^#%}/]+?)\/(.*)$/s, (re, str) => replacer(re, '', literally(str))],
    [/^\^\^(.+)$/s, (re) => replacer(re, 'g', (match) => match.toUpperCase())],
    [/^\^(.+)$/s, (re) => replacer(`^(?:${re})`, '', (match) => match.toUpperCase())],
    [/^,,(.+)$/s, (re) => replacer(re, 'g', (match) => match.toLowerCase())],
    [/^,(.+)$/s, (re) => replacer(`^(?:${re})`, '', (match) => match.toLowerCase())],
  ];
  for (const [form, make] of rules) {
    const parts = form.exec(op);
    if (parts !== null) return make(parts[1] as string, parts[2] ?? '');
  }
  throw new RangeError(`not a --plus operation: ${op}`);
}

/** `value.replace(new RegExp(source, flags), by)`, the expression compiled once (a bad one throws here). */
function replacer(source: string, flags: string, by: (match: string, ...groups: string[]) => string): (value: string) => string {
  const re = new RegExp(source, flags);
  return (value) => value.replace(re, by as (match: string, ...rest: unknown[]) => string);
}
