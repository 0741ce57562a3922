/**
 * Why the tracker turned a spoke away at its `hello`, for the log line of the provisioner whose
 * channel it was (`fields.reason` of the join hub's line): kept beside the error, which stays an
 * error of the usual classes.
 */
export type RefusalReason = 'bad-hello' | 'id-taken' | 'rejoin-refused' | 'closed-at-hello' | 'no-hello' | 'tracker-closed';

const reasons = new WeakMap<Error, RefusalReason>();

/** Marks `error` as a refusal for `reason`; returns it. */
export function refusal<E extends Error>(error: E, reason: RefusalReason): E {
  reasons.set(error, reason);
  return error;
}

/** The reason `error` was marked with, if it is a refusal of the tracker's. */
export function refusalReason(error: unknown): RefusalReason | undefined {
  return error instanceof Error ? reasons.get(error) : undefined;
}
