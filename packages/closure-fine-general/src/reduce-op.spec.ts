import { describe, it, expect } from '@jest/globals';
import { SPMError } from '@spm/exceptions';
import { reduceValues } from './reduce-op.js';

describe('reduceValues', () => {
  it('sums, takes the min and the max of numbers', () => {
    expect(reduceValues([3, 1, 2], 'sum')).toBe(6);
    expect(reduceValues([3, 1, 2], 'min')).toBe(1);
    expect(reduceValues([3, 1, 2], 'max')).toBe(3);
  });

  it('combines arrays of numbers element by element', () => {
    expect(reduceValues([[1, 5], [2, 4], [3, 3]], 'sum')).toEqual([6, 12]);
    expect(reduceValues([[1, 5], [2, 4], [3, 3]], 'min')).toEqual([1, 3]);
    expect(reduceValues([[1, 5], [2, 4], [3, 3]], 'max')).toEqual([3, 5]);
  });

  it('folds a function in rank order, so every rank gets the same result', () => {
    expect(reduceValues(['a', 'b', 'c'], (x, y) => `(${x}${y})`)).toBe('((ab)c)');
    // Floating-point sums depend on the order: the fold fixes it.
    const values = [0.1, 0.2, 0.3, 1e16, -1e16];
    expect(reduceValues(values, 'sum')).toBe(values.reduce((a, b) => a + b));
  });

  it('refuses values a named operation cannot combine, naming the rank', () => {
    expect(() => reduceValues([1, 'x'], 'sum')).toThrow(new SPMError("Expected the value of rank 1 for allreduce 'sum' to be a number or an array of numbers, got `\"x\"` (string)"));
    expect(() => reduceValues([1, [2]], 'max')).toThrow("Expected the value of rank 1 for allreduce 'max' to be a number like rank 0's, got an array");
    // It said "got 1", the length, as if it were the value.
    expect(() => reduceValues([[1, 2], [3]], 'min')).toThrow(new SPMError("Expected the value of rank 1 for allreduce 'min' to be an array of 2 numbers like rank 0's, got an array of 1 number"));
    expect(() => reduceValues([[1], [3, 4, 5]], 'sum')).toThrow("Expected the value of rank 1 for allreduce 'sum' to be an array of 1 number like rank 0's, got an array of 3 numbers");
    expect(() => reduceValues([1], 'avg' as never)).toThrow("Expected the allreduce operation to be 'sum', 'min', 'max' or a function (a, b) => c, got `\"avg\"` (string)");
    expect(() => reduceValues([], 'sum')).toThrow('Expected at least one value to reduce, got none');
  });
});
