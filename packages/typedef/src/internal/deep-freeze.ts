/**
 * Freezes a schema tree so that one shared schema (SPM_COMPONENT, a closure's typedef) cannot
 * be changed by one of its users under the others. Schemas are trees of plain objects and
 * arrays, bounded in depth by MAX_TYPE_DEPTH, so recursion is safe.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}
