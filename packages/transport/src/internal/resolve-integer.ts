import { describeValue, SPMTransportError } from '@spm/exceptions';

/** `value ?? fallback`, checked to be an integer ≥ 1 (and at most `max`, when given). */
export function resolvePositiveInteger(name: string, value: number | undefined, fallback: number, max = Infinity): number {
  const resolved = value ?? fallback;
  if (!Number.isInteger(resolved) || resolved < 1 || resolved > max) {
    const range = max === Infinity ? 'an integer ≥ 1' : `an integer from 1 to ${max}`;
    throw new SPMTransportError(`Expected \`${name}\` to be ${range}, got ${describeValue(value)}`);
  }
  return resolved;
}
