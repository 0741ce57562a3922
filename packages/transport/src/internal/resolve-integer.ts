import { SPMTransportError } from '@spm/exceptions';

/** `value ?? fallback`, checked to be an integer ≥ 1. */
export function resolvePositiveInteger(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (!Number.isInteger(resolved) || resolved < 1) {
    throw new SPMTransportError(`Expected \`${name}\` to be an integer ≥ 1, got \`${String(value)}\` (${typeof value})`);
  }
  return resolved;
}
