import { SPMError, describeValue } from '@spm/exceptions';
import { isTimeout, type Timeout } from '@spm/typedef';

/** A duration: `after({ seconds: 10 })` (a `Timeout`) or a number of milliseconds. */
export type Duration = Timeout | number;

/**
 * Converts a {@link Duration} option to milliseconds, once, at the boundary: a clear error
 * naming the option otherwise. `Infinity` is accepted where `allowInfinity` says so.
 */
export function durationMs(name: string, value: unknown, allowInfinity = false): number {
  const ms = isTimeout(value) ? value.ms : value;
  if (typeof ms === 'number' && ((allowInfinity && ms === Infinity) || (Number.isFinite(ms) && ms >= 0))) return ms;
  throw new SPMError(`Expected \`${name}\` to be a duration (after({ seconds }) or milliseconds ≥ 0${allowInfinity ? ', or Infinity' : ''}), got ${describeValue(value)}`);
}
