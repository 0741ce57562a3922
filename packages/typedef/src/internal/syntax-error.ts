import { SPMTypedefError } from '@spm/exceptions';
import { charWidth, shownChar } from './characters.js';
import { MAX_EXCERPT_LENGTH } from './limits.js';

/**
 * 1-based line and column (in code points) of `offset` in `source`. Lines end at `\n`, `\r\n`
 * or a lone `\r` (a file with old Mac line ends was all line 1). A byte order mark at the very
 * start is not counted, as an editor does not show it (line 1 was one column off).
 */
export function lineColumn(source: string, offset: number): { line: number; column: number; lineStart: number } {
  let line = 1;
  let lineStart = source.startsWith('\ufeff') && offset > 0 ? 1 : 0;
  const breaks = /\r\n?|\n/g;
  for (let m = breaks.exec(source); m !== null && m.index < offset; m = breaks.exec(source)) {
    // An offset on the `\n` of a `\r\n` is still on the line that `\r` ends.
    if (m.index + m[0].length > offset) break;
    line += 1;
    lineStart = m.index + m[0].length;
  }
  const column = Array.from(source.slice(lineStart, offset)).length + 1;
  return { line, column, lineStart };
}

/**
 * The line of `offset`, clipped to a short window, and a caret under the column:
 * ```
 *   5 |       label    :: scalar<stringSnipet> = deferred;
 *     |                          ^
 * ```
 * Characters that would not show are shown as a space (see `shownChar`). The caret line pads
 * each character before the caret by its width in a terminal (`charWidth`: 2 for CJK and
 * emoji, 0 for a combining mark) and keeps tabs, so that the caret stays aligned.
 */
function excerpt(source: string, offset: number, line: number, lineStart: number): string {
  const end = /[\r\n]/g;
  end.lastIndex = lineStart;
  const lineEnd = end.exec(source)?.index ?? source.length;
  const chars = Array.from(source.slice(lineStart, lineEnd));
  const at = Array.from(source.slice(lineStart, Math.min(offset, lineEnd))).length;
  let from = 0;
  if (chars.length > MAX_EXCERPT_LENGTH) from = Math.max(0, Math.min(at - Math.floor(MAX_EXCERPT_LENGTH / 2), chars.length - MAX_EXCERPT_LENGTH));
  const shown = chars.slice(from, from + MAX_EXCERPT_LENGTH).map(shownChar);
  const prefix = from > 0 ? '…' : '';
  const suffix = from + MAX_EXCERPT_LENGTH < chars.length ? '…' : '';
  const caretPad = (prefix === '' ? '' : ' ') + shown.slice(0, at - from).map((ch) => (ch === '\t' ? '\t' : ' '.repeat(charWidth(ch)))).join('');
  const gutter = String(line);
  return `${gutter} | ${prefix}${shown.join('')}${suffix}\n${' '.repeat(gutter.length)} | ${caretPad}^`;
}

/**
 * A syntax error at `offset`: an `SPMTypedefError` with `line`, `column`, `expected` and
 * `found`, whose message ends with an excerpt of the line and a caret.
 */
export function syntaxError(source: string, offset: number, message: string, expected: string, found: string): SPMTypedefError {
  const { line, column, lineStart } = lineColumn(source, offset);
  return new SPMTypedefError(`${message} at line ${line}, column ${column}:\n${excerpt(source, offset, line, lineStart)}`, {
    line,
    column,
    expected,
    found,
  });
}
