import { describeValue, SPMError } from '@spm/exceptions';

/** Throws unless `value` is an integer ≥ `min` (or, with `allowInfinity`, `Infinity`). */
export function checkInteger(name: string, value: unknown, min: number, allowInfinity = false): number {
  if (allowInfinity && value === Infinity) return Infinity;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new SPMError(`Expected \`${name}\` to be an integer ≥ ${min}${allowInfinity ? ' or Infinity' : ''}, got ${describeValue(value)}`);
  }
  return value;
}

/** The longest a Node.js timer waits (2³¹ − 1 ms, about 24.8 days); a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Throws unless `value` is a finite number ≥ 0 — and, for the delay of a timer (`timer`), at most
 * {@link MAX_TIMER_MS}: a longer hello timeout would otherwise expire at once.
 */
export function checkDuration(name: string, value: unknown, timer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (timer && value > MAX_TIMER_MS)) {
    const range = timer ? `a number from 0 to ${MAX_TIMER_MS}` : 'a finite number ≥ 0';
    throw new SPMError(`Expected \`${name}\` to be a duration in ms (${range}), got ${describeValue(value)}`);
  }
  return value;
}


/** Throws unless `value` is a non-empty string. */
export function checkString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new SPMError(`Expected \`${name}\` to be a non-empty string, got ${describeValue(value)}`);
  return value;
}

/** Throws unless `value` is a boolean. */
export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new SPMError(`Expected \`${name}\` to be a boolean (true or false), got ${describeValue(value)}`);
  return value;
}

/** Throws unless `value` is a function. */
export function checkFunction<T>(name: string, value: unknown): T {
  if (typeof value !== 'function') throw new SPMError(`Expected \`${name}\` to be a function, got ${describeValue(value)}`);
  return value as T;
}

/** Throws unless `value` is an array of non-empty strings; returns a copy. */
export function checkStrings(name: string, value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item !== '')) {
    throw new SPMError(`Expected \`${name}\` to be an array of non-empty strings, got ${describeValue(value)}`);
  }
  return [...(value as string[])];
}

/** Throws unless `value` is a plain object (not null, not an array). */
export function checkObject(name: string, value: unknown, expected = 'an object'): object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SPMError(`Expected \`${name}\` to be ${expected}, got ${describeValue(value)}`);
  return value;
}

