/**
 * How a character of typedef text reads in a syntax error: named by its code point when it
 * does not show (or shows like another), and how many terminal columns it takes in the excerpt.
 */

/**
 * Characters that do not show as themselves: controls, format characters (U+200B–U+200F,
 * bidi controls, U+FEFF), surrogates, private-use and unassigned code points (`\p{C}`), every
 * space but U+0020 and the line and paragraph separators (`\p{Z}`), combining marks, which
 * show on the character before them (`\p{M}`), and the rest of what Unicode says to render
 * as nothing (`\p{Default_Ignorable_Code_Point}`, e.g. U+3164 HANGUL FILLER).
 */
const INVISIBLE = /^(?! )[\p{C}\p{Z}\p{M}\p{Default_Ignorable_Code_Point}]$/u;

/**
 * What the excerpt shows as a space: characters that print nothing, or move the cursor, or
 * reorder the rest of the line (a bidi override), so that the caret can still point at them.
 * Combining marks stay (they take no column); a tab stays (the caret line keeps it too).
 */
const SHOWN_AS_SPACE = /^(?!\t)(?:[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]|(?!\p{M})\p{Default_Ignorable_Code_Point})$/u;

/** Characters that take no column: combining marks (variation selectors are marks too). */
const ZERO_WIDTH = /^\p{M}$/u;

/** Emoji shown as emoji by default (😀, ⌚): two columns. */
const EMOJI = /^\p{Emoji_Presentation}$/u;

/**
 * East Asian Wide and Fullwidth code points (UAX #11; the blocks, not every assigned point):
 * CJK ideographs, kana, Hangul, fullwidth forms. Pairs of first and last code point.
 */
const WIDE_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x2329, 0x232a],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f200, 0x1f2ff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

/** Names of the invisible characters most often pasted into text by accident. */
const NAMES: ReadonlyMap<number, string> = new Map([
  [0x0060, 'GRAVE ACCENT'],
  [0x00a0, 'NO-BREAK SPACE'],
  [0x00ad, 'SOFT HYPHEN'],
  [0x034f, 'COMBINING GRAPHEME JOINER'],
  [0x061c, 'ARABIC LETTER MARK'],
  [0x1680, 'OGHAM SPACE MARK'],
  [0x180e, 'MONGOLIAN VOWEL SEPARATOR'],
  [0x2000, 'EN QUAD'],
  [0x2001, 'EM QUAD'],
  [0x2002, 'EN SPACE'],
  [0x2003, 'EM SPACE'],
  [0x2004, 'THREE-PER-EM SPACE'],
  [0x2005, 'FOUR-PER-EM SPACE'],
  [0x2006, 'SIX-PER-EM SPACE'],
  [0x2007, 'FIGURE SPACE'],
  [0x2008, 'PUNCTUATION SPACE'],
  [0x2009, 'THIN SPACE'],
  [0x200a, 'HAIR SPACE'],
  [0x200b, 'ZERO WIDTH SPACE'],
  [0x200c, 'ZERO WIDTH NON-JOINER'],
  [0x200d, 'ZERO WIDTH JOINER'],
  [0x200e, 'LEFT-TO-RIGHT MARK'],
  [0x200f, 'RIGHT-TO-LEFT MARK'],
  [0x2028, 'LINE SEPARATOR'],
  [0x2029, 'PARAGRAPH SEPARATOR'],
  [0x202a, 'LEFT-TO-RIGHT EMBEDDING'],
  [0x202b, 'RIGHT-TO-LEFT EMBEDDING'],
  [0x202c, 'POP DIRECTIONAL FORMATTING'],
  [0x202d, 'LEFT-TO-RIGHT OVERRIDE'],
  [0x202e, 'RIGHT-TO-LEFT OVERRIDE'],
  [0x202f, 'NARROW NO-BREAK SPACE'],
  [0x205f, 'MEDIUM MATHEMATICAL SPACE'],
  [0x2060, 'WORD JOINER'],
  [0x2066, 'LEFT-TO-RIGHT ISOLATE'],
  [0x2067, 'RIGHT-TO-LEFT ISOLATE'],
  [0x2068, 'FIRST STRONG ISOLATE'],
  [0x2069, 'POP DIRECTIONAL ISOLATE'],
  [0x3000, 'IDEOGRAPHIC SPACE'],
  [0x3164, 'HANGUL FILLER'],
  [0xfe0f, 'VARIATION SELECTOR-16'],
  [0xfeff, 'ZERO WIDTH NO-BREAK SPACE'],
]);

/** `U+00A0 NO-BREAK SPACE`, or `U+0007` for a code point without a name here. */
export function codePointText(cp: number): string {
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMES.get(cp);
  return name === undefined ? hex : `${hex} ${name}`;
}

/**
 * A character for a message: `` `@` `` for printable ASCII; its code point (and name) when it
 * does not show, or is the backtick that quotes; `` `а` (U+0430) `` for any other, since
 * non-ASCII text may look like what it is not (a Cyrillic `а`, a fullwidth `：`).
 */
export function charText(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (ch === '`' || INVISIBLE.test(ch)) return codePointText(cp);
  if (cp < 0x80) return `\`${ch}\``;
  return `\`${ch}\` (${codePointText(cp)})`;
}

/** The character as the excerpt shows it: a space for one that would not show (see SHOWN_AS_SPACE). */
export function shownChar(ch: string): string {
  return SHOWN_AS_SPACE.test(ch) ? ' ' : ch;
}

/**
 * Terminal columns a shown character (see {@link shownChar}) takes, as most terminals draw it:
 * 2 for East Asian Wide or Fullwidth and for emoji presentation, 0 for a combining mark,
 * else 1. Not a tab: the caret line repeats tabs instead.
 */
export function charWidth(ch: string): number {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x300) return 1;
  if (ZERO_WIDTH.test(ch)) return 0;
  if (EMOJI.test(ch)) return 2;
  return WIDE_RANGES.some(([first, last]) => cp >= first && cp <= last) ? 2 : 1;
}
