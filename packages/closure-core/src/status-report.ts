import type { SPMTaskError, TaskId } from '@spm/exceptions';

/**
 * The final status of one task, delivered once to the hub (online): its return value, or its
 * parallel exception. `returnValue()` throws the exception, so the seed's status callback reads
 * `report.returnValue()` inside a `try` and catches `SPMTaskDropped`, `SPMTaskLoad`, `SPMTaskEval`.
 */
export class StatusReport<R = unknown> {
  /** The task's id (its index in submission order, or the id the task gave). */
  readonly taskId: TaskId;
  /** The attempt that concluded (1 = first dispatch). */
  readonly attempt: number;
  /** The spoke that concluded it (absent for a task dropped before it ran anywhere). */
  readonly spokeId: string | undefined;
  /** That spoke's server. */
  readonly host: string | undefined;
  /** The task record as evaluated, with `spm.core` and `spm.stat` filled (plain data). */
  readonly record: unknown;
  /** True when the task returned a value. */
  readonly ok: boolean;
  /** What the evaluation returned, when `ok`. */
  readonly value: R | undefined;
  /** The task's parallel exception, when not `ok`. */
  readonly error: SPMTaskError | undefined;

  /** @internal Made by the manager. */
  constructor(fields: { taskId: TaskId; attempt: number; spokeId?: string; host?: string; record: unknown } & ({ ok: true; value: R } | { ok: false; error: SPMTaskError })) {
    this.taskId = fields.taskId;
    this.attempt = fields.attempt;
    this.spokeId = fields.spokeId;
    this.host = fields.host;
    this.record = fields.record;
    this.ok = fields.ok;
    this.value = fields.ok ? fields.value : undefined;
    this.error = fields.ok ? undefined : fields.error;
  }

  /** The task's return value; throws its parallel exception when it has none. */
  returnValue(): R {
    if (!this.ok) throw this.error as SPMTaskError;
    return this.value as R;
  }
}
