import { describe, it, expect } from '@jest/globals';
import { pack, unpack } from 'msgpackr';
import { t } from './builder.js';
import { createRecord } from './create-record.js';
import { parse } from './parse.js';
import { after } from './timeout.js';
import { tie, type TiedObject, type TiedValue } from './tie.js';
import { validateRecord } from './validate-record.js';
import { typedefError } from '../test/support/typedef-error.js';

const schema = t.task('list', {
  spm: t.struct({
    meta: t.struct({ label: t.scalar('stringSnippet').deferred(), timeout: t.scalar('timeout').deferred(), path: t.tuple('string').none() }),
    stat: t.struct({ returnValue: t.scalar('record').none(), exception: t.scalar('auto').none() }),
  }),
  nMin: t.scalar('int').deferred(),
  ratio: t.scalar('float').default(0.5),
  note: t.scalar('string'),
  rows: t.list(t.struct({ x: t.scalar('int').default(1) })).none(),
});

/** Narrows a value read through a handle to a value handle (a plain object with Has). */
function asObject(value: TiedValue | undefined): TiedObject {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw new Error(`expected a value handle, got ${String(value)}`);
  }
  return value as TiedObject;
}


describe('tie: reading and writing through a handle', () => {
  it('writes land in the plain record, which then validates (seed Fig. 11, lines 9–16)', () => {
    const record = createRecord(schema);
    const hdl = tie(schema, record);
    hdl.spm.meta.label = '***';
    hdl.spm.meta.timeout = after({ seconds: 10 });
    hdl.nMin = 2;
    expect(record).toStrictEqual({
      spm: { meta: { path: null, label: '***', timeout: { ms: 10_000 } }, stat: { returnValue: null, exception: null } },
      ratio: 0.5,
      rows: null,
      nMin: 2,
    });
    validateRecord(schema, record);
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(unpack(pack(record))).toStrictEqual(record);
  });

  it('reads values, defaults for missing None and literal fields, and undefined for unset optional fields', () => {
    const hdl = tie(schema, { nMin: 4 });
    expect(hdl.nMin).toBe(4);
    expect(hdl.ratio).toBe(0.5);
    expect(hdl.spm.stat.returnValue).toBeNull();
    expect(hdl.note).toBeUndefined();
  });

  it('refuses to read a deferred field that has not been set', () => {
    const hdl = tie(schema, createRecord(schema));
    const error = typedefError(() => hdl.spm.meta.timeout);
    expect(error.message).toBe('Cannot read `spm.meta.timeout`: it is deferred and has not been set (scalar<timeout>)');
    expect(error.path).toBe('spm.meta.timeout');
  });

  it('returns the same nested handle each time, and makes a missing nested struct', () => {
    const record = {};
    const hdl = tie(schema, record);
    expect(hdl.spm).toBe(hdl.spm);
    expect(hdl.spm.meta).toBe(hdl.spm.meta);
    hdl.spm.meta.label = 'made';
    expect(record).toStrictEqual({ spm: { meta: { path: null, label: 'made' }, stat: { returnValue: null, exception: null } } });
  });

  it('type-checks a write at once and leaves the record unchanged when it fails', () => {
    const record = createRecord(schema, { nMin: 1 });
    const hdl = tie(schema, record);
    const error = typedefError(() => {
      hdl.nMin = 1.5;
    });
    expect(error.message).toBe('Expected `nMin` to be scalar<int> (a safe integer), got `1.5` (number)');
    expect([error.path, error.expected, error.found]).toEqual(['nMin', 'scalar<int> (a safe integer)', '`1.5` (number)']);
    expect(record.nMin).toBe(1);
    expect(() => {
      hdl.spm.meta.timeout = '10' as never;
    }).toThrow('Expected `spm.meta.timeout` to be scalar<timeout> (a Timeout from after(), or milliseconds from 0 to 2147483647), got "10" (string)');
  });

  it('fills in defaults of a struct assigned whole, and checks it as a draft', () => {
    const record = createRecord(schema);
    const hdl = tie(schema, record);
    // The handle's static type is the complete record's; at run time a draft element is
    // enough, as createRecord would fill it in.
    hdl.rows = [{} as { x: number }, { x: 3 }];
    expect(record.rows).toStrictEqual([{ x: 1 }, { x: 3 }]);
    expect(() => {
      hdl.spm.meta = { lable: 'x' } as never;
    }).toThrow('Unknown field `spm.meta.lable`');
  });

  it('unsets a field on delete or on assigning undefined, but never a struct', () => {
    const record = createRecord(schema, { nMin: 1, note: 'n' });
    const hdl = tie(schema, record);
    hdl.note = undefined;
    delete (hdl as { nMin?: number }).nMin;
    expect('note' in record || 'nMin' in record).toBe(false);
    expect(() => {
      hdl.spm.meta = undefined as never;
    }).toThrow('Cannot unset the struct `spm.meta`: assign its fields instead');
  });

  it('stores what it checked: a struct written whole is read once (a getter answering 1, then a string, was stored unchecked)', () => {
    const hdl = tie(schema, createRecord(schema));
    let reads = 0;
    const row = Object.defineProperty({}, 'x', { enumerable: true, get: () => (reads++ === 0 ? 1 : 'one') });
    hdl.rows = [row as { x: number }];
    expect(hdl.rows).toStrictEqual([{ x: 1 }]);
    expect(reads).toBe(1);
  });

  it('stores the record behind a handle, not the handle, when one is assigned', () => {
    const one = createRecord(schema, { spm: { stat: { returnValue: { a: 1 } } } });
    const two = createRecord(schema);
    const hdlTwo = tie(schema, two);
    hdlTwo.spm.stat.returnValue = tie(schema, one).spm.stat.returnValue;
    expect(two.spm?.stat?.returnValue).toBe(one.spm?.stat?.returnValue);
    expect(unpack(pack(two))).toStrictEqual(two);
  });
});

