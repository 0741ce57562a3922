/**
 * spm-shell as a script's interpreter, as GNU parallel's `--shebang` and `--shebang-wrap`. Linux
 * runs `#!/path/spm-shell --shebang -k echo` in a file `jobs` as `spm-shell '--shebang -k echo'
 * ./jobs [args…]`: the whole rest of the `#!` line is one argument. The arguments are rewritten
 * before they are parsed, as GNU parallel rewrites them (it runs itself again with them).
 */

import { SPMError } from '@spm/exceptions';
import { shellQuote } from './command-template.js';

const SHEBANG = /^--(?:shebang|hashbang)(?=\s|$)/;
const SHEBANG_WRAP = /^--shebang-?wrap(?=\s|$)/;

/** Whether `word` is `--shebang`, `--hashbang` or `--shebang-wrap` (`--shebangwrap`), of a `#!` line's words or alone. */
export function isShebangFlag(word: string): boolean {
  return SHEBANG_WRAP.test(word) || SHEBANG.test(word);
}

/**
 * `argv` as spm-shell runs it when its first word begins with `--shebang` (`--hashbang`) or
 * `--shebang-wrap`; else `argv` itself.
 *
 * - `--shebang OPTIONS… COMMAND…`, then the script: the script's lines, its first (the `#!`
 *   line) left out, are the input — `--skip-first-line -a SCRIPT OPTIONS… COMMAND…`.
 * - `--shebang-wrap OPTIONS… PROGRAM…`, then the script and its arguments: the program runs the
 *   script once per argument, in parallel — `OPTIONS… PROGRAM… SCRIPT ::: ARGS…` (no argument:
 *   nothing runs). For a script in any language whose `#` starts a comment
 *   (`#!/path/spm-shell --shebang-wrap -k /usr/bin/python3`).
 *
 * The words of the `#!` line are split at blanks; `'…'`, `"…"` and `\` quote as in a shell, and
 * nothing is expanded (GNU parallel hands the line to `/bin/sh`, which would expand `$VAR`). A
 * `--shebang` line run through `env -S` (its words split already) is read the same way; a
 * `--shebang-wrap` one cannot be (where its words end and the script's arguments begin is not
 * known then), as in GNU parallel.
 */
export function shebangArgs(argv: readonly string[]): readonly string[] {
  const first = argv[0];
  if (first === undefined) return argv;
  const wrap = SHEBANG_WRAP.exec(first);
  const plain = wrap === null ? SHEBANG.exec(first) : null;
  const match = wrap ?? plain;
  if (match === null) return argv;
  const flag = match[0];
  const lineWords = shellWords(first.slice(flag.length).trim(), `the words after \`${flag}\``);
  if (plain !== null) {
    // (Through `env -S`, the line's words come split, the script last: the same.)
    const words = [...lineWords, ...argv.slice(1)];
    const script = words.pop();
    if (script === undefined) throw new SPMError(`Expected \`${flag}\` to be followed by the script it interprets (\`#!…spm-shell ${flag} OPTIONS COMMAND\` as the script's first line), got nothing`);
    return ['--skip-first-line', '-a', script, ...words];
  }
  // --shebang-wrap: the `#!` line is one word (Linux's), the script and its arguments follow.
  const [script, ...args] = argv.slice(1);
  if (script === undefined) throw new SPMError(`Expected \`${flag}\` to be followed by the script it wraps (\`#!…spm-shell ${flag} OPTIONS PROGRAM\` as the script's first line), got nothing`);
  if (lineWords.includes('--pipe')) throw new SPMError(`Expected no \`--pipe\` with \`${flag}\` (the script's arguments are its jobs' arguments; GNU parallel's --pipe there, files given to the script's stdin, is not done)`);
  // The script's name is a word of the command (quoted: it may hold blanks), the arguments appended to it.
  return [...lineWords, shellQuote(script), ':::', ...args];
}

/**
 * For each word of {@link shebangArgs}`(argv)`, the index in `argv` of the word it is (`undefined`:
 * made from the `#!` line, or added), so that what is said of an argument as given (its bytes,
 * say) follows it. The script's name under `--shebang-wrap` is quoted, and still its word.
 */
export function shebangOrigins(argv: readonly string[]): readonly (number | undefined)[] {
  const rewritten = shebangArgs(argv);
  const first = argv[0];
  const wrap = first !== undefined && SHEBANG_WRAP.test(first);
  if (rewritten === argv) return argv.map((_, k) => k);
  const origins: (number | undefined)[] = rewritten.map(() => undefined);
  if (wrap) {
    // `LINE-WORDS… 'SCRIPT' ::: ARGS…`: the script is argument 1, the rest end the words.
    origins[rewritten.length - argv.length] = 1;
    for (let k = 2; k < argv.length; k++) origins[rewritten.length - (argv.length - k)] = k;
  } else if (argv.length > 1) {
    // `--skip-first-line -a SCRIPT LINE-WORDS… ARGS…`: the script is the last argument.
    origins[2] = argv.length - 1;
    for (let k = 1; k < argv.length - 1; k++) origins[rewritten.length - (argv.length - 1 - k)] = k;
  }
  return origins;
}

/**
 * `text` split into words as a shell would split it, without expanding anything: blanks
 * separate words; `'…'` keeps what it holds; `"…"` too, but for `\\`, `\"`, `` \` `` and `\$`;
 * a `\` outside quotes keeps the next character. An unclosed quote, or a `\` ending the text, is
 * an error naming `what` ("the words after `--shebang`").
 */
export function shellWords(text: string, what: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'" || c === '"') {
      const end = closingQuote(text, i, c);
      if (end < 0) throw new SPMError(`Expected ${what} to close their quotes, got a \`${c}\` left open (at character ${i + 1} of \`${text}\`)`);
      const quoted = text.slice(i + 1, end);
      word = (word ?? '') + (c === '"' ? quoted.replace(/\\([\\"`$])/g, '$1') : quoted);
      i = end;
    } else if (c === '\\') {
      // (A line's words are split alone: a `\` at its end continues nothing.)
      if (i + 1 === text.length) throw new SPMError(`Expected ${what} not to end with a lone \`\\\` (it would continue the line in a shell; here each line is read alone), got \`${text}\``);
      word = (word ?? '') + (text[i + 1] as string);
      i += 1;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** Where the quote `quote` opened at `open` closes (a `\"` inside `"…"` does not), or -1. */
function closingQuote(text: string, open: number, quote: string): number {
  for (let i = open + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i += 1;
    else if (text[i] === quote) return i;
  }
  return -1;
}
