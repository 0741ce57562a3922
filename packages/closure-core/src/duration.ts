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
  const ms = timerMs(value);
  if (ms !== undefined) return ms;
  if (allowInfinity && value === Infinity) return Infinity;
  throw new SPMError(`Expected \`${name}\` to be a duration (after({ seconds }) or milliseconds from 0 to ${MAX_TIMEOUT_MS}${allowInfinity ? ', or Infinity' : ''}), got ${describeValue(value)}`);
}

/**
 * The milliseconds of a {@link Duration} a timer can wait: a `Timeout`, or a finite number from
 * 0 to `MAX_TIMEOUT_MS`; `undefined` for anything else (each caller words its own refusal).
 */
export function timerMs(value: unknown): number | undefined {
  if (isTimeout(value)) return value.ms;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_TIMEOUT_MS ? value : undefined;
}

/** A duration in ms for a message: `1500`, `0.25`, `0.000001` — a fraction to six significant digits, not a float's noise (`0.0000010000000000000002`). */
export function formatMs(ms: number): string {
  return Number.isInteger(ms) ? String(ms) : String(Number(ms.toPrecision(6)));
}