describe('tie: unknown names are refused', () => {
  const hdl = tie(schema, createRecord(schema));

  it.each([
    ['reading', () => (hdl as unknown as Record<string, unknown>)['nMn'], 'Cannot read unknown field `nMn`: expected one of `spm`, `nMin`, `ratio`, `note`, `rows` of the task', 'nMn'],
    [
      'writing',
      () => {
        (hdl.spm.meta as unknown as Record<string, unknown>)['lable'] = 'x';
      },
      'Cannot write unknown field `spm.meta.lable`: expected one of `label`, `timeout`, `path` of `spm.meta`',
      'spm.meta.lable',
    ],
    [
      'deleting',
      () => {
        delete (hdl.spm as unknown as Record<string, unknown>)['stats'];
      },
      'Cannot delete unknown field `spm.stats`',
      'spm.stats',
    ],
    ['defining', () => Object.defineProperty(hdl, 'nMin', { value: 1 }), 'Cannot define "nMin" on a handle of the task', ''],
  ])('when %s', (_what, act, message, path) => {
    const error = typedefError(act);
    expect(error.message).toContain(message);
    expect(error.path).toBe(path);
  });

  it('answers `in` from the schema', () => {
    expect(['nMin' in hdl, 'note' in hdl, 'nMn' in hdl]).toEqual([true, true, false]);
  });

  it('lets printing, JSON, awaiting and Object.keys work', async () => {
    const record = createRecord(schema, { nMin: 3 });
    const handle = tie(schema, record);
    expect(JSON.stringify(handle)).toBe(JSON.stringify(record));
    expect(`${handle.spm}`).toBe('[object Object]');
    expect(await Promise.resolve(handle)).toBe(handle);
    expect(Object.keys(handle)).toEqual(Object.keys(record));
    expect(handle.valueOf()).toBe(handle);
    // Jest's equality probes `asymmetricMatch` and `$$typeof`: they read through, not throw.
    expect(handle.spm).toEqual(record.spm);
  });
});

