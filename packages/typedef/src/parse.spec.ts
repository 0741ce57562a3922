import { describe, it, expect } from '@jest/globals';
import { parse, typedef } from './parse.js';
import type { TaskSchema } from './schema.js';
import { typedefError } from '../test/support/typedef-error.js';


describe('parse: the tree', () => {
  it('parses a task into ordered fields with kinds and defaults', () => {
    const schema = parse(`task<list> :: struct {
      nMin :: scalar<int> = deferred;
      nMax :: scalar<int>;
      note :: scalar<string> = None;
    };`);
    expect(schema).toStrictEqual({
      kind: 'task',
      container: 'list',
      root: {
        kind: 'struct',
        fields: [
          { name: 'nMin', type: { kind: 'scalar', scalar: 'int' }, default: { kind: 'deferred' } },
          { name: 'nMax', type: { kind: 'scalar', scalar: 'int' } },
          { name: 'note', type: { kind: 'scalar', scalar: 'string' }, default: { kind: 'none' } },
        ],
      },
    });
  });

  it.each(['list', 'dag', 'gang', 'myManager_2'])('keeps the container word %s', (word) => {
    expect(parse(`task<${word}> :: struct {};`).container).toBe(word);
  });

  it('accepts every scalar kind', () => {
    const kinds = ['auto', 'int', 'float', 'bool', 'string', 'stringSnippet', 'timeout', 'record', 'ApiMethod', 'mixed'];
    const schema = parse(`task<list> :: struct { ${kinds.map((kind, i) => `f${i} :: scalar<${kind}>;`).join(' ')} };`);
    expect(schema.root.fields.map((field) => field.type)).toStrictEqual(kinds.map((scalar) => ({ kind: 'scalar', scalar })));
  });

  it('reads a bare kind inside tuple, list and dict as the scalar, and `>>` as two closers', () => {
    const schema = parse('task<list> :: struct { a :: tuple<string>; b :: list<list<int>>; c :: dict<string,mixed>; d :: dict<ApiMethod, list<scalar<float>>>; };');
    const [a, b, c, d] = schema.root.fields;
    expect(a?.type).toStrictEqual({ kind: 'tuple', element: { kind: 'scalar', scalar: 'string' } });
    expect(b?.type).toStrictEqual({ kind: 'list', element: { kind: 'list', element: { kind: 'scalar', scalar: 'int' } } });
    expect(c?.type).toStrictEqual({ kind: 'dict', key: { kind: 'scalar', scalar: 'string' }, value: { kind: 'scalar', scalar: 'mixed' } });
    expect(d?.type).toStrictEqual({
      kind: 'dict',
      key: { kind: 'scalar', scalar: 'ApiMethod' },
      value: { kind: 'list', element: { kind: 'scalar', scalar: 'float' } },
    });
  });

  it('nests structs, also as list elements', () => {
    const schema = parse('task<list> :: struct { s :: struct { x :: scalar<int> = 1; }; l :: list<struct { y :: bool; }>; };');
    expect(schema.root.fields[0]?.type).toStrictEqual({
      kind: 'struct',
      fields: [{ name: 'x', type: { kind: 'scalar', scalar: 'int' }, default: { kind: 'value', value: 1 } }],
    });
    expect(schema.root.fields[1]?.type).toStrictEqual({
      kind: 'list',
      element: { kind: 'struct', fields: [{ name: 'y', type: { kind: 'scalar', scalar: 'bool' } }] },
    });
  });

  it.each([
    ['3', 'int', 3],
    ['-42', 'int', -42],
    ['2.5', 'float', 2.5],
    ['-1.5e-3', 'float', -0.0015],
    ['1E+3', 'float', 1000],
    ['-0', 'float', -0],
    ['"a \\"quoted\\" \\\\ \\n line"', 'string', 'a "quoted" \\ \n line'],
    ["'single \\' quoted'", 'string', "single ' quoted"],
    ['"\\u00e9\\t\\/"', 'string', 'é\t/'],
    ['"héllo → 世界"', 'stringSnippet', 'héllo → 世界'],
    ['"coprocess.shell.policyA"', 'ApiMethod', 'coprocess.shell.policyA'],
    ['True', 'bool', true],
    ['true', 'bool', true],
    ['False', 'bool', false],
    ['false', 'bool', false],
    ['7', 'auto', 7],
    ['"x"', 'mixed', 'x'],
  ])('reads the literal default %s of scalar<%s>', (literal, kind, value) => {
    const field = parse(`task<list> :: struct { f :: scalar<${kind}> = ${literal}; };`).root.fields[0];
    expect(field?.default).toStrictEqual({ kind: 'value', value });
  });

  it('ignores comments and spacing, with LF or CRLF line ends', () => {
    const spaced = 'task<list>::struct{#c\r\n  # whole line\r\n  a::scalar<int>=deferred;# tail\r\n};# end';
    const plain = 'task < list > :: struct { a :: scalar < int > = deferred ; } ;';
    expect(parse(spaced)).toStrictEqual(parse(plain));
  });

  it('returns a frozen schema', () => {
    const schema = parse('task<list> :: struct { s :: struct { a :: scalar<int>; }; };');
    expect(Object.isFrozen(schema)).toBe(true);
    expect(Object.isFrozen(schema.root.fields)).toBe(true);
    expect(Object.isFrozen(schema.root.fields[0]?.type)).toBe(true);
  });
});

