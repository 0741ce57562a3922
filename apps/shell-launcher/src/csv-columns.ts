import { SPMError } from '@spm/exceptions';
import type { InputLine, InputLines } from './input-lines.js';
import { ScannedBoundaries, type Boundary } from './record-pattern.js';

/** The quote of CSV fields (Text::CSV's `quote_char` and `escape_char`, as GNU parallel's `--csv` has them). */
const QUOTE = '"';

/** A value that `--csv` cannot read as a CSV record: why, and where in it. */
export class CsvFormatError extends SPMError {}

/**
 * `--csv`: each value is a CSV record, split into its fields (the columns `{1}` `{2}` …) as GNU
 * parallel's Text::CSV splits it (`binary`, no other option): fields end at the separator; a field
 * that begins with `"` is quoted — it may hold the separator, newlines and `""` (one `"`) — and
 * ends at its closing `"`, which the separator or the record's end must follow; a `"` anywhere in
 * an unquoted field, or after a closing one, is an error, as are spaces before an opening one
 * (`a, "b"`). Whitespace is kept (`--trim` takes it off).
 */
export class CsvColumns {
  /** @param separator the field separator: one character (`--colsep`; `,` by default). */
  constructor(readonly separator = ',') {
    if ([...separator].length !== 1 || separator === QUOTE || separator === '\n' || separator === '\r') {
      throw new SPMError(`Expected the CSV field separator (\`--colsep\` with \`--csv\`) to be one character, not \`"\` or a line end (e.g. \`;\` or a tab), got ${JSON.stringify(separator)}`);
    }
  }

  /**
   * The fields of `record`, the first `limit` of them at most. An empty record is one empty
   * field. Throws {@link CsvFormatError} where `record` is not CSV.
   */
  split(record: string, limit?: number): string[] {
    const fields: string[] = [];
    const sep = this.separator;
    let at = 0;
    for (;;) {
      let field = '';
      if (record.startsWith(QUOTE, at)) {
        const opened = at;
        at += 1;
        for (;;) {
          const close = record.indexOf(QUOTE, at);
          if (close < 0) throw new CsvFormatError(`field ${fields.length + 1}'s quote (at character ${opened + 1}) is never closed`);
          field += record.slice(at, close);
          if (record.startsWith(QUOTE, close + 1)) {
            field += QUOTE;
            at = close + 2;
            continue;
          }
          at = close + 1;
          break;
        }
        if (at < record.length && !record.startsWith(sep, at)) {
          throw new CsvFormatError(`field ${fields.length + 1} goes on after its closing quote (at character ${at + 1}: ${JSON.stringify(record[at])}); a quoted field ends at the separator ${JSON.stringify(sep)} or the record's end`);
        }
      } else {
        const end = record.indexOf(sep, at);
        field = end < 0 ? record.slice(at) : record.slice(at, end);
        const quote = field.indexOf(QUOTE);
        if (quote >= 0) {
          throw new CsvFormatError(`field ${fields.length + 1} holds a \`"\` (at character ${at + quote + 1}) without being quoted; write it as \`""\` in a field quoted whole`);
        }
        at += field.length;
      }
      fields.push(field);
      if (at >= record.length) break;
      // At a separator: another field follows it (an empty one at the record's end).
      at += sep.length;
      if (at === record.length) {
        fields.push('');
        break;
      }
    }
    return limit === undefined ? fields : fields.slice(0, limit);
  }
}

/** True when `text` holds an odd number of `"` (GNU parallel's count of a CSV record's quotes). */
export function oddQuotes(text: string): boolean {
  let odd = false;
  for (let at = text.indexOf(QUOTE); at >= 0; at = text.indexOf(QUOTE, at + 1)) odd = !odd;
  return odd;
}

/**
 * `--csv`: the input's lines joined into CSV records, as GNU parallel joins them — a line with an
 * odd number of `"` opens a record that goes on, newline kept, to the next line with an odd
 * number (a quoted field holding line ends). A record still open at the input's end is one as it
 * is (its fields then cannot be read: its job is refused). A refused line (not UTF-8) refuses the
 * record it is in, for its reason.
 */
export function csvRecords(lines: InputLines): InputLines {
  async function* records(): AsyncGenerator<InputLine> {
    let open: { text: string; refused?: string } | undefined;
    for await (const line of lines) {
      const odd = oddQuotes(line.text);
      if (open === undefined) {
        if (odd) open = { ...line };
        else yield line;
        continue;
      }
      open = { text: `${open.text}\n${line.text}`, ...(open.refused !== undefined || line.refused !== undefined ? { refused: open.refused ?? line.refused } : {}) };
      if (odd) {
        yield open;
        open = undefined;
      }
    }
    if (open !== undefined) yield open;
  }
  const iterable = records();
  return { [Symbol.asyncIterator]: () => iterable, close: () => lines.close() };
}

const QUOTE_CODE = 0x22;
const NEWLINE_CODE = 0x0a;

/**
 * `--pipe --csv`: blocks are cut only where a CSV record ends — after a newline preceded, since
 * the block's start, by an even number of `"` (GNU parallel's rule), so that a quoted field
 * holding line ends stays whole. A scan, not a regular expression: linear, nothing to bound.
 */
export class CsvBoundaries extends ScannedBoundaries {
  next(text: string, from: number, after: number): Boundary | undefined {
    // `from` is a record's start: no quote is open there.
    let odd = false;
    for (let at = from; at < text.length; at++) {
      const code = text.charCodeAt(at);
      if (code === QUOTE_CODE) odd = !odd;
      // (More input cannot change a boundary found: `whole` makes no difference.)
      else if (code === NEWLINE_CODE && !odd && at + 1 > after) return { at: at + 1, reach: at + 1 };
    }
    return undefined;
  }
}
