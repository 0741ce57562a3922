import { describe, it, expect } from '@jest/globals';
import { SPMError } from '@spm/exceptions';
import { resolveTrackerOptions } from '../tracker-options.js';
import { checkDuration, MAX_TIMER_MS } from './checks.js';

describe('checkDuration', () => {
  it('takes finite durations ≥ 0, and bounds a timer’s delay by the longest a Node timer waits', () => {
    expect(checkDuration('windowMs', 0)).toBe(0);
    expect(checkDuration('windowMs', 3e12)).toBe(3e12); // not a timer's delay: no bound
    expect(checkDuration('helloTimeoutMs', MAX_TIMER_MS, true)).toBe(2_147_483_647);
    expect(() => checkDuration('helloTimeoutMs', MAX_TIMER_MS + 1, true)).toThrow('Expected `helloTimeoutMs` to be a duration in ms (a number from 0 to 2147483647), got `2147483648` (number)');
    expect(() => checkDuration('windowMs', -1)).toThrow('Expected `windowMs` to be a duration in ms (a finite number ≥ 0), got `-1` (number)');
    expect(() => checkDuration('windowMs', Number.NaN)).toThrow(SPMError);
  });

  it('bounds the tracker’s timers: a longer one would fire after 1 ms (a hello timeout of 30 days would expire at once)', () => {
    expect(() => resolveTrackerOptions({ helloTimeoutMs: 30 * 86_400_000 })).toThrow('Expected `helloTimeoutMs` to be a duration in ms (a number from 0 to 2147483647), got `2592000000` (number)');
    expect(() => resolveTrackerOptions({ heartbeatIntervalMs: 3e9 })).toThrow('`heartbeatIntervalMs`');
    expect(resolveTrackerOptions({ helloTimeoutMs: MAX_TIMER_MS }).helloTimeoutMs).toBe(MAX_TIMER_MS);
  });
});
