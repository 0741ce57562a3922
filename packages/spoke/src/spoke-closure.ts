import type { EvaluationContext } from './evaluation-context.js';

/**
 * What a spoke needs of a closure declared in the sequence registry: a way to evaluate one
 * task record. Closure families (`@spm/closure-core`) declare objects of this shape; the spoke
 * knows nothing else about them.
 */
export interface SpokeClosure {
  /** Evaluates one task record, online, and returns (or resolves) its plain-data result. */
  evaluateOnSpoke(record: unknown, context: EvaluationContext): unknown;
}

/** True when `value` has the shape of a {@link SpokeClosure}. */
export function isSpokeClosure(value: unknown): value is SpokeClosure {
  return typeof value === 'object' && value !== null && typeof (value as Partial<SpokeClosure>).evaluateOnSpoke === 'function';
}
