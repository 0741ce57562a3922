import { charText } from './characters.js';
import { syntaxError } from './syntax-error.js';

/** The tokens of the typedef language. `>>` is two `>` tokens, so `list<list<int>>` lexes. */
export type Token =
  | { readonly type: 'ident'; readonly text: string; readonly offset: number }
  | { readonly type: 'number'; readonly value: number; readonly text: string; readonly offset: number }
  | { readonly type: 'string'; readonly value: string; readonly text: string; readonly offset: number }
  | { readonly type: 'punct'; readonly text: '::' | '<' | '>' | '{' | '}' | ';' | ',' | '='; readonly offset: number }
  | { readonly type: 'end'; readonly text: ''; readonly offset: number };

const SINGLE_PUNCT = new Set(['<', '>', '{', '}', ';', ',', '=']);
const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  '0': '\0',
  '\\': '\\',
  '"': '"',
  "'": "'",
  '/': '/',
};
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const HEX4 = /^[0-9A-Fa-f]{4}$/;
/** A line's end: `\n`, or `\r` (alone or before `\n`). */
const LINE_END = /[\r\n]/g;

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v' || ch === '\ufeff';
}

/**
 * Splits typedef text into tokens. `#` starts a comment to the end of the line. Every loop
 * advances by at least one character, so lexing ends on any input.
 * @throws SPMTypedefError (line, column, excerpt) on a character no token starts with, an
 * unterminated string or a bad escape.
 */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = source.length;
  while (i < n) {
    const ch = source[i] as string;
    if (isSpace(ch)) {
      i += 1;
      continue;
    }
    if (ch === '#') {
      // To the line's end: `\n`, `\r\n` or a lone `\r` (old Mac files: the first comment ate the rest).
      LINE_END.lastIndex = i;
      const eol = LINE_END.exec(source);
      i = eol === null ? n : eol.index;
      continue;
    }
    if (ch === ':') {
      if (source[i + 1] !== ':') throw syntaxError(source, i, 'Expected `::`', '`::`', describeChar(source, i));
      tokens.push({ type: 'punct', text: '::', offset: i });
      i += 2;
      continue;
    }
    if (SINGLE_PUNCT.has(ch)) {
      tokens.push({ type: 'punct', text: ch as '<', offset: i });
      i += 1;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const token = lexString(source, i, ch);
      tokens.push(token);
      i += token.text.length;
      continue;
    }
    if (ch === '-' || (ch >= '0' && ch <= '9')) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(source);
      if (match === null) throw syntaxError(source, i, 'Expected a number', 'a number', describeChar(source, i));
      const text = match[0];
      const after = source[i + text.length];
      if (after !== undefined && /[A-Za-z0-9_.]/.test(after)) {
        throw syntaxError(source, i + text.length, `Expected the number \`${text}\` to end`, 'the end of the number', describeChar(source, i + text.length));
      }
      const value = Number(text);
      if (!Number.isFinite(value)) {
        throw syntaxError(source, i, `Expected a finite number, got \`${text}\``, 'a finite number', `\`${text}\``);
      }
      tokens.push({ type: 'number', value, text, offset: i });
      i += text.length;
      continue;
    }
    IDENT.lastIndex = i;
    const ident = IDENT.exec(source);
    if (ident !== null) {
      tokens.push({ type: 'ident', text: ident[0], offset: i });
      i += ident[0].length;
      continue;
    }
    throw syntaxError(source, i, `Unexpected character ${describeChar(source, i)}`, 'a token', describeChar(source, i));
  }
  tokens.push({ type: 'end', text: '', offset: n });
  return tokens;
}

function lexString(source: string, start: number, quote: string): Token & { type: 'string' } {
  let value = '';
  let i = start + 1;
  for (;;) {
    const ch = source[i];
    if (ch === undefined || ch === '\n' || ch === '\r') {
      throw syntaxError(source, start, 'Expected the string to end on its line', `a closing ${quote}`, ch === undefined ? 'the end of the text' : 'the end of the line');
    }
    if (ch === quote) break;
    if (ch === '\\') {
      const esc = source[i + 1];
      if (esc === 'u') {
        const hex = source.slice(i + 2, i + 6);
        if (!HEX4.test(hex)) throw syntaxError(source, i, 'Expected \\u and four hex digits', '\\uXXXX', `\`${source.slice(i, i + 6)}\``);
        value += String.fromCharCode(parseInt(hex, 16));
        i += 6;
        continue;
      }
      const replacement = esc === undefined ? undefined : ESCAPES[esc];
      if (replacement === undefined) {
        const found = describeEscape(source, i);
        throw syntaxError(source, i, `Unknown escape ${found}`, 'one of \\n \\t \\r \\b \\f \\0 \\\\ \\" \\\' \\/ \\uXXXX', found);
      }
      value += replacement;
      i += 2;
      continue;
    }
    value += ch;
    i += 1;
  }
  return { type: 'string', value, text: source.slice(start, i + 1), offset: start };
}

/** The escape at `offset` for a message: `` `\q` ``, or `` `\` before U+00A0 NO-BREAK SPACE `` when the escaped character does not show as itself. */
function describeEscape(source: string, offset: number): string {
  const cp = source.codePointAt(offset + 1);
  if (cp === undefined) return '`\\`';
  if (cp > 0x20 && cp < 0x7f && cp !== 0x60) return `\`\\${String.fromCodePoint(cp)}\``;
  return `\`\\\` before ${charText(String.fromCodePoint(cp))}`;
}

/**
 * The character at `offset` for a message: `` `@` ``, `U+00A0 NO-BREAK SPACE` for one that does
 * not show (see {@link charText}).
 */
export function describeChar(source: string, offset: number): string {
  const cp = source.codePointAt(offset);
  if (cp === undefined) return 'the end of the text';
  return charText(String.fromCodePoint(cp));
}
