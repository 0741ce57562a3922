import { SPMError, describeValue } from '@spm/exceptions';

/**
 * How `allreduce` combines the ranks' values: `'sum'`, `'min'` or `'max'` of numbers (or,
 * element by element, of arrays of numbers of one length), or a function `(a, b) => c` applied
 * in rank order — `op(op(v0, v1), v2)…` — the same on every rank, so every rank gets the same
 * result (floating-point sums included).
 */
export type ReduceOp<T> = 'sum' | 'min' | 'max' | ((a: T, b: T) => T);

const NAMED = {
  sum: (a: number, b: number) => a + b,
  min: (a: number, b: number) => Math.min(a, b),
  max: (a: number, b: number) => Math.max(a, b),
} as const;

function numeric(value: unknown, op: string, rank: number): number | readonly number[] {
  if (typeof value === 'number') return value;
  if (Array.isArray(value) && value.every((x) => typeof x === 'number')) return value as number[];
  throw new SPMError(`Expected the value of rank ${rank} for allreduce '${op}' to be a number or an array of numbers, got ${describeValue(value)}`);
}

const arrayOf = (n: number): string => `an array of ${n} number${n === 1 ? '' : 's'}`;

/** Checks an `allreduce` operation before anything is sent. */
export function checkReduceOp(op: unknown): void {
  if (typeof op === 'function' || op === 'sum' || op === 'min' || op === 'max') return;
  throw new SPMError(`Expected the allreduce operation to be 'sum', 'min', 'max' or a function (a, b) => c, got ${describeValue(op)}`);
}

/**
 * Folds `values` (one per rank, in rank order) with `op`. Throws `SPMError` when a named
 * operation meets something other than numbers, or arrays of different lengths.
 */
export function reduceValues<T>(values: readonly T[], op: ReduceOp<T>): T {
  checkReduceOp(op);
  if (values.length === 0) throw new SPMError('Expected at least one value to reduce, got none');
  if (typeof op === 'function') {
    let acc = values[0] as T;
    for (let i = 1; i < values.length; i += 1) acc = op(acc, values[i] as T);
    return acc;
  }
  const f = NAMED[op];
  const first = numeric(values[0], op, 0);
  if (typeof first === 'number') {
    let acc = first;
    for (let i = 1; i < values.length; i += 1) {
      const v = numeric(values[i], op, i);
      if (typeof v !== 'number') throw new SPMError(`Expected the value of rank ${i} for allreduce '${op}' to be a number like rank 0's, got an array`);
      acc = f(acc, v);
    }
    return acc as T;
  }
  const acc = [...first];
  for (let i = 1; i < values.length; i += 1) {
    const v = numeric(values[i], op, i);
    if (typeof v === 'number' || v.length !== acc.length) {
      throw new SPMError(`Expected the value of rank ${i} for allreduce '${op}' to be ${arrayOf(acc.length)} like rank 0's, got ${typeof v === 'number' ? 'a number' : arrayOf(v.length)}`);
    }
    for (let j = 0; j < acc.length; j += 1) acc[j] = f(acc[j] as number, v[j] as number);
  }
  return acc as T;
}
