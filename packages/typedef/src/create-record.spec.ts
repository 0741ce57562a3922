import { describe, it, expect } from '@jest/globals';
import { t } from './builder.js';
import { createRecord } from './create-record.js';
import { parse } from './parse.js';
import { tie } from './tie.js';
import { validateRecord } from './validate-record.js';
import { typedefError } from '../test/support/typedef-error.js';

const schema = parse(`task<list> :: struct {
  spm :: struct {
    meta :: struct { label :: scalar<stringSnippet> = None; timeout :: scalar<timeout> = deferred; };
    stat :: struct { returnValue :: scalar<record> = None; };
  };
  nMin :: scalar<int> = deferred;
  ratio :: scalar<float> = 0.5;
  on :: scalar<bool> = True;
  note :: scalar<string>;
  rows :: list<struct { x :: scalar<int> = 1; y :: scalar<int> = None; }> = None;
  byKey :: dict<string, struct { z :: scalar<bool> = False; }>;
};`);


describe('createRecord: defaults', () => {
  it('fills in structs, None as null and literals, in schema order, leaving deferred and default-less fields unset', () => {
    const record = createRecord(schema);
    expect(record).toStrictEqual({
      spm: { meta: { label: null }, stat: { returnValue: null } },
      ratio: 0.5,
      on: true,
      rows: null,
    });
    expect(Object.keys(record)).toEqual(['spm', 'ratio', 'on', 'rows']);
  });

  it('takes the values of init, deep into structs, and keeps the rest at their defaults', () => {
    const record = createRecord(schema, { nMin: 3, spm: { meta: { timeout: { ms: 10 } } }, note: 'n', ratio: 2 });
    expect(record).toStrictEqual({
      spm: { meta: { label: null, timeout: { ms: 10 } }, stat: { returnValue: null } },
      nMin: 3,
      ratio: 2,
      on: true,
      note: 'n',
      rows: null,
    });
    validateRecord(schema, record);
  });

  it('fills in defaults of structs inside lists and dicts', () => {
    const record = createRecord(schema, { rows: [{}, { x: 5 }], byKey: { a: {}, b: { z: true } } });
    expect(record.rows).toStrictEqual([{ x: 1, y: null }, { x: 5, y: null }]);
    expect(record.byKey).toStrictEqual({ a: { z: false }, b: { z: true } });
  });

  it('makes a fresh tree of structs and leaves init untouched', () => {
    const init = { spm: { meta: { label: 'x' } }, nMin: 1 };
    const frozen = JSON.stringify(init);
    const record = createRecord(schema, init);
    expect(record.spm).not.toBe(init.spm);
    expect(JSON.stringify(init)).toBe(frozen);
  });

  it('keeps non-struct values by reference (it does not deep-copy data)', () => {
    const returnValue = { big: [1, 2, 3] };
    const record = createRecord(schema, { spm: { stat: { returnValue } } });
    expect((record as { spm: { stat: { returnValue: unknown } } }).spm.stat.returnValue).toBe(returnValue);
  });

  it('reads a tie() handle given as init as the record behind it', () => {
    const source = createRecord(schema, { nMin: 9 });
    const copy = createRecord(schema, tie(schema, source));
    expect(copy).toStrictEqual(source);
  });

  it('works on builder schemas, typed', () => {
    const built = t.task('list', { n: t.scalar('int').deferred(), m: t.scalar('int').default(4) });
    const record = createRecord(built, { n: 1 });
    const n: number | undefined = record.n;
    expect([n, record.m]).toEqual([1, 4]);
  });
});

describe('createRecord: refusals', () => {
  it.each([
    [{ nMn: 1 }, 'nMn', 'Unknown field `nMn`: expected one of `spm`, `nMin`, `ratio`, `on`, `note`, `rows`, `byKey` of the task, got "nMn"'],
    [{ spm: { meta: { lable: 'x' } } }, 'spm.meta.lable', 'Unknown field `spm.meta.lable`: expected one of `label`, `timeout` of `spm.meta`, got "lable"'],
    [{ nMin: 1.5 }, 'nMin', 'Expected `nMin` to be scalar<int> (a safe integer), got `1.5` (number)'],
    [{ spm: { meta: { timeout: '10' } } }, 'spm.meta.timeout', 'Expected `spm.meta.timeout` to be scalar<timeout> (a Timeout from after(), or milliseconds from 0 to 2147483647), got "10" (string)'],
    [{ spm: 'x' }, 'spm', 'Expected `spm` to be a struct (a plain object), got "x" (string)'],
    [{ rows: [{ x: 'one' }] }, 'rows[0].x', 'Expected `rows[0].x` to be scalar<int> (a safe integer), got "one" (string)'],
    [{ byKey: { 'a b': { w: 1 } } }, 'byKey["a b"].w', 'Unknown field `byKey["a b"].w`'],
  ])('refuses %j', (init, path, message) => {
    const error = typedefError(() => createRecord(schema, init as never));
    expect(error.path).toBe(path);
    expect(error.message).toContain(message);
    expect(error.code).toBe('SPM_TYPEDEF');
  });

  it('refuses an init that is not a plain object', () => {
    const error = typedefError(() => createRecord(schema, new Map() as never));
    expect(error.message).toBe('Expected the record to be a struct (a plain object), got an instance of Map');
    expect(error.path).toBe('');
  });
});

/** An object whose field `name` is a getter answering `first` on the first read and `later` after; `reads()` counts them. */
function fickle(name: string, first: unknown, later: unknown): { object: object; reads: () => number } {
  let count = 0;
  const object = Object.defineProperty({}, name, {
    enumerable: true,
    get: () => (count++ === 0 ? first : later),
  });
  return { object, reads: () => count };
}

describe('createRecord: what is checked is what the record gets', () => {
  it('reads each field of init once (a getter answering 1, then a string, gave an unchecked record)', () => {
    const { object, reads } = fickle('nMin', 1, 'not an int');
    const record = createRecord(schema, Object.assign(object, { spm: { meta: { timeout: 1 } } }) as never);
    expect(record.nMin).toBe(1);
    expect(reads()).toBe(1);
    validateRecord(schema, record);
  });

  it('reads each field once inside structs in lists and dicts', () => {
    const row = fickle('x', 5, 'five');
    const entry = fickle('z', true, 'yes');
    const record = createRecord(schema, { rows: [row.object as never], byKey: { a: entry.object as never } });
    expect(record.rows).toStrictEqual([{ x: 5, y: null }]);
    expect(record.byKey).toStrictEqual({ a: { z: true } });
    expect([row.reads(), entry.reads()]).toEqual([1, 1]);
  });

  it('names the element whose read threw inside a list of structs', () => {
    const rows = Object.defineProperty([], 0, {
      enumerable: true,
      get: () => {
        throw new Error('row broke');
      },
    }) as never;
    const error = typedefError(() => createRecord(schema, { rows }));
    expect(error.path).toBe('rows[0]');
    expect(error.message).toBe('Expected `rows[0]` to be readable, got a value that threw when read: row broke');
  });
});

describe('createRecord: init', () => {
  it('takes an omitted or undefined init as no init', () => {
    expect(createRecord(schema, undefined)).toStrictEqual(createRecord(schema));
  });

  it('refuses a null init (it was read as {})', () => {
    const error = typedefError(() => createRecord(schema, null as never));
    expect(error.message).toBe('Expected the record to be a struct (a plain object), got `None` (null)');
    expect(error.path).toBe('');
  });
});
