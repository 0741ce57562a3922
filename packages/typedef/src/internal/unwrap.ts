/**
 * Handles made by `tie()`, mapped to the plain objects they stand for, so that a handle given
 * where a record is expected (`createRecord`, `validateRecord`, a field write) is read as
 * its record and never stored inside another record.
 */
const targets = new WeakMap<object, object>();

/** Records that `handle` stands for `target`. */
export function registerHandle(handle: object, target: object): void {
  targets.set(handle, target);
}

/** The plain object behind a handle, or `value` itself. */
export function unwrap(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return targets.get(value) ?? value;
}
