import { describe, it, expect } from '@jest/globals';
import { SPMTypedefError } from '@spm/exceptions';
import { createRecord } from './create-record.js';
import { parse } from './parse.js';
import { after } from './timeout.js';
import { checkRecord, validateRecord } from './validate-record.js';

const schema = parse(`task<list> :: struct {
  spm :: struct {
    meta :: struct {
      label :: scalar<stringSnippet> = deferred;
      api :: scalar<ApiMethod> = None;
      apiArgs :: dict<string,mixed> = None;
      timeout :: scalar<timeout> = deferred;
      path :: tuple<string> = None;
    };
    stat :: struct { returnValue :: scalar<record> = None; };
  };
  n :: scalar<int> = deferred;
  x :: scalar<float> = 0;
  ok :: scalar<bool> = None;
  s :: scalar<string>;
  keyed :: dict<ApiMethod, int>;
};`);

/** A complete, valid record, with `patch` applied at `path`. */
function recordWith(path: string[], value: unknown): Record<string, unknown> {
  const record = createRecord(schema, { spm: { meta: { label: '***', timeout: after({ seconds: 1 }) } }, n: 1 }) as Record<string, unknown>;
  let at = record;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  const last = path[path.length - 1] as string;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return record;
}

function validationError(record: unknown): SPMTypedefError {
  try {
    validateRecord(schema, record);
  } catch (error) {
    expect(error).toBeInstanceOf(SPMTypedefError);
    return error as SPMTypedefError;
  }
  throw new Error('expected an SPMTypedefError, nothing was thrown');
}

class Point {
  x = 1;
}

describe('validateRecord: a complete record passes', () => {
  it('accepts the record createRecord makes once deferred fields are set', () => {
    const record = recordWith(['s'], 'optional fields may be set');
    expect(() => validateRecord(schema, record)).not.toThrow();
    expect(checkRecord(schema, record)).toEqual([]);
  });

  it('lets fields without a default be missing', () => {
    expect(() => validateRecord(schema, recordWith(['s'], undefined))).not.toThrow();
  });

  it('accepts every kind of plain data in record/mixed values, shared references included', () => {
    const shared = { a: 1 };
    const returnValue = { n: null, b: true, f: -1.5, s: 'x', bytes: new Uint8Array([1, 2]), list: [shared, shared], nested: { deeper: [[]] } };
    expect(() => validateRecord(schema, recordWith(['spm', 'stat', 'returnValue'], returnValue))).not.toThrow();
    const proto = Object.create(null) as Record<string, unknown>;
    proto['k'] = 1;
    expect(() => validateRecord(schema, recordWith(['spm', 'meta', 'apiArgs'], { cmd: 'ls', env: proto }))).not.toThrow();
  });

  it('narrows the record’s static type', () => {
    const record: unknown = recordWith([], undefined);
    validateRecord(schema, record);
    // After the assertion the record is the schema's record type (untyped here: fields are unknown).
    expect(Object.keys(record)).toContain('spm');
  });
});

