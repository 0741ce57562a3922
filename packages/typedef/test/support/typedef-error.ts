import { expect } from '@jest/globals';
import { SPMTypedefError } from '@spm/exceptions';

/** The error `fn` throws, checked to be an SPMTypedefError; fails the spec when nothing is thrown. */
export function typedefError(fn: () => unknown): SPMTypedefError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SPMTypedefError);
    return error as SPMTypedefError;
  }
  throw new Error('expected an SPMTypedefError, nothing was thrown');
}
