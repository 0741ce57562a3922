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

describe('prepareTask: a record without a typedef whose fields throw when read', () => {
  const revoked = (): object => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };
  const getterThrows = (message: string): object =>
    Object.defineProperty({}, 'timeout', {
      enumerable: true,
      get() {
        throw new Error(message);
      },
    });

  it.each([
    ['a revoked Proxy as the task', (): unknown => revoked(), 'spm', "Cannot perform 'get' on a proxy that has been revoked"],
    ['a throwing `spm` getter', (): unknown => Object.defineProperty({}, 'spm', { get: () => { throw new Error('spm getter'); } }), 'spm', 'spm getter'],
    ['a throwing `spm.meta.timeout` getter', (): unknown => ({ spm: { meta: getterThrows('timeout getter') } }), 'spm.meta.timeout', 'timeout getter'],
    ['a revoked Proxy as `spm.core`', (): unknown => ({ spm: { core: revoked() } }), 'spm.core.relaunchPre', "Cannot perform 'get' on a proxy that has been revoked"],
    ['a Proxy timeout whose keys throw (read to tell a Timeout)', (): unknown => ({ spm: { meta: { timeout: new Proxy({}, { ownKeys: () => { throw new Error('trap'); } }) } } }), 'spm.meta.timeout', 'trap'],
  ])('refuses %s as SPMTypedefError naming the task and the path (it escaped as a bare Error)', (_, task, path, cause) => {
    let error: unknown;
    try {
      prepareTask(undefined, 4, task());
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SPMTypedefError);
    expect(error).toMatchObject({ code: 'SPM_TYPEDEF', path, message: `Task 4: Expected \`${path}\` to be readable, got a value that threw when read: ${cause}` });
  });
});

describe('prepareTask: a task that is no record, with a typedef', () => {
  const schema = withSpmComponent(parse('task<list> :: struct { n :: scalar<int> = deferred; };'));

  it.each([
    ['undefined (an array hole): it was taken as no init and said `n` was missing', undefined, 'nothing (undefined)'],
    ['null: it was read as {} and said `n` was missing', null, '`None` (null)'],
  ])('refuses %s', (_, input, found) => {
    let error: unknown;
    try {
      prepareTask(schema, 3, input);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SPMTypedefError);
    expect(error).toMatchObject({ path: '' });
    expect((error as Error).message).toMatch(new RegExp(`^Task 3: Expected the (task|record) to be a (record|struct) \\(a plain object\\), got ${found.replace(/[()`]/g, '\\$&')}$`));
  });
});