describe('validateRecord: problems name the path, the expected type and what was found', () => {
  const cycle: Record<string, unknown> = { a: 1 };
  cycle['self'] = cycle;
  const deep: unknown[] = [];
  let tip = deep;
  for (let i = 0; i < 300; i += 1) {
    const next: unknown[] = [];
    tip.push(next);
    tip = next;
  }

  it.each([
    ['an unset deferred field', ['spm', 'meta', 'timeout'], undefined, 'spm.meta.timeout', 'scalar<timeout>', 'nothing (unset)', 'Expected `spm.meta.timeout` (deferred) to be set to scalar<timeout> before the task is pushed, got nothing (unset)'],
    ['a missing None field', ['ok'], undefined, 'ok', 'scalar<bool> or its default None', 'nothing (unset)', 'createRecord() fills in defaults'],
    ['a missing literal field', ['x'], undefined, 'x', 'scalar<float> or its default 0', 'nothing (unset)', 'Expected `x` to hold scalar<float> or its default 0'],
    ['a missing struct', ['spm', 'stat'], undefined, 'spm.stat', 'a struct (a plain object)', 'nothing (unset)', 'createRecord() fills in every struct'],
    ['an unknown field', ['spm', 'meta', 'lable'], 'x', 'spm.meta.lable', 'one of `label`, `api`, `apiArgs`, `timeout`, `path`', '"lable"', 'Unknown field `spm.meta.lable`'],
    ['a float for an int', ['n'], 1.5, 'n', 'scalar<int> (a safe integer)', '`1.5` (number)', 'Expected `n` to be scalar<int> (a safe integer), got `1.5` (number)'],
    ['an unsafe integer', ['n'], 2 ** 53, 'n', 'scalar<int> (a safe integer)', '`9007199254740992` (number)', ''],
    ['NaN for a float', ['x'], Number.NaN, 'x', 'scalar<float> (a finite number)', '`NaN` (number)', ''],
    ['a string for a bool', ['ok'], 'yes', 'ok', 'scalar<bool> (a boolean)', '"yes" (string)', ''],
    ['null for a deferred field', ['n'], null, 'n', 'scalar<int> (a safe integer)', '`None` (null)', ''],
    ['a snippet over 4096 characters', ['spm', 'meta', 'label'], 'x'.repeat(4097), 'spm.meta.label', 'scalar<stringSnippet> (a string of at most 4096 UTF-16 code units)', `"${'x'.repeat(38)}… (a string of 4097 UTF-16 code units)`, ''],
    ['an ApiMethod that is no method name', ['spm', 'meta', 'api'], 'rm -rf /', 'spm.meta.api', 'scalar<ApiMethod> (a dotted method name such as coprocess.shell.policyA)', '"rm -rf /" (string)', ''],
    ['an empty ApiMethod', ['spm', 'meta', 'api'], '', 'spm.meta.api', 'scalar<ApiMethod> (a dotted method name such as coprocess.shell.policyA)', '"" (string)', ''],
    ['a string for a timeout', ['spm', 'meta', 'timeout'], '10s', 'spm.meta.timeout', 'scalar<timeout> (a Timeout from after(), or milliseconds from 0 to 2147483647)', '"10s" (string)', ''],
    ['negative milliseconds for a timeout', ['spm', 'meta', 'timeout'], -1, 'spm.meta.timeout', 'scalar<timeout> (a Timeout from after(), or milliseconds from 0 to 2147483647)', '`-1` (number)', ''],
    ['a string for a tuple', ['spm', 'meta', 'path'], '/tmp', 'spm.meta.path', 'tuple<string> (an array)', '"/tmp" (string)', ''],
    ['a bad tuple element', ['spm', 'meta', 'path'], ['/a', 3], 'spm.meta.path[1]', 'scalar<string> (a string)', '`3` (number)', ''],
    ['an array for a dict', ['spm', 'meta', 'apiArgs'], [], 'spm.meta.apiArgs', 'dict<string,mixed> (a plain object)', 'an array of length 0', ''],
    ['a dict key of the wrong kind', ['keyed'], { 'not a method': 1 }, 'keyed["not a method"]', 'a key of scalar<ApiMethod> (a dotted method name such as coprocess.shell.policyA)', '"not a method" (string)', 'Expected the keys of `keyed` to be'],
    ['a function in mixed data', ['spm', 'meta', 'apiArgs'], { cb: () => 1 }, 'spm.meta.apiArgs.cb', 'plain data (null, boolean, number, string, Uint8Array, array or plain object)', 'a function (`cb`)', ''],
    ['a class instance in record data', ['spm', 'stat', 'returnValue'], { p: new Point() }, 'spm.stat.returnValue.p', 'plain data (null, boolean, number, string, Uint8Array, array or plain object)', 'an instance of Point', ''],
    ['a Map', ['spm', 'stat', 'returnValue'], new Map(), 'spm.stat.returnValue', 'plain data (null, boolean, number, string, Uint8Array, array or plain object)', 'an instance of Map', ''],
    ['a symbol', ['spm', 'stat', 'returnValue'], [Symbol('s')], 'spm.stat.returnValue[0]', 'plain data (null, boolean, number, string, Uint8Array, array or plain object)', 'a symbol', ''],
    ['a bigint', ['spm', 'stat', 'returnValue'], { n: 10n }, 'spm.stat.returnValue.n', 'plain data (null, boolean, number, string, Uint8Array, array or plain object)', '`10n` (bigint)', ''],
    ['Infinity in data', ['spm', 'stat', 'returnValue'], [1, Number.POSITIVE_INFINITY], 'spm.stat.returnValue[1]', 'plain data (numbers must be finite)', '`Infinity` (number)', ''],
    ['undefined in data', ['spm', 'stat', 'returnValue'], { u: undefined }, 'spm.stat.returnValue.u', 'plain data (undefined is not data)', 'nothing (unset)', ''],
    ['a cycle', ['spm', 'stat', 'returnValue'], cycle, 'spm.stat.returnValue.self', 'plain data without cycles', 'an object with keys a, self', 'a reference back to an enclosing value'],
    ['data nested too deep', ['spm', 'stat', 'returnValue'], deep, 'spm.stat.returnValue' + '[0]'.repeat(60), 'a value nested at most 62 levels deep', 'an array of length 1', ''],
  ])('reports %s', (_what, path, value, errorPath, expected, found, message) => {
    const error = validationError(recordWith(path, value));
    expect(error.code).toBe('SPM_TYPEDEF');
    expect(error.path).toBe(errorPath);
    expect(error.expected).toBe(expected);
    expect(error.found).toBe(found);
    expect(error.message).toContain(message);
  });

  it('reports a record that is not a plain object', () => {
    for (const record of [null, 'x', [], new Date()]) {
      const error = validationError(record);
      expect(error.path).toBe('');
      expect(error.message).toMatch(/^Expected the record to be a struct \(a plain object\), got /);
    }
  });
});

describe('checkRecord: every problem at once', () => {
  it('lists all problems in field order', () => {
    const record = recordWith(['n'], 'one') as Record<string, unknown>;
    record['bogus'] = 1;
    ((record['spm'] as Record<string, unknown>)['meta'] as Record<string, unknown>)['label'] = undefined;
    const problems = checkRecord(schema, record);
    expect(problems.every((problem) => problem instanceof SPMTypedefError)).toBe(true);
    expect(problems.map((problem) => problem.path)).toEqual(['bogus', 'spm.meta.label', 'n']);
  });

  it('stops at 100 problems', () => {
    const record = recordWith(['spm', 'meta', 'apiArgs'], Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, () => i])));
    expect(checkRecord(schema, record)).toHaveLength(100);
  });
});