describe('tie: Has', () => {
  it('tells a set field from an unset or unknown one on a struct handle', () => {
    const hdl = tie(schema, createRecord(schema, { nMin: 1 }));
    expect([hdl.Has('nMin'), hdl.Has('note'), hdl.Has('nMn'), hdl.spm.meta.Has('path')]).toEqual([true, false, false, true]);
  });

  it('answers the seed’s returnValue.Has(attr = …) on record values (Fig. 11 status callback)', () => {
    const record = createRecord(schema, { spm: { stat: { returnValue: { stdOut: 'lusaka\n', nested: { deep: 1 } } } } });
    const returnValue = asObject(tie(schema, record).spm.stat.returnValue);
    expect(returnValue.Has({ attr: 'stdOut' })).toBe(true);
    expect(returnValue.Has('stdErr')).toBe(false);
    expect(returnValue['stdOut']).toBe('lusaka\n');
    expect(asObject(returnValue['nested']).Has('deep')).toBe(true);
    const error = typedefError(() => returnValue['stdErr']);
    expect(error.message).toBe('Cannot read `spm.stat.returnValue.stdErr`: `spm.stat.returnValue` has no attribute "stdErr" (ask Has("stdErr") first)');
  });

  it('checks writes to a value handle as plain data', () => {
    const record = createRecord(schema, { spm: { stat: { returnValue: {} } } });
    const value = tie(schema, record).spm.stat.returnValue as unknown as Record<string, unknown>;
    value['ok'] = [1, 'two'];
    expect(record.spm?.stat?.returnValue).toStrictEqual({ ok: [1, 'two'] });
    expect(() => {
      value['bad'] = () => 1;
    }).toThrow('Expected `spm.stat.returnValue.bad` to be plain data');
  });

  it('refuses a Has argument that is neither a name nor { attr }', () => {
    const hdl = tie(schema, createRecord(schema));
    expect(() => hdl.Has(3 as never)).toThrow('Expected Has() to get a name or { attr: name }, got `3` (number)');
  });

  it('returns the nested objects of a frozen value as they are', () => {
    const inner = Object.freeze({ k: 1 });
    const record = createRecord(schema, { spm: { stat: { returnValue: Object.freeze({ inner }) } } });
    const value = tie(schema, record).spm.stat.returnValue as unknown as Record<string, unknown>;
    expect(value['inner']).toBe(inner);
  });
});

describe('tie: options and limits', () => {
  it('adds the caller’s methods to the root handle only, and a field of the same name wins', () => {
    const pushed: unknown[] = [];
    const record = createRecord(schema, { nMin: 7 });
    const hdl = tie(schema, record, { methods: { Push: () => pushed.push(structuredClone(record)), nMin: () => 'shadowed' } });
    hdl.Push();
    expect(pushed).toEqual([record]);
    expect(hdl.nMin).toBe(7);
    expect(() => (hdl.spm as unknown as { Push: unknown }).Push).toThrow('Cannot read unknown field `spm.Push`');
  });

  it('refuses a record that is not a draft of the schema, or is frozen', () => {
    expect(() => tie(schema, { nMn: 1 } as never)).toThrow('Unknown field `nMn`');
    expect(() => tie(schema, Object.freeze(createRecord(schema)))).toThrow('Cannot tie the record: it is frozen, and a handle writes to its record');
  });

  it('ties a parsed, untyped schema too', () => {
    const parsed = parse('task<list> :: struct { s :: struct { n :: scalar<int> = deferred; }; };');
    const record = createRecord(parsed);
    const hdl = tie(parsed, record);
    (hdl['s'] as Record<string, unknown>)['n'] = 5;
    expect(record).toStrictEqual({ s: { n: 5 } });
  });
});
