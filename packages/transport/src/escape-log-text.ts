/**
 * Characters that must not reach a log line as they are: control characters (a newline would
 * start a forged line), line and paragraph separators, invisible format characters (bidi
 * overrides that reorder what a terminal shows, zero-width ones) and lone surrogates.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** Where the first {@link UNPRINTABLE} character of `text` is (a UTF-16 index), or -1: what {@link escapeLogText} would escape. */
export function unprintableIndex(text: string): number {
  // `search` starts at 0 whatever the `g` flag's lastIndex says, and leaves it as it was.
  return text.search(UNPRINTABLE);
}

/**
 * `text` with every {@link UNPRINTABLE} character written as its `\uXXXX` escape: what a peer sent,
 * put in a log line, stays on that line and shows as it is (the default TCP log writes every line so).
 */
export function escapeLogText(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
