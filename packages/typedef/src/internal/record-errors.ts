import { SPMTypedefError } from '@spm/exceptions';
import type { Problem } from './check-value.js';

/** The error a validation problem throws: message, field path, expected, found. */
export function problemError(problem: Problem): SPMTypedefError {
  return new SPMTypedefError(problem.message, { path: problem.path, expected: problem.expected, found: problem.found });
}
