import { describe, it, expect } from '@jest/globals';
import { SPMTypedefError } from '@spm/exceptions';
import { after, isTimeout, isTimeoutMs, MAX_TIMEOUT_MS, toMs, type AfterOptions } from './timeout.js';

describe('after: durations as plain data', () => {
  it.each([
    [{ seconds: 10 }, 10_000],
    [{ hours: 1, minutes: 2, seconds: 3, ms: 4 }, 3_723_004],
    [{ minutes: 0.5 }, 30_000],
    [{ ms: 0.25 }, 0.25],
    [{}, 0],
    [{ seconds: undefined, ms: 7 }, 7],
  ] as [AfterOptions, number][])('after(%j) is %d ms', (duration, ms) => {
    const timeout = after(duration);
    expect(timeout).toStrictEqual({ ms });
    expect(toMs(timeout)).toBe(ms);
    expect(Object.isFrozen(timeout)).toBe(true);
  });

  it.each([
    [{ seconds: -1 }, 'Expected `seconds` to be a finite number ≥ 0, got `-1` (number)', 'seconds'],
    [{ ms: Number.NaN }, 'Expected `ms` to be a finite number ≥ 0, got `NaN` (number)', 'ms'],
    [{ hours: Number.POSITIVE_INFINITY }, 'Expected `hours` to be a finite number ≥ 0, got `Infinity` (number)', 'hours'],
    [{ minutes: '5' }, 'Expected `minutes` to be a finite number ≥ 0, got "5" (string)', 'minutes'],
    [{ secs: 5 }, 'Expected after() to get only hours, minutes, seconds or ms, got `secs`', 'secs'],
  ])('refuses %j', (duration, message, path) => {
    expect(() => after(duration as AfterOptions)).toThrow(SPMTypedefError);
    expect(() => after(duration as AfterOptions)).toThrow(message);
    try {
      after(duration as AfterOptions);
    } catch (error) {
      expect((error as SPMTypedefError).path).toBe(path);
    }
  });

  it('takes up to the longest a timer waits, and refuses longer (setTimeout would fire after 1 ms)', () => {
    expect(after({ ms: MAX_TIMEOUT_MS })).toStrictEqual({ ms: 2_147_483_647 });
    expect(after({ hours: 24 * 24 })).toStrictEqual({ ms: 2_073_600_000 });
    expect(() => after({ seconds: 3_000_000 })).toThrow('Expected after() to make a duration of at most 2147483647 ms (about 24.8 days, the longest a timer waits), got 3000000000 ms');
    expect(() => after({ ms: MAX_TIMEOUT_MS, seconds: 0.001 })).toThrow(SPMTypedefError);
    expect(isTimeout({ ms: MAX_TIMEOUT_MS })).toBe(true);
    expect(isTimeout({ ms: MAX_TIMEOUT_MS + 1 })).toBe(false);
  });

  it('refuses a sum that overflows and a duration that is not an object', () => {
    expect(() => after({ hours: Number.MAX_VALUE })).toThrow('Expected after() to make a finite duration, got Infinity ms');
    expect(() => after(10 as unknown as AfterOptions)).toThrow('Expected after() to get { hours?, minutes?, seconds?, ms? }, got `10` (number)');
    expect(() => after(null as unknown as AfterOptions)).toThrow(SPMTypedefError);
  });
});

describe('isTimeout and toMs: what counts as a Timeout', () => {
  it('accepts a plain { ms } as it comes back from the wire', () => {
    expect(isTimeout({ ms: 5 })).toBe(true);
    expect(isTimeout(Object.assign(Object.create(null) as object, { ms: 0 }))).toBe(true);
  });

  it.each([[{ ms: -1 }], [{ ms: Number.NaN }], [{ ms: 5, extra: 1 }], [{ seconds: 5 }], [-5], [Number.NaN], [MAX_TIMEOUT_MS + 1], ['5'], [null], [new (class { ms = 5; })()]])('refuses %p', (value) => {
    expect(isTimeout(value)).toBe(false);
    expect(() => toMs(value as never)).toThrow(SPMTypedefError);
    expect(() => toMs(value as never)).toThrow(/^Expected a Timeout such as after\(\{ seconds: 10 \}\) or milliseconds from 0 to 2147483647, got /);
  });

  it('reads milliseconds as a scalar<timeout> holds them, from 0 to MAX_TIMEOUT_MS (isTimeout is for the object alone)', () => {
    expect([toMs(0), toMs(1500), toMs(0.5), toMs(MAX_TIMEOUT_MS)]).toEqual([0, 1500, 0.5, MAX_TIMEOUT_MS]);
    expect([isTimeoutMs(5), isTimeoutMs(-1), isTimeoutMs(Infinity), isTimeoutMs({ ms: 5 })]).toEqual([true, false, false, false]);
    expect(isTimeout(5)).toBe(false);
  });

  it('after() refuses what is not a plain object (a Map, a class instance, inherited parts were read as 0 ms)', () => {
    expect(() => after(new Map([['seconds', 5]]) as never)).toThrow('Expected after() to get { hours?, minutes?, seconds?, ms? }, got an instance of Map');
    expect(() => after(Object.create({ seconds: 5 }) as never)).toThrow(SPMTypedefError);
    expect(after(Object.assign(Object.create(null) as object, { seconds: 1 }) as never)).toEqual({ ms: 1000 });
  });
});
