import { describe, it, expect } from '@jest/globals';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { SPMError } from '@spm/exceptions';
import { chunked } from '../test/fixtures/chunked.js';
import { CsvBoundaries, CsvColumns, CsvFormatError, csvRecords, oddQuotes } from './csv-columns.js';
import { patternBlocksOf } from './record-pattern.js';
import { inputLines } from './input-lines.js';

/** `fields` as one CSV record: a field holding the separator, a quote or a line end is quoted whole, its quotes doubled. */
function encode(fields: readonly string[], sep: string, quoteAll = false): string {
  return fields.map((field) => (quoteAll || /["\n\r]/.test(field) || field.includes(sep) ? `"${field.replaceAll('"', '""')}"` : field)).join(sep);
}

async function records(text: string): Promise<{ text: string; refused?: string }[]> {
  const out: { text: string; refused?: string }[] = [];
  for await (const record of csvRecords(inputLines(Readable.from([Buffer.from(text, 'latin1')])))) out.push(record);
  return out;
}

describe('CsvColumns (--csv: a value’s fields, as GNU parallel’s Text::CSV reads them)', () => {
  const csv = new CsvColumns();

  it('splits at the separator, keeps whitespace and empty fields, and reads quoted fields whole', () => {
    expect(csv.split('a,b,c')).toEqual(['a', 'b', 'c']);
    expect(csv.split(' a , b ')).toEqual([' a ', ' b ']);
    expect(csv.split('')).toEqual(['']);
    expect(csv.split(',')).toEqual(['', '']);
    expect(csv.split('a,')).toEqual(['a', '']);
    expect(csv.split('"a,1",b')).toEqual(['a,1', 'b']);
    expect(csv.split('"a""q",b')).toEqual(['a"q', 'b']);
    expect(csv.split('"",""')).toEqual(['', '']);
    expect(csv.split('"multi\nline",x')).toEqual(['multi\nline', 'x']);
    expect(csv.split('é,"ü,ö"')).toEqual(['é', 'ü,ö']);
  });

  it('gives the first `limit` fields', () => {
    expect(csv.split('a,"b,c",d', 2)).toEqual(['a', 'b,c']);
  });

  it('refuses what Text::CSV refuses, saying which field and where', () => {
    const refusal = (record: string): string => {
      try {
        csv.split(record);
      } catch (error) {
        expect(error).toBeInstanceOf(CsvFormatError);
        expect(error).toBeInstanceOf(SPMError);
        return (error as Error).message;
      }
      throw new Error(`${record} was split`);
    };
    expect(refusal('a"b,c')).toBe('field 1 holds a `"` (at character 2) without being quoted; write it as `""` in a field quoted whole');
    expect(refusal('a,"b"c')).toBe('field 2 goes on after its closing quote (at character 6: "c"); a quoted field ends at the separator "," or the record\'s end');
    expect(refusal('"a" ,b')).toBe('field 1 goes on after its closing quote (at character 4: " "); a quoted field ends at the separator "," or the record\'s end');
    expect(refusal(' "a",b')).toBe('field 1 holds a `"` (at character 2) without being quoted; write it as `""` in a field quoted whole');
    expect(refusal('x,"open')).toBe('field 2\'s quote (at character 3) is never closed');
    expect(refusal('"x""')).toBe('field 1\'s quote (at character 1) is never closed');
  });

  it('splits at another one-character separator, and refuses a separator that is not one character (or is a quote or line end)', () => {
    expect(new CsvColumns(';').split('a;"b;c";d')).toEqual(['a', 'b;c', 'd']);
    expect(new CsvColumns('\t').split('a\t"b\tc"')).toEqual(['a', 'b\tc']);
    expect(new CsvColumns('😀').split('a😀b')).toEqual(['a', 'b']);
    for (const bad of [';;', '', '"', '\n', '\r']) expect(() => new CsvColumns(bad)).toThrow(`Expected the CSV field separator (\`--colsep\` with \`--csv\`) to be one character, not \`"\` or a line end (e.g. \`;\` or a tab), got ${JSON.stringify(bad)}`);
  });

  it('gives back any fields, as a writer of CSV quotes them (property)', () => {
    const field = fc.string({ unit: fc.constantFrom('a', ' ', ',', ';', '"', '\n', 'é') });
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 6 }), fc.constantFrom(',', ';'), fc.boolean(), (fields, sep, quoteAll) => {
        expect(new CsvColumns(sep).split(encode(fields, sep, quoteAll))).toEqual(fields);
      }),
    );
  });
});

