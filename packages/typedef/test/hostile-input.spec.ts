import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { SPMTypedefError } from '@spm/exceptions';
import { checkRecord, createRecord, isTaskSchema, parse, print, t, tie, validateRecord, withSpmComponent, type TaskSchema } from '@spm/typedef';
import { typedefError } from './support/typedef-error.js';


const dictOfStructs = parse('task<list> :: struct { d :: dict<string, struct { a :: scalar<int> = 7; }> = None; m :: scalar<mixed> = None; };');

describe('keys no record may hold: __proto__ and constructor (the transport refuses both in any message)', () => {
  it('refuses a __proto__ entry of a dict (it vanished, and the record then failed validation)', () => {
    const error = typedefError(() => createRecord(dictOfStructs, { d: JSON.parse('{"__proto__": {"a": 1}, "x": {"a": 2}}') as never }));
    expect(error.path).toBe('d.__proto__');
    expect(error.message).toMatch(/^Expected `d` not to have the key `__proto__`: /);
  });

  it('refuses a constructor key in a dict and in plain data, and as a field name', () => {
    expect(typedefError(() => createRecord(dictOfStructs, { d: { constructor: { a: 1 } } as never })).path).toBe('d.constructor');
    expect(typedefError(() => createRecord(dictOfStructs, { m: { deep: [{ constructor: 1 }] } })).path).toBe('m.deep[0].constructor');
    const field = typedefError(() => parse('task<list> :: struct { constructor :: scalar<int> = 1; };'));
    expect([field.line, field.column]).toEqual([1, 24]);
    expect(() => t.struct({ constructor: t.scalar('int') })).toThrow(/other than __proto__ and constructor/);
  });

  it('refuses t.struct() fields given with `__proto__:` in an object literal (the field was silently lost)', () => {
    expect(() => t.struct({ __proto__: t.scalar('int'), a: t.scalar('int') } as never)).toThrow(/got one with another prototype/);
  });
});

describe('values that throw when read become errors naming their path', () => {
  it('a getter on a field, a getter inside mixed data, a revoked proxy', () => {
    const getter = {
      get m(): unknown {
        throw new Error('getter broke');
      },
    };
    const atField = typedefError(() => createRecord(dictOfStructs, getter as never));
    expect(atField.path).toBe('m');
    expect(atField.message).toBe('Expected `m` to be readable, got a value that threw when read: getter broke');
    const inside = typedefError(() =>
      validateRecord(dictOfStructs, {
        d: null,
        m: {
          list: [
            1,
            {
              get boom(): unknown {
                throw new Error('deep');
              },
            },
          ],
        },
      }),
    );
    expect(inside.path).toBe('m.list[1].boom');
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(typedefError(() => createRecord(dictOfStructs, { m: { p: proxy } })).path).toBe('m.p');
    expect(typedefError(() => createRecord(dictOfStructs, proxy as never)).path).toBe('');
  });

  it('a shared value beside one that threw is still not taken for a cycle', () => {
    const shared = { s: 1 };
    const errors = checkRecord(dictOfStructs, {
      d: null,
      m: {
        a: shared,
        get b(): unknown {
          throw new Error('x');
        },
        c: shared,
      },
    });
    expect(errors.map((e) => e.path)).toEqual(['m.b']);
  });
});

describe('a schema where one is expected', () => {
  it.each([
    ['validateRecord()', (s: unknown) => validateRecord(s as TaskSchema, {})],
    ['checkRecord()', (s: unknown) => checkRecord(s as TaskSchema, {})],
    ['createRecord()', (s: unknown) => createRecord(s as TaskSchema)],
    ['tie()', (s: unknown) => tie(s as TaskSchema, {})],
    ['withSpmComponent()', (s: unknown) => withSpmComponent(s as TaskSchema)],
    ['print()', (s: unknown) => print(s as TaskSchema)],
  ])('%s refuses typedef text, null and a bare object with an SPMTypedefError (each was a raw TypeError)', (where, call) => {
    expect(typedefError(() => call('task<list> :: struct {};')).message).toBe(
      `Expected the schema given to ${where} to be a TaskSchema from parse() or t.task(), got "task<list> :: struct {};" (string) (typedef text: parse() it first)`,
    );
    expect(typedefError(() => call(null)).found).toBe('`None` (null)');
    typedefError(() => call({}));
  });

  it('isTaskSchema tells one', () => {
    expect([isTaskSchema(dictOfStructs), isTaskSchema({}), isTaskSchema('task<list> :: struct {};'), isTaskSchema(t.task('list', t.struct({})))]).toEqual([true, false, false, true]);
  });
});

describe('tie: a write that would make the record cyclic is refused (it was accepted, and the record could never be sent)', () => {
  const schema = parse('task<list> :: struct { m :: scalar<mixed> = None; st :: struct { x :: scalar<record> = None; }; };');
  /** What the handle of that schema is (text carries no static types). */
  type Handle = { m: unknown; st: { x: unknown } };

  it('the record itself, a struct above the field, a value above the key', () => {
    const record = createRecord(schema);
    const hdl = tie(schema, record) as unknown as Handle;
    expect(() => (hdl.m = record)).toThrow('Cannot write `m`: the value refers back to the record it would be written into, and a cycle is not data');
    expect(() => (hdl.st.x = hdl.st)).toThrow(SPMTypedefError);
    expect(() => (hdl.st.x = { list: [{ up: record }] })).toThrow(/^Cannot write `st\.x`/);
    hdl.m = { a: { b: 1 } };
    const a = (hdl.m as { a: Record<string, unknown> }).a;
    expect(() => (a['c'] = (record as { m: unknown }).m)).toThrow(/^Cannot write `m\.a\.c`/);
    validateRecord(schema, record); // nothing was written by the refused writes
  });

  it('a value shared in two places is not a cycle', () => {
    const record = createRecord(schema);
    const hdl = tie(schema, record) as unknown as Handle;
    const shared = { s: 1 };
    hdl.m = { a: shared, b: shared };
    hdl.st.x = shared;
    validateRecord(schema, record);
  });
});

describe('line ends', () => {
  const fig11 = readFileSync(new URL('./fixtures/fig11.typedef', import.meta.url), 'utf8');

  it('parses a file with lone \\r line ends (old Mac) as with \\n: its first comment ate the rest of the file', () => {
    expect(parse(fig11.replace(/\r?\n/gu, '\r'))).toStrictEqual(parse(fig11));
  });

  it('counts lines ended by \\r, \\r\\n and \\n alike', () => {
    for (const eol of ['\n', '\r\n', '\r']) {
      const error = typedefError(() => parse(['# a comment', 'task<list> :: struct {', '  n :: scalar<nope>;', '};'].join(eol)));
      expect([error.line, error.column]).toEqual([3, 15]);
      expect(error.message).toContain('3 |   n :: scalar<nope>;');
    }
  });
});

describe('records that can be sent: values nest at most 62 levels (a channel carries 64, the message and the record take two)', () => {
  it('accepts 62 levels and refuses 63', () => {
    const nest = (levels: number): unknown => {
      let value: unknown = 0;
      for (let i = 0; i < levels; i += 1) value = [value];
      return value;
    };
    validateRecord(dictOfStructs, { d: null, m: nest(62) }); // m's outer array is level 1
    expect(typedefError(() => validateRecord(dictOfStructs, { d: null, m: nest(63) })).message).toMatch(/to be nested at most 62 levels deep$/);
  });
});
