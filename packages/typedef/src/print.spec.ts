import { describe, it, expect } from '@jest/globals';
import { SPMTypedefError } from '@spm/exceptions';
import { parse } from './parse.js';
import { print } from './print.js';
import type { TaskSchema } from './schema.js';

describe('print: canonical text', () => {
  it('lays out a schema with two-space indents, scalar<…> for fields and bare kinds inside containers', () => {
    const schema = parse(`task<dag>::struct{ # comments go
      spm::struct{ meta::struct{ label::scalar<stringSnippet>=deferred; }; };
      paths ::tuple< scalar<string> > = None;
      args  ::dict<string , mixed>;
      rows  ::list<struct{ x::int=3; }>;
      empty ::struct{};
      flag  ::scalar<bool> = true;
      ratio ::scalar<float> = -0;
      name  ::scalar<string> = 'say "hi"\\n';
    };`);
    expect(print(schema)).toBe(
      [
        'task<dag> :: struct {',
        '  spm :: struct {',
        '    meta :: struct {',
        '      label :: scalar<stringSnippet> = deferred;',
        '    };',
        '  };',
        '  paths :: tuple<string> = None;',
        '  args :: dict<string,mixed>;',
        '  rows :: list<struct {',
        '    x :: scalar<int> = 3;',
        '  }>;',
        '  empty :: struct {};',
        '  flag :: scalar<bool> = True;',
        '  ratio :: scalar<float> = -0;',
        '  name :: scalar<string> = "say \\"hi\\"\\n";',
        '};',
        '',
      ].join('\n'),
    );
  });

  it('prints text that parses back to an equal schema', () => {
    const schema = parse(`task<list> :: struct {
      a :: scalar<float> = 1e21; b :: scalar<float> = 5e-324; c :: scalar<int> = -9007199254740991;
      d :: scalar<string> = "\\u0000\\b\\f\\r\\t\\ud800 é 𝔘"; e :: list<list<dict<ApiMethod,tuple<timeout>>>> = deferred;
    };`);
    expect(parse(print(schema))).toStrictEqual(schema);
  });

  it('is a fixed point: printing the parsed print gives the same text', () => {
    const text = print(parse('task<list> :: struct { s :: struct { n :: int = 1; }; };'));
    expect(print(parse(text))).toBe(text);
  });

  it('refuses a hand-made schema whose names the language cannot spell', () => {
    const bad: TaskSchema = { kind: 'task', container: 'list', root: { kind: 'struct', fields: [{ name: 'two words', type: { kind: 'scalar', scalar: 'int' } }] } };
    expect(() => print(bad)).toThrow(SPMTypedefError);
    expect(() => print(bad)).toThrow('Expected a field name to be an identifier other than __proto__ and constructor, got "two words"');
    expect(() => print({ ...bad, container: '' })).toThrow('Expected the container word to be an identifier');
  });

  it('refuses a hand-made schema typedef text cannot say: its text would not parse back (it was printed all the same)', () => {
    const int = { kind: 'scalar', scalar: 'int' } as const;
    const made = (fields: unknown[]): TaskSchema => ({ kind: 'task', container: 'list', root: { kind: 'struct', fields } }) as unknown as TaskSchema;
    for (const fields of [
      [{ name: 'a', type: { kind: 'scalar', scalar: 'nope' } }],
      [{ name: 'a', type: int, default: { kind: 'value', value: Number.NaN } }],
      [{ name: 'a', type: { kind: 'list', element: int }, default: { kind: 'value', value: 3 } }],
      [
        { name: 'a', type: int },
        { name: 'a', type: int },
      ],
      [{ name: 'a', type: { kind: 'bogus' } }],
    ]) {
      expect(() => print(made(fields))).toThrow(/^Expected print\(\) to get a schema typedef text can say, got one whose text does not parse back: /);
    }
  });
});
