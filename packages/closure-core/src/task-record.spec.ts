import { describe, it, expect } from '@jest/globals';
import { SPMTypedefError } from '@spm/exceptions';
import { after, parse, withSpmComponent } from '@spm/typedef';
import { prepareTask } from './task-record.js';

describe('prepareTask: spm.meta.timeout of a record without a typedef', () => {
  it('takes a Timeout, or milliseconds up to the longest a Node timer waits; absent or null is none', () => {
    expect(prepareTask(undefined, 1, { spm: { meta: { timeout: after({ seconds: 2 }) } } }).timeoutMs).toBe(2000);
    expect(prepareTask(undefined, 1, { spm: { meta: { timeout: 250 } } }).timeoutMs).toBe(250);
    expect(prepareTask(undefined, 1, { spm: { meta: { timeout: 2_147_483_647 } } }).timeoutMs).toBe(2_147_483_647);
    expect(prepareTask(undefined, 1, { spm: { meta: {} } }).timeoutMs).toBeUndefined();
    expect(prepareTask(undefined, 1, { spm: { meta: { timeout: null } } }).timeoutMs).toBeUndefined();
  });

  it('takes milliseconds with a typedef too: the standard component’s scalar<timeout> holds them (a typedef refused them, papply’s default one included)', () => {
    const schema = withSpmComponent(parse('task<list> :: struct { n :: scalar<int> = 1; };'));
    expect(prepareTask(schema, 1, { spm: { meta: { timeout: 200 } } }).timeoutMs).toBe(200);
    expect(prepareTask(schema, 1, { spm: { meta: { timeout: after({ ms: 300 }) } } }).timeoutMs).toBe(300);
    expect(() => prepareTask(schema, 1, { spm: { meta: { timeout: -1 } } })).toThrow(SPMTypedefError);
  });

  it.each([
    ['a negative number (fired at once)', -1, '`-1` (number)'],
    ['NaN (fired at once)', Number.NaN, '`NaN` (number)'],
    ['Infinity', Infinity, '`Infinity` (number)'],
    ['more than a timer waits (fired after 1 ms)', 3_000_000_000, '`3000000000` (number)'],
    ['a string (was ignored: no timeout at all)', '10', '`"10"` (string)'],
    ['a Timeout too long ({ ms } off the wire)', { ms: 3_000_000_000 }, 'an object'],
  ])('refuses %s, naming the task and the field', (_, timeout, found) => {
    const prepare = (): unknown => prepareTask(undefined, 7, { spm: { meta: { timeout } } });
    expect(prepare).toThrow(SPMTypedefError);
    expect(prepare).toThrow('Task 7: Expected `spm.meta.timeout` to be a Timeout (after({ seconds })) or milliseconds from 0 to 2147483647, got ');
    expect(prepare).toThrow(found);
  });
});