describe('typedef: the tagged template', () => {
  it('gives what parse gives for the same text', () => {
    const tagged = typedef`
      task<list> :: struct {
        nMin :: scalar<int> = deferred;
        nMax :: scalar<int> = deferred;
      };`;
    expect(tagged).toStrictEqual(parse('task<list> :: struct { nMin :: scalar<int> = deferred; nMax :: scalar<int> = deferred; };'));
  });

  it('reads the raw text, so escapes are the typedef language’s', () => {
    const schema = typedef`task<list> :: struct { s :: scalar<string> = "a\nb"; };`;
    expect(schema.root.fields[0]?.default).toStrictEqual({ kind: 'value', value: 'a\nb' });
  });

  it('splices string and number substitutions in as text', () => {
    const kind = 'int';
    const schema = typedef`task<list> :: struct { n :: scalar<${kind}> = ${5}; };`;
    expect(schema.root.fields[0]).toStrictEqual({ name: 'n', type: { kind: 'scalar', scalar: 'int' }, default: { kind: 'value', value: 5 } });
  });

  it('refuses other substitutions', () => {
    const bad = { kind: 'int' } as unknown as string;
    const error = typedefError(() => typedef`task<list> :: struct { n :: scalar<${bad}>; };`);
    expect(error.message).toMatch(/substitution 1 to be a string or a number, got an object/);
  });

  it('counts line and column from the first character after the backtick', () => {
    const error = typedefError(
      () => typedef`
task<list> :: struct {
  n :: scalar<integer>;
};`,
    );
    expect([error.line, error.column]).toEqual([3, 15]);
  });
});

