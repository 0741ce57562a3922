import { describe, it, expect } from '@jest/globals';
import { SPMError } from '@spm/exceptions';
import { after } from '@spm/typedef';
import { durationMs, formatMs } from './duration.js';

describe('durationMs', () => {
  it('takes a Timeout or milliseconds, up to the longest a Node timer waits (a longer one fires after 1 ms)', () => {
    expect(durationMs('timeoutExecution', after({ seconds: 2 }))).toBe(2000);
    expect(durationMs('timeoutExecution', 2_147_483_647)).toBe(2_147_483_647);
    expect(durationMs('timeoutExecution', Infinity, true)).toBe(Infinity);
    expect(() => durationMs('timeoutExecution', 3_000_000_000)).toThrow(
      'Expected `timeoutExecution` to be a duration (after({ seconds }) or milliseconds from 0 to 2147483647), got `3000000000` (number)',
    );
    expect(() => durationMs('timeoutWaitForSpokes', -1)).toThrow(SPMError);
    expect(() => durationMs('timeoutWaitForSpokes', Infinity)).toThrow(SPMError);
  });
});

describe('formatMs', () => {
  it('prints six significant digits at most, without a float’s noise', () => {
    expect(formatMs(1500)).toBe('1500');
    expect(formatMs(0.25)).toBe('0.25');
    expect(formatMs(1e-9 * 1000)).toBe('0.000001');
    expect(formatMs(2_147_483_647)).toBe('2147483647');
    expect(formatMs(1234.56789)).toBe('1234.57');
  });
});
