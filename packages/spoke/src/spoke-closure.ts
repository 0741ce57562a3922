import type { EvaluationContext } from './evaluation-context.js';

/**
 * What a spoke needs of a closure declared in the sequence registry: a way to evaluate one
 * task record. Closure families (`@spm/closure-core`) declare objects of this shape; the spoke
 * knows nothing else about them.
 */
export interface SpokeClosure {
  /** Evaluates one task record, online, and returns (or resolves) its plain-data result. */
  evaluateOnSpoke(record: unknown, context: EvaluationContext): unknown;
  /**
   * True when the spoke may begin evaluating a task of this closure while the tasks ahead of it
   * are still evaluating (the hub may have sent up to `prefetch + 1`). Reports stay in arrival
   * order, and tasks still go online one at a time: a task goes online, and sends `started`,
   * when every task ahead of it has concluded. For evaluations that mostly wait on work the
   * closure queues itself. @default false
   */
  readonly pipelined?: boolean;
}

/** True when `value` has the shape of a {@link SpokeClosure}. */
export function isSpokeClosure(value: unknown): value is SpokeClosure {
  return typeof value === 'object' && value !== null && typeof (value as Partial<SpokeClosure>).evaluateOnSpoke === 'function';
}
