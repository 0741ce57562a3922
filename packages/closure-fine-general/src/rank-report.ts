import type { SPMGangError } from '@spm/exceptions';

/**
 * The final status of one rank of a gang, delivered once per rank when the gang has concluded —
 * all succeeded, or the gang failed for good (then every rank carries an `SPMGangError` naming the
 * rank that failed first, with that rank's own error as `cause`). Reports of a gang run that was
 * relaunched are never delivered.
 */
export class RankReport<R = unknown> {
  /** The rank (0 … size − 1). */
  readonly rank: number;
  /** The gang run this report is from: 1, or more after relaunches. */
  readonly gangAttempt: number;
  /** The spoke that evaluated the rank (absent when it never ran, or its run was cut short). */
  readonly spokeId: string | undefined;
  /** That spoke's server. */
  readonly host: string | undefined;
  /** True when the whole gang succeeded. */
  readonly ok: boolean;
  /** What this rank's evaluation returned, when `ok`. */
  readonly value: R | undefined;
  /** Why the gang failed, when not `ok`. */
  readonly error: SPMGangError | undefined;

  /** @internal Made by the gang manager. */
  constructor(fields: { rank: number; gangAttempt: number; spokeId?: string; host?: string } & ({ ok: true; value: R } | { ok: false; error: SPMGangError })) {
    this.rank = fields.rank;
    this.gangAttempt = fields.gangAttempt;
    this.spokeId = fields.spokeId;
    this.host = fields.host;
    this.ok = fields.ok;
    this.value = fields.ok ? fields.value : undefined;
    this.error = fields.ok ? undefined : fields.error;
  }

  /** This rank's return value; throws the gang's `SPMGangError` when the gang failed. */
  returnValue(): R {
    if (!this.ok) throw this.error as SPMGangError;
    return this.value as R;
  }
}