describe('parse: syntax errors', () => {
  it.each([
    ['', 1, 1, /start with `task<…> ::`, found the end of the text/],
    ['struct {};', 1, 1, /start with `task<…> ::`, found `struct`/],
    ['task<list> struct {};', 1, 12, /Expected `::` after `task<list>`, found `struct`/],
    ['task<list> :: struct {\n  a :: scalar<int>\n};', 3, 1, /Expected `;` after the field `a`, found `}`/],
    ['task<list> :: struct {\n  a :: scalar<integer>;\n};', 2, 15, /Expected a scalar kind \(auto, int, .*mixed\), found `integer`/],
    ['task<list> :: struct {\n  a :: vector<int>;\n};', 2, 8, /Expected a type \(struct \{ … \}, scalar<…>.*found `vector`/],
    ['task<list> :: struct {\n  a :: int;\n  a :: int;\n};', 3, 3, /each field once, found `a` twice/],
    ['task<list> :: struct { __proto__ :: int; };', 1, 24, /other than `__proto__`/],
    ['task<list> :: struct { s :: struct {} = None; };', 1, 39, /a struct takes no default/],
    ['task<list> :: struct { d :: dict<int,string>; };', 1, 34, /dict key type of string, stringSnippet, ApiMethod.*found `scalar<int>`/],
    ['task<list> :: struct { n :: scalar<int> = 2.5; };', 1, 43, /default of scalar<int> \(a safe integer\) for the field `n`, found `2.5`/],
    ['task<list> :: struct { n :: scalar<timeout> = "10"; };', 1, 47, /default of scalar<timeout>/],
    ['task<list> :: struct { n :: scalar<timeout> = -1; };', 1, 47, /default of scalar<timeout>/],
    ['task<list> :: struct { n :: tuple<string> = "a"; };', 1, 45, /tuple<string>, which has no literal/],
    ['task<list> :: struct { n :: scalar<bool> = maybe; };', 1, 44, /Expected a default \(deferred, None, a number, a string, True or False\) for the field `n`, found `maybe`/],
    ['task<list> :: struct { s :: scalar<string> = "open; };', 1, 46, /Expected the string to end on its line/],
    ['task<list> :: struct { s :: scalar<string> = "\\q"; };', 1, 47, /Unknown escape `\\q`/],
    ['task<list> :: struct { s :: scalar<string> = "\\u12"; };', 1, 47, /four hex digits/],
    ['task<list> :: struct { n :: scalar<int> = 12abc; };', 1, 45, /Expected the number `12` to end/],
    ['task<list> :: struct { n :: scalar<int> = 1e999; };', 1, 43, /Expected a finite number, got `1e999`/],
    ['task<list> :: struct { n : int; };', 1, 26, /Expected `::`/],
    ['task<list> :: struct { n :: int @ };', 1, 33, /Unexpected character `@`/],
    ['task<list> :: struct { n :: int; }; extra', 1, 37, /Expected the end of the text after `task<…> :: struct \{ … \};`, found `extra`/],
    ['task<list> :: struct {\n  n :: int;\n', 3, 1, /Expected a field or `}` to close the struct, found the end of the text/],
  ])('%j fails at %i:%i', (text, line, column, message) => {
    const error = typedefError(() => parse(text));
    expect(error.code).toBe('SPM_TYPEDEF');
    expect([error.line, error.column]).toEqual([line, column]);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(`at line ${line}, column ${column}:`);
    expect(typeof error.expected).toBe('string');
    expect(typeof error.found).toBe('string');
  });

  it('ends the message with the line and a caret under the column', () => {
    const error = typedefError(() => parse('task<list> :: struct {\n  label :: scalar<stringSnipet> = deferred;\n};'));
    expect(error.message.split('\n')).toEqual([
      'Expected a scalar kind (auto, int, float, bool, string, stringSnippet, timeout, record, ApiMethod, mixed), found `stringSnipet` at line 2, column 19:',
      '2 |   label :: scalar<stringSnipet> = deferred;',
      '  |                   ^',
    ]);
    expect(error.expected).toBe('a scalar kind');
    expect(error.found).toBe('`stringSnipet`');
  });

  it('keeps tabs in the caret line so that the caret stays under the column', () => {
    const error = typedefError(() => parse('task<list> :: struct {\n\t\tn :: nope;\n};'));
    expect(error.column).toBe(8);
    expect(error.message.split('\n').slice(1)).toEqual(['2 | \t\tn :: nope;', '  | \t\t     ^']);
  });

  it('counts columns in code points, past non-ASCII text', () => {
    const error = typedefError(() => parse('task<list> :: struct { s :: scalar<string> = "𝔘𝔫𝔦"; t :: ?; };'));
    expect(error.column).toBe(58);
  });

  it('clips a long line to a short window around the column', () => {
    const long = `task<list> :: struct { ${Array.from({ length: 40 }, (_, i) => `f${i} :: int;`).join(' ')} bad :: nope; };`;
    const error = typedefError(() => parse(long));
    const [, excerpt, caret] = error.message.split('\n');
    expect(excerpt?.length).toBeLessThan(100);
    expect(excerpt).toContain('bad :: nope;');
    expect(excerpt?.startsWith('1 | …')).toBe(true);
    // The caret sits under the `n` of `nope` in the clipped excerpt.
    expect(excerpt?.[caret?.indexOf('^') ?? -1]).toBe('n');
  });

  it('refuses types nested deeper than 64 levels, at the level that is too deep', () => {
    const nested = (depth: number): string => `task<list> :: struct { a :: ${'list<'.repeat(depth)}int${'>'.repeat(depth)}; };`;
    expect(parse(nested(63)).root.fields).toHaveLength(1);
    const error = typedefError(() => parse(nested(64)));
    expect(error.message).toMatch(/nested at most 64 levels deep/);
    expect(error.column).toBe(29 + 5 * 64);
  });

  it('fails cleanly, not with a stack overflow, on absurd nesting', () => {
    const error = typedefError(() => parse(`task<list> :: struct { a :: ${'struct { b :: '.repeat(100_000)}`));
    expect(error.message).toMatch(/nested at most 64 levels deep/);
  });

  it('refuses text that is not a string', () => {
    const error = typedefError(() => parse(42 as unknown as string));
    expect(error.message).toBe('Expected typedef text (a string), got `42` (number)');
  });

  it('names a control character by its code point', () => {
    const error = typedefError(() => parse('task<list> :: struct { \u0007 };'));
    expect(error.message).toMatch(/Unexpected character U\+0007/);
  });

  it.each([
    ['U+00A0 NO-BREAK SPACE', '\u00a0'],
    ['U+3000 IDEOGRAPHIC SPACE', '\u3000'],
    ['U+200B ZERO WIDTH SPACE', '\u200b'],
    ['U+200F RIGHT-TO-LEFT MARK', '\u200f'],
    ['U+2028 LINE SEPARATOR', '\u2028'],
    ['U+2029 PARAGRAPH SEPARATOR', '\u2029'],
    ['U+202E RIGHT-TO-LEFT OVERRIDE', '\u202e'],
    ['U+2066 LEFT-TO-RIGHT ISOLATE', '\u2066'],
    ['U+00AD SOFT HYPHEN', '\u00ad'],
    ['U+0301', '\u0301'],
    ['U+0085', '\u0085'],
    ['U+E000', '\ue000'],
    ['U+0060 GRAVE ACCENT', '`'],
    ['`\u0430` (U+0430)', '\u0430'],
    ['`\uff1a` (U+FF1A)', '\uff1a'],
    ['`😀` (U+1F600)', '😀'],
  ])('names a character as %s, since it does not show or looks like another', (found, ch) => {
    const error = typedefError(() => parse(`task<list> :: struct { a :: int;${ch} };`));
    expect(error.found).toBe(found);
    expect(error.message.startsWith(`Unexpected character ${found} at line 1, column 33:`)).toBe(true);
  });

  it('names an escaped character that does not show by its code point', () => {
    const error = typedefError(() => parse('task<list> :: struct { s :: scalar<string> = "\\\u200b"; };'));
    expect(error.found).toBe('`\\` before U+200B ZERO WIDTH SPACE');
    expect(error.message).toMatch(/^Unknown escape `\\` before U\+200B ZERO WIDTH SPACE at line 1, column 47:/);
  });

  it('shows a character that would not show (or would reorder the line) as a space in the excerpt, with the caret under it', () => {
    const error = typedefError(() => parse('task<list> :: struct { a :: int;\u202e b :: int; };'));
    expect(error.message.split('\n').slice(1)).toEqual(['1 | task<list> :: struct { a :: int;  b :: int; };', `  | ${' '.repeat(32)}^`]);
  });

  it('does not count a leading byte order mark, and leaves it out of the excerpt (line 1 was a column off)', () => {
    const error = typedefError(() => parse('\ufefftask<list> : struct { a :: int; };'));
    expect([error.line, error.column]).toEqual([1, 12]);
    expect(error.message.split('\n')).toEqual(['Expected `::` at line 1, column 12:', '1 | task<list> : struct { a :: int; };', `  | ${' '.repeat(11)}^`]);
    expect(typedefError(() => parse('\ufefftask<list> :: struct {\n  a :: nope;\n};')).column).toBe(8);
  });
});

describe('parse: the caret under the excerpt, past characters of other widths', () => {
  /** The excerpt and caret lines of the error `text` fails with. */
  const excerptOf = (text: string): string[] => typedefError(() => parse(text)).message.split('\n').slice(1);

  it('pads two columns for CJK and emoji, so that the caret stays under the column', () => {
    const [line, caret] = excerptOf('task<list> :: struct { s :: scalar<string> = "漢字😀"; t :: ?; };');
    expect(line).toBe('1 | task<list> :: struct { s :: scalar<string> = "漢字😀"; t :: ?; };');
    // 57 characters before the `?`, three of them two columns wide; the column still counts code points.
    expect(caret).toBe(`  | ${' '.repeat(57 + 3)}^`);
    expect(typedefError(() => parse('task<list> :: struct { s :: scalar<string> = "漢字😀"; t :: ?; };')).column).toBe(58);
  });

  it('pads nothing for a combining mark, which shows on the character before it', () => {
    const [, caret] = excerptOf('task<list> :: struct { s :: scalar<string> = "e\u0301"; t :: ?; };');
    expect(caret).toBe(`  | ${' '.repeat(56 - 1)}^`);
  });

  it('keeps tabs in the caret line beside wide characters', () => {
    const [line, caret] = excerptOf('task<list> :: struct {\n\ts :: scalar<string> = "漢"; t :: ?;\n};');
    expect(line).toBe('2 | \ts :: scalar<string> = "漢"; t :: ?;');
    expect(caret).toBe(`  | \t${' '.repeat(32 + 1)}^`);
  });
});

describe('parse: static types', () => {
  it('takes the record type as a type argument', () => {
    const schema: TaskSchema<{ record: { n: number }; input: { n: number }; draft: { n?: number } }> = parse<{ n: number }>('task<list> :: struct { n :: int = deferred; };');
    expect(schema.root.fields[0]?.name).toBe('n');
  });
});
