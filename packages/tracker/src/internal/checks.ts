import { describeValue, SPMError } from '@spm/exceptions';

/** Throws unless `value` is an integer ≥ `min` (or, with `allowInfinity`, `Infinity`). */
export function checkInteger(name: string, value: unknown, min: number, allowInfinity = false): number {
  if (allowInfinity && value === Infinity) return Infinity;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new SPMError(`Expected \`${name}\` to be an integer ≥ ${min}${allowInfinity ? ' or Infinity' : ''}, got ${describeValue(value)}`);
  }
  return value;
}

/** Throws unless `value` is a finite number ≥ 0. */
export function checkDuration(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new SPMError(`Expected \`${name}\` to be a duration in ms (a finite number ≥ 0), got ${describeValue(value)}`);
  }
  return value;
}

