import { SPMError, describeValue } from '@spm/exceptions';
import { isTimeout, MAX_TIMEOUT_MS, type Timeout } from '@spm/typedef';

/** A duration: `after({ seconds: 10 })` (a `Timeout`) or a number of milliseconds. */
export type Duration = Timeout | number;

/**
 * Converts a {@link Duration} option to milliseconds, once, at the boundary: a clear error
 * naming the option otherwise. At most `MAX_TIMEOUT_MS` (the longest a Node timer waits: a
 * longer delay would fire after 1 ms); `Infinity` is accepted where `allowInfinity` says so.
 */
export function durationMs(name: string, value: unknown, allowInfinity = false): number {
  const ms = isTimeout(value) ? value.ms : value;
  if (typeof ms === 'number' && ((allowInfinity && ms === Infinity) || (Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIMEOUT_MS))) return ms;
  throw new SPMError(`Expected \`${name}\` to be a duration (after({ seconds }) or milliseconds from 0 to ${MAX_TIMEOUT_MS}${allowInfinity ? ', or Infinity' : ''}), got ${describeValue(value)}`);
}

/** A duration in ms for a message: `1500`, `0.25`, `0.000001` — a fraction to six significant digits, not a float's noise (`0.0000010000000000000002`). */
export function formatMs(ms: number): string {
  return Number.isInteger(ms) ? String(ms) : String(Number(ms.toPrecision(6)));
}
