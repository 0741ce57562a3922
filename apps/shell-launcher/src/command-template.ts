/**
 * Turning input into command lines, as GNU parallel does: a template with replacement strings
 * (`{}`, `{.}`, `{/}`, `{//}`, `{/.}`, `{#}`, `{1}`…) filled with shell-quoted arguments, or,
 * without a template, each input line taken as a whole command.
 */

/** Characters that never need quoting in a POSIX shell word (GNU parallel leaves these bare). */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./^-]+$/;

/**
 * Quotes `value` as one POSIX shell word: bare when it is made of safe characters only, else in
 * single quotes with each embedded `'` written `'"'"'` (GNU parallel's spelling).
 */
export function shellQuote(value: string): string {
  if (SAFE_WORD.test(value)) return value;
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

// One replacement string: `{}`, `{.}`, `{/}`, `{//}`, `{/.}`, `{#}`, or the same with a
// positional argument number (`{2}`, `{2.}`, `{2/}`, …).
const REPLACEMENT = /\{(\d*)(\.|\/\/|\/\.|\/|#)?\}/g;

function withoutExtension(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  return dot > slash + 1 ? path.slice(0, dot) : path;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  if (slash < 0) return '.';
  return slash === 0 ? '/' : path.slice(0, slash);
}

function transform(value: string, modifier: string | undefined): string {
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
  REPLACEMENT.lastIndex = 0;
  return REPLACEMENT.test(template);
}

/**
 * Fills `template` for one job: `{}` is all arguments (each quoted, space-separated), `{n}` the
 * n-th (1-based), with the path modifiers `.` (no extension), `/` (basename), `//` (dirname),
 * `/.` (basename without extension); `{#}` is the job's sequence number. A template with no
 * replacement string gets the quoted arguments appended, as in GNU parallel.
 */
export function fillTemplate(template: string, args: readonly string[], seq: number): string {
  if (!hasReplacement(template)) return [template, ...args.map(shellQuote)].join(' ');
  return template.replace(REPLACEMENT, (whole, position: string, modifier: string | undefined) => {
    if (modifier === '#') return position === '' ? String(seq) : whole;
    if (position === '') return args.map((arg) => shellQuote(transform(arg, modifier))).join(' ');
    const arg = args[Number(position) - 1];
    return arg === undefined ? '' : shellQuote(transform(arg, modifier));
  });
}

/**
 * Every combination of the `:::` groups, first group outermost (GNU parallel's order):
 * `[[a, b], [1, 2]]` → `[a, 1], [a, 2], [b, 1], [b, 2]`.
 */
export function* combinations(groups: readonly (readonly string[])[]): Generator<string[]> {
  if (groups.length === 0 || groups.some((g) => g.length === 0)) return;
  const index = groups.map(() => 0);
  for (;;) {
    yield groups.map((group, i) => group[index[i] as number] as string);
    let i = groups.length - 1;
    while (i >= 0) {
      index[i] = (index[i] as number) + 1;
      if ((index[i] as number) < (groups[i] as readonly string[]).length) break;
      index[i] = 0;
      i -= 1;
    }
    if (i < 0) return;
  }
}
