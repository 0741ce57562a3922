import type { ClosureSpec } from '@spm/closure-core';

/** What a spoke gives an evaluation (`@spm/spoke`'s `EvaluationContext`), as the core's `evaluate` receives it. */
export type EvaluationContext = Parameters<
  ClosureSpec<unknown, unknown>['evaluate']
>[1];

/** What an API method receives besides its `apiArgs`. */
export interface ApiCall {
  /** The name the task called it by (`spm.meta.api`). */
  readonly api: string;
  /** The whole task record (plain data, read-only by convention). */
  readonly task: Readonly<Record<string, unknown>>;
  /** The task's own timeout (`spm.meta.timeout`) in ms, if it has one. */
  readonly taskTimeoutMs: number | undefined;
  /** Aborted when the evaluation must stop (its spoke is relaunched or shut down): stop, and kill what you started. */
  readonly signal: AbortSignal;
  /** The spoke's evaluation context: task id, attempt, spoke id, host. */
  readonly context: EvaluationContext;
}

/**
 * An API method: what `list.papply` applies to a task's `spm.meta.apiArgs` (seed Fig. 12:
 * `apply(task.spm.meta.api, (), task.spm.meta.apiArgs)`). Runs on a spoke, online; returns the
 * task's plain-data return value; throwing fails that task (`SPMTaskEval`).
 */
export type ApiMethodFn = (
  apiArgs: Readonly<Record<string, unknown>>,
  call: ApiCall,
) => unknown;