describe('csvRecords (--csv: the input’s lines joined into records)', () => {
  it('joins lines while a quoted field holds line ends, keeping them, as GNU parallel counts quotes', async () => {
    expect(await records('a,b\n"multi\nline",x\nnext,"y"\n')).toEqual([{ text: 'a,b' }, { text: '"multi\nline",x' }, { text: 'next,"y"' }]);
    expect(await records('"one\n\ntwo\nthree",x\n')).toEqual([{ text: '"one\n\ntwo\nthree",x' }]);
    // CRLF line ends are dropped line by line, as without --csv.
    expect(await records('"a\r\nb",c\r\n')).toEqual([{ text: '"a\nb",c' }]);
  });

  it('ends with a record still open at the input’s end, as it is', async () => {
    expect(await records('a\n"open\nstill')).toEqual([{ text: 'a' }, { text: '"open\nstill' }]);
  });

  it('refuses a record that holds a refused line (not UTF-8), for that line’s reason', async () => {
    const [record] = await records('"a\n\xff",b\n');
    expect(record?.refused).toMatch(/^input line 2 is not valid UTF-8/);
  });

  it('agrees with the records of any fields written as CSV (property)', async () => {
    const field = fc.string({ unit: fc.constantFrom('a', ',', '"', '\n') });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }), async (rows) => {
        const text = rows.map((row) => `${encode(row, ',')}\n`).join('');
        const got = await records(text);
        expect(got.map((record) => new CsvColumns().split(record.text))).toEqual(rows);
      }),
    );
  });
});

describe('oddQuotes', () => {
  it('counts the quotes of a line', () => {
    expect(['', 'a', '"', '""', '"a""b', 'x"y"z"'].map(oddQuotes)).toEqual([false, false, true, false, true, true]);
  });
});

describe('CsvBoundaries (--pipe --csv: blocks cut where records end)', () => {
  async function blocks(text: string, blockBytes: number, sizes?: readonly number[], records?: number): Promise<string[]> {
    const out: string[] = [];
    const options = { blockBytes, headerEnd: 0x0a, pattern: new CsvBoundaries(), ...(records !== undefined ? { records } : {}) };
    for await (const block of patternBlocksOf(chunked(text, sizes), options)) out.push(block.toString('latin1'));
    return out;
  }

  it('cuts after a newline outside quotes only: the last such in the block’s size, else the first past it', async () => {
    const input = 'a,b\n"c\nd",e\nf\n';
    expect(await blocks(input, 6)).toEqual(['a,b\n', '"c\nd",e\n', 'f\n']);
    expect(await blocks(input, 11)).toEqual(['a,b\n', '"c\nd",e\nf\n']);
    expect(await blocks(input, 12)).toEqual(['a,b\n"c\nd",e\n', 'f\n']);
    expect(await blocks(input, 1 << 20)).toEqual([input]);
    // -N 2: two records a block.
    expect(await blocks(input, 1 << 20, undefined, 2)).toEqual(['a,b\n"c\nd",e\n', 'f\n']);
  });

  it('finds the next boundary from a record’s start, past `after`', () => {
    const text = '"x\ny"\n""\nz\n';
    const boundaries = new CsvBoundaries();
    expect(boundaries.next(text, 0, 0)).toEqual({ at: 6, reach: 6 });
    expect(boundaries.next(text, 6, 6)).toEqual({ at: 9, reach: 9 });
    expect(boundaries.next(text, 0, 6)).toEqual({ at: 9, reach: 9 });
    expect(boundaries.next('"open\nstill', 0, 0)).toBeUndefined();
  });

  it('gives blocks of whole records, however the input is read and cut (property)', async () => {
    const field = fc.string({ unit: fc.constantFrom('a', ',', '"', '\n') });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(field, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }),
        async (rows, blockBytes, sizes) => {
          const lines = rows.map((row) => `${encode(row, ',')}\n`);
          const got = await blocks(lines.join(''), blockBytes, sizes);
          expect(got.join('')).toBe(lines.join(''));
          // Each block is whole records: the records' ends, cumulated, hold every block's end.
          const ends = new Set(lines.map((_, i) => lines.slice(0, i + 1).join('').length));
          let at = 0;
          for (const block of got) {
            at += block.length;
            expect(ends.has(at)).toBe(true);
          }
        },
      ),
    );
  });
});
