// Bad task records and bad options: a clear error — our class, a message naming the task, the
// field or the option, what was expected and what was found — before anything runs (no task
// dispatched, no spoke leased, the hub offline again). The table is the gauntlet's; closure-core's
// own spec checks a few of these on inproc spokes.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { ManageOptions } from '@spm/closure-core';
import { SPMError, SPMTypedefError } from '@spm/exceptions';
import { currentSequence } from '@spm/sequence';
import { VirtualCloud } from '@spm/tracker';
import { after } from '@spm/typedef';
import { windows, type WindowTask } from './fixtures/gauntlet-closures.mjs';

const ok: WindowTask = { nMin: 0, nMax: 10 };
const bad = (value: unknown): WindowTask => value as WindowTask;

describe('bad input is refused before anything runs', () => {
  let cloud: VirtualCloud;
  let dispatched = 0;
  const count = (): void => void (dispatched += 1);

  beforeAll(async () => {
    cloud = await VirtualCloud.start({ hubHost: 'hub', local: { kind: 'process', spokes: 1 } });
    windows.on('dispatch', count);
  }, 30_000);

  afterAll(async () => {
    windows.off('dispatch', count);
    await cloud.close();
  });

  async function refused(options: Partial<ManageOptions<unknown>> & { tasks?: unknown }): Promise<Error> {
    dispatched = 0;
    const error = await windows
      .manage({ pool: cloud.pool.intraAll(), tasks: [ok], timeoutWaitForSpokes: after({ seconds: 10 }), ...options } as Parameters<typeof windows.manage>[0])
      .then(
        () => new Error('manage() resolved'),
        (e: unknown) => e as Error,
      );
    expect(dispatched).toBe(0);
    expect(currentSequence().state).toBe('offline');
    expect(cloud.tracker.activeLease).toBeUndefined();
    expect(cloud.spokes().map((s) => s.state)).toEqual(['idle']);
    return error;
  }

  it.each([
    ['a field of the wrong type', { nMin: 'ten', nMax: 5 }, 'nMin', /^Task 0: Expected `nMin` to be scalar<int> \(a safe integer\), got "ten" \(string\)$/],
    ['a float for an int', { nMin: 1.5, nMax: 5 }, 'nMin', /got `1\.5` \(number\)/],
    ['a bigint for an int', { nMin: 1n, nMax: 5 }, 'nMin', /got `1n` \(bigint\)/],
    ['a missing deferred field', { nMin: 1 }, 'nMax', /^Task 0: Expected `nMax` \(deferred\) to be set to scalar<int> before the task is pushed, got nothing \(unset\)$/],
    ['an unknown field', { ...ok, bogus: 1 }, 'bogus', /Unknown field `bogus`: expected one of `spm`, `nMin`, `nMax`/],
    ['a `__proto__` field', JSON.parse('{"nMin":0,"nMax":10,"__proto__":{"polluted":true}}') as unknown, '__proto__', /Unknown field `__proto__`/],
    ['a function', { ...ok, mode: () => 1 }, 'mode', /Expected `mode` to be scalar<string> \(a string\), got a function/],
    ['a Date', { ...ok, mode: new Date(0) }, 'mode', /got an instance of Date/],
    ['a record that is a number', 42, undefined, /Expected the record to be a struct \(a plain object\), got `42` \(number\)/],
    ['a record that is an array', [1, 2], undefined, /got an array of length 2/],
    ['a negative timeout', { ...ok, spm: { meta: { timeout: -5 } } }, 'spm.meta.timeout', /Expected `spm\.meta\.timeout` to be scalar<timeout> \(a Timeout from after\(\), or milliseconds from 0 to 2147483647\), got `-5` \(number\)/],
    ['a timeout that is not after()', { ...ok, spm: { meta: { timeout: { ms: -5 } } } }, 'spm.meta.timeout', /got an object with keys ms/],
    ['a NaN timeout', { ...ok, spm: { meta: { timeout: Number.NaN } } }, 'spm.meta.timeout', /got `NaN` \(number\)/],
    ['a relaunch flag that is not a boolean', { ...ok, spm: { core: { relaunchPre: 'yes' } } }, 'spm.core.relaunchPre', /scalar<bool> \(a boolean\), got "yes"/],
  ])('a task record with %s: SPMTypedefError naming the task and the field', async (_what, record, path, message) => {
    const error = await refused({ tasks: [bad(record)] });
    expect(error).toBeInstanceOf(SPMTypedefError);
    expect(error.message).toMatch(message);
    if (path !== undefined) expect((error as SPMTypedefError).path).toBe(path);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it.each([
    ['`nSpokesMin` 0', { nSpokesMin: 0 }, 'Expected `nSpokesMin` to be an integer ≥ 1, got `0` (number)'],
    ['`nSpokesMin` 1.5', { nSpokesMin: 1.5 }, 'Expected `nSpokesMin` to be an integer ≥ 1, got `1.5` (number)'],
    ['`nSpokesMin` > `nSpokesMax`', { nSpokesMin: 3, nSpokesMax: 2 }, 'Expected `nSpokesMin` (3) ≤ `nSpokesMax` (2)'],
    ['`nSpokesMax` 0', { nSpokesMax: 0 }, 'Expected `nSpokesMax` to be an integer ≥ 1 or Infinity, got `0` (number)'],
    ['a negative `timeoutExecution`', { timeoutExecution: -5 }, 'Expected `timeoutExecution` to be a duration (after({ seconds }) or milliseconds from 0 to 2147483647, or Infinity), got `-5` (number)'],
    ['a NaN `timeoutExecution`', { timeoutExecution: Number.NaN }, 'got `NaN` (number)'],
    ['a negative `timeoutWaitForSpokes`', { timeoutWaitForSpokes: -1 }, 'Expected `timeoutWaitForSpokes` to be a duration (after({ seconds }) or milliseconds from 0 to 2147483647), got `-1` (number)'],
    ['`tasks` that are not a collection', { tasks: 42 }, 'Expected `tasks` to be an array, an iterable or an async iterable, got `42` (number)'],
    ['`tasks` that are a string', { tasks: 'abc' }, 'got `"abc"` (string)'],
    ['`tasks` null', { tasks: null }, 'got `null`'],
    ['an `onStatus` that is not a function', { onStatus: 'print' }, 'Expected `onStatus` to be a function, got `"print"` (string)'],
    ['a `signal` that is not an AbortSignal', { signal: {} }, 'Expected `signal` to be an AbortSignal, got an empty object'],
    ['a `pool` that is not a pool', { pool: {} }, 'Expected `pool` to be a pool of a cloud (e.g. cloud.pool.intraAll()), got an empty object'],
    ['a `policy` that is not a policy', { policy: 'fast' }, 'Expected `policy` to be a policy (e.g. policyA), got `"fast"` (string)'],
  ])('an option with %s: SPMError saying what was expected and found', async (_what, options, message) => {
    const error = await refused(options as Partial<ManageOptions<unknown>>);
    expect(error).toBeInstanceOf(SPMError);
    expect(error.message).toContain(message);
  });
});
